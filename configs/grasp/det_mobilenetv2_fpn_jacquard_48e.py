# Detection on Jacquard with the 30-CPU-minute schedule of the Jacquard benchmark: the schedule of
# det_seg_mobilenetv2_fpn_jacquard_48e.py (48 epochs of 10 iterations, lr x0.1 after epoch 40, a
# checkpoint every 8 epochs) without the semantic head, so the three variants of
# docs/jacquard_benchmark.md differ only in their heads.
#   python tools/analysis_tools/jacquard_cross_validation.py --variants det \
#       --config det=configs/grasp/det_mobilenetv2_fpn_jacquard_48e.py \
#       --minutes 30 --composites 2 --work-dir work_dirs/jacquard_cv_30min
_base_ = './det_seg_mobilenetv2_fpn_jacquard_48e.py'
model = dict(semantic_head=None)
test_evaluator = dict(_delete_=True, type='GraspJaccardMetric', mode='top1')  # no masks to score
