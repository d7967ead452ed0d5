# Issue 26 lever (docs/results.md, "Unseen objects"): det_mobilenetv2_fpn_cornell.py with colour
# and brightness jitter after the paper's rotation / translation, so that the detector leans on
# shape over appearance. mmdet's PhotoMetricDistortion (brightness +-32, contrast and saturation
# x0.5-1.5, hue +-18, each with probability 1/2; it touches the image only, never the grasps).
# Measured by object-wise cross-validation against the shipped config before any adoption.
_base_ = './det_mobilenetv2_fpn_cornell.py'
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=False),
    dict(type='GraspCenterCrop', crop_size=351),  # paper VI-B
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=50),
    dict(type='mmdet.PhotoMetricDistortion', brightness_delta=32, contrast_range=(0.5, 1.5),
         saturation_range=(0.5, 1.5), hue_delta=18),
    dict(type='PackGraspInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
