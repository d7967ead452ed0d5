# Issue 27: det_seg_refine_mobilenetv2_fpn_jacquard_24e.py at the 384x384 working size of
# det_seg_mobilenetv2_fpn_jacquard_384_48e.py (the same pipelines), fine-tuned from that Det_Seg.
# Not yet trained (docs/speed.md, "What input size would meet it").
_base_ = ['./det_seg_refine_mobilenetv2_fpn_jacquard_24e.py']
load_from = 'work_dirs/det_seg_mobilenetv2_fpn_jacquard_384_48e/epoch_48.pth'
working_scale = 0.375  # 1024 -> 384
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    dict(type='GraspResize', scale_factor=working_scale),
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=38),
    dict(type='GraspRandomFlip', prob=0.5),
    dict(type='PackGraspInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=True),
    dict(type='GraspResize', scale_factor=working_scale),
    dict(type='PackGraspInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
