# det_seg_refine_mobilenetv2_fpn_jacquard.py (aligned form) with the refinement loss exactly as
# printed (paper Eq. 9 with Eq. 6's smooth-L1, beta 1, on the raw Eq. 10 deltas: unit stds, the
# five terms summed per candidate; `eq9_*` of ../_base_/models/grasp_refine_head.py). The study
# of docs/refinement_head.md trains it on cached inputs (tools/analysis_tools/refine_head_study.py).
# Since that study chose this loss it is also the default of every Det_Seg_Refine config: this file
# pins it, so the study's command means the same whatever the default becomes.
_base_ = './det_seg_refine_mobilenetv2_fpn_jacquard.py'
model = dict(refine_head=dict(
    bbox_coder=dict(_base_.eq9_bbox_coder, _delete_=True),
    loss_refine=dict(_base_.eq9_loss_refine, _delete_=True)))
