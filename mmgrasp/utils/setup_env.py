# Copyright (c) mmgrasp contributors. All rights reserved.
"""Register mmgrasp's modules and make ``mmgrasp`` the default scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register all modules of mmgrasp (and mmdet, mmrotate) into their registries.

    Importing the sub-packages runs their ``@register_module`` decorators. Configs normally do
    not need this (the registries carry ``locations``), but scripts that build modules without a
    config scope do.

    Args:
        init_default_scope (bool): Whether to set the default scope to ``mmgrasp``, so that
            unprefixed type names resolve in mmgrasp first. Defaults to True.
    """
    import mmdet.utils
    mmdet.utils.register_all_modules(init_default_scope=False)

    import mmgrasp.datasets  # noqa: F401,F403
    import mmgrasp.engine  # noqa: F401,F403
    import mmgrasp.evaluation  # noqa: F401,F403
    import mmgrasp.models  # noqa: F401,F403
    import mmgrasp.structures.grasp_boxes  # noqa: F401 (registers the 'grasp' box type)
    import mmgrasp.visualization  # noqa: F401,F403

    if not init_default_scope:
        return
    never_created = (DefaultScope.get_current_instance() is None
                     or not DefaultScope.check_instance_created('mmgrasp'))
    if never_created:
        DefaultScope.get_instance('mmgrasp', scope_name='mmgrasp')
        return
    current_scope = DefaultScope.get_current_instance()
    if current_scope.scope_name != 'mmgrasp':
        warnings.warn('The current default scope '
                      f'"{current_scope.scope_name}" is not "mmgrasp", '
                      '`register_all_modules` will force the current'
                      'default scope to be "mmgrasp". If this is not '
                      'expected, please set `init_default_scope=False`.')
        # avoid name conflict
        new_instance_name = f'mmgrasp-{datetime.datetime.now()}'
        DefaultScope.get_instance(new_instance_name, scope_name='mmgrasp')
