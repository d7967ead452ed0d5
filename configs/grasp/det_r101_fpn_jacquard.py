# Detection on Jacquard (the Detection rows of paper Tables II-IV): det_seg_r101_fpn_jacquard.py
# without the semantic head; same data (512x512, no augmentation), lr 0.023, batch 8 (paper VI-C).
# The masks are still loaded (the dataset config is shared) and left unused.
_base_ = './det_seg_r101_fpn_jacquard.py'
model = dict(semantic_head=None)
