# Copyright (c) mmgrasp contributors. All rights reserved.
"""Converters write only where they should: image names that are absolute or leave the images
folder are refused (file and line named), masks stay inside the mask folder and never replace
an input, and every output path is checked before anything is written."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmgrasp.datasets.converters import (cvat_to_grasp_json, labelme_to_grasp_json,
                                         ocid_to_grasp_json)
from mmgrasp.datasets.safe_paths import UnsafePathError

CVAT = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <image id="0" name="{name}" width="64" height="48">
    <polygon label="cup" points="5,5;25,5;25,15;5,15"/>
    <box label="grasp" xtl="10" ytl="20" xbr="50" ybr="30" rotation="30"/>
  </image>
</annotations>
"""


def _image(path) -> bytes:
    os.makedirs(osp.dirname(str(path)), exist_ok=True)
    cv2.imwrite(str(path), np.full((48, 64, 3), 127, np.uint8))
    with open(path, 'rb') as f:
        return f.read()


def _cvat(tmp_path, name: str) -> str:
    xml = tmp_path / 'export' / 'annotations.xml'
    xml.parent.mkdir(exist_ok=True)
    xml.write_text(CVAT.format(name=name))
    return str(xml)


def _unchanged(path, content: bytes) -> bool:
    with open(path, 'rb') as f:
        return f.read() == content


def _files(folder) -> set:
    return {osp.relpath(osp.join(d, f), str(folder)) for d, _, fs in os.walk(str(folder))
            for f in fs}


def test_cvat_name_leaving_the_images_folder(tmp_path):
    """``../imgs/photo.png`` would get its mask written over the photo itself."""
    photo = _image(tmp_path / 'imgs' / 'photo.png')
    (tmp_path / 'export' / 'images').mkdir(parents=True)
    xml = _cvat(tmp_path, '../imgs/photo.png')
    before = _files(tmp_path)
    with pytest.raises(UnsafePathError, match=r'annotations.xml, line 4.*leaves'):
        cvat_to_grasp_json(xml, str(tmp_path / 'export' / 'images'),
                           str(tmp_path / 'export' / 'own.json'))
    assert _unchanged(tmp_path / 'imgs' / 'photo.png', photo)
    assert _files(tmp_path) == before  # nothing written


def test_cvat_absolute_name(tmp_path):
    victim = _image(tmp_path / 'elsewhere' / 'victim.png')
    (tmp_path / 'export').mkdir()
    xml = _cvat(tmp_path, str(tmp_path / 'elsewhere' / 'victim.png'))
    with pytest.raises(UnsafePathError, match=r'line 4.*absolute path'):
        cvat_to_grasp_json(xml, str(tmp_path / 'export'), str(tmp_path / 'export' / 'own.json'))
    assert _unchanged(tmp_path / 'elsewhere' / 'victim.png', victim)
    assert not osp.exists(tmp_path / 'export' / 'masks')


def test_mask_never_replaces_an_input(tmp_path):
    """With ``--mask-dir`` the images folder, the mask of ``photo.png`` is ``photo.png``."""
    images = tmp_path / 'export'
    photo = _image(images / 'photo.png')
    xml = _cvat(tmp_path, 'photo.png')
    with pytest.raises(UnsafePathError, match='one of the files being converted'):
        cvat_to_grasp_json(xml, str(images), str(images / 'own.json'), mask_dir=str(images))
    assert _unchanged(images / 'photo.png', photo)
    assert not osp.exists(images / 'own.json')


def test_output_over_an_input_is_refused(tmp_path):
    images = tmp_path / 'export'
    _image(images / 'photo.png')
    xml = _cvat(tmp_path, 'photo.png')
    with open(xml, 'rb') as f:
        content = f.read()
    with pytest.raises(UnsafePathError, match='.json'):
        cvat_to_grasp_json(xml, str(images), xml)  # the export itself
    with pytest.raises(UnsafePathError, match='folder'):
        cvat_to_grasp_json(xml, str(images), str(images))
    assert _unchanged(xml, content)


def _labelme(folder, image_path: str, name: str = 'scene') -> str:
    folder.mkdir(parents=True, exist_ok=True)
    doc = dict(version='5.4.1', flags={}, imageData=None, imageHeight=48, imageWidth=64,
               shapes=[dict(label='grasp', points=[[12, 15], [28, 15], [28, 19], [12, 19]],
                            shape_type='polygon', flags={})],
               imagePath=image_path)
    path = folder / f'{name}.json'
    path.write_text(json.dumps(doc, indent=2))
    return str(path)


@pytest.mark.parametrize('image_path', ['/etc/passwd', '../outside.png', '..\\outside.png'])
def test_labelme_image_path_outside_the_folder(tmp_path, image_path):
    _image(tmp_path / 'outside.png')
    src = tmp_path / 'labelme'
    path = _labelme(src, image_path)
    with pytest.raises(UnsafePathError) as e:
        labelme_to_grasp_json(str(src), str(src / 'own.json'))
    assert f'{path}, line' in str(e.value) and 'imagePath' in str(e.value)
    assert not osp.exists(src / 'own.json')


def test_labelme_output_over_an_annotation_file(tmp_path):
    src = tmp_path / 'labelme'
    _image(src / 'scene.png')
    path = _labelme(src, 'scene.png')
    _labelme(src, 'scene.png', name='other')
    with open(path, 'rb') as f:
        content = f.read()
    with pytest.raises(UnsafePathError, match='is a labelme file'):
        labelme_to_grasp_json(str(src), path)
    assert _unchanged(path, content)


def test_labelme_inside_still_converts(tmp_path):
    src = tmp_path / 'own'
    _image(src / 'images' / 'scene.png')
    _labelme(src / 'ann', '../images/scene.png')  # inside the converted folder
    counts = labelme_to_grasp_json(str(src), str(src / 'grasps.json'))
    assert counts['images'] == 1


def test_native_converter_checks_its_output(ocid_root, tmp_path):
    splits = {'train': 'data_split/training_0.txt'}
    with pytest.raises(UnsafePathError, match='ends with .json'):
        ocid_to_grasp_json(ocid_root, str(tmp_path / 'ocid.png'), splits, root=ocid_root)
    with pytest.raises(UnsafePathError, match='outside'):  # the dataset would refuse the names
        ocid_to_grasp_json(ocid_root, str(tmp_path / 'ocid.json'), splits)
    assert not osp.exists(tmp_path / 'ocid.json')
    counts = ocid_to_grasp_json(ocid_root, str(tmp_path / 'ocid.json'), splits, root=ocid_root)
    assert counts['images'] > 0
