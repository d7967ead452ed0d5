# The quick start: a small Det_Seg_Refine (ResNet-18, narrow FPN and heads, no pretrained weights)
# that trains on the CPU in about 10 minutes on the synthetic scenes
# (python tools/misc/generate_synthetic.py --out data/synthetic). All heads train jointly.
_base_ = [
    '../_base_/models/grasp_det_seg_r50_fpn.py', '../_base_/datasets/synthetic_grasp.py',
    '../_base_/schedules/sgd_nesterov_base.py', '../_base_/default_runtime.py'
]
fpn_channels = 64
model = dict(
    backbone=dict(
        depth=18, frozen_stages=-1, norm_eval=False, init_cfg=None),  # trained from scratch
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=fpn_channels),
    rpn_head=dict(in_channels=fpn_channels, feat_channels=fpn_channels),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=fpn_channels),
        bbox_head=dict(in_channels=fpn_channels, fc_out_channels=256)),
    semantic_head=dict(in_channels=fpn_channels, channels=32, num_classes=6, pool_size=32),
    refine_head=dict(fc_channels=(128, 128)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(sampler=dict(num=128)),
        refine=dict(num_proposals=100)),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

# 5 epochs of 113 iterations, about 1.05 s each on 2 CPU cores: about 10 minutes.
max_epochs = 5
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[4], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.02))
train_dataloader = dict(batch_size=4)
auto_scale_lr = dict(base_batch_size=4)
default_hooks = dict(logger=dict(interval=25))
