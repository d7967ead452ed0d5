# Detection on Cornell with an ImageNet-pretrained MobileNetV2 + FPN, for CPU experiments: the
# pretrained counterpart of det_r18_fpn_cornell.py (same FPN, heads and schedule).
# The backbone block and where its weights come from: ../_base_/models/mobilenetv2_backbone.py.
_base_ = ['./det_r18_fpn_cornell.py', '../_base_/models/mobilenetv2_backbone.py']
model = dict(
    backbone=dict(_base_.mobilenetv2_backbone, _delete_=True),
    neck=dict(in_channels=_base_.mobilenetv2_out_channels))

# Schedule of the CPU benchmark (docs/results.md, "Cornell benchmark"): 30 epochs of 20 iterations
# take about 13 minutes on 2 cores, inside the 30 CPU-minute budget per fold with room for a loaded
# machine; the learning rate drops before the end instead of being cut off by the time budget.
max_epochs = 30
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[22, 27], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=5))
