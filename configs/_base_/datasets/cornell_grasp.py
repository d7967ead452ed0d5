# Cornell grasp dataset, original release layout (see data/README.md).
# Detection only (no masks). 5-fold image-wise cross-validation: pick the test fold with
#   --cfg-options train_dataloader.dataset.fold=K val_dataloader.dataset.fold=K \
#                 test_dataloader.dataset.fold=K
# Validation (save_best, early looks at the metric) runs on a seeded 10 % of the *training* folds,
# never on the test fold (docs/conventions.md section 5); training uses the other 90 %.
# and average the five runs (paper VI-A). For object-wise folds add fold_by='object' to the three
# datasets (the objects come from object_map_file, default the release's processedData/z.txt);
# tools/analysis_tools/cornell_cross_validation.py --fold-by object / --object-map does it.
dataset_type = 'CornellGraspDataset'
data_root = 'data/cornell/'
backend_args = None
val_ratio = 0.1  # of the training folds, held out for validation

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=False),
    dict(type='GraspCenterCrop', crop_size=351),  # paper VI-B
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=50),
    dict(type='PackGraspInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=False),
    dict(type='GraspCenterCrop', crop_size=351),
    dict(type='PackGraspInputs')
]

# Test-time augmentation (`tools/test.py --tta`): the 8 views of the crop (no flip / horizontal
# flip x quarter turns 0, 90, 180, 270 degrees about the crop's centre, exact pixel permutations
# of the 351x351 crop), merged by `tta_model` (configs/_base_/default_runtime.py). The identity
# view comes first: its sample carries the ground truth to the metric.
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=False),
    dict(type='GraspCenterCrop', crop_size=351),
    dict(type='TestTimeAug', transforms=[
        [dict(type='GraspRandomFlip', prob=0.0), dict(type='GraspRandomFlip', prob=1.0)],
        [dict(type='GraspRandomRotateTranslate', rotate_range=(a, a), max_translate=0)
         for a in (0, 90, 180, 270)],
        [dict(type='PackGraspInputs')]])
]

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        fold=0,
        num_folds=5,
        split='train',
        split_seed=0,
        val_ratio=val_ratio,
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        fold=0,
        num_folds=5,
        split='test',
        split_seed=0,
        test_mode=True,
        pipeline=test_pipeline))
# validation: the same loader on a hold-out of the training side
val_dataloader = dict(
    test_dataloader,
    dataset=dict(test_dataloader['dataset'], split='val', val_ratio=val_ratio))

val_evaluator = dict(type='GraspJaccardMetric', mode='top1')
test_evaluator = val_evaluator
