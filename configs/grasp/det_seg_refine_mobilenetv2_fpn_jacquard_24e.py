# Det_Seg_Refine on Jacquard, the longer fine-tuning that goes with
# det_seg_mobilenetv2_fpn_jacquard_48e.py: 24 epochs of 10 iterations instead of 3 (backbone and FPN
# frozen, lr 0.008 with the same poly decay), a checkpoint every 8 epochs, all kept.
# The benchmark sets load_from to the same fold's Det_Seg (docs/jacquard_benchmark.md).
_base_ = './det_seg_refine_mobilenetv2_fpn_jacquard.py'
load_from = 'work_dirs/det_seg_mobilenetv2_fpn_jacquard_48e/epoch_48.pth'
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=8)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.333, by_epoch=False, begin=0, end=10),
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True)
]
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=8, max_keep_ckpts=-1))
