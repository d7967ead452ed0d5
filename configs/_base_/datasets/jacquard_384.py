# The Jacquard pipelines at a 384x384 working size (1024 -> 384, scale 0.375) instead of the
# paper's 512x512, for the 60 ms target of issue 27 (docs/speed.md); written once for the Det_Seg
# and Det_Seg_Refine configs that use them. The translation shrinks with the image (50 px at 512
# -> 38 px); the rest is det_seg_mobilenetv2_fpn_jacquard.py's. A config adds this file to its
# `_base_` list and sets
#   train_dataloader = dict(dataset=dict(pipeline=_base_.jacquard_384_train_pipeline))
#   val_dataloader / test_dataloader: the same with _base_.jacquard_384_test_pipeline
jacquard_384_train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    dict(type='GraspResize', scale_factor=0.375),
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=38),
    dict(type='GraspRandomFlip', prob=0.5),
    dict(type='PackGraspInputs')
]
jacquard_384_test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    dict(type='GraspResize', scale_factor=0.375),
    dict(type='PackGraspInputs')
]
