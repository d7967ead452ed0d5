# Copyright (c) mmgrasp contributors. All rights reserved.
"""The real samples: skipped when absent, a failure when MMGRASP_SHARED_DATA promised them."""
import pytest
from _pytest.outcomes import Failed, Skipped

from mmgrasp.testing import shared_data_path


def test_missing_samples_skip_without_the_variable(monkeypatch):
    monkeypatch.delenv('MMGRASP_SHARED_DATA', raising=False)
    monkeypatch.setattr('mmgrasp.testing._utils.REPO_ROOT', '/nonexistent/repo')
    with pytest.raises(Skipped, match='set MMGRASP_SHARED_DATA'):
        shared_data_path('cornell')


def test_missing_samples_fail_when_the_variable_is_set(monkeypatch, tmp_path):
    monkeypatch.setenv('MMGRASP_SHARED_DATA', str(tmp_path / 'nowhere'))
    with pytest.raises(Failed, match='MMGRASP_SHARED_DATA is set'):
        shared_data_path('jacquard', 'Samples')


def test_present_samples_give_their_folder(monkeypatch, tmp_path):
    (tmp_path / 'cornell' / '01').mkdir(parents=True)
    monkeypatch.setenv('MMGRASP_SHARED_DATA', str(tmp_path))
    assert shared_data_path('cornell', '01') == str(tmp_path / 'cornell' / '01')
