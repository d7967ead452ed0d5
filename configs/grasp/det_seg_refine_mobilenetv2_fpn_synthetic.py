# The quick start's Det_Seg_Refine (det_seg_refine_r18_fpn_synthetic.py) on the ImageNet-pretrained
# MobileNetV2 + FPN of det_seg_mobilenetv2_fpn_synthetic.py; same refinement head and schedule,
# all parts trained jointly.
_base_ = ['./det_seg_mobilenetv2_fpn_synthetic.py', '../_base_/models/grasp_refine_head.py']
model = dict(
    refine_head=dict(_base_.refine_head, fc_channels=(128, 128)),
    train_cfg=dict(refine=dict(_base_.refine_train_cfg, num_proposals=100)))
