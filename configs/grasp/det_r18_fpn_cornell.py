# Detection on Cornell with a small ResNet-18 + FPN from random weights, for CPU experiments
# (the paper's numbers need ImageNet weights: see det_r101_fpn_cornell.py). Not a paper config.
_base_ = './det_r101_fpn_cornell.py'
fpn_channels = 64
model = dict(
    backbone=dict(
        depth=18, frozen_stages=-1, norm_eval=False, init_cfg=None,
        norm_cfg=dict(type='BN', requires_grad=True)),  # trained from scratch: BN learns
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=fpn_channels),
    rpn_head=dict(
        in_channels=fpn_channels, feat_channels=fpn_channels,
        # mmdet's L1 box loss, as when the CPU figures of docs/results.md were measured
        loss_bbox=dict(_delete_=True, type='mmdet.L1Loss', loss_weight=1.0)),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=fpn_channels),
        bbox_head=dict(in_channels=fpn_channels, fc_out_channels=256)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300), rcnn=dict(sampler=dict(num=128))),
    # 100 test proposals (the authors' 300, INI:67): chosen on the folds' training images, where
    # no fold lost more than one image of 80 against 300 (docs/speed.md, "Fewer proposals");
    # the RoIAlign and fcs of the grasp head take a third of the time
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=100)))
max_epochs = 60
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[45, 55], gamma=0.1)
]
# gradient clipping kept for the CPU configs (their figures in docs/results.md were measured
# with it)
optim_wrapper = dict(optimizer=dict(lr=0.02), clip_grad=dict(max_norm=35, norm_type=2))
train_dataloader = dict(batch_size=4)
auto_scale_lr = dict(base_batch_size=4)
default_hooks = dict(checkpoint=dict(interval=10))
