# The quick start: the small Det_Seg of det_seg_r18_fpn_synthetic.py plus the refinement head,
# trained in one run on the CPU in about 10 minutes on the synthetic scenes
# (python tools/misc/generate_synthetic.py --out data/synthetic). Unlike the paper's two-stage
# recipe (det_seg_refine_r101_fpn_*.py: Det_Seg first, then a fine-tuning with the backbone
# frozen), all parts train jointly from random weights. Refinement head narrowed to 128 units and
# its training candidates drawn from 100 proposals per image.
_base_ = ['./det_seg_r18_fpn_synthetic.py', '../_base_/models/grasp_refine_head.py']
model = dict(
    refine_head=dict(_base_.refine_head, fc_channels=(128, 128)),
    train_cfg=dict(refine=dict(_base_.refine_train_cfg, num_proposals=100)))
