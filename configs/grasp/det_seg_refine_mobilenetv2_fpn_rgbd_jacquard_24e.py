# Det_Seg_Refine with RGB-D input on Jacquard: det_seg_refine_mobilenetv2_fpn_jacquard_24e.py
# with the depth image as a fourth input channel (RGBDMobileNetV2: ImageNet weights for RGB,
# depth filters from their mean; the pieces in ../_base_/datasets/jacquard_rgbd.py).
# RGB against RGB-D: docs/jacquard_benchmark.md.
_base_ = [
    './det_seg_refine_mobilenetv2_fpn_jacquard_24e.py', '../_base_/datasets/jacquard_rgbd.py'
]
model = dict(
    data_preprocessor=dict(_base_.rgbd_data_preprocessor, _delete_=True),
    backbone=dict(type='RGBDMobileNetV2', stem_trainable=False))  # all frozen (paper VI-C)
train_dataloader = dict(dataset=dict(pipeline=_base_.rgbd_train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.rgbd_test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.rgbd_test_pipeline))
load_from = 'work_dirs/det_seg_mobilenetv2_fpn_rgbd_jacquard_48e/epoch_48.pth'
