# Det_Seg on OCID_grasp (paper Table V): 31 object classes + background,
# SGD Nesterov lr 0.03, batch 8; per-(image, class) grasp accuracy on the predicted masks.
_base_ = [
    '../_base_/models/grasp_det_seg_r50_fpn.py', '../_base_/datasets/ocid_grasp.py',
    '../_base_/schedules/schedule_ocid.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(depth=101, init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    semantic_head=dict(num_classes=32),
    refine_head=None)
train_dataloader = dict(batch_size=8)
