# Issue 26 lever (docs/results.md, "Unseen objects"): the two augmentations that teach shape over
# appearance, together, in one run of the same 30 epochs and time as the shipped config: the zoom
# of det_mobilenetv2_fpn_cornell_scale.py (0.8-1.25, log-uniform, with the paper's rotation /
# translation) and the colour and brightness jitter of det_mobilenetv2_fpn_cornell_photometric.py
# (mmdet's PhotoMetricDistortion, image only). Run as one lever because one object-wise CV with
# two seeds costs about 3 hours on 2 cores; if it is adopted, its two parts are ablated after.
# Ranges are the two single-lever configs', set before any result.
_base_ = './det_mobilenetv2_fpn_cornell.py'
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadGraspAnnotations', with_grasp=True, with_seg=False),
    dict(type='GraspCenterCrop', crop_size=351),  # paper VI-B
    dict(type='GraspRandomRotateTranslate', rotate_range=(0, 360), max_translate=50,
         scale_range=(0.8, 1.25)),
    dict(type='mmdet.PhotoMetricDistortion', brightness_delta=32, contrast_range=(0.5, 1.5),
         saturation_range=(0.5, 1.5), hue_delta=18),
    dict(type='PackGraspInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
