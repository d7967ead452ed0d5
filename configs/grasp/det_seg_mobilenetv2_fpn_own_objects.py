# Det_Seg on one's own images (docs/own_objects.md): grasps and object masks in the grasp JSON
# format (masks from labelme / CVAT polygons, class ids = the file's category ids). The model and
# schedule of det_seg_mobilenetv2_fpn_jacquard.py, images at their own size. Set num_sem_classes
# to 1 + the number of categories of your file:
#   python tools/train.py configs/grasp/det_seg_mobilenetv2_fpn_own_objects.py \
#       --cfg-options model.semantic_head.num_classes=4 load_from=<a Det_Seg checkpoint> \
#       train_dataloader.dataset.ann_file=/path/to/grasps.json ...
# With a checkpoint trained on another class count, the semantic head's last layer does not fit:
# tools/train.py reports the mismatched weights and they start fresh (docs/own_objects.md).
_base_ = ['./det_seg_mobilenetv2_fpn_jacquard.py', '../_base_/datasets/own_grasp.py']
num_sem_classes = 2  # background + your categories
model = dict(semantic_head=dict(num_classes=num_sem_classes))
train_dataloader = dict(
    dataset=dict(_base_.own_data, _delete_=True, split='train',
                 filter_cfg=dict(filter_empty_gt=True),
                 pipeline=_base_.own_det_seg_train_pipeline))
val_dataloader = dict(
    dataset=dict(_base_.own_data, _delete_=True, split='val', test_mode=True,
                 pipeline=_base_.own_det_seg_test_pipeline))
test_dataloader = dict(
    dataset=dict(_base_.own_data, _delete_=True, split='test', test_mode=True,
                 pipeline=_base_.own_det_seg_test_pipeline))
test_evaluator = dict(_delete_=True, type='GraspJaccardMetric', mode='top1')
load_from = None  # a trained Det_Seg checkpoint to start from
