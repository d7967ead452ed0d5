# Detection on one's own images (docs/own_objects.md): grasps in the grasp JSON format, no masks
# needed. The model and schedule of det_mobilenetv2_fpn_cornell.py; images at their own size
# (no crop), rotation, shift and flip augmentation. Fine-tune from a trained checkpoint:
#   python tools/train.py configs/grasp/det_mobilenetv2_fpn_own_objects.py \
#       --cfg-options load_from=work_dirs/cornell/epoch_30.pth \
#       train_dataloader.dataset.ann_file=/path/to/grasps.json ...
_base_ = ['./det_mobilenetv2_fpn_cornell.py', '../_base_/datasets/own_grasp.py']
train_dataloader = dict(
    dataset=dict(_base_.own_data, _delete_=True, split='train',
                 filter_cfg=dict(filter_empty_gt=True), pipeline=_base_.own_det_train_pipeline))
val_dataloader = dict(
    dataset=dict(_base_.own_data, _delete_=True, split='val', test_mode=True,
                 pipeline=_base_.own_det_test_pipeline))
test_dataloader = dict(
    dataset=dict(_base_.own_data, _delete_=True, split='test', test_mode=True,
                 pipeline=_base_.own_det_test_pipeline))
load_from = None  # a trained checkpoint to start from (strongly advised for a few dozen images)
