# Det_Seg with RGB-D input on Jacquard: det_seg_mobilenetv2_fpn_jacquard.py
# with the depth image as a fourth input channel (RGBDMobileNetV2: ImageNet weights for RGB,
# depth filters from their mean; the pieces in ../_base_/datasets/jacquard_rgbd.py).
# RGB against RGB-D: docs/jacquard_benchmark.md.
_base_ = [
    './det_seg_mobilenetv2_fpn_jacquard.py', '../_base_/datasets/jacquard_rgbd.py'
]
model = dict(
    data_preprocessor=dict(_base_.rgbd_data_preprocessor, _delete_=True),
    backbone=dict(type='RGBDMobileNetV2'))
train_dataloader = dict(dataset=dict(pipeline=_base_.rgbd_train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.rgbd_test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.rgbd_test_pipeline))
