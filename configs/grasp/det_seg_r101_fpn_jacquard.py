# Det_Seg (paper Table II): grasp detection + semantic segmentation on Jacquard, ResNet-101 + FPN
# from ImageNet weights (paper IV-A); images halved to 512x512 and no augmentation, lambda_sem 0.8,
# SGD Nesterov lr 0.023, batch 8 (paper VI-C). Every difference from the paper and the authors'
# code: docs/paper_vs_mmgrasp.md.
_base_ = [
    '../_base_/models/grasp_det_seg_r50_fpn.py', '../_base_/datasets/jacquard_grasp.py',
    '../_base_/schedules/schedule_jacquard.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(
        depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    semantic_head=dict(
        num_classes=2,  # Jacquard masks: background, graspable
        loss_seg=dict(loss_weight=0.8)))  # lambda_sem on Jacquard (paper VI-C)
train_dataloader = dict(batch_size=8)
