# Copyright (c) mmgrasp contributors. All rights reserved.
import pytest

from mmgrasp.datasets.synthetic import generate_synthetic_dataset


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory) -> str:
    """80 synthetic scenes of 128x128 (72 train, 8 val), generated once per session."""
    root = str(tmp_path_factory.mktemp('synthetic'))
    generate_synthetic_dataset(root, num=80, size=128, seed=0, val_ratio=0.1)
    return root
