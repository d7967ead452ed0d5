# The grasp refinement head of Det_Seg_Refine (paper IV-D, Eq. 9-10; docs/conventions.md section 4),
# written once. A det_seg_refine_* config lists this file after its Det_Seg config and adds both
# variables to the model (mmengine binds `_base_` to the merged base files):
#   _base_ = ['./det_seg_r101_fpn_jacquard.py', '../_base_/models/grasp_refine_head.py']
#   model = dict(refine_head=_base_.refine_head, train_cfg=dict(refine=_base_.refine_train_cfg))
# The authors never published this head: every value here is mmgrasp's reading of the paper or
# its own choice (docs/paper_vs_mmgrasp.md).
# Eq. 9 as printed (paper IV-D): smooth-L1 with beta 1 (Eq. 6) on the raw Eq. 10 deltas (unit
# stds), the five terms summed per matched candidate. The default since the study of issue 23
# (docs/refinement_head.md, "Measured (folds 0-4)"): its validation rule, fixed before any test
# figure, chose the aligned form with this loss.
eq9_bbox_coder = dict(type='DeltaXYWHTGraspCoder', target_stds=(1.0, 1.0, 1.0, 1.0, 1.0))
eq9_loss_refine = dict(type='mmdet.SmoothL1Loss', beta=1.0, loss_weight=0.8)  # lambda_refine
# mmgrasp's earlier named variant ("mmgrasp loss"): the deltas divided by target stds and a
# smaller beta, as the RoI head's box regression does. Not the paper's; a config selects it with
#   refine_head=dict(bbox_coder=_base_.mmgrasp_bbox_coder, loss_refine=_base_.mmgrasp_loss_refine)
mmgrasp_bbox_coder = dict(type='DeltaXYWHTGraspCoder', target_stds=(0.1, 0.1, 0.2, 0.2, 0.05))
mmgrasp_loss_refine = dict(type='mmdet.SmoothL1Loss', beta=1.0 / 9.0, loss_weight=0.8)

refine_head = dict(
    # The aligned form (candidate resampled into its own rotated frame): chosen on the validation
    # hold-outs of the five Jacquard folds over the paper's in-place form (InPlaceGraspRefineHead)
    # trained to convergence on the same candidates (docs/refinement_head.md, "The study").
    type='GraspRefineHead',
    roi_size=(16, 16),
    feat_stride=4,
    fc_channels=(256, 256),  # two fc layers, each with norm + LeakyReLU(0.01) (paper IV-D)
    # Eq. 10 deltas with the angle difference wrapped into [-pi/2, pi/2) (docs/conventions.md
    # section 4), unit stds as printed.
    bbox_coder=eq9_bbox_coder,
    loss_refine=eq9_loss_refine)
refine_train_cfg = dict(
    num_proposals=300,  # proposals per image the training candidates are detected from
    max_candidates=64,  # best candidates per image that enter the head
    pos_iou_thr=0.25,  # a candidate carries loss when it matches a ground truth by the
    pos_angle_thr=30,  # metric's rule (paper VI-A): IoU > 0.25 and angle < 30 degrees
    detach_seg=True)  # the refinement loss does not train the segmentation branch
