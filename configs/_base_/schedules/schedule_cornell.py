# Paper VI: Cornell, lr 0.04 for a batch of 12.
_base_ = './sgd_nesterov_base.py'
optim_wrapper = dict(optimizer=dict(lr=0.04))
auto_scale_lr = dict(base_batch_size=12)
