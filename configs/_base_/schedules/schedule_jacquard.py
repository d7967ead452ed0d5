# Paper VI: Jacquard, lr 0.023 for a batch of 8.
_base_ = './sgd_nesterov_base.py'
optim_wrapper = dict(optimizer=dict(lr=0.023))
auto_scale_lr = dict(base_batch_size=8)
