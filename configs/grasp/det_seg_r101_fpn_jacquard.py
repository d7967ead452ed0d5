# Det_Seg (paper Table III): grasp detection + semantic segmentation on Jacquard,
# ResNet-101 + FPN, SGD Nesterov lr 0.023, batch 8 (paper VI-B).
_base_ = [
    '../_base_/models/grasp_det_seg_r50_fpn.py', '../_base_/datasets/jacquard_grasp.py',
    '../_base_/schedules/schedule_jacquard.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    semantic_head=dict(num_classes=2),  # Jacquard masks: background, graspable
    refine_head=None)
train_dataloader = dict(batch_size=8)
