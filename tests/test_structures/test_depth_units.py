# Copyright (c) mmgrasp contributors. All rights reserved.
"""The unit of a depth image: from its dtype, the intrinsics' depth_scale or an explicit scale;
8-bit images refused; an implausible median depth warned about with the likely scale."""
import warnings

import numpy as np
import pytest

from mmgrasp.structures import DepthUnitWarning, depth_scale_for


def _no_warning(*args, **kwargs):
    """``depth_scale_for`` with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        return depth_scale_for(*args, **kwargs)


def test_float_depth_is_metres_whatever_the_intrinsics_say():
    metres = np.full((4, 5), 0.5, np.float32)
    scale, reason = _no_warning(metres, 'depth.tiff', intrinsics_scale=0.001)
    assert scale == 1.0
    assert reason.startswith('float32 depth: metres (the intrinsics\' depth_scale 0.001')
    assert _no_warning(metres.astype(np.float64)) == (1.0, 'float64 depth: metres')


def test_integer_depth_is_millimetres_or_the_intrinsics_unit():
    mm = np.full((4, 5), 500, np.uint16)
    assert _no_warning(mm) == (0.001, 'uint16 depth: millimetres (0.001 m per unit)')
    assert _no_warning(mm, intrinsics_scale=0.001)[0] == 0.001
    # an L515 counts quarter millimetres: 2000 units are 0.5 m
    quarter = np.full((4, 5), 2000, np.uint16)
    scale, reason = _no_warning(quarter, intrinsics_scale=0.00025)
    assert scale == 0.00025 and 'intrinsics\' depth_scale' in reason
    # holes (0) do not count in the median: 90 % zeros and 500 mm are still plausible
    holes = np.zeros((10, 10), np.int32)
    holes[0] = 500
    assert _no_warning(holes)[0] == 0.001


def test_an_explicit_scale_wins_and_a_wrong_one_is_warned_about():
    metres = np.full((4, 5), 0.5, np.float32)
    with pytest.warns(DepthUnitWarning) as record:
        scale, reason = depth_scale_for(metres, 'depth.tiff', explicit_scale=0.001,
                                        intrinsics_scale=1.0)
    assert scale == 0.001 and reason == 'float32 depth: 0.001 m per unit, given explicitly'
    assert str(record[0].message) == (
        'depth.tiff: with depth scale 0.001 (float32 depth: 0.001 m per unit, given '
        'explicitly) the median depth is 0.0005 m, outside the plausible 0.1-10 m; the depth '
        'is likely 1 m per unit (--depth-scale 1, giving 0.5 m)')
    # millimetres read as metres: 500 m, the likely scale is 0.001
    mm = np.full((4, 5), 500, np.uint16)
    with pytest.warns(DepthUnitWarning, match=r'd\.png: with depth scale 1 .*median depth is '
                      r'500 m, .*likely 0\.001 m per unit \(--depth-scale 0\.001, giving 0\.5 m'):
        assert depth_scale_for(mm, 'd.png', explicit_scale=1.0)[0] == 1.0
    # the same from the intrinsics file's depth_scale
    with pytest.warns(DepthUnitWarning, match='median depth is 500 m'):
        assert depth_scale_for(mm, 'd.png', intrinsics_scale=1.0)[0] == 1.0
    # an explicit scale that gives a plausible depth is taken silently
    assert _no_warning(mm, explicit_scale=0.002)[0] == 0.002


def test_eight_bit_images_are_not_depth_images():
    gray = np.full((4, 5), 128, np.uint8)
    with pytest.raises(ValueError, match=r'^vis\.png: an 8-bit \(uint8\) image is not a depth '
                       r'image .*--depth-scale'):
        depth_scale_for(gray, 'vis.png', intrinsics_scale=0.001)
    with pytest.raises(ValueError, match=r'mask\.npy: a boolean image is not a depth image'):
        depth_scale_for(np.ones((4, 5), bool), 'mask.npy')
    # unless the user says what it is: 128 units of 4 mm are 0.512 m
    assert _no_warning(gray, 'vis.png', explicit_scale=0.004)[0] == 0.004


def test_bad_depth_and_scales_name_the_file():
    with pytest.raises(ValueError, match=r'd\.npy: a depth image holds numbers, this one is '
                       r'complex128'):
        depth_scale_for(np.ones((2, 2), complex), 'd.npy')
    with pytest.raises(ValueError, match=r'd\.png: the depth scale must be a positive number'):
        depth_scale_for(np.ones((2, 2), np.uint16), 'd.png', explicit_scale=-1.0)
    with pytest.warns(DepthUnitWarning, match=r'd\.png: no valid depth'):
        depth_scale_for(np.zeros((2, 2), np.uint16), 'd.png')
