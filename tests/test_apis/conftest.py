# Copyright (c) mmgrasp contributors. All rights reserved.
"""Fixtures of the API tests: a tiny Det_Seg_Refine config (random weights) and image files."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmgrasp.testing import get_config, get_detector_cfg

CONFIG = 'grasp/det_seg_refine_r18_fpn_synthetic.py'


def tiny_config() -> Config:
    """The synthetic quick-start config with the tiny test model (6 semantic classes)."""
    cfg = get_config(CONFIG)
    cfg.model = get_detector_cfg(CONFIG)
    cfg.model.test_cfg.rpn.update(nms_pre=200, max_per_img=50)  # fast tests
    return cfg


@pytest.fixture(autouse=True, scope='package')
def _one_thread():
    """One torch thread: the tiny models run 10-40x faster than with two threads fighting for
    two busy cores (OpenMP barriers), and the tests stay under a few seconds each."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def tiny_cfg() -> Config:
    torch.manual_seed(0)
    return tiny_config()


@pytest.fixture(scope='session')
def image_dir(tmp_path_factory) -> str:
    """``a.png`` and ``b.jpg`` (colour), ``gray.png``, ``rgba.png`` and a broken ``zz.png``."""
    root = tmp_path_factory.mktemp('images')
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
    cv2.imwrite(str(root / 'a.png'), img)
    cv2.imwrite(str(root / 'b.jpg'), img[:, ::-1])
    cv2.imwrite(str(root / 'gray.png'), cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    cv2.imwrite(str(root / 'rgba.png'), cv2.cvtColor(img, cv2.COLOR_BGR2BGRA))
    (root / 'zz.png').write_bytes(b'this is not an image')
    (root / 'notes.txt').write_text('not an image file name either')
    return str(root)
