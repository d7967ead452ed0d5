# The paper's network (Det_Seg_Refine) with a ResNet-50 + FPN backbone.
# Detection-only and Det_Seg variants set `semantic_head=None` / `refine_head=None`.
num_sem_classes = 2
model = dict(
    type='GraspDetSeg',
    data_preprocessor=dict(
        type='mmdet.DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32,
        pad_seg=True,
        seg_pad_value=255),
    backbone=dict(
        type='mmdet.ResNet',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,  # stem and res2 frozen, as in the paper
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='mmdet.FPN',
        in_channels=[256, 512, 1024, 2048],
        out_channels=256,
        num_outs=5),
    rpn_head=dict(
        type='mmdet.RPNHead',
        in_channels=256,
        feat_channels=256,
        # Grasp boxes are small and elongated (Cornell: opening 32 px, jaw 23 px median at 351 px;
        # Jacquard at 512 px: 3-98 px). Three scales a half-octave apart and four ratios cover
        # 80 % (Cornell), 52 % (Jacquard samples) and 76 % (synthetic) of the target boxes at
        # IoU >= 0.7, against 30 / 18 / 21 % for a single scale (scales=[4], ratios 0.5/1/2)
        # (tools/analysis_tools/anchor_coverage.py).
        anchor_generator=dict(
            type='mmdet.AnchorGenerator',
            scales=[2.83, 4, 5.66],
            ratios=[0.25, 0.5, 1.0, 2.0],
            strides=[4, 8, 16, 32, 64]),
        bbox_coder=dict(
            type='mmdet.DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        loss_bbox=dict(type='mmdet.L1Loss', loss_weight=1.0)),
    roi_head=dict(
        type='mmdet.StandardRoIHead',
        bbox_roi_extractor=dict(
            type='mmdet.SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0),
            out_channels=256,
            featmap_strides=[4, 8, 16, 32]),
        bbox_head=dict(
            type='GraspBBoxHead',
            in_channels=256,
            roi_feat_size=14,
            pool_size=2,
            fc_out_channels=1024,
            num_classes=18,
            norm_cfg=dict(type='BN1d'),
            act_cfg=dict(type='LeakyReLU', negative_slope=0.01),
            bbox_coder=dict(
                type='mmdet.DeltaXYWHBBoxCoder',
                clip_border=False,  # an unrotated-frame box may leave the image
                target_means=[0., 0., 0., 0.],
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            reg_class_agnostic=False,
            loss_cls=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='mmdet.SmoothL1Loss', beta=1.0, loss_weight=1.0))),
    semantic_head=dict(
        type='MiniDeepLabHead',
        num_classes=num_sem_classes,
        in_channels=256,
        channels=128,
        num_levels=4,
        dilation=6,
        pool_size=64,
        norm_cfg=dict(type='BN'),
        loss_seg=dict(
            type='HardPixelCrossEntropyLoss', top_ratio=0.25, ignore_index=255,
            loss_weight=0.75)),  # lambda_sem
    refine_head=dict(
        type='GraspRefineHead',
        roi_size=(16, 16),
        feat_stride=4,
        fc_channels=(256, 256),
        bbox_coder=dict(type='DeltaXYWHTGraspCoder', target_stds=(0.1, 0.1, 0.2, 0.2, 0.05)),
        loss_refine=dict(type='mmdet.SmoothL1Loss', beta=1.0 / 9.0, loss_weight=0.8)),  # lambda_refine
    train_cfg=dict(
        rpn=dict(
            assigner=dict(
                type='mmdet.MaxIoUAssigner',
                pos_iou_thr=0.7,
                neg_iou_thr=0.3,
                min_pos_iou=0.3,
                match_low_quality=True,
                ignore_iof_thr=-1),
            sampler=dict(
                type='mmdet.RandomSampler',
                num=256,
                pos_fraction=0.5,
                neg_pos_ub=-1,
                add_gt_as_proposals=False),
            allowed_border=-1,
            pos_weight=-1,
            debug=False),
        rpn_proposal=dict(
            nms_pre=2000,
            max_per_img=1000,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        rcnn=dict(
            assigner=dict(
                type='mmdet.MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.5,
                min_pos_iou=0.5,
                match_low_quality=False,
                ignore_iof_thr=-1),
            sampler=dict(
                type='mmdet.RandomSampler',
                num=256,
                pos_fraction=0.25,
                neg_pos_ub=-1,
                add_gt_as_proposals=True),
            pos_weight=-1,
            debug=False),
        refine=dict(num_proposals=300, pos_iou_thr=0.25, max_candidates=64, detach_seg=True)),
    test_cfg=dict(
        rpn=dict(
            nms_pre=1000,
            max_per_img=300,  # the paper's code keeps 300 proposals at test time
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        rcnn=dict(
            # No score floor: top-1 evaluation takes the best grasp whatever its score (a weak
            # model's scores spread over 18 bins and would otherwise leave images empty).
            score_thr=0.0,
            nms=dict(type='nms', iou_threshold=0.4),  # class-wise: one NMS per orientation bin
            max_per_img=100)))
