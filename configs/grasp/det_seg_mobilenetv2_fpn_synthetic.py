# The small Det_Seg of det_seg_r18_fpn_synthetic.py with an ImageNet-pretrained MobileNetV2 + FPN
# instead of a ResNet-18 trained from scratch; same FPN, heads and schedule.
# The backbone block and where its weights come from: ../_base_/models/mobilenetv2_backbone.py.
_base_ = ['./det_seg_r18_fpn_synthetic.py', '../_base_/models/mobilenetv2_backbone.py']
model = dict(
    backbone=dict(_base_.mobilenetv2_backbone, _delete_=True),
    neck=dict(in_channels=_base_.mobilenetv2_out_channels))
