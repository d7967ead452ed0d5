# Copyright (c) mmgrasp contributors. All rights reserved.
"""Fixtures of the dataset tests: the real samples in ``../shared/data`` and tiny fixtures.

The real samples live outside the repository; set ``MMGRASP_SHARED_DATA`` to their folder
(default: ``<repo>/../shared/data``). Tests that need them are skipped, with the path in the
reason, when they are absent, and fail when ``MMGRASP_SHARED_DATA`` is set (CI sets it).
"""
import os.path as osp

import pytest

from mmgrasp.testing import shared_data_path

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
OCID_FIXTURE = osp.join(REPO_ROOT, 'tests', 'data', 'ocid')


def _shared(sub: str) -> str:
    return shared_data_path(sub)


@pytest.fixture(scope='session')
def cornell_root() -> str:
    """Folder holding Cornell's ``01/``."""
    return _shared('cornell')


@pytest.fixture(scope='session')
def jacquard_root() -> str:
    """Folder of the Jacquard sample objects."""
    return _shared(osp.join('jacquard', 'Samples'))


@pytest.fixture(scope='session')
def ocid_root() -> str:
    """The OCID_grasp fixture in the release layout."""
    return OCID_FIXTURE


@pytest.fixture(autouse=True, scope='session')
def _mmgrasp_scope():
    """Register mmgrasp's datasets and transforms and make ``mmgrasp`` the default scope."""
    from mmengine.registry import init_default_scope

    import mmgrasp.datasets  # noqa: F401
    init_default_scope('mmgrasp')
