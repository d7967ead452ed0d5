# Copyright (c) mmgrasp contributors. All rights reserved.
import pytest
import torch
from mmdet.models.backbones import MobileNetV2
from mmengine.model import BaseModule

from mmgrasp.models.utils import check_pretrained_files
from mmgrasp.models.utils.pretrained_files import missing_pretrained_files

FETCH = 'bash tools/model_converters/fetch_pretrained.sh'


class Wrapper(BaseModule):

    def __init__(self, checkpoint: str) -> None:
        super().__init__()
        self.backbone = MobileNetV2(init_cfg=dict(type='Pretrained', checkpoint=checkpoint))


def test_missing_known_file_names_the_fetch_command(tmp_path):
    path = str(tmp_path / 'mobilenetv2_imagenet_mmdet.pth')
    with pytest.raises(FileNotFoundError) as err:
        check_pretrained_files(Wrapper(path))
    assert FETCH in str(err.value) and path in str(err.value) and '`backbone`' in str(err.value)
    assert 'MMGRASP_PRETRAINED_DIR' in str(err.value)  # where the script writes


def test_missing_other_file(tmp_path):
    path = str(tmp_path / 'other.pth')
    with pytest.raises(FileNotFoundError, match='init_cfg=None') as err:
        check_pretrained_files(Wrapper(path))
    assert FETCH not in str(err.value)


def test_tilde_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    (tmp_path / 'w.pth').write_bytes(b'')
    assert missing_pretrained_files(Wrapper('~/w.pth')) == []
    assert missing_pretrained_files(Wrapper('~/x.pth')) == [('backbone', str(tmp_path / 'x.pth'))]


def test_urls_and_initialised_modules_are_skipped(tmp_path):
    assert missing_pretrained_files(Wrapper('torchvision://mobilenet_v2')) == []
    model = Wrapper(str(tmp_path / 'missing.pth'))
    model.backbone._is_init = True  # already initialised: the file is not needed any more
    check_pretrained_files(model)
    assert missing_pretrained_files(torch.nn.Linear(2, 2)) == []
