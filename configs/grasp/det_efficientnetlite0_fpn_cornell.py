# Detection on Cornell with an ImageNet-pretrained EfficientNet-Lite0 + FPN: issue 26's backbone
# lever, the shipped MobileNetV2 config (det_mobilenetv2_fpn_cornell.py) with only the backbone,
# its input normalisation and the FPN's input widths changed (same heads, schedule, data).
# Weights: bash tools/model_converters/fetch_pretrained.sh efficientnet_lite0
_base_ = ['./det_mobilenetv2_fpn_cornell.py', '../_base_/models/efficientnet_lite0_backbone.py']
model = dict(
    data_preprocessor=_base_.efficientnet_lite0_preprocessor,
    backbone=dict(_base_.efficientnet_lite0_backbone, _delete_=True),
    neck=dict(in_channels=_base_.efficientnet_lite0_out_channels))
