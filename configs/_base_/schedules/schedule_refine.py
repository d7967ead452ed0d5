# Paper VI: Det_Seg_Refine is fine-tuned from a Det_Seg checkpoint with the backbone frozen,
# lr 0.008 for a batch of 4. The configs freeze the backbone (`frozen_stages=4`).
_base_ = './sgd_nesterov_base.py'
max_epochs = 8
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=200),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[6], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.008))
auto_scale_lr = dict(base_batch_size=4)
