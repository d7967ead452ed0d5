# Issue 26 lever (docs/results.md, "Unseen objects"): det_mobilenetv2_fpn_cornell.py with random
# erasing away from the grasps after the paper's rotation / translation: in half of the samples,
# 1-3 patches of uniform noise (2-10 % of the crop each) at least 4 px clear of every grasp
# rectangle (GraspRandomBackgroundErasing), so that the detector meets texture that is not
# graspable. Cornell has no masks: a patch may also cover a part of an object that carries no
# grasp. Ranges set before any result. Measured by object-wise
# cross-validation against the shipped config before any adoption.
_base_ = './det_mobilenetv2_fpn_cornell.py'
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=False),
    dict(type='GraspCenterCrop', crop_size=351),  # paper VI-B
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=50),
    dict(type='GraspRandomBackgroundErasing', prob=0.5, num_patches=(1, 3),
         area_range=(0.02, 0.1), margin=4),
    dict(type='PackGraspInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
