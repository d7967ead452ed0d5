# Jacquard grasp dataset, original layout <root>/<objectID>/<k>_<objectID>_* (see data/README.md).
# 95/5 image-wise seeded split (paper VI-A); images halved to 512x512 (paper VI-C).
# Validation (save_best) runs on a seeded 5 % of the 95 % training side, never on the test side
# (docs/conventions.md section 5); training uses the rest.
dataset_type = 'JacquardGraspDataset'
data_root = 'data/jacquard/'
backend_args = None
val_ratio = 0.05  # of the training side, held out for validation

# No augmentation on Jacquard (paper VI-C: "No data augmentation was needed"): the training
# pipeline is the test pipeline (docs/paper_vs_mmgrasp.md).
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    dict(type='GraspResize', scale_factor=0.5),
    dict(type='PackGraspInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    dict(type='GraspResize', scale_factor=0.5),
    dict(type='PackGraspInputs')
]

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        test_ratio=0.05,
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
        split='test',
        test_ratio=0.05,
        split_seed=0,
        test_mode=True,
        pipeline=test_pipeline))
# validation: the same loader on a hold-out of the training side
val_dataloader = dict(
    test_dataloader,
    dataset=dict(test_dataloader['dataset'], split='val', val_ratio=val_ratio))

val_evaluator = dict(type='GraspJaccardMetric', mode='top1')
test_evaluator = val_evaluator
