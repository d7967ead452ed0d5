# Paper VI: OCID_grasp, lr 0.03 for a batch of 8.
_base_ = './sgd_nesterov_base.py'
optim_wrapper = dict(optimizer=dict(lr=0.03))
auto_scale_lr = dict(base_batch_size=8)
