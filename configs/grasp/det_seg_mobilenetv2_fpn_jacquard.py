# Det_Seg on Jacquard for CPU experiments: the paper's Jacquard recipe (images halved to 512x512,
# no augmentation, lambda_sem 0.8, SGD Nesterov) with an ImageNet-pretrained MobileNetV2 + a narrow
# FPN and heads instead of ResNet-101 (the heads of det_seg_mobilenetv2_fpn_synthetic.py).
# Not a paper config; it is what the refinement-head comparison on the Jacquard samples uses:
#   python tools/train.py configs/grasp/det_seg_mobilenetv2_fpn_jacquard.py \
#       --cfg-options train_dataloader.dataset.data_root=../shared/data/jacquard/Samples/ ...
# Fetch the ImageNet weights once: bash tools/model_converters/fetch_pretrained.sh
_base_ = './det_seg_r101_fpn_jacquard.py'
pretrained = '{{$MMGRASP_PRETRAINED_DIR:~/.cache/mmgrasp/pretrained}}/mobilenetv2_imagenet_mmdet.pth'
fpn_channels = 64
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmdet.MobileNetV2',
        widen_factor=1.0,
        out_indices=(1, 2, 4, 6),  # layer2/3/5/7: 24/32/96/320 channels at strides 4/8/16/32
        frozen_stages=2,  # up to the stride-4 output, as the paper's stem + res2
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[24, 32, 96, 320], out_channels=fpn_channels),
    rpn_head=dict(
        in_channels=fpn_channels, feat_channels=fpn_channels,
        loss_bbox=dict(_delete_=True, type='mmdet.L1Loss', loss_weight=1.0)),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=fpn_channels),
        bbox_head=dict(in_channels=fpn_channels, fc_out_channels=256)),
    semantic_head=dict(in_channels=fpn_channels, channels=32, pool_size=32),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

# A CPU schedule: 40 epochs of a few iterations on the 48 samples (about 20 minutes on 2 cores).
max_epochs = 40
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[30, 37],
         gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.02), clip_grad=dict(max_norm=35, norm_type=2))
train_dataloader = dict(batch_size=4)
auto_scale_lr = dict(base_batch_size=4)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=10))
