# Copyright (c) mmgrasp contributors. All rights reserved.
"""Inputs that gave silent garbage or an unclear error (issue 24, item 8), through mmdet's
``inference_detector`` and through ``GraspInferencer``: float images in [0, 1], uint16 images,
empty files, images below the minimum size refused with a message naming them; very large
images warned about."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmdet.apis import inference_detector, init_detector
from mmdet.structures import DetDataSample

from mmgrasp.apis import GraspInferencer
from mmgrasp.models.utils import image_input_checks
from mmgrasp.models.utils.image_input_checks import MIN_INPUT_SIDE, check_network_inputs


@pytest.fixture
def inferencer(tiny_cfg):
    return GraspInferencer(tiny_cfg, device='cpu', show_progress=False)


@pytest.fixture
def detector(tiny_cfg):
    return init_detector(tiny_cfg, None, device='cpu')


@pytest.fixture(scope='module')
def small_images(tmp_path_factory) -> dict:
    """``empty.png`` (0 bytes), ``one.png`` (1x1), ``thin.png`` (31x40), ``edge.png`` (32x32)."""
    root = tmp_path_factory.mktemp('small_images')
    rng = np.random.default_rng(1)
    paths = dict(empty=str(root / 'empty.png'))
    open(paths['empty'], 'wb').close()
    for name, (h, w) in dict(one=(1, 1), thin=(MIN_INPUT_SIDE - 1, 40),
                             edge=(MIN_INPUT_SIDE, MIN_INPUT_SIDE)).items():
        paths[name] = str(root / f'{name}.png')
        cv2.imwrite(paths[name], rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    return paths


def test_inference_detector_refuses_float01_and_uint16(detector, image_dir):
    img = cv2.imread(osp.join(image_dir, 'a.png'))
    with pytest.raises(ValueError, match=r'array input \(96x128\).*float32.*scaled to \[0, 1\]'
                       r'.*\(img \* 255\)\.round\(\)\.astype\(np\.uint8\)'):
        inference_detector(detector, img.astype(np.float32) / 255)
    with pytest.raises(ValueError, match=r'uint16 with values in \[0, \d+\].*img // 257'):
        inference_detector(detector, img.astype(np.uint16) * 257)
    with pytest.raises(ValueError, match='normalised'):
        inference_detector(detector, img.astype(np.float32) - 128)
    # mmdet's to_float32 images (float, 0-255) are still images: the same grasps as uint8
    as_float = inference_detector(detector, img.astype(np.float32))
    as_uint8 = inference_detector(detector, img)
    assert torch.equal(as_float.pred_instances.bboxes, as_uint8.pred_instances.bboxes)


def test_inferencer_says_how_to_convert(inferencer, image_dir):
    img = cv2.imread(osp.join(image_dir, 'a.png'))
    preds = inferencer([img.astype(np.float32) / 255, img.astype(np.uint16) * 257, img]
                       )['predictions']
    assert '(img * 255).round().astype(np.uint8)' in preds[0]['error']
    assert 'got uint16' in preds[1]['error'] and 'depth' in preds[1]['error']
    assert 'error' not in preds[2] and preds[2]['grasps']


def test_empty_file_is_named(inferencer, small_images):
    pred = inferencer(small_images['empty'])['predictions'][0]
    assert pred['grasps'] == [] and 'empty.png: the file is empty (0 bytes)' in pred['error']


def test_image_below_minimum_size(inferencer, tiny_cfg, small_images):
    preds = inferencer([small_images['one'], small_images['thin'], small_images['edge']],
                       batch_size=3)['predictions']
    for pred, size in zip(preds[:2], ('1x1', f'{MIN_INPUT_SIDE - 1}x40')):
        assert pred['grasps'] == []
        assert pred['error'].startswith(f'ValueError: {pred["img_path"]}: the network input is '
                                        f'{size} px')
        assert f'minimum of {MIN_INPUT_SIDE} px' in pred['error']
    assert 'error' not in preds[2]  # 32x32 is taken
    detector = init_detector(tiny_cfg, None, device='cpu')
    with pytest.raises(ValueError, match=r'one\.png: the network input is 1x1 px'):
        inference_detector(detector, small_images['one'])


def test_minimum_size_is_of_the_network_input(image_dir, tmp_path):
    """Jacquard's test pipeline halves the image: a 48x48 image is a 24x24 network input."""
    from mmgrasp.testing import get_config, get_detector_cfg
    name = 'grasp/det_mobilenetv2_fpn_jacquard.py'
    cfg = get_config(name)
    cfg.model = get_detector_cfg(name)
    detector = init_detector(cfg, None, device='cpu')
    path = str(tmp_path / 'half.png')
    cv2.imwrite(path, np.zeros((48, 48, 3), np.uint8))
    with pytest.raises(ValueError, match=r'24x24 px \(the 48x48 image after the config'):
        inference_detector(detector, path)


def test_large_input_warns(inferencer, detector, image_dir, monkeypatch):
    path = osp.join(image_dir, 'a.png')
    monkeypatch.setattr(image_input_checks, 'MAX_INPUT_PIXELS', 96 * 128 - 1)
    for run in (lambda: inference_detector(detector, path), lambda: inferencer(path)):
        with pytest.warns(UserWarning, match='a.png: the network input is 96x128 px') as record:
            run()
        message = str(record[0].message)
        assert 'trained at' in message and '640x480 (OCID_grasp)' in message


def test_check_network_inputs_without_a_network():
    def data(img, **meta):
        meta.setdefault('img_shape', tuple(img.shape[-2:]))
        return dict(inputs=[img], data_samples=[DetDataSample(metainfo=meta)])

    big = torch.zeros(3, 2100, 2100, dtype=torch.uint8)
    with pytest.warns(UserWarning, match=r'big\.png: the network input is 2100x2100 px \(4\.4 Mpx'):
        check_network_inputs(data(big, img_path='big.png', ori_shape=(2100, 2100)))
    # RGB-D: the colour as float 0-255 and a depth plane in metres are fine
    rgbd = torch.cat([torch.full((3, 40, 40), 200.0), torch.full((1, 40, 40), 0.6)])
    check_network_inputs(data(rgbd))
    bad = torch.full((3, 40, 40), 0.5)
    bad[0, 0, 0] = float('nan')
    with pytest.raises(ValueError, match='not finite'):
        check_network_inputs(data(bad))
    with pytest.raises(ValueError, match=r'bool.*astype\(np\.uint8\)'):
        check_network_inputs(data(torch.ones(3, 40, 40, dtype=torch.bool)))
    check_network_inputs(data(torch.zeros(3, 40, 40)))  # a black float image is an image


def test_inference_detector_names_an_empty_or_broken_file(detector, small_images, image_dir):
    """mmdet's own API runs the config's pipeline, whose LoadImageFromFile is mmgrasp's: the
    file is named (mmcv's gives OpenCV's ``!buf.empty()`` for an empty file)."""
    with pytest.raises(ValueError, match=r'empty\.png: the file is empty \(0 bytes\)'):
        inference_detector(detector, small_images['empty'])
    with pytest.raises(ValueError, match=r'zz\.png: not an image OpenCV can read'):
        inference_detector(detector, osp.join(image_dir, 'zz.png'))
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inference_detector(detector, osp.join(image_dir, 'missing.png'))


def test_image_loader_gives_mmcvs_pixels(image_dir):
    """The same arrays as mmcv's transform, for colour, grayscale and unchanged loading."""
    from mmcv.transforms import LoadImageFromFile as MMCVLoad

    from mmgrasp.datasets.transforms import LoadImageFromFile
    for name, kwargs in (('a.png', {}), ('b.jpg', dict(to_float32=True)),
                         ('gray.png', dict(color_type='grayscale')),
                         ('rgba.png', dict(color_type='unchanged'))):
        path = osp.join(image_dir, name)
        ours = LoadImageFromFile(**kwargs)(dict(img_path=path))
        theirs = MMCVLoad(**kwargs)(dict(img_path=path))
        assert ours['img'].dtype == theirs['img'].dtype
        np.testing.assert_array_equal(ours['img'], theirs['img'])
        assert ours['ori_shape'] == theirs['ori_shape']
    assert LoadImageFromFile(ignore_empty=True)(
        dict(img_path=osp.join(image_dir, 'missing.png'))) is None
