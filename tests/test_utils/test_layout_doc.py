# Copyright (c) mmgrasp contributors. All rights reserved.
"""docs/layout.md names every file and folder it promises to: those that
``find mmgrasp configs tools tests docs demo -maxdepth 2`` shows (``__pycache__`` left out), plus
the files of each folder it lists by file."""
import os.path as osp
import subprocess

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ROOTS = ('mmgrasp', 'configs', 'tools', 'tests', 'docs', 'demo')


def _tracked_and_new() -> set:
    """Paths git tracks or would add (the tree of a clean clone, with files not yet committed)."""
    out = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard'],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    return {p for p in out.splitlines() if osp.exists(osp.join(REPO, p))}


def test_layout_names_every_file_and_folder_two_levels_deep():
    text = open(osp.join(REPO, 'docs', 'layout.md'), encoding='utf-8').read()
    entries = set()
    for path in _tracked_and_new():
        parts = path.split('/')
        if parts[0] not in ROOTS or '__pycache__' in parts:
            continue
        # the entry at depth 1 or 2 under the root that holds this path (find -maxdepth 2)
        entries.add('/'.join(parts[:3]) if len(parts) > 2 else path)
    missing = sorted(e for e in entries if osp.basename(e.rstrip('/')) not in text)
    assert not missing, f'docs/layout.md does not name: {missing}'


def test_layout_names_the_files_of_the_package_folders():
    """Every module of mmgrasp's sub-packages and every test file is named (the tables list them
    one by one)."""
    text = open(osp.join(REPO, 'docs', 'layout.md'), encoding='utf-8').read()
    missing = []
    for path in sorted(_tracked_and_new()):
        parts = path.split('/')
        if not path.endswith('.py') or osp.basename(path) == '__init__.py':
            continue
        if parts[0] == 'mmgrasp' or (parts[0] == 'tests' and len(parts) == 3):
            if osp.basename(path) not in text:
                missing.append(path)
    assert not missing, f'docs/layout.md does not name: {missing}'
