# Issue 27: det_seg_refine_mobilenetv2_fpn_jacquard_24e.py at the 384x384 working size of
# det_seg_mobilenetv2_fpn_jacquard_384_48e.py (the same pipelines:
# ../_base_/datasets/jacquard_384.py), fine-tuned from that Det_Seg. Not yet trained
# (docs/speed.md, "What input size would meet it").
_base_ = ['./det_seg_refine_mobilenetv2_fpn_jacquard_24e.py', '../_base_/datasets/jacquard_384.py']
load_from = 'work_dirs/det_seg_mobilenetv2_fpn_jacquard_384_48e/epoch_48.pth'
train_pipeline = _base_.jacquard_384_train_pipeline
test_pipeline = _base_.jacquard_384_test_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
