# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/test.py prints rates in percent and counts as they are."""
from mmgrasp.testing import load_script

test_tool = load_script('tools/test.py')


def test_rates_in_percent_counts_as_they_are(capsys):
    test_tool.print_summary({'grasp/acc_a30_iou25': 0.45, 'object/correct': 0.5,
                             'object/num_objects': 48.0, 'refine/a5_gained': 2.0,
                             'refine/angle_err_before': 17.13})
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == 'Results:'
    assert lines[2].split()[-2:] == ['45.00', '%'] and lines[3].split()[-2:] == ['50.00', '%']
    assert lines[4].split() == ['object/num_objects', '48.00']
    assert lines[5].split() == ['refine/a5_gained', '2.00']
    assert lines[6].split() == ['refine/angle_err_before', '17.13']
