# Copyright (c) mmgrasp contributors. All rights reserved.
"""Grasp drawing (plates blue, opening red) and the grasp visualizer. Registered on import."""
from .grasp_drawing import (auto_line_width, default_sem_palette, draw_grasps, draw_label,
                            overlay_sem_seg)
from .grasp_local_visualizer import GraspLocalVisualizer

__all__ = [
    'GraspLocalVisualizer', 'draw_grasps', 'overlay_sem_seg', 'draw_label', 'auto_line_width',
    'default_sem_palette'
]
