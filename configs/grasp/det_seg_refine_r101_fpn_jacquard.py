# Det_Seg_Refine (paper Table III, 92.95 % on Jacquard): Det_Seg plus the grasp refinement head.
# As in the paper it is fine-tuned from a trained Det_Seg model with the backbone frozen,
# lr 0.008, batch 4:
#   python tools/train.py configs/grasp/det_seg_r101_fpn_jacquard.py
#   python tools/train.py configs/grasp/det_seg_refine_r101_fpn_jacquard.py \
#       --cfg-options load_from=work_dirs/det_seg_r101_fpn_jacquard/epoch_24.pth
# Without `load_from` every head trains from scratch on the frozen ImageNet backbone.
_base_ = './det_seg_r101_fpn_jacquard.py'
model = dict(
    backbone=dict(frozen_stages=4),  # the whole backbone frozen
    refine_head=dict(
        _delete_=True,
        type='GraspRefineHead',
        roi_size=(16, 16),
        feat_stride=4,
        fc_channels=(256, 256),
        bbox_coder=dict(type='DeltaXYWHTGraspCoder', target_stds=(0.1, 0.1, 0.2, 0.2, 0.05)),
        loss_refine=dict(type='mmdet.SmoothL1Loss', beta=1.0 / 9.0, loss_weight=0.8)))
train_dataloader = dict(batch_size=4)

# the fine-tuning schedule
max_epochs = 8
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=200),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[6], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.008))
auto_scale_lr = dict(base_batch_size=4)
