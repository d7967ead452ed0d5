# SGD with Nesterov momentum, as in the paper (momentum 0.9, weight decay 1e-4).
# The learning rate and batch size of each dataset live in its schedule file.
max_epochs = 24
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[16, 22],
         gamma=0.1)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
# Scale the lr with the total batch when training on another number of GPUs (--auto-scale-lr).
auto_scale_lr = dict(enable=False, base_batch_size=8)
