# OCID_grasp: SGD Nesterov, lr 0.03 for a batch of 8 (paper VI-D; the authors' file says batch
# 10, det_seg_OCID.ini:148). The paper gives no schedule; this is the authors' one
# (stefan-ainetter/grasp_det_seg_cnn grasp_det_seg/config/defaults/det_seg_OCID.ini):
# 800 epochs (:121), burn-in 500 iterations from 0.333 x lr (:138-139), then poly 0.9 per
# iteration (:123-137); validation every 25 epochs (:8).
_base_ = './sgd_nesterov_base.py'
optim_wrapper = dict(optimizer=dict(lr=0.03))
auto_scale_lr = dict(base_batch_size=8)

max_epochs = 800
train_cfg = dict(max_epochs=max_epochs, val_interval=25)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.333, by_epoch=False, begin=0, end=500),
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True)
]
