# SGD with Nesterov momentum 0.9 and weight decay 1e-4 (paper VI-B; the same in the authors' code,
# stefan-ainetter/grasp_det_seg_cnn grasp_det_seg/config/defaults/det_seg_OCID.ini:112-116).
# The learning rate and batch size of each dataset live in its schedule file.
#
# The paper gives no schedule; this is the authors' one (det_seg_OCID.ini:121-139): the lr ramps
# linearly from 0.333 x lr over the first 500 iterations ("burn-in"), then decays per iteration
# as (1 - it / total) ** 0.9 ("poly"). No gradient clipping, as in the authors' training script
# (scripts/train_det_seg_OCID.py) and in mmdet's Faster R-CNN.
# The number of epochs is set by each dataset's schedule: redefine `param_scheduler` with it.
max_epochs = 24
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.333, by_epoch=False, begin=0, end=500),
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-4))
# Scale the lr with the total batch when training on another number of GPUs (--auto-scale-lr).
auto_scale_lr = dict(enable=False, base_batch_size=8)
