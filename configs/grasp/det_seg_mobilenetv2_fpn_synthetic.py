# Det_Seg counterpart (no refinement head) of det_seg_refine_mobilenetv2_fpn_synthetic.py.
_base_ = './det_seg_refine_mobilenetv2_fpn_synthetic.py'
model = dict(refine_head=None)
