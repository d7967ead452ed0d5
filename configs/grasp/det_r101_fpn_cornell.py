# Detection (paper Table I, 98.2 % image-wise on Cornell): grasp detection only (Cornell has no
# masks), ResNet-101 + FPN from ImageNet weights (paper IV-A), 351x351 centre crop with random
# rotation and translation, SGD Nesterov lr 0.04, batch 12 (paper VI-B). Every difference from the
# paper and the authors' code: docs/paper_vs_mmgrasp.md. 5-fold cross-validation:
#   python tools/analysis_tools/cornell_cross_validation.py configs/grasp/det_r101_fpn_cornell.py
_base_ = [
    '../_base_/models/grasp_det_seg_r50_fpn.py', '../_base_/datasets/cornell_grasp.py',
    '../_base_/schedules/schedule_cornell.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(
        depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    semantic_head=None)
train_dataloader = dict(batch_size=12)
