# Copyright (c) mmgrasp contributors. All rights reserved.
"""Cornell, Jacquard and OCID_grasp to the grasp JSON format (:mod:`mmgrasp.datasets.grasp_json`).

Each converter reads its dataset with mmgrasp's own loader (:class:`CornellGraspDataset`,
:class:`JacquardGraspDataset`, :class:`OCIDGraspDataset`), so that the JSON file holds exactly the
grasps, masks and classes those loaders give: loading it with :class:`GraspJsonDataset` returns
the same data list, bit for bit, and the same folds (``fold_by='image'`` for Cornell's image-wise
folds, ``fold_by='group'`` for object-wise ones). Nothing is copied: the JSON file refers to the
dataset's images and masks by paths relative to ``root``.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from ..cornell import CornellGraspDataset, load_cornell_object_map
from ..grasp_json_writer import dump_grasp_json, grasp_annotation
from ..jacquard import JacquardGraspDataset
from ..ocid_grasp import OCID_SEM_CLASSES, OCIDGraspDataset
from .output_checks import check_outputs, input_set, relative_inside


def _dump(out: str, data_list: Sequence[dict], images: List[dict], annotations: List[dict],
          categories: List[dict], description: str) -> None:
    """Check the output (not a folder, not one of the dataset's files) and write it."""
    read = [info[k] for info in data_list for k in ('img_path', 'seg_map_path', 'depth_path')
            if info.get(k)]
    check_outputs(out, {}, input_set(read), osp.dirname(osp.abspath(out)))
    dump_grasp_json(out, images, annotations, categories, info=dict(description=description))


def data_list_to_grasp_json(data_list: Sequence[dict], root: str,
                            groups: Optional[Sequence[Optional[str]]] = None,
                            splits: Optional[Sequence[Optional[str]]] = None) -> tuple:
    """The ``images`` and ``annotations`` of a grasp JSON file from a loader's data list.

    Args:
        data_list (Sequence[dict]): Data infos (:mod:`mmgrasp.datasets.base_grasp_dataset`).
        root (str): Folder the paths are written relative to.
        groups (Sequence[str | None], optional): ``(N,)`` the group of each image.
        splits (Sequence[str | None], optional): ``(N,)`` the split of each image.

    A data info's ``seg_map_path`` (with ``mask_threshold``) and ``depth_path`` become the image's
    ``seg_map`` (``seg_map_threshold``) and ``depth``.

    Returns:
        tuple[list[dict], list[dict]]: The images and the annotations.
    """
    images, annotations = [], []
    for i, info in enumerate(data_list):
        where = f'image {info["img_id"]}'
        image = dict(id=str(info['img_id']),
                     file_name=relative_inside(info['img_path'], root, where),
                     width=int(info['width']), height=int(info['height']))
        if info.get('seg_map_path'):
            image['seg_map'] = relative_inside(info['seg_map_path'], root, where)
            if info.get('mask_threshold') is not None:
                image['seg_map_threshold'] = int(info['mask_threshold'])
        if info.get('depth_path'):
            image['depth'] = relative_inside(info['depth_path'], root, where)
        if groups is not None and groups[i] is not None:
            image['group'] = groups[i]
        if splits is not None and splits[i] is not None:
            image['split'] = splits[i]
        images.append(image)
        for inst in info['instances']:
            annotations.append(grasp_annotation(len(annotations), image['id'], inst['grasp'],
                                                inst.get('obj_label', 0)))
    return images, annotations


def _root_for(out: str, root: Optional[str]) -> str:
    return root if root is not None else osp.dirname(osp.abspath(out))


def cornell_to_grasp_json(data_root: str, out: str, folders: Optional[Sequence[str]] = None,
                          object_map_file: Optional[str] = None,
                          root: Optional[str] = None) -> dict:
    """Convert Cornell (release layout) to a grasp JSON file.

    Args:
        data_root (str): Folder holding ``01/`` .. ``10/``.
        out (str): The JSON file to write.
        folders (Sequence[str], optional): Only these folders. Defaults to all.
        object_map_file (str, optional): ``processedData/z.txt``: each image's object becomes its
            ``group`` (for object-wise folds, ``fold_by='group'``).
        root (str, optional): Folder the paths are relative to. Defaults to ``out``'s folder.

    Returns:
        dict: ``images`` and ``annotations`` counts.
    """
    dataset = CornellGraspDataset(data_root=data_root, split='all', folders=folders,
                                  object_map_file=object_map_file,
                                  fold_by='image' if object_map_file is None else 'object',
                                  pipeline=[], test_mode=True, serialize_data=False)
    groups = None
    if object_map_file is not None:
        path = (object_map_file if osp.isabs(object_map_file) else
                osp.join(data_root, object_map_file))
        mapping = load_cornell_object_map(path)
        groups = [mapping[int(info['img_id'][3:])] for info in dataset.data_list]
    images, annotations = data_list_to_grasp_json(
        dataset.data_list, _root_for(out, root), groups=groups)
    _dump(out, dataset.data_list, images, annotations, [dict(id=1, name='object')],
          f'Cornell grasp dataset from {data_root}')
    return dict(images=len(images), annotations=len(annotations))


def jacquard_to_grasp_json(data_root: str, out: str, root: Optional[str] = None) -> dict:
    """Convert Jacquard (``<objectID>/<k>_<objectID>_*``) to a grasp JSON file.

    Every scene's object folder becomes its ``group`` (object-wise folds: ``fold_by='group'``);
    ``_perfect_depth.tiff`` becomes its ``depth`` where it exists; the masks keep the loader's
    threshold (``seg_map_threshold: 128``).

    Args:
        data_root (str): Folder of the object folders.
        out (str): The JSON file to write.
        root (str, optional): Folder the paths are relative to. Defaults to ``out``'s folder.

    Returns:
        dict: ``images`` and ``annotations`` counts.
    """
    dataset = JacquardGraspDataset(data_root=data_root, split='all', fold=None, pipeline=[],
                                   test_mode=True, test_ratio=0.5, serialize_data=False)
    groups = [info['object_id'] for info in dataset.data_list]
    images, annotations = data_list_to_grasp_json(
        dataset.data_list, _root_for(out, root), groups=groups)
    _dump(out, dataset.data_list, images, annotations, [dict(id=1, name='graspable')],
          f'Jacquard grasp dataset from {data_root}')
    return dict(images=len(images), annotations=len(annotations))


def ocid_to_grasp_json(data_root: str, out: str, split_files: Dict[str, str],
                       root: Optional[str] = None) -> dict:
    """Convert OCID_grasp (release layout) to a grasp JSON file.

    Args:
        data_root (str): The release folder.
        out (str): The JSON file to write.
        split_files (dict[str, str]): ``{split: data_split file}``, e.g. ``{'train':
            'data_split/training_0.txt', 'test': 'data_split/validation_0.txt'}``; each image
            gets the split of its list (an image in two lists is an error) and its sequence as
            ``group`` (for a sequence-wise hold-out, ``fold_by='group'``).
        root (str, optional): Folder the paths are relative to. Defaults to ``out``'s folder.

    Returns:
        dict: ``images`` and ``annotations`` counts.
    """
    data_list: List[dict] = []
    splits: List[str] = []
    seen: Dict[str, str] = {}
    for split, ann_file in split_files.items():
        dataset = OCIDGraspDataset(data_root=data_root, ann_file=ann_file, split='all',
                                   pipeline=[], test_mode=True, serialize_data=False)
        for info in dataset.data_list:
            if info['img_id'] in seen:
                raise ValueError(f'{ann_file}: image {info["img_id"]} is also in the '
                                 f'{seen[info["img_id"]]!r} list')
            seen[info['img_id']] = split
            data_list.append(info)
            splits.append(split)
    groups = [info['img_id'].rsplit('/', 1)[0] for info in data_list]
    images, annotations = data_list_to_grasp_json(data_list, _root_for(out, root),
                                                  groups=groups, splits=splits)
    categories = [dict(id=i, name=n) for i, n in enumerate(OCID_SEM_CLASSES) if i]
    _dump(out, data_list, images, annotations, categories, f'OCID_grasp from {data_root}')
    return dict(images=len(images), annotations=len(annotations))
