# Copyright (c) mmgrasp contributors. All rights reserved.
"""mmgrasp's registries, with import ``locations``.

Each registry is a child of mmdet's registry of the same kind, itself a child of mmengine's root:
``mmengine -> mmdet -> mmgrasp``. With ``default_scope='mmgrasp'`` a type name resolves in mmgrasp,
then in mmdet, then in mmengine. That is what lets mmdet build its own unprefixed defaults under
mmgrasp's scope (``MaxIoUAssigner`` builds ``dict(type='BboxOverlaps2D')``, ``RPNHead`` its
``AnchorGenerator``, ...): a registry searches its ancestors, never its siblings, so with
mmengine's root as the direct parent those names would not be found. mmrotate types take the
``mmrotate.`` prefix.

``locations`` make mmengine import the registering modules on first use, so configs need no
``custom_imports`` (mmengine's ``MODULE2PACKAGE`` does not list mmgrasp).
"""
from mmdet.registry import DATA_SAMPLERS as MMDET_DATA_SAMPLERS
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmdet.registry import EVALUATOR as MMDET_EVALUATOR
from mmdet.registry import HOOKS as MMDET_HOOKS
from mmdet.registry import LOG_PROCESSORS as MMDET_LOG_PROCESSORS
from mmdet.registry import LOOPS as MMDET_LOOPS
from mmdet.registry import METRICS as MMDET_METRICS
from mmdet.registry import MODEL_WRAPPERS as MMDET_MODEL_WRAPPERS
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMDET_OPTIM_WRAPPER_CONSTRUCTORS
from mmdet.registry import OPTIM_WRAPPERS as MMDET_OPTIM_WRAPPERS
from mmdet.registry import OPTIMIZERS as MMDET_OPTIMIZERS
from mmdet.registry import PARAM_SCHEDULERS as MMDET_PARAM_SCHEDULERS
from mmdet.registry import RUNNER_CONSTRUCTORS as MMDET_RUNNER_CONSTRUCTORS
from mmdet.registry import RUNNERS as MMDET_RUNNERS
from mmdet.registry import TASK_UTILS as MMDET_TASK_UTILS
from mmdet.registry import TRANSFORMS as MMDET_TRANSFORMS
from mmdet.registry import VISBACKENDS as MMDET_VISBACKENDS
from mmdet.registry import VISUALIZERS as MMDET_VISUALIZERS
from mmdet.registry import WEIGHT_INITIALIZERS as MMDET_WEIGHT_INITIALIZERS
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import Registry

# manage all kinds of runners like `EpochBasedRunner` and `IterBasedRunner`
RUNNERS = Registry('runner', parent=MMDET_RUNNERS)
# manage runner constructors that define how to initialize runners
RUNNER_CONSTRUCTORS = Registry('runner constructor', parent=MMDET_RUNNER_CONSTRUCTORS)
# manage all kinds of loops like `EpochBasedTrainLoop`
LOOPS = Registry('loop', parent=MMDET_LOOPS, locations=['mmgrasp.engine'])
# manage all kinds of hooks like `CheckpointHook`
HOOKS = Registry('hook', parent=MMDET_HOOKS, locations=['mmgrasp.engine'])

# manage data-related modules
DATASETS = Registry('dataset', parent=MMDET_DATASETS, locations=['mmgrasp.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMDET_DATA_SAMPLERS, locations=['mmgrasp.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMDET_TRANSFORMS, locations=['mmgrasp.datasets.transforms'])

# manage all kinds of modules inheriting `nn.Module`
MODELS = Registry('model', parent=MMDET_MODELS, locations=['mmgrasp.models'])
# manage all kinds of model wrappers like 'MMDistributedDataParallel'
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMDET_MODEL_WRAPPERS, locations=['mmgrasp.models'])
# manage all kinds of weight initialization modules like `Uniform`
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMDET_WEIGHT_INITIALIZERS, locations=['mmgrasp.models'])

# manage all kinds of optimizers like `SGD` and `Adam`
OPTIMIZERS = Registry('optimizer', parent=MMDET_OPTIMIZERS, locations=['mmgrasp.engine'])
# manage optimizer wrapper
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMDET_OPTIM_WRAPPERS, locations=['mmgrasp.engine'])
# manage constructors that customize the optimization hyperparameters.
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer constructor', parent=MMDET_OPTIM_WRAPPER_CONSTRUCTORS, locations=['mmgrasp.engine'])
# manage all kinds of parameter schedulers like `MultiStepLR`
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMDET_PARAM_SCHEDULERS, locations=['mmgrasp.engine'])

# manage all kinds of metrics
METRICS = Registry('metric', parent=MMDET_METRICS, locations=['mmgrasp.evaluation'])
# manage evaluator
EVALUATOR = Registry('evaluator', parent=MMDET_EVALUATOR, locations=['mmgrasp.evaluation'])

# manage task-specific modules like anchor generators and box coders
TASK_UTILS = Registry('task util', parent=MMDET_TASK_UTILS, locations=['mmgrasp.models'])

# manage visualizer
VISUALIZERS = Registry('visualizer', parent=MMDET_VISUALIZERS, locations=['mmgrasp.visualization'])
# manage visualizer backend
VISBACKENDS = Registry('vis_backend', parent=MMDET_VISBACKENDS, locations=['mmgrasp.visualization'])

# manage logprocessor
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMDET_LOG_PROCESSORS, locations=['mmgrasp.engine'])
# functions a config names, e.g. the dataloaders' `collate_fn`. mmengine's Runner looks collate
# functions up in its root registry, which finds this one by the scope: `mmgrasp.<name>`.
FUNCTIONS = Registry('function', parent=MMENGINE_FUNCTIONS, locations=['mmgrasp.datasets'])

# A second chance for the safe checkpoint loader (mmgrasp/_safe_loading_hook.py): mmengine
# imports this module on the first switch to the mmgrasp scope, before a Runner or
# init_detector loads a checkpoint; an import finder inserted before mmgrasp's since
# ``import mmgrasp`` is passed again here.
from ._safe_loading_hook import install as _install_safe_loader  # noqa: E402

_install_safe_loader()
