# Copyright (c) mmgrasp contributors. All rights reserved.
"""DDP on CPU processes (gloo), which mmengine's pytorch launcher does not set up by itself."""
from typing import Any, List, Optional

import torch.nn as nn
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS


# Registered in mmengine's root registry, where mmengine's own wrappers live: the Runner looks
# wrappers up with a plain `MODEL_WRAPPERS.get(name)` on the root, which does not search
# mmgrasp's registry (a grandchild under mmdet's).
@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that accepts a module on the CPU.

    mmengine's Runner passes ``device_ids=[LOCAL_RANK]``, which torch's DDP rejects for a CPU
    module; here they are dropped when the module's parameters live on the CPU.

    Args:
        module (nn.Module): The model.
        device_ids (list[int], optional): Ignored for CPU modules.
        **kwargs: Other ``DistributedDataParallel`` arguments.
    """

    def __init__(self, module: nn.Module, device_ids: Optional[List[int]] = None,
                 **kwargs: Any) -> None:
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        super().__init__(module=module, device_ids=None if on_cpu else device_ids, **kwargs)
