# OCID_grasp dataset, release layout with data_split/*.txt (see data/README.md).
# 31 object classes + background in the semantic branch; per-class grasp accuracy (paper VI-A).
dataset_type = 'OCIDGraspDataset'
data_root = 'data/OCID_grasp/'
backend_args = None
# Validation (save_best) runs on whole sequences held out of training_0.txt (10 %, seeded);
# validation_0.txt is the test side and is never used for validation (docs/conventions.md,
# section 5). The release's split k: ann_file data_split/training_k.txt / validation_k.txt, or
# fold=k without ann_file (docs/evaluation_protocol.md).
val_ratio = 0.1
fold_by = 'sequence'  # the unit of the hold-out: 'sequence' or 'image'

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=50),
    dict(type='PackGraspInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
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
        ann_file='data_split/training_0.txt',
        split='train',
        val_ratio=val_ratio,
        fold_by=fold_by,
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
        ann_file='data_split/validation_0.txt',
        test_mode=True,
        pipeline=test_pipeline))
# validation: the same loader on a hold-out of the training file
val_dataloader = dict(
    test_dataloader,
    dataset=dict(test_dataloader['dataset'], ann_file='data_split/training_0.txt', split='val',
                 val_ratio=val_ratio, fold_by=fold_by))

# the authors' OCID_grasp evaluation (scripts/evaluate_det_seg_OCID.py of
# stefan-ainetter/grasp_det_seg_cnn): predictions scoring above 0.05, per (image, class) pair on the
# predicted mask; seg_img_IoU is their per-image segmentation IoU (paper Table V)
val_evaluator = dict(type='GraspJaccardMetric', mode='per_class', score_thr=0.05)
test_evaluator = val_evaluator
