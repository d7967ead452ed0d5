# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmgrasp: grasp detection, semantic segmentation and grasp refinement on OpenMMLab 2.0."""
import mmcv
import mmdet
import mmengine
from mmengine.utils import digit_version

from .version import __version__, version_info

mmcv_minimum_version = '2.0.0'
mmcv_maximum_version = '2.2.0'
mmengine_minimum_version = '0.10.0'
mmengine_maximum_version = '1.0.0'
mmdet_minimum_version = '3.0.0'
mmdet_maximum_version = '3.4.0'


def _check_version(name: str, version: str, low: str, high: str, hint: str) -> None:
    if not digit_version(low) <= digit_version(version) < digit_version(high):
        raise ImportError(f'{name}=={version} is used but incompatible with mmgrasp: '
                          f'need {low} <= {name} < {high}. {hint}')


_check_version('mmcv', mmcv.__version__, mmcv_minimum_version, mmcv_maximum_version,
               'Run `bash tools/install.sh` (it builds mmcv 2.1.0 with its ops).')
_check_version('mmengine', mmengine.__version__, mmengine_minimum_version,
               mmengine_maximum_version, 'pip install "mmengine==0.11.0rc3".')
_check_version('mmdet', mmdet.__version__, mmdet_minimum_version, mmdet_maximum_version,
               'pip install "mmdet==3.3.0".')

# The sub-packages are not imported here: the registries' ``locations`` (mmgrasp/registry.py)
# import the registering module of a type on its first lookup, and a script that builds modules
# outside a config scope calls ``mmgrasp.utils.register_all_modules()``. ``import mmgrasp`` stays
# cheap, and no lower layer pulls in a higher one through the package.

# One exception: the safe checkpoint loader. Every local checkpoint that mmengine, mmdet or the
# Runner loads in a process that imported mmgrasp goes through it (torch.load(weights_only=True)
# and an allow-list); it registers itself with mmengine's CheckpointLoader on import, so it must
# be in place before the first load, whatever the entry point (mmgrasp/utils/safe_checkpoint.py).
from .utils import safe_checkpoint  # noqa: E402,F401

__all__ = ['__version__', 'version_info', 'digit_version']
