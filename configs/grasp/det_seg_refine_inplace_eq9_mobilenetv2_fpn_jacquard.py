# The paper's refinement head as printed: the in-place form of Fig. 3 (InPlaceGraspRefineHead) on
# the stride-4 probability map at its own size (512x512 inputs: 128x128, no pooling) and the loss
# of Eq. 9 (smooth-L1 beta 1 on the raw Eq. 10 deltas, summed per candidate). Two fc layers of
# 128 with norm + LeakyReLU(0.01) as in every MobileNetV2 Jacquard config; the first has
# 2 x 128 x 128 inputs (4.2 M weights). Trained on cached inputs by
# tools/analysis_tools/refine_head_study.py (docs/refinement_head.md).
_base_ = './det_seg_refine_eq9_mobilenetv2_fpn_jacquard.py'
model = dict(refine_head=dict(type='InPlaceGraspRefineHead', map_size=(128, 128)))
