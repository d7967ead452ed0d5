# Issue 26 lever (docs/results.md, "Unseen objects"): det_mobilenetv2_fpn_cornell.py with a zoom
# of 0.8-1.25 (log-uniform, about the crop's centre) drawn with the paper's rotation / translation,
# so that the detector meets objects and grasps of other sizes than folder 01's. The range was set
# before any result: a quarter larger or smaller, symmetric in log scale. Measured by object-wise
# cross-validation against the shipped config before any adoption.
_base_ = './det_mobilenetv2_fpn_cornell.py'
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=False),
    dict(type='GraspCenterCrop', crop_size=351),  # paper VI-B
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=50,
         scale_range=(0.8, 1.25)),
    dict(type='PackGraspInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
