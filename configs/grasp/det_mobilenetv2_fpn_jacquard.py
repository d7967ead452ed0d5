# Detection on Jacquard for CPU experiments and the Jacquard benchmark: det_seg_mobilenetv2_fpn_
# jacquard.py without the semantic head (same data, folds, augmentation and schedule).
_base_ = './det_seg_mobilenetv2_fpn_jacquard.py'
model = dict(semantic_head=None)
test_evaluator = dict(_delete_=True, type='GraspJaccardMetric', mode='top1')  # no masks to score
