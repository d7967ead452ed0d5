# Synthetic scenes of the quick start, written by
#   python tools/misc/generate_synthetic.py --out data/synthetic --num 500 --size 256 --seed 0
# in the OCID_grasp layout and read by OCIDGraspDataset with their own semantic classes
# (mmgrasp.datasets.synthetic.SYNTHETIC_METAINFO; a model needs num_classes=6 in its
# semantic head). Top-1 grasp accuracy per image, as for Cornell and Jacquard.
dataset_type = 'OCIDGraspDataset'
data_root = 'data/synthetic/'
backend_args = None
# Validation (save_best) runs on scenes held out of training_0.txt (10 %, seeded);
# validation_0.txt is the test side and is never used for validation (DESIGN.md section 5).
val_ratio = 0.1
val_group = 'image'
metainfo = dict(
    sem_classes=('background', 'box', 'bar', 'disc', 'ellipse', 'triangle'),
    sem_palette=[(0, 0, 0), (255, 225, 25), (60, 180, 75), (70, 240, 240), (245, 130, 48),
                 (240, 50, 230)])

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    # the paper's augmentation, translation scaled to the 256 px images
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=30),
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
        val_group=val_group,
        metainfo=metainfo,
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='data_split/training_0.txt',
        split='val',
        val_ratio=val_ratio,
        val_group=val_group,
        metainfo=metainfo,
        test_mode=True,
        pipeline=test_pipeline))
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
        metainfo=metainfo,
        test_mode=True,
        pipeline=test_pipeline))

val_evaluator = dict(type='GraspJaccardMetric', mode='top1')
test_evaluator = val_evaluator
