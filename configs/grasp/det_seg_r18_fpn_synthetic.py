# Det_Seg counterpart of the quick start (no refinement head), same data and schedule:
# the comparison of paper Table III on the synthetic scenes.
_base_ = './det_seg_refine_r18_fpn_synthetic.py'
model = dict(refine_head=None)
