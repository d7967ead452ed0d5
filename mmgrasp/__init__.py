# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmgrasp: grasp detection, semantic segmentation and grasp refinement on OpenMMLab 2.0.

``import mmgrasp`` imports neither torch nor the OpenMMLab packages, so that the torch-free
runtime (:mod:`mmgrasp.runtime`: numpy, OpenCV, onnxruntime) runs in a small process. The
versions of mmcv, mmengine and mmdet are checked from their installed metadata; a package that
is not installed is not checked (the runtime does not need it; the rest of mmgrasp fails on
importing it).
"""
from importlib import metadata

from .version import __version__, version_info

mmcv_minimum_version = '2.0.0'
mmcv_maximum_version = '2.2.0'
mmengine_minimum_version = '0.10.0'
mmengine_maximum_version = '1.0.0'
mmdet_minimum_version = '3.0.0'
mmdet_maximum_version = '3.4.0'


def digit_version(version: str) -> tuple:
    """mmengine's ``digit_version`` (``'2.1.0rc1'`` -> a comparable tuple); imports mmengine
    when called."""
    from mmengine.utils import digit_version as mmengine_digit_version
    return mmengine_digit_version(version)


def _installed_version(name: str):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _check_version(name: str, low: str, high: str, hint: str) -> None:
    version = _installed_version(name)
    if version is None:
        return
    if not _release(low) <= _release(version) < _release(high):
        raise ImportError(f'{name}=={version} is used but incompatible with mmgrasp: '
                          f'need {low} <= {name} < {high}. {hint}')


def _release(version: str) -> tuple:
    """``'0.11.0rc3'`` -> ``(0, 11, 0)``: the release numbers, for the range checks above."""
    parts = []
    for piece in version.split('.')[:3]:
        digits = ''
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        parts.append(int(digits or 0))
    return tuple(parts + [0] * (3 - len(parts)))


_check_version('mmcv', mmcv_minimum_version, mmcv_maximum_version,
               'Run `bash tools/install.sh` (it builds mmcv 2.1.0 with its ops).')
_check_version('mmengine', mmengine_minimum_version, mmengine_maximum_version,
               'pip install "mmengine==0.11.0rc3".')
_check_version('mmdet', mmdet_minimum_version, mmdet_maximum_version,
               'pip install "mmdet==3.3.0".')

# The sub-packages are not imported here: the registries' ``locations`` (mmgrasp/registry.py)
# import the registering module of a type on its first lookup, and a script that builds modules
# outside a config scope calls ``mmgrasp.utils.register_all_modules()``. ``import mmgrasp`` stays
# cheap, and no lower layer pulls in a higher one through the package.

# One exception: the safe checkpoint loader. Every local checkpoint that mmengine, mmdet or the
# Runner loads in a process that imported mmgrasp goes through it (torch.load(weights_only=True)
# and an allow-list). It is registered with mmengine's CheckpointLoader now if mmengine's
# checkpoint module is imported, else as soon as it is (mmgrasp/_safe_loading_hook.py), without
# importing torch here.
from ._safe_loading_hook import install as _install_safe_loader  # noqa: E402

_install_safe_loader()

__all__ = ['__version__', 'version_info', 'digit_version']
