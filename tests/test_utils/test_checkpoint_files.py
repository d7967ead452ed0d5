# Copyright (c) mmgrasp contributors. All rights reserved.
import hashlib
import os

import pytest
import torch

from mmgrasp.engine import AtomicLocalBackend
from mmgrasp.utils import CheckpointError
from mmgrasp.utils.atomic_files import write_bytes_atomic
from mmgrasp.utils.checkpoint_files import (check_checkpoint, list_checkpoints,
                                            write_checkpoint_bytes)
from mmgrasp.utils.resume_checkpoint import find_resume_checkpoint


def saved(path) -> bytes:
    """A small torch checkpoint written through the checksummed writer."""
    torch.save({'state_dict': {'w': torch.arange(50000, dtype=torch.float32)}}, str(path) + '.tmp')
    with open(str(path) + '.tmp', 'rb') as f:
        data = f.read()
    os.remove(str(path) + '.tmp')
    write_checkpoint_bytes(str(path), data)
    return data


def test_written_with_a_sha256sum_record_and_no_temporary(tmp_path):
    data = saved(tmp_path / 'epoch_1.pth')
    assert sorted(os.listdir(tmp_path)) == ['epoch_1.pth', 'epoch_1.pth.sha256']
    assert (tmp_path / 'epoch_1.pth.sha256').read_text() == \
        f'{hashlib.sha256(data).hexdigest()}  epoch_1.pth\n'
    assert check_checkpoint(str(tmp_path / 'epoch_1.pth')).status == 'ok'


@pytest.mark.parametrize('offset', [0.1, 0.5, 0.9])
def test_one_flipped_byte_anywhere_is_found(tmp_path, offset):
    path = tmp_path / 'epoch_1.pth'
    data = bytearray(saved(path))
    data[int(len(data) * offset)] ^= 0x01
    path.write_bytes(bytes(data))
    check = check_checkpoint(str(path))
    assert check.status == 'damaged' and 'its sha256 is' in check.reason


def test_without_checksum_file_the_zip_crcs_are_checked(tmp_path):
    path = tmp_path / 'old.pth'
    torch.save({'w': torch.arange(50000, dtype=torch.float32)}, str(path))
    assert check_checkpoint(str(path)).status == 'unverified'
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # torch.load would not notice
    path.write_bytes(bytes(data))
    check = check_checkpoint(str(path))
    assert check.status == 'damaged' and 'CRC-32' in check.reason


@pytest.mark.parametrize('content', [b'', b'<html>404</html>', None])
def test_empty_text_and_truncated_files_are_damaged(tmp_path, content):
    path = tmp_path / 'epoch_1.pth'
    data = saved(path)
    os.remove(str(path) + '.sha256')
    path.write_bytes(data[:len(data) // 2] if content is None else content)
    assert check_checkpoint(str(path)).status == 'damaged'


def test_newest_is_by_number_not_by_name(tmp_path):
    for n in (2, 10, 9):
        saved(tmp_path / f'epoch_{n}.pth')
    saved(tmp_path / 'best_acc_epoch_11.pth')
    assert [os.path.basename(p) for p in list_checkpoints(str(tmp_path))] == \
        ['epoch_10.pth', 'epoch_9.pth', 'epoch_2.pth']
    path, notes = find_resume_checkpoint(str(tmp_path))  # no last_checkpoint at all
    assert path == str(tmp_path / 'epoch_10.pth') and notes == []


def test_backend_never_overwrites_another_runs_file(tmp_path):
    path = str(tmp_path / 'epoch_1.pth')
    with open(path, 'wb') as f:  # written by another run (another process)
        f.write(b'first')
    backend = AtomicLocalBackend()
    with pytest.raises(CheckpointError, match='Refusing to overwrite .*epoch_1.pth'):
        backend.put(b'second', path)
    assert open(path, 'rb').read() == b'first'
    # a file this process wrote may be saved again (mmengine re-saves epoch_N.pth after a new
    # best score), atomically and with a new checksum
    own = str(tmp_path / 'epoch_2.pth')
    backend.put(b'first', own)
    backend.put(b'second', own)
    assert open(own, 'rb').read() == b'second'
    assert open(own + '.sha256').read().startswith(hashlib.sha256(b'second').hexdigest())
    backend.remove(own)
    assert os.listdir(tmp_path) == ['epoch_1.pth']  # the checksum file went with it


@pytest.fixture
def umask():
    """Set the process umask for one test, and put the old one back."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def _writers(folder):
    """Every atomic writer, each writing one new file; the paths to check."""
    from mmgrasp.utils import write_json_atomic
    write_bytes_atomic(str(folder / 'a.bin'), b'a')
    write_json_atomic(str(folder / 'b.json'), {'b': 1})
    write_checkpoint_bytes(str(folder / 'epoch_1.pth'), b'c')
    AtomicLocalBackend().put(b'd', str(folder / 'epoch_2.pth'))
    AtomicLocalBackend().put_text('e', str(folder / 'last_checkpoint'))
    return sorted(folder.iterdir())


@pytest.mark.parametrize('mask, mode', [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_files_get_the_mode_open_would_give(tmp_path, umask, mask, mode):
    """``mkstemp`` creates its file 0600 whatever the umask: a results file or checkpoint that
    the group may read with ``open()`` could not be read when written atomically."""
    umask(mask)
    paths = _writers(tmp_path)
    assert len(paths) == 7  # the two checkpoints have their checksum files
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in paths} == \
        {p.name: oct(mode) for p in paths}


def test_replacing_a_file_keeps_its_mode(tmp_path, umask):
    """As ``open(path, 'w')`` does: a file the user made world-readable stays so."""
    umask(0o077)
    path = tmp_path / 'metrics.json'
    write_bytes_atomic(str(path), b'1')
    os.chmod(path, 0o644)
    write_bytes_atomic(str(path), b'2')
    assert path.read_bytes() == b'2' and path.stat().st_mode & 0o777 == 0o644
