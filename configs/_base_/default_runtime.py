# Runtime shared by every mmgrasp config.
default_scope = 'mmgrasp'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3,
                    save_best='grasp/acc_a30_iou25', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # one training run per work dir (docs/training_state.md): an exclusive lock file
    work_dir_lock=dict(type='WorkDirLockHook'),
    # training state (docs/training_state.md): checksummed checkpoints that are never
    # overwritten, checked before loading, and found by --resume; the random state in each
    # checkpoint, so a resumed run continues bit for bit; a stop at the first non-finite loss
    checkpoint_integrity=dict(type='CheckpointIntegrityHook'),
    random_state=dict(type='RandomStateHook'),
    non_finite_loss=dict(type='NonFiniteLossHook'),
    # draws with the `visualizer` below; tools/test.py --show-dir turns it on. Grasp scores
    # spread over 18 orientation bins and are often below mmdet's 0.3: draw the best 5 instead.
    visualization=dict(type='mmdet.DetVisualizationHook', draw=False, score_thr=0.0))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

vis_backends = [dict(type='LocalVisBackend')]
# plates blue, opening red, semantic maps in the dataset's sem_palette (mmgrasp.visualization)
visualizer = dict(
    type='GraspLocalVisualizer', vis_backends=vis_backends, name='visualizer', max_grasps=5)
log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)

# Every run is seeded (docs/training.md, "Reproducible runs"): Python, NumPy and torch, the
# samplers' shuffles and the augmentations' draws follow from this seed, so the same command on the
# same machine gives the same weights. Override with `tools/train.py --seed N` or
# `--cfg-options randomness.seed=N`.
randomness = dict(seed=0)

log_level = 'INFO'

# Test-time augmentation (`tools/test.py --tta`, with a dataset config's `tta_pipeline`): the
# views vote for each grasp (mmgrasp.models.GraspTTAModel). The thresholds were set before any
# TTA result was seen: a match is half the metric's angle tolerance and a box-NMS IoU.
tta_model = dict(
    type='GraspTTAModel', tta_cfg=dict(iou_thr=0.5, angle_thr=15, per_view=20, max_per_img=100))
load_from = None
resume = False
