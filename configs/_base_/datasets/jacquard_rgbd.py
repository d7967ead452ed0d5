# RGB-D input on Jacquard, written once for the *_rgbd_jacquard* configs (issue: the paper's
# "multi-modal input data"). A config adds this file to its `_base_` list and then sets
#   model = dict(data_preprocessor=dict(_base_.rgbd_data_preprocessor, _delete_=True),
#                backbone=dict(type='RGBDMobileNetV2'))
#   train_dataloader = dict(dataset=dict(pipeline=_base_.rgbd_train_pipeline))
#   val_dataloader / test_dataloader = dict(dataset=dict(pipeline=_base_.rgbd_test_pipeline))
# The depth is each scene's _perfect_depth.tiff (float32 metres); it moves with the image through
# every geometric step and is normalised per image (median subtracted, / depth_std metres) by
# RGBDDataPreprocessor (docs/datasets.md, "Depth").
rgbd_data_preprocessor = dict(
    type='RGBDDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    depth_std=0.1,  # metres: Jacquard's objects stand up to about 0.15 m above the table
    bgr_to_rgb=True,
    pad_size_divisor=32,
    pad_seg=True,
    seg_pad_value=255)
rgbd_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthFromFile', depth_scale=1.0),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    dict(type='GraspResize', scale_factor=0.5),  # paper VI-C: 1024 -> 512
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=50),
    dict(type='GraspRandomFlip', prob=0.5),
    dict(type='PackGraspInputs')
]
rgbd_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthFromFile', depth_scale=1.0),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    dict(type='GraspResize', scale_factor=0.5),
    dict(type='PackGraspInputs')
]
