# Copyright (c) mmgrasp contributors. All rights reserved.
"""labelme and CVAT exports to the grasp JSON format, on hand-made files whose grasps, masks and
categories are worked out by hand."""
import json
import math
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from mmgrasp.datasets import GraspJsonDataset, load_grasp_json
from mmgrasp.datasets.converters import cvat_to_grasp_json, labelme_to_grasp_json

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _image(path, width=64, height=48):
    cv2.imwrite(str(path), np.full((height, width, 3), 127, np.uint8))


def _labelme(tmp_path, shapes, name='scene'):
    folder = tmp_path / 'labelme'
    folder.mkdir(exist_ok=True)
    _image(folder / f'{name}.png')
    doc = dict(version='5.4.1', flags={}, shapes=shapes, imagePath=f'{name}.png', imageData=None,
               imageHeight=48, imageWidth=64)
    (folder / f'{name}.json').write_text(json.dumps(doc))
    return str(folder)


def _shape(label, points, shape_type='polygon', group_id=None):
    return dict(label=label, points=points, group_id=group_id, shape_type=shape_type, flags={})


SHAPES = [
    # a mug, 20 x 10 px: columns 10..29, rows 10..19
    _shape('mug', [[10, 10], [30, 10], [30, 20], [10, 20]], group_id=1),
    # a box drawn as a rectangle, 10 x 10 px: columns 40..49, rows 5..14
    _shape('box', [[40, 5], [50, 15]], shape_type='rectangle'),
    # grasp on the mug by group: opening 16 px along x, jaw 4 px, centre (20, 17)
    _shape('grasp', [[12, 15], [28, 15], [28, 19], [12, 19]], group_id=1),
    # grasp on the box by its centre (44, 10): opening 16 px along +y (90 degrees), jaw 2 px
    _shape('grasp', [[45, 2], [45, 18], [43, 18], [43, 2]]),
    # grasp on the table: no object under (5, 40)
    _shape('grasp', [[1, 40], [9, 40], [9, 42], [1, 42]]),
]


def test_labelme_grasps_masks_and_categories(tmp_path):
    src = _labelme(tmp_path, SHAPES)
    out = str(tmp_path / 'own.json')  # the images must lie inside the JSON file's folder
    counts = labelme_to_grasp_json(src, out)
    assert counts == dict(images=1, annotations=3, masks=1, unknown_category=1)
    parsed = load_grasp_json(out)
    assert parsed.sem_classes == ('background', 'box', 'mug')
    image = parsed.images[0]
    np.testing.assert_allclose(image.grasps, [[20, 17, 16, 4, 0], [44, 10, 16, 2, math.pi / 2],
                                              [5, 41, 8, 2, 0]], atol=1e-9)
    assert image.category_ids.tolist() == [2, 1, 0]
    mask = cv2.imread(osp.join(osp.dirname(out), image.seg_map), cv2.IMREAD_UNCHANGED)
    assert mask.shape == (48, 64)
    assert (mask == 2).sum() == 200 and (mask[10:20, 10:30] == 2).all()
    assert (mask == 1).sum() == 100 and (mask[5:15, 40:50] == 1).all()
    # the dataset reads it: mask path, classes, grasps
    ds = GraspJsonDataset(ann_file=out, split='all', pipeline=[])
    info = ds.get_data_info(0)
    assert info['img_path'] == osp.join(src, 'scene.png')
    assert [g['obj_label'] for g in info['instances']] == [2, 1, 0]
    assert [g['bbox_label'] for g in info['instances']] == [0, 9, 0]


def test_labelme_opening_edge_p1p2(tmp_path):
    src = _labelme(tmp_path, [_shape('grasp', [[12, 15], [28, 15], [28, 19], [12, 19]])])
    out = str(tmp_path / 'own.json')
    labelme_to_grasp_json(src, out, opening_edge='p1p2')
    np.testing.assert_allclose(load_grasp_json(out).images[0].grasps,
                               [[20, 17, 4, 16, math.pi / 2]], atol=1e-9)


@pytest.mark.parametrize('shape, message', [
    (_shape('grasp', [[0, 0], [4, 0], [4, 4]]), r'shapes\[0\].*a grasp is a polygon of 4 corners'),
    (_shape('mug', [[0, 0], [4, 4]], shape_type='line'), "shape_type 'line'"),
    (_shape('grasp', [[1, 1], [5, 1], [5, 3], [1, 3]], group_id=3), 'no object polygon has that '
     'group id'),
])
def test_labelme_bad_shapes_name_file_and_shape(tmp_path, shape, message):
    src = _labelme(tmp_path, [shape])
    with pytest.raises(ValueError, match=message) as info:
        labelme_to_grasp_json(src, str(tmp_path / 'own.json'))
    assert 'scene.json' in str(info.value)
    assert not (tmp_path / 'own.json').exists()


CVAT_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <image id="0" name="imgs/a.png" width="64" height="48">
    <box label="grasp" source="manual" occluded="0" xtl="10" ytl="20" xbr="50" ybr="30"
         rotation="30" z_order="0" group_id="2"/>
    <polygon label="cup" source="manual" occluded="0" points="5,5;25,5;25,15;5,15" z_order="0"
             group_id="2"/>
    <box label="plate" source="manual" occluded="0" xtl="40" ytl="30" xbr="60" ybr="40"
         z_order="0"/>
    <box label="grasp" source="manual" occluded="0" xtl="45" ytl="33" xbr="55" ybr="37"
         rotation="0" z_order="0"/>
  </image>
</annotations>
"""


def test_cvat_rotated_boxes(tmp_path):
    (tmp_path / 'imgs').mkdir()
    _image(tmp_path / 'imgs' / 'a.png')
    xml = tmp_path / 'annotations.xml'
    xml.write_text(CVAT_XML)
    out = str(tmp_path / 'own.json')
    counts = cvat_to_grasp_json(str(xml), str(tmp_path), out, split='train')
    assert counts == dict(images=1, annotations=2, masks=1, unknown_category=0)
    parsed = load_grasp_json(out)
    assert parsed.sem_classes == ('background', 'cup', 'plate')
    image = parsed.images[0]
    assert image.id == 'imgs/a' and image.split == 'train'
    # box centre (30, 25), width 40 = opening, height 10 = jaw, rotated 30 degrees clockwise
    np.testing.assert_allclose(image.grasps, [[30, 25, 40, 10, math.radians(30)],
                                              [50, 35, 10, 4, 0]], atol=1e-9)
    assert image.category_ids.tolist() == [1, 2]  # cup by group, plate by centre
    mask = cv2.imread(str(tmp_path / 'masks' / 'imgs' / 'a.png'), cv2.IMREAD_UNCHANGED)
    assert (mask == 1).sum() == 200 and (mask == 2).sum() == 20 * 10
    # the height as the opening: the same rectangle, turned by 90 degrees
    cvat_to_grasp_json(str(xml), str(tmp_path), out, opening_side='height')
    np.testing.assert_allclose(load_grasp_json(out).images[0].grasps[0],
                               [30, 25, 10, 40, math.radians(120)], atol=1e-9)


def test_cvat_bad_input_names_the_line(tmp_path):
    xml = tmp_path / 'annotations.xml'
    xml.write_text('<annotations>\n  <image id="0" name="a.png" width="4" height="4">\n'
                   '  </imag>\n</annotations>\n')
    with pytest.raises(ValueError, match=r'annotations.xml, line 3.*not valid XML'):
        cvat_to_grasp_json(str(xml), str(tmp_path), str(tmp_path / 'own.json'))
    xml.write_text(CVAT_XML.replace('rotation="30"', 'rotation="abc"'))
    with pytest.raises(ValueError, match=r"<image name='imgs/a.png'>, shape 0 <box "
                       r"label='grasp'>: rotation='abc' is not a number"):
        cvat_to_grasp_json(str(xml), str(tmp_path), str(tmp_path / 'own.json'))


def test_command_line(tmp_path, monkeypatch):
    src = _labelme(tmp_path, SHAPES)
    monkeypatch.syspath_prepend(osp.join(REPO_ROOT, 'tools', 'dataset_converters'))
    sys.modules.pop('to_grasp_json', None)
    import to_grasp_json
    out = str(tmp_path / 'cli.json')
    assert to_grasp_json.main(['labelme', src, out, '--split', 'test',
                               '--categories', 'mug', 'box']) == 0
    parsed = load_grasp_json(out)
    assert parsed.sem_classes == ('background', 'mug', 'box')
    assert parsed.images[0].category_ids.tolist() == [1, 2, 0]
    assert parsed.images[0].split == 'test'


def test_missing_image_is_named(tmp_path):
    src = _labelme(tmp_path, SHAPES)
    (tmp_path / 'labelme' / 'scene.png').unlink()
    with pytest.raises(FileNotFoundError, match=r'scene.json: its image .*scene.png'):
        labelme_to_grasp_json(src, str(tmp_path / 'own.json'))


# Issue 24 item 8: labelme and CVAT files that parse but are wrong stop the conversion, naming
# the file and the line or entry, before anything is written.


def _rewrite_labelme(src, **fields):
    """Change top-level fields of ``scene.json`` (written by :func:`_labelme`)."""
    path = osp.join(src, 'scene.json')
    with open(path) as f:
        doc = json.load(f)
    doc.update(fields)
    with open(path, 'w') as f:
        json.dump(doc, f, indent=1)
    return path


def _convert_labelme(tmp_path, src):
    return labelme_to_grasp_json(src, str(tmp_path / 'own.json'))


@pytest.mark.parametrize('fields, message', [
    (dict(shapes=5), r'scene.json, line \d+: "shapes" must be a list of shapes, got int'),
    (dict(shapes=[5]), r'scene.json, shapes\[0\]: a shape must be an object, got 5'),
    (dict(shapes=[_shape('mug', [[0, 0], [9, 0], [9, 9]], group_id=[1])]),
     r'scene.json, shapes\[0\] \(label .mug.\): "group_id" must be an integer, a string or '
     r'null, got \[1\]'),
])
def test_labelme_malformed_shapes_name_the_file(tmp_path, fields, message):
    src = _labelme(tmp_path, SHAPES)
    _rewrite_labelme(src, **fields)
    with pytest.raises(ValueError, match=message):
        _convert_labelme(tmp_path, src)
    assert not (tmp_path / 'own.json').exists()


@pytest.mark.parametrize('encoding, where', [
    ('latin-1', r'line 6, column 20'),  # the "a grave" of "tasse a cafe" in latin-1
    ('utf-16', r'line 1, column 1'),  # with its byte order mark
    ('utf-16-le', r'line 1'),  # without one: NUL bytes between the letters
])
def test_labelme_not_utf8_is_refused_with_the_line(tmp_path, encoding, where):
    src = _labelme(tmp_path, [_shape('tasse \u00e0 caf\u00e9', [[0, 0], [9, 0], [9, 9]])])
    path = osp.join(src, 'scene.json')
    with open(path) as f:
        doc = json.load(f)
    text = json.dumps(dict(version='5.4.1', flags={}, shapes=doc['shapes'], imagePath='scene.png',
                           imageHeight=48, imageWidth=64), indent=1, ensure_ascii=False)
    assert text.splitlines()[5].index('\u00e0') == 19
    with open(path, 'wb') as f:
        f.write(text.encode(encoding))
    with pytest.raises(ValueError, match=rf'scene.json, {where}.*not UTF-8 text') as info:
        _convert_labelme(tmp_path, src)
    assert 'UTF-8' in str(info.value) and 'save' in str(info.value)


def test_labelme_utf8_with_byte_order_mark_is_read(tmp_path):
    src = _labelme(tmp_path, SHAPES)
    path = osp.join(src, 'scene.json')
    with open(path, 'rb') as f:
        content = f.read()
    with open(path, 'wb') as f:
        f.write(b'\xef\xbb\xbf' + content)  # as Windows Notepad saves it
    assert _convert_labelme(tmp_path, src)['annotations'] == 3


@pytest.mark.parametrize('fields, message', [
    (dict(imageWidth=200000), r'scene.json, line \d+: imageWidth x imageHeight 200000 x 48: '
     r'larger than 16384 px'),
    (dict(imageWidth=True), r'scene.json, line \d+: imageWidth x imageHeight True x 48: each must '
     r'be a positive integer'),
    (dict(imageWidth=100), r'scene.json, line \d+: imageWidth x imageHeight 100 x 48 disagree '
     r'with the image .*scene.png \(64 x 48\)'),
    (dict(imageWidth=48, imageHeight=64), r'48 x 64 disagree with the image .*\(64 x 48\)'),
])
def test_labelme_image_size_checked(tmp_path, fields, message):
    src = _labelme(tmp_path, SHAPES)
    _rewrite_labelme(src, **fields)
    with pytest.raises(ValueError, match=message):
        _convert_labelme(tmp_path, src)
    assert not (tmp_path / 'own.json').exists() and not (tmp_path / 'masks').exists()


def test_labelme_grasp_larger_than_the_image_is_refused(tmp_path):
    src = _labelme(tmp_path, [_shape('grasp', [[0, 0], [1e30, 0], [1e30, 4], [0, 4]])])
    with pytest.raises(ValueError, match=r'scene.json, shapes\[0\] \(label .grasp.\): opening '
                       r'1e\+30 px or jaw 4 px is longer than the image diagonal'):
        _convert_labelme(tmp_path, src)


def _cvat_file(tmp_path, old, new):
    """``CVAT_XML`` with the first ``old`` replaced by ``new``, and its image."""
    (tmp_path / 'imgs').mkdir(exist_ok=True)
    _image(tmp_path / 'imgs' / 'a.png')
    assert old in CVAT_XML
    text = CVAT_XML.replace(old, new, 1)
    xml = tmp_path / 'annotations.xml'
    xml.write_text(text)
    return str(xml)


@pytest.mark.parametrize('old, new, message', [
    ('width="64"', 'width="63.7"', r"width='63.7' is not a whole number of pixels"),
    ('height="48"', 'height="4.8e1"', None),  # a whole number written as a float is read
    ('height="48"', 'height="0"', r'width x height 64 x 0: each must be a positive integer'),
    ('width="64"', 'width="1e6"', r'width x height 1000000 x 48: .*larger than 16384 px'),
    ('width="64"', 'width="100"', r'width x height 100 x 48 disagree with the image '
     r'.*a.png \(64 x 48\)'),
])
def test_cvat_image_size_must_be_whole_pixels(tmp_path, old, new, message):
    xml = _cvat_file(tmp_path, old, new)
    out = str(tmp_path / 'own.json')
    if message is None:
        assert cvat_to_grasp_json(xml, str(tmp_path), out)['images'] == 1
        assert load_grasp_json(out).images[0].height == 48
        return
    with pytest.raises(ValueError, match=r"annotations.xml, line 4, <image name='imgs/a.png'>: "
                       + message):
        cvat_to_grasp_json(xml, str(tmp_path), out)
    assert not osp.exists(out) and not (tmp_path / 'masks').exists()


@pytest.mark.parametrize('old, new, message', [
    ('rotation="30"', 'rotation="1e30"', r"shape 0 <box label='grasp'>: rotation='1e30' is "
     r'outside \[-360, 360\] degrees'),
    ('group_id="2"', 'group_id="2.5"', r"shape 0 <box label='grasp'>: group_id='2.5' is not a "
     r'whole number'),
    ('xbr="50"', 'xbr="1e30"', r"shape 0 <box label='grasp'>: opening 1e\+30 px or jaw 10 px is "
     r'longer than the image diagonal \(80 px of the 64 x 48 image\)'),
])
def test_cvat_numeric_attributes_checked(tmp_path, old, new, message):
    xml = _cvat_file(tmp_path, old, new)
    with pytest.raises(ValueError, match=r"annotations.xml, line 4, <image name='imgs/a.png'>, "
                       + message):
        cvat_to_grasp_json(xml, str(tmp_path), str(tmp_path / 'own.json'))
    assert not (tmp_path / 'own.json').exists()


def test_command_line_reports_bad_input_without_a_traceback(tmp_path, monkeypatch, capsys):
    src = _labelme(tmp_path, SHAPES)
    _rewrite_labelme(src, shapes=5)
    monkeypatch.syspath_prepend(osp.join(REPO_ROOT, 'tools', 'dataset_converters'))
    sys.modules.pop('to_grasp_json', None)
    import to_grasp_json
    assert to_grasp_json.main(['labelme', src, str(tmp_path / 'cli.json')]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: ') and 'scene.json, line' in err and '"shapes"' in err
    assert not (tmp_path / 'cli.json').exists()
