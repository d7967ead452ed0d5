# The paper's network without its refinement head: grasp detection + semantic segmentation
# (Det_Seg), ResNet-50 + FPN. The paper's configs set depth=101 (paper IV-A); Detection configs set
# `semantic_head=None`; Det_Seg_Refine configs add `refine_head` from ./grasp_refine_head.py.
# Every value the paper leaves open follows the authors' code, cited as AUTH = the repository
# stefan-ainetter/grasp_det_seg_cnn, INI = its grasp_det_seg/config/defaults/det_seg_OCID.ini
# (line numbers at commit 02eb32eb); docs/paper_vs_mmgrasp.md has the whole table with reasons.
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
        frozen_stages=1,  # stem and res2 frozen: INI:40 num_frozen = 2 (mod1, mod2)
        # BN affine parameters never move (INI:42 bn_frozen = yes puts every norm layer at lr 0)
        # and the ImageNet statistics are kept (norm_eval, mmdet's practice for small batches)
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='mmdet.FPN',
        in_channels=[256, 512, 1024, 2048],
        out_channels=256,
        num_outs=5),
    rpn_head=dict(
        # mmdet's RPNHead; its proposals found with top-k and NMS on the best candidates first
        # (the same proposals, tests/test_models/test_heads/test_fast_rpn_head.py)
        type='FastRPNHead',
        in_channels=256,
        feat_channels=256,
        # Grasp boxes are small and elongated (Cornell: opening 32 px, jaw 23 px median at 351 px;
        # Jacquard at 512 px: 3-98 px). Three scales a half-octave apart and four ratios cover
        # 80 % (Cornell), 52 % (Jacquard samples) and 76 % (synthetic) of the target boxes at
        # IoU >= 0.7, against 30 / 18 / 21 % for a single scale (scales=[4], ratios 0.5/1/2)
        # (tools/analysis_tools/anchor_coverage.py). A deviation from AUTH, which uses one scale
        # (2 x stride) and ratios 1, 0.1, 0.4, 0.7, 1.2 on P2-P4 only (INI:60-61, 76-77).
        anchor_generator=dict(
            type='CachedAnchorGenerator',  # mmdet's, anchors of an input size computed once
            scales=[2.83, 4, 5.66],
            ratios=[0.25, 0.5, 1.0, 2.0],
            strides=[4, 8, 16, 32, 64]),
        bbox_coder=dict(
            type='mmdet.DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        # smooth-L1 with sigma 3 (INI:79), i.e. beta = 1 / sigma^2
        loss_bbox=dict(type='mmdet.SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.0)),
    roi_head=dict(
        type='mmdet.StandardRoIHead',
        bbox_roi_extractor=dict(
            # mmdet's SingleRoIExtractor, its RoIAlign split over the CPU threads at inference
            # (the same features, tests/test_models/test_heads/test_parallel_roi_extractor.py)
            type='ParallelRoIExtractor',
            # INI:82. mmcv's RoIAlign computed by torchvision's kernel (use_torchvision): the
            # same values (tests/test_models/test_roi_align_backend.py), 2-3x faster on the CPU
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0,
                           use_torchvision=True),
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
                target_stds=[0.1, 0.1, 0.2, 0.2]),  # INI:102 bbx_reg_weights (10, 10, 5, 5)
            reg_class_agnostic=False,
            loss_cls=dict(type='mmdet.CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='mmdet.SmoothL1Loss', beta=1.0, loss_weight=1.0))),  # INI:101
    semantic_head=dict(
        type='MiniDeepLabHead',
        num_classes=num_sem_classes,
        in_channels=256,
        channels=128,
        num_levels=4,
        dilation=6,
        pool_size=64,  # INI:107
        norm_cfg=dict(type='BN'),
        loss_seg=dict(
            type='HardPixelCrossEntropyLoss', top_ratio=0.25, ignore_index=255,  # INI:109
            loss_weight=0.75)),  # lambda_sem: INI:118 (OCID_grasp); Jacquard configs set 0.8
    train_cfg=dict(
        rpn=dict(
            assigner=dict(
                # mmdet's MaxIoUAssigner and BboxOverlaps2D, the same result element for element,
                # 2.7x / 5x faster with ~100 grasps on one object (a Jacquard image)
                type='mmgrasp.FastMaxIoUAssigner',
                iou_calculator=dict(type='mmgrasp.FastBboxOverlaps2D'),
                pos_iou_thr=0.7,
                neg_iou_thr=0.3,  # INI:72-73
                # AUTH also gives each ground truth its best anchor at any IoU above 0; mmdet's
                # floor of 0.3 keeps near-disjoint anchors out of the regression targets.
                min_pos_iou=0.3,
                match_low_quality=True,
                ignore_iof_thr=-1),
            sampler=dict(
                type='mmdet.RandomSampler',
                num=256,  # INI:70-71
                pos_fraction=0.5,
                neg_pos_ub=-1,
                add_gt_as_proposals=False),
            # Anchors crossing the border stay in (the authors keep only anchors inside the
            # image): an unrotated-frame grasp box may itself leave the image.
            allowed_border=-1,
            pos_weight=-1,
            debug=False),
        # INI:63-65. mmdet's nms_pre counts per FPN level, the authors' over all levels. The
        # authors drop proposals with a side under 16 px (INI:68); we keep them: grasp boxes on
        # Jacquard at 512 px go down to 3 px.
        rpn_proposal=dict(
            nms_pre=12000,
            max_per_img=2000,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        rcnn=dict(
            assigner=dict(
                type='mmgrasp.FastMaxIoUAssigner',
                iou_calculator=dict(type='mmgrasp.FastBboxOverlaps2D'),
                pos_iou_thr=0.5,  # INI:86-88: positive >= 0.5, negative in [0, 0.5)
                neg_iou_thr=0.5,
                min_pos_iou=0.5,
                match_low_quality=False,
                ignore_iof_thr=-1),
            sampler=dict(
                type='mmdet.RandomSampler',
                num=128,  # INI:84-85; the ground truth joins the proposals as in AUTH
                pos_fraction=0.25,
                neg_pos_ub=-1,
                add_gt_as_proposals=True),
            pos_weight=-1,
            debug=False)),
    test_cfg=dict(
        rpn=dict(
            nms_pre=6000,  # INI:66 (per level here, over all levels in AUTH)
            max_per_img=300,  # INI:67
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        rcnn=dict(
            # No score floor (AUTH: 0.05, INI:93): top-1 evaluation takes the best grasp whatever
            # its score; a weak model's scores spread over 18 bins and would otherwise leave
            # images empty. The OCID_grasp evaluator applies the authors' 0.05 itself.
            score_thr=0.0,
            nms=dict(type='nms', iou_threshold=0.3),  # INI:92; one NMS per orientation bin
            max_per_img=100)))  # INI:94
