# Detection (paper Table I, 98.2 % image-wise on Cornell): grasp detection only (Cornell has no
# masks), ResNet-50 + FPN, SGD Nesterov lr 0.04, batch 12. 5-fold cross-validation:
#   python tools/analysis_tools/cornell_cross_validation.py configs/grasp/det_r50_fpn_cornell.py
_base_ = [
    '../_base_/models/grasp_det_seg_r50_fpn.py', '../_base_/datasets/cornell_grasp.py',
    '../_base_/schedules/schedule_cornell.py', '../_base_/default_runtime.py'
]
model = dict(semantic_head=None, refine_head=None)
train_dataloader = dict(batch_size=12)
