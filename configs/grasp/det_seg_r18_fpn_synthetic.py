# A small Det_Seg (ResNet-18, narrow FPN and heads, no pretrained weights) that trains on the CPU
# on the synthetic scenes (python tools/misc/generate_synthetic.py --out data/synthetic); the
# quick start det_seg_refine_r18_fpn_synthetic.py adds the refinement head to it. Not a paper
# config: mmdet's L1 RPN box loss, trainable BN and gradient clipping are kept, as when the
# CPU figures of docs/results.md were measured.
_base_ = [
    '../_base_/models/grasp_det_seg_r50_fpn.py', '../_base_/datasets/synthetic_grasp.py',
    '../_base_/schedules/sgd_nesterov_base.py', '../_base_/default_runtime.py'
]
fpn_channels = 64
model = dict(
    backbone=dict(
        depth=18, frozen_stages=-1, norm_eval=False, init_cfg=None,  # trained from scratch
        norm_cfg=dict(type='BN', requires_grad=True)),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=fpn_channels),
    rpn_head=dict(
        in_channels=fpn_channels, feat_channels=fpn_channels,
        loss_bbox=dict(_delete_=True, type='mmdet.L1Loss', loss_weight=1.0)),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=fpn_channels),
        bbox_head=dict(in_channels=fpn_channels, fc_out_channels=256)),
    semantic_head=dict(in_channels=fpn_channels, channels=32, num_classes=6, pool_size=32),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

# 5 epochs of 113 iterations, about 1.05 s each on 2 CPU cores: about 10 minutes.
max_epochs = 5
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[4], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.02), clip_grad=dict(max_norm=35, norm_type=2))
train_dataloader = dict(batch_size=4)
auto_scale_lr = dict(base_batch_size=4)
default_hooks = dict(logger=dict(interval=25))
