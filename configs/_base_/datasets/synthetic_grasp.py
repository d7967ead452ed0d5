# Synthetic scenes of the quick start, written by
#   python tools/misc/generate_synthetic.py --out data/synthetic --num 500 --size 256 --seed 0
# in the OCID_grasp layout and read by OCIDGraspDataset (so this file inherits ocid_grasp.py) with
# their own semantic classes (mmgrasp.datasets.synthetic.SYNTHETIC_METAINFO; a model needs
# num_classes=6 in its semantic head). What differs from OCID_grasp: the data root and classes,
# hold-out of single scenes (no sequences), the shift scaled to 256 px images, and top-1 grasp
# accuracy per image, as for Cornell and Jacquard.
_base_ = './ocid_grasp.py'
data_root = 'data/synthetic/'
# Validation (save_best) runs on scenes held out of training_0.txt (10 %, seeded);
# validation_0.txt is the test side and is never used for validation (docs/conventions.md,
# section 5).
fold_by = 'image'
metainfo = dict(
    sem_classes=('background', 'box', 'bar', 'disc', 'ellipse', 'triangle'),
    sem_palette=[(0, 0, 0), (255, 225, 25), (60, 180, 75), (70, 240, 240), (245, 130, 48),
                 (240, 50, 230)])

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=_base_.backend_args),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    # the paper's augmentation, translation scaled to the 256 px images
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=30),
    dict(type='PackGraspInputs')
]
train_dataloader = dict(dataset=dict(data_root=data_root, fold_by=fold_by,
                                     metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, fold_by=fold_by, metainfo=metainfo))
test_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))

val_evaluator = dict(_delete_=True, type='GraspJaccardMetric', mode='top1')
test_evaluator = val_evaluator
