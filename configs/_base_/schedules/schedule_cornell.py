# Cornell: SGD Nesterov, lr 0.04 for a batch of 12 (paper VI-B), with the authors' burn-in + poly
# schedule of sgd_nesterov_base.py. Neither the paper nor the authors give a Cornell schedule
# length: 24 epochs is mmgrasp's choice (docs/paper_vs_mmgrasp.md).
_base_ = './sgd_nesterov_base.py'
optim_wrapper = dict(optimizer=dict(lr=0.04))
auto_scale_lr = dict(base_batch_size=12)
