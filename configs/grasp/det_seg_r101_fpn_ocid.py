# Det_Seg on OCID_grasp (paper Table V): ResNet-101 + FPN from ImageNet weights (paper IV-A),
# 31 object classes + background, lambda_sem 0.75, random rotation and translation,
# SGD Nesterov lr 0.03, batch 8 (paper VI-D); the authors' 800-epoch burn-in + poly schedule
# (schedule_ocid.py). Per-(image, class) grasp accuracy on the predicted masks.
# Every difference from the paper and the authors' code: docs/paper_vs_mmgrasp.md.
_base_ = [
    '../_base_/models/grasp_det_seg_r50_fpn.py', '../_base_/datasets/ocid_grasp.py',
    '../_base_/schedules/schedule_ocid.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(
        depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    semantic_head=dict(num_classes=32))
train_dataloader = dict(batch_size=8)
# a checkpoint at each validation (every 25 epochs), not after each of the 800 epochs
default_hooks = dict(checkpoint=dict(interval=25))
