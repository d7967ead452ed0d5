# Copyright (c) mmgrasp contributors. All rights reserved.
"""tools/analysis_tools/train_throughput.py: its timings add up, its rate is images over time,
and two seeded runs compute the same losses.

The tool runs optimizer steps without ``Runner.train``, so ``tests/conftest.py`` would not catch
it; it trains all the same, hence the ``slow`` mark.
"""
import math
import os.path as osp

import pytest
import torch

from mmgrasp.datasets.synthetic import generate_synthetic_dataset
from mmgrasp.testing import load_script, tiny_train_config


@pytest.fixture(scope='module')
def tool():
    threads = torch.get_num_threads()
    yield load_script('tools/analysis_tools/train_throughput.py')
    torch.set_num_threads(threads)  # the tool sets torch's threads; the suite's stay


@pytest.fixture(scope='module')
def cfg(tmp_path_factory):
    root = tmp_path_factory.mktemp('train_throughput')
    generate_synthetic_dataset(str(root / 'data'), num=6, size=96, seed=3, val_ratio=0.0)
    # work_dir is replaced by the tool's temporary one: nothing may appear here
    return tiny_train_config(str(root / 'data'), str(root / 'unused'), refine=True, batch_size=2)


@pytest.mark.slow
def test_timings_add_up_and_runs_repeat(tool, cfg, capsys):
    iters, warmup = 2, 1
    res = tool.time_train_steps(cfg, iters=iters, warmup=warmup, threads=1)
    again = tool.time_train_steps(cfg, iters=iters, warmup=warmup, threads=1)

    assert res['losses'] == again['losses']  # seeded: the same batches, weights and steps
    assert len(res['losses']) == warmup + iters and all(map(math.isfinite, res['losses']))
    assert res['batch_size'] == 2 and res['num_workers'] == 0 and res['threads'] == 1
    assert len(res['total']) == len(res['images']) == iters
    for part in tool.PARTS:
        assert len(res['times'][part]) == iters
        assert all(t >= 0 for t in res['times'][part])
    for i, total in enumerate(res['total']):
        assert sum(res['times'][part][i] for part in tool.PARTS) <= total + 1e-9
    assert all(0 < n <= 2 for n in res['images'])

    # by hand, from the returned timings
    seconds = sum(res['total'])
    assert res['images_per_s'] == pytest.approx(sum(res['images']) / seconds, rel=1e-12)
    if all(n == 2 for n in res['images']):
        assert res['images_per_s'] == pytest.approx(2 * iters / seconds, rel=1e-12)
    assert res['data_percent'] == pytest.approx(100 * sum(res['times']['data']) / seconds)
    assert 0 <= res['data_percent'] <= 100

    data = tool.time_data(cfg, batches=2, workers=0)
    assert data['num_workers'] == 0 and len(data['wait']) == 2
    assert data['images_per_s'] == pytest.approx(data['images'] / sum(data['wait']))
    transforms = tool.time_transforms(cfg, num_images=2)
    assert list(transforms)[0] == 'LoadImageFromFile' and 'PackGraspInputs' in transforms
    assert all(len(v) == 2 for v in transforms.values())

    report = tool.format_report('tiny', res, [data], transforms)
    assert f'{res["images_per_s"]:.2f} images/s' in report
    assert f'{res["data_percent"]:.1f} % of the time waiting for data' in report
    assert 'load ' in report and '1 torch threads' in report
    assert 'batch 2, num_workers 0' in report
    for part in tool.PARTS:
        assert part in report
    assert not osp.exists(cfg.work_dir)  # the tool's work dir was a temporary one
