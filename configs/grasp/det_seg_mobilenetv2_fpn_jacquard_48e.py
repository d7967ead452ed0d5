# Det_Seg on Jacquard with the 30-CPU-minute schedule of issue 12's budget: 48 epochs of 10
# iterations (batch 4) instead of 6, about 3.5 s an iteration on 2 cores, so ~29 minutes; lr 0.01,
# x0.1 after epoch 40; a checkpoint every 8 epochs, all kept (the learning curve of
# docs/jacquard_benchmark.md tests each).
#   python tools/analysis_tools/jacquard_cross_validation.py --variants det_seg det_seg_refine \
#       --config det_seg=configs/grasp/det_seg_mobilenetv2_fpn_jacquard_48e.py \
#                det_seg_refine=configs/grasp/det_seg_refine_mobilenetv2_fpn_jacquard_24e.py \
#       --minutes 30 --only-folds 0 --work-dir work_dirs/jacquard_cv_30min
_base_ = './det_seg_mobilenetv2_fpn_jacquard.py'
max_epochs = 48
train_cfg = dict(max_epochs=max_epochs, val_interval=8)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=20),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[40], gamma=0.1)
]
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=8, max_keep_ckpts=-1))
