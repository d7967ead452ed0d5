# Det_Seg_Refine on OCID_grasp (paper Table V reports Det_Seg: 89.02 % grasp, 94.05 % seg IoU),
# fine-tuned from a trained Det_Seg model with the backbone (ResNet and FPN) frozen, lr 0.008,
# batch 4 (paper VI-C). The heads (RPN, grasp RoI head, Mini-DeepLab and refinement head) train.
#   python tools/train.py configs/grasp/det_seg_r101_fpn_ocid.py
#   python tools/train.py configs/grasp/det_seg_refine_r101_fpn_ocid.py
# `load_from` below is where the first command leaves its last checkpoint; training stops at once
# if it is missing. Point it elsewhere with --cfg-options load_from=PATH.
# Details: docs/paper_vs_mmgrasp.md.
_base_ = ['./det_seg_r101_fpn_ocid.py', '../_base_/models/grasp_refine_head.py']
load_from = 'work_dirs/det_seg_r101_fpn_ocid/epoch_800.pth'
model = dict(
    backbone=dict(frozen_stages=4),  # stem and all four ResNet stages: no parameter trains
    refine_head=_base_.refine_head,
    train_cfg=dict(refine=_base_.refine_train_cfg))
train_dataloader = dict(batch_size=4)

# The fine-tuning schedule. The paper gives lr and batch only; the length (8 epochs) is mmgrasp's
# choice, the burn-in + poly form the authors' (sgd_nesterov_base.py).
max_epochs = 8
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.333, by_epoch=False, begin=0, end=500),
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True)
]
# FPN frozen through lr and weight decay 0 (see det_seg_refine_r101_fpn_jacquard.py).
optim_wrapper = dict(
    optimizer=dict(lr=0.008),
    paramwise_cfg=dict(custom_keys={'neck': dict(lr_mult=0.0, decay_mult=0.0)}))
auto_scale_lr = dict(base_batch_size=4)
default_hooks = dict(checkpoint=dict(interval=1))
