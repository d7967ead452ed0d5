# Det_Seg on Jacquard for CPU experiments and the Jacquard benchmark
# (tools/analysis_tools/jacquard_cross_validation.py, docs/jacquard_benchmark.md): the paper's
# Jacquard setting (images halved to 512x512, lambda_sem 0.8, SGD Nesterov) with an
# ImageNet-pretrained MobileNetV2 + a narrow FPN and heads instead of ResNet-101 (the heads of
# det_seg_mobilenetv2_fpn_synthetic.py). Not a paper config:
# - object-wise 5-fold cross-validation on the scenes under data_root (fold 0 here; the benchmark
#   sets `fold`), since the published samples (48 scenes, 10 objects) are all we can ship;
# - rotation, shift and flip augmentation: the paper needs none on 54k Jacquard images (VI-C), a
#   training side of 8 objects does (docs/results.md, "Jacquard benchmark");
# - a CPU schedule sized for the benchmark's budget (below).
#   python tools/train.py configs/grasp/det_seg_mobilenetv2_fpn_jacquard.py \
#       --cfg-options train_dataloader.dataset.data_root=../shared/data/jacquard/Samples/ ...
# The backbone block and where its weights come from: ../_base_/models/mobilenetv2_backbone.py.
_base_ = ['./det_seg_r101_fpn_jacquard.py', '../_base_/models/mobilenetv2_backbone.py']
fpn_channels = 64
model = dict(
    backbone=dict(_base_.mobilenetv2_backbone, _delete_=True),
    neck=dict(in_channels=_base_.mobilenetv2_out_channels, out_channels=fpn_channels),
    rpn_head=dict(
        in_channels=fpn_channels, feat_channels=fpn_channels,
        loss_bbox=dict(_delete_=True, type='mmdet.L1Loss', loss_weight=1.0)),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=fpn_channels),
        bbox_head=dict(in_channels=fpn_channels, fc_out_channels=256)),
    semantic_head=dict(in_channels=fpn_channels, channels=32, pool_size=32),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

# Folds: object-wise by default (no object on both sides); fold_by='image' for image-wise folds.
folds = dict(fold=0, num_folds=5, fold_by='object')
backend_args = None
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    dict(type='GraspResize', scale_factor=0.5),  # paper VI-C: 1024 -> 512
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=50),
    dict(type='GraspRandomFlip', prob=0.5),
    dict(type='PackGraspInputs')
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline, **folds))
val_dataloader = dict(dataset=folds)
test_dataloader = dict(dataset=folds)

# A CPU schedule: 6 epochs of 10 iterations (the 38-40 training scenes of a fold, batch 4), about
# 6 minutes on 2 cores (5.5-6.5 s an iteration); the benchmark's per-variant minute budget may cut
# it short at an epoch end. lr 0.01: at 0.02 a Det_Seg run diverged in its 5th epoch (RPN box loss
# 0.3 -> 159, gradient norm 5 -> 2500; docs/jacquard_benchmark.md).
max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=3)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=20),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[5], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.01), clip_grad=dict(max_norm=35, norm_type=2))
auto_scale_lr = dict(base_batch_size=4)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=3))

# Testing also scores a grasp per object (the best grasp on each object's predicted mask, against
# that object's mask and grasps), on the test scenes and on the benchmark's composites.
test_evaluator = [
    dict(type='GraspJaccardMetric', mode='top1'),
    dict(type='JacquardObjectGraspMetric', angle_thr=30, iou_thr=0.25)
]
