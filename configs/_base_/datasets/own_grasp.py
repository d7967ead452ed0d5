# One's own images, in the grasp JSON format (docs/own_objects.md): a file written by
# tools/dataset_converters/to_grasp_json.py (from labelme, CVAT, Cornell, Jacquard, OCID_grasp).
# Used by the *_own_objects configs, which take these variables (not top-level dataloaders, so
# that they can inherit a model and schedule from another config):
#   train_dataloader = dict(dataset=dict(_base_.own_data, _delete_=True, split='train', ...))
# Paths in the file are relative to the file's own folder (data_root joins ann_file).
# Sides: each image's "split" field ("train" / "val" / "test"). Without it use k-fold
# cross-validation: fold=K, num_folds=5 (fold_by='group' keeps an object's images on one side).
# Validation: the images marked "val"; with none marked, a seeded 10 % of the training side
# (val_ratio; never the test side: docs/conventions.md section 5).
own_data = dict(
    type='GraspJsonDataset', data_root='data/own/', ann_file='grasps.json', val_ratio=0.1)
own_augmentation = [
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=50),
    dict(type='GraspRandomFlip', prob=0.5),
]
own_det_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=False),
    *own_augmentation,
    dict(type='PackGraspInputs')
]
own_det_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=False),
    dict(type='PackGraspInputs')
]
own_det_seg_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    *own_augmentation,
    dict(type='PackGraspInputs')
]
own_det_seg_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    dict(type='PackGraspInputs')
]
