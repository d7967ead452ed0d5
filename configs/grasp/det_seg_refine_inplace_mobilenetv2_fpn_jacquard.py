# det_seg_refine_mobilenetv2_fpn_jacquard.py with the paper's in-place form of the refinement head
# (paper Fig. 3: the candidate cut out of the whole probability map, InPlaceGraspRefineHead) on a
# 64x64 area-pooled map (8 px cells at 512x512); docs/refinement_head.md compares the forms.
_base_ = './det_seg_refine_mobilenetv2_fpn_jacquard.py'
model = dict(refine_head=dict(type='InPlaceGraspRefineHead', map_size=(64, 64)))
