# Det_Seg_Refine on Jacquard for CPU experiments and the Jacquard benchmark: the refinement head
# fine-tuned from a trained det_seg_mobilenetv2_fpn_jacquard.py with backbone and FPN frozen
# (paper VI-C; RPN, grasp RoI head and Mini-DeepLab still train), lr 0.008, batch 4.
#   python tools/train.py configs/grasp/det_seg_refine_mobilenetv2_fpn_jacquard.py \
#       --cfg-options load_from=work_dirs/det_seg_mobilenetv2_fpn_jacquard/epoch_6.pth
# The benchmark sets load_from to the same fold's Det_Seg. Head form: the aligned default of
# grasp_refine_head.py; det_seg_refine_inplace_mobilenetv2_fpn_jacquard.py is the paper's form.
_base_ = ['./det_seg_mobilenetv2_fpn_jacquard.py', '../_base_/models/grasp_refine_head.py']
load_from = 'work_dirs/det_seg_mobilenetv2_fpn_jacquard/epoch_6.pth'
model = dict(
    backbone=dict(frozen_stages=7),  # conv1 and layer1-7 of MobileNetV2: no parameter trains
    refine_head=dict(_base_.refine_head, fc_channels=(128, 128)),
    train_cfg=dict(refine=dict(_base_.refine_train_cfg, num_proposals=100)))

# Fine-tuning: 3 epochs of 10 iterations, lr 0.008 for batch 4 (paper VI-C), the burn-in + poly
# form of sgd_nesterov_base.py.
max_epochs = 3
train_cfg = dict(max_epochs=max_epochs, val_interval=3)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.333, by_epoch=False, begin=0, end=10),
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True)
]
# lr and weight decay 0 keep the FPN exactly where the Det_Seg run left it (it has no norm layers).
optim_wrapper = dict(
    optimizer=dict(lr=0.008),
    paramwise_cfg=dict(custom_keys={'neck': dict(lr_mult=0.0, decay_mult=0.0)}))
default_hooks = dict(checkpoint=dict(interval=3))
# ... and the paired effect of refinement on the same images and candidates.
test_evaluator = _base_.test_evaluator + [
    dict(type='RefinementEffectMetric', angle_thrs=(30, 10, 5))]
