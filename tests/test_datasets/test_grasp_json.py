# Copyright (c) mmgrasp contributors. All rights reserved.
"""The grasp JSON format: reading, checking, and the native converters' round trip.

Converting a dataset and loading it back must give the native loader's data list (positions and
sizes bit for bit, angles within one unit in the last place, float32 values and bins equal) and
the same folds, so that a model trained on either is the same model.
"""
import json
import math
import os.path as osp

import numpy as np
import pytest

from mmgrasp.datasets import (CornellGraspDataset, GraspJsonDataset, JacquardGraspDataset,
                              OCIDGraspDataset, load_grasp_json)
from mmgrasp.datasets.converters import (cornell_to_grasp_json, jacquard_to_grasp_json,
                                         ocid_to_grasp_json)
from mmgrasp.datasets.grasp_json import exact_degrees, parse_grasp_json
from mmgrasp.datasets.ocid_grasp import OCID_SEM_CLASSES
from mmgrasp.structures import angle_to_bin

KEYS = ('img_id', 'height', 'width', 'mask_threshold')


def _infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def assert_same_data(native, converted):
    """The two datasets give the same images, paths, masks and grasps, in the same order."""
    a, b = _infos(native), _infos(converted)
    assert [i['img_id'] for i in a] == [i['img_id'] for i in b]
    for x, y in zip(a, b):
        for key in KEYS:
            assert x.get(key) == y.get(key), key
        assert osp.realpath(x['img_path']) == osp.realpath(y['img_path'])
        for key in ('seg_map_path', 'depth_path'):
            assert (osp.realpath(x[key]) if key in x else None) == \
                (osp.realpath(y[key]) if key in y else None), key
        ga = np.array([g['grasp'] for g in x['instances']])
        gb = np.array([g['grasp'] for g in y['instances']])
        assert ga.shape == gb.shape
        np.testing.assert_array_equal(ga[:, :4], gb[:, :4])  # bit for bit
        if len(ga):  # the angle within one unit in the last place (exact_degrees)
            np.testing.assert_array_max_ulp(ga[:, 4], gb[:, 4], maxulp=1)
        # what the pipeline hands the model (float32) is the same
        np.testing.assert_array_equal(ga.astype(np.float32), gb.astype(np.float32))
        for key in ('bbox_label', 'obj_label', 'ignore_flag'):
            assert [g[key] for g in x['instances']] == [g[key] for g in y['instances']], key


def test_exact_degrees_round_trip():
    rng = np.random.default_rng(0)
    # angles that came from degrees (Jacquard's files, the bin edges) come back bit for bit
    from_degrees = [math.radians(d) % math.pi for d in
                    np.concatenate([np.arange(0, 180, 0.5), np.round(rng.uniform(0, 180, 500), 3)])]
    for theta in from_degrees:
        assert math.radians(exact_degrees(theta)) % math.pi == theta
    # any other within one unit in the last place: the same float32 value and the same bin
    others = rng.uniform(0, math.pi, 2000)
    back = np.array([math.radians(exact_degrees(t)) % math.pi for t in others])
    np.testing.assert_array_max_ulp(back, others, maxulp=1)
    np.testing.assert_array_equal(back.astype(np.float32), others.astype(np.float32))
    np.testing.assert_array_equal(angle_to_bin(back, 18), angle_to_bin(others, 18))


def test_cornell_converted_equals_native(cornell_root, tmp_path):
    out = str(tmp_path / 'cornell.json')
    counts = cornell_to_grasp_json(cornell_root, out, folders=['01'], root=cornell_root)
    assert counts['images'] == 100
    for fold in range(5):
        for split in ('train', 'test'):
            native = CornellGraspDataset(data_root=cornell_root, folders=['01'], fold=fold,
                                         split=split, pipeline=[], test_mode=True)
            converted = GraspJsonDataset(ann_file=out, fold=fold, split=split, pipeline=[],
                                         test_mode=True, data_prefix=dict(img_path=cornell_root))
            assert_same_data(native, converted)
    converted = GraspJsonDataset(ann_file=out, split='all', pipeline=[],
                                 data_prefix=dict(img_path=cornell_root))
    assert converted.metainfo['sem_classes'] == ('background', 'object')
    assert sum(len(i['instances']) for i in _infos(converted)) == counts['annotations']


def test_jacquard_converted_equals_native_object_wise(jacquard_root, tmp_path):
    out = str(tmp_path / 'jacquard.json')
    counts = jacquard_to_grasp_json(jacquard_root, out, root=jacquard_root)
    assert counts == dict(images=48, annotations=4832)
    for fold in range(5):
        for split in ('train', 'test'):
            native = JacquardGraspDataset(data_root=jacquard_root, fold=fold, split=split,
                                          pipeline=[], test_mode=True)
            converted = GraspJsonDataset(ann_file=out, fold=fold, fold_by='group', split=split,
                                         pipeline=[], test_mode=True,
                                         data_prefix=dict(img_path=jacquard_root))
            assert_same_data(native, converted)
    images = load_grasp_json(out).images
    assert all(img.depth and img.depth.endswith('_perfect_depth.tiff') for img in images)
    assert all(osp.isfile(osp.join(jacquard_root, img.depth)) for img in images)


def test_ocid_converted_equals_native(ocid_root, tmp_path):
    out = str(tmp_path / 'ocid.json')
    ocid_to_grasp_json(ocid_root, out, {'train': 'data_split/training_0.txt',
                                        'test': 'data_split/validation_0.txt'}, root=ocid_root)
    for split, ann_file in (('train', 'training_0.txt'), ('test', 'validation_0.txt')):
        native = OCIDGraspDataset(data_root=ocid_root, ann_file='data_split/' + ann_file,
                                  pipeline=[], test_mode=True)
        converted = GraspJsonDataset(ann_file=out, split=split, pipeline=[], test_mode=True,
                                     data_prefix=dict(img_path=ocid_root))
        assert_same_data(native, converted)
        assert converted.metainfo['sem_classes'] == OCID_SEM_CLASSES


def _doc(annotations, images=None, categories=None):
    return dict(categories=categories if categories is not None else [dict(id=1, name='mug')],
                images=images if images is not None else [
                    dict(id=7, file_name='a.png', width=100, height=80)],
                annotations=annotations)


def test_grasp_and_corners_forms_agree():
    # a grasp 40 px open, 10 px jaw, at (50, 40), opening axis at 30 degrees (clockwise on screen)
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    u, v = np.array([c, s]) * 20, np.array([-s, c]) * 5
    centre = np.array([50.0, 40.0])
    p = [centre - u - v, centre + u - v, centre + u + v, centre - u + v]
    flat = [float(t) for q in p for t in q]
    rolled = [float(t) for q in p[-1:] + p[:-1] for t in q]  # first edge a plate
    parsed = parse_grasp_json(_doc([
        dict(id=0, image_id=7, category_id=1, grasp=[50, 40, 40, 10, 210]),
        dict(id=1, image_id=7, corners=flat),
        dict(id=2, image_id=7, corners=rolled, opening_edge='p1p2'),
    ]))
    grasps = parsed.images[0].grasps
    expected = [50, 40, 40, 10, math.radians(30)]
    for g in grasps:
        np.testing.assert_allclose(g, expected, atol=1e-9)
    assert parsed.images[0].category_ids.tolist() == [1, 0, 0]
    assert parsed.sem_classes == ('background', 'mug')


@pytest.mark.parametrize('doc, message', [
    (_doc([dict(id=0, image_id=7, grasp=[1, 2, -3, 4, 0])]), r'annotations\[0\] \(id 0\): '
     'negative opening or jaw'),
    (_doc([dict(id=0, image_id=8, grasp=[1, 2, 3, 4, 0])]), 'image_id 8 is not the id'),
    (_doc([dict(id=0, image_id=7, grasp=[1, 2, 3, 4, float('nan')])]), 'angle_deg must be '
     'finite'),
    (_doc([dict(id=0, image_id=7, grasp=[1, 2, 3, 4])]), r'"grasp" must be \[x, y'),
    (_doc([dict(id=0, image_id=7, grasp=[1, 2, 3, 4, 0], corners=[0] * 8)]), 'not both'),
    (_doc([dict(id=0, image_id=7, category_id=2, grasp=[1, 2, 3, 4, 0])]), 'category_id 2'),
    (_doc([dict(id=0, image_id=7, grasp=[1, 2, 3, 4, 0]),
           dict(id=0, image_id=7, grasp=[1, 2, 3, 4, 0])]), 'duplicate annotation id 0'),
    (_doc([], categories=[dict(id=2, name='a')]), r'category ids must be 1..K'),
    (_doc([], images=[dict(id=1, file_name='a.png'), dict(id=1, file_name='b.png')]),
     'duplicate image id 1'),
    (_doc([], images=[dict(id=1, file_name='a.png', split='dev')]), '"split" must be one of'),
    (_doc([], images=[dict(id=1, file_name='a.png', seg_map_threshold=128)]), 'without'),
])
def test_bad_files_name_the_entry(doc, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_grasp_json(doc, 'my.json')
    assert str(info.value).startswith('my.json: ')


def test_invalid_json_names_the_line(tmp_path):
    path = tmp_path / 'broken.json'
    path.write_text('{\n  "images": [],\n  "annotations": [,]\n}\n')
    with pytest.raises(ValueError, match=r'broken.json, line 3, column 19: not valid JSON'):
        load_grasp_json(str(path))


def test_small_grasps_dropped():
    parsed = parse_grasp_json(_doc([dict(id=0, image_id=7, grasp=[1, 2, 0.5, 4, 0]),
                                    dict(id=1, image_id=7, grasp=[1, 2, 3, 4, 0])]), 'my.json')
    assert parsed.images[0].annotation_ids == [1]


def _write(tmp_path, doc):
    path = tmp_path / 'own.json'
    path.write_text(json.dumps(doc))
    return str(path)


def test_split_field_and_validation_hold_out(tmp_path):
    images = [dict(id=i, file_name=f'{i}.png', width=64, height=48,
                   split=('test' if i % 4 == 0 else 'val' if i % 4 == 1 else 'train'),
                   group=f'obj{i % 3}') for i in range(12)]
    anns = [dict(id=i, image_id=i, grasp=[10, 10, 8, 4, 0]) for i in range(12)]
    path = _write(tmp_path, _doc(anns, images=images))

    def ids(**kw):
        ds = GraspJsonDataset(ann_file=path, pipeline=[], test_mode=True, **kw)
        return [int(info['img_id']) for info in _infos(ds)]

    assert ids(split='test') == [0, 4, 8]
    assert ids(split='val') == [1, 5, 9]
    assert ids(split='train') == [2, 3, 6, 7, 10, 11]
    assert ids(split='trainval') == [1, 2, 3, 5, 6, 7, 9, 10, 11]
    assert ids(split='all') == list(range(12))
    assert ids(split='val', val_ratio=0.2) == [1, 5, 9]  # images marked "val" win
    unmarked = [dict(img, split='train' if img['split'] == 'val' else img['split'])
                for img in images]
    path_unmarked = str(tmp_path / 'unmarked.json')
    with open(path_unmarked, 'w') as f:
        json.dump(_doc(anns, images=unmarked), f)
    held = GraspJsonDataset(ann_file=path_unmarked, split='val', val_ratio=0.2, pipeline=[],
                            test_mode=True)
    kept = GraspJsonDataset(ann_file=path_unmarked, split='train', val_ratio=0.2, pipeline=[],
                            test_mode=True)
    held_ids = {int(i['img_id']) for i in _infos(held)}
    kept_ids = {int(i['img_id']) for i in _infos(kept)}
    assert len(held_ids) == 2 and not held_ids & kept_ids  # round(0.2 * 9 images)
    assert held_ids | kept_ids == set(range(12)) - {0, 4, 8}  # never a test image
    # paths resolve against the JSON file's folder when there is no data_root
    ds = GraspJsonDataset(ann_file=path, split='all', pipeline=[], test_mode=True)
    assert ds.get_data_info(0)['img_path'] == osp.join(str(tmp_path), '0.png')
    # group-wise folds keep every group on one side
    for fold in range(3):
        train = GraspJsonDataset(ann_file=path, fold=fold, num_folds=3, fold_by='group',
                                 split='train', pipeline=[], test_mode=True)
        test = GraspJsonDataset(ann_file=path, fold=fold, num_folds=3, fold_by='group',
                                split='test', pipeline=[], test_mode=True)
        assert not {i['group'] for i in _infos(train)} & {i['group'] for i in _infos(test)}
        assert len(train) + len(test) == 12


def test_unmarked_images_need_a_fold(tmp_path):
    path = _write(tmp_path, _doc([dict(id=0, image_id=7, grasp=[10, 10, 8, 4, 0])]))
    with pytest.raises(ValueError, match='needs a "split" field on every image'):
        GraspJsonDataset(ann_file=path, split='train', pipeline=[])
    with pytest.raises(ValueError, match='needs a "group" on every image'):
        GraspJsonDataset(ann_file=path, fold=0, num_folds=2, fold_by='group', pipeline=[])


def test_config_sem_classes_win(tmp_path):
    path = _write(tmp_path, _doc([dict(id=0, image_id=7, grasp=[10, 10, 8, 4, 0])]))
    ds = GraspJsonDataset(ann_file=path, split='all', pipeline=[],
                          metainfo=dict(sem_classes=('bg', 'thing'),
                                        sem_palette=[(0, 0, 0), (1, 2, 3)]))
    assert ds.metainfo['sem_classes'] == ('bg', 'thing')


def test_test_side_needs_no_validation_hold_out(tmp_path):
    """A file of test images only (converted with --split test) loads as the test side even
    with the configs' val_ratio, which concerns the training side."""
    images = [dict(id=i, file_name=f'{i}.png', width=64, height=48, split='test')
              for i in range(3)]
    anns = [dict(id=i, image_id=i, grasp=[10, 10, 8, 4, 0]) for i in range(3)]
    path = _write(tmp_path, _doc(anns, images=images))
    ds = GraspJsonDataset(ann_file=path, split='test', val_ratio=0.1, pipeline=[],
                          test_mode=True)
    assert len(ds) == 3


def test_ids_compare_as_text():
    doc = _doc([], images=[dict(id=1, file_name='a.png'), dict(id='1', file_name='b.png')])
    with pytest.raises(ValueError, match='1 and "1" are the same image'):
        parse_grasp_json(doc, 'my.json')


# Issue 24 item 8: sizes that parse but cannot be right are refused, naming the entry.


def _image_file(tmp_path, width=64, height=64, name='a.png'):
    import cv2
    cv2.imwrite(str(tmp_path / name), np.zeros((height, width, 3), np.uint8))


@pytest.mark.parametrize('size', [(640, 480), (64, 48), (48, 64)])
def test_declared_size_must_match_the_image(tmp_path, size):
    _image_file(tmp_path)  # 64 x 64
    path = _write(tmp_path, _doc([dict(id=0, image_id=7, grasp=[10, 10, 8, 4, 0])],
                                 images=[dict(id=7, file_name='a.png', width=size[0],
                                              height=size[1])]))
    with pytest.raises(ValueError, match=rf'own.json: images\[0\] \(id 7\): "width" x "height" '
                       rf'{size[0]} x {size[1]} disagree with the image .*a.png \(64 x 64\)'):
        GraspJsonDataset(ann_file=path, split='all', pipeline=[])


def test_declared_size_that_matches_loads(tmp_path):
    _image_file(tmp_path, 64, 48)
    path = _write(tmp_path, _doc([dict(id=0, image_id=7, grasp=[10, 10, 8, 4, 0])],
                                 images=[dict(id=7, file_name='a.png', width=64, height=48)]))
    info = GraspJsonDataset(ann_file=path, split='all', pipeline=[]).get_data_info(0)
    assert (info['width'], info['height']) == (64, 48)


def test_absurd_declared_size_is_refused():
    doc = _doc([], images=[dict(id=7, file_name='a.png', width=200000, height=80)])
    with pytest.raises(ValueError, match=r'my.json: images\[0\] \(id 7\): "width" x "height" '
                       r'200000 x 80: larger than 16384 px'):
        parse_grasp_json(doc, 'my.json')


@pytest.mark.parametrize('ann, message', [
    (dict(grasp=[10, 10, 1e30, 4, 0]), r'opening 1e\+30 px or jaw 4 px'),
    (dict(grasp=[10, 10, 8, 129, 0]), r'opening 8 px or jaw 129 px'),
    (dict(corners=[0, 0, 1e20, 0, 1e20, 4, 0, 4]), r'opening 1e\+20 px or jaw 4 px'),
])
def test_grasp_larger_than_the_image_is_refused(ann, message):
    """The image is 100 x 80 (diagonal 128.06 px): an opening of 1e30 trained with no positive."""
    doc = _doc([dict(id=0, image_id=7, grasp=[10, 10, 8, 4, 0]), dict(id=5, image_id=7, **ann)])
    with pytest.raises(ValueError, match=r'my.json: annotations\[1\] \(id 5\): ' + message +
                       r' is longer than the image diagonal \(128 px of the 100 x 80 image'):
        parse_grasp_json(doc, 'my.json')


def test_grasp_as_long_as_the_diagonal_is_kept():
    doc = _doc([dict(id=0, image_id=7, grasp=[50, 40, 128, 128, 0])])
    assert len(parse_grasp_json(doc, 'my.json').images[0].grasps) == 1


def test_grasp_larger_than_an_unsized_image_is_refused_when_loaded(tmp_path):
    """Without "width" and "height" the size comes from the image, when the dataset is built."""
    _image_file(tmp_path)
    path = _write(tmp_path, _doc([dict(id=0, image_id=7, grasp=[10, 10, 8, 4, 0]),
                                  dict(id='big', image_id=7, grasp=[10, 10, 1e30, 4, 0])],
                                 images=[dict(id=7, file_name='a.png')]))
    with open(path) as f:
        parse_grasp_json(json.load(f), path)  # no size to compare with yet
    with pytest.raises(ValueError, match=r"own.json: images\[0\] \(id 7\), annotation id "
                       r"'big': opening 1e\+30 px or jaw 4 px is longer than the image diagonal "
                       r'\(91 px of the 64 x 64 image'):
        GraspJsonDataset(ann_file=path, split='all', pipeline=[])


@pytest.mark.parametrize('encoding', ['latin-1', 'utf-16'])
def test_grasp_json_not_utf8_names_the_line(tmp_path, encoding):
    doc = _doc([dict(id=0, image_id=7, grasp=[10, 10, 8, 4, 0])],
               categories=[dict(id=1, name='tasse \u00e0 caf\u00e9')])
    path = tmp_path / 'grasps.json'
    path.write_bytes(json.dumps(doc, ensure_ascii=False).encode(encoding))
    with pytest.raises(ValueError, match=r'grasps.json, line 1, column \d+: not UTF-8 text'):
        load_grasp_json(str(path))
