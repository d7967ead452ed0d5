# Jacquard: SGD Nesterov, lr 0.023 for a batch of 8 (paper VI-C), with the authors' burn-in + poly
# schedule of sgd_nesterov_base.py. Neither the paper nor the authors give a Jacquard schedule
# length: 24 epochs (about 150k iterations of 8 images on the full release) is mmgrasp's choice
# (docs/paper_vs_mmgrasp.md).
_base_ = './sgd_nesterov_base.py'
optim_wrapper = dict(optimizer=dict(lr=0.023))
auto_scale_lr = dict(base_batch_size=8)
