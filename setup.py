# Copyright (c) mmgrasp contributors. All rights reserved.
"""Install mmgrasp: ``pip install -e .`` (the stack itself: ``bash tools/install.sh``)."""
import os.path as osp

from setuptools import find_packages, setup


def readme() -> str:
    with open(osp.join(osp.dirname(__file__), 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version() -> str:
    scope: dict = {}
    with open(osp.join(osp.dirname(__file__), 'mmgrasp', 'version.py')) as f:
        exec(compile(f.read(), 'mmgrasp/version.py', 'exec'), scope)
    return scope['__version__']


def parse_requirements(fname: str) -> list:
    """Read a requirements file, skipping comments and blank lines."""
    path = osp.join(osp.dirname(__file__), 'requirements', fname)
    with open(path) as f:
        lines = [line.split('#')[0].strip() for line in f]
    return [line for line in lines if line]


setup(
    name='mmgrasp',
    version=get_version(),
    description='Robotic grasp detection, semantic segmentation and grasp refinement '
    'from RGB (Ainetter & Fraundorfer, ICRA 2021) on OpenMMLab 2.0',
    long_description=readme(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'demo', 'data')),
    include_package_data=True,
    python_requires='>=3.10',
    install_requires=(parse_requirements('runtime.txt')
                      + ['torch', 'torchvision', 'mmcv>=2.0.0,<2.2.0']),
    extras_require={'tests': parse_requirements('tests.txt'),
                    'deploy': parse_requirements('deploy.txt')},
    zip_safe=False)
