# The small Det_Seg of det_seg_r18_fpn_synthetic.py with an ImageNet-pretrained MobileNetV2 + FPN
# instead of a ResNet-18 trained from scratch; same FPN, heads and schedule.
# Fetch the weights once (training stops at once with this command in the message if they are
# missing; MMGRASP_PRETRAINED_DIR overrides the folder):
#   bash tools/model_converters/fetch_pretrained.sh
_base_ = './det_seg_r18_fpn_synthetic.py'
pretrained = '{{$MMGRASP_PRETRAINED_DIR:~/.cache/mmgrasp/pretrained}}/mobilenetv2_imagenet_mmdet.pth'
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmdet.MobileNetV2',
        widen_factor=1.0,
        out_indices=(1, 2, 4, 6),  # layer2/3/5/7: 24/32/96/320 channels at strides 4/8/16/32
        frozen_stages=2,  # up to the stride-4 output, as the paper's stem + res2
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
    neck=dict(in_channels=[24, 32, 96, 320]))
