#!/usr/bin/env bash
# Copyright (c) mmgrasp contributors. All rights reserved.
#
# Set up mmgrasp and its OpenMMLab 2.0 stack in a virtual environment, idempotently.
#
#   bash tools/install.sh            # creates ./.venv (or $MMGRASP_VENV)
#
# What it installs, and why (see docs/install.md, "Why these versions"):
#   torch 2.14.1 + torchvision 0.29.1   a matching pair (no CPU torchvision exists for 2.13)
#   mmcv 2.1.0 with compiled ops        built from the sdist once (c++20 for torch 2.14),
#                                       wheel cached in $MMGRASP_CACHE/wheels
#   mmengine 0.11.0rc3, mmdet 3.3.0, mmrotate-dev 1.0.1, shapely, opencv-python (requirements/runtime.txt)
#
# Environment variables:
#   MMGRASP_VENV   where the virtual environment lives (default: <repo>/.venv)
#   MMGRASP_CACHE  where the built mmcv wheel is cached (default: ~/.cache/mmgrasp)
#   MMGRASP_CUDA   1: build mmcv's CUDA ops, 0: CPU ops only,
#                  unset: CUDA when torch sees a GPU and nvcc is on PATH
#   PYTHON         interpreter used to create the venv (default: python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMGRASP_VENV:-$ROOT/.venv}"
CACHE="${MMGRASP_CACHE:-$HOME/.cache/mmgrasp}"
PYTHON="${PYTHON:-python3}"
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0

log() { echo "[mmgrasp install] $*" >&2; }

# A stamp of everything that decides the environment: re-running with nothing changed is a no-op.
stamp_src="$(cat "$ROOT/tools/install.sh" "$ROOT/requirements/"*.txt "$ROOT/setup.py" | sha256sum | cut -c1-16)"
STAMP="$VENV/.mmgrasp-install-stamp"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$stamp_src" ]] \
    && "$VENV/bin/python" -c "import mmgrasp, mmcv.ops" 2>/dev/null; then
  log "environment up to date: $VENV"
  exit 0
fi

start=$(date +%s)
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check -q -c "$ROOT/requirements/constraints.txt")

# requirements/constraints.txt keeps setuptools < 82 (pkg_resources) through every step.
"${PIP[@]}" setuptools wheel ninja
"${PIP[@]}" "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"

# ---- mmcv with compiled ops -------------------------------------------------------------------
if [[ -z "${MMGRASP_CUDA:-}" ]]; then
  if command -v nvcc >/dev/null && "$PY" -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then
    MMGRASP_CUDA=1
  else
    MMGRASP_CUDA=0
  fi
fi
if [[ "$MMGRASP_CUDA" == 1 ]]; then
  variant="cu$("$PY" -c 'import torch; print(torch.version.cuda.replace(".", ""))')"
else
  variant=cpu
fi
pytag="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$variant-$pytag"

mmcv_ok() {
  "$PY" - <<EOF 2>/dev/null
import mmcv, torch
from mmcv.ops import RoIAlignRotated, box_iou_rotated, nms_rotated, batched_nms, RoIAlign
assert mmcv.__version__ == "$MMCV_VERSION"
EOF
}

if ! mmcv_ok; then
  if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
    log "building mmcv $MMCV_VERSION with ops ($variant) once; about 15 minutes on 2 cores"
    build="$(mktemp -d)"
    trap 'rm -rf "$build"' EXIT
    "$PY" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: \
        --no-build-isolation -d "$build" "mmcv==$MMCV_VERSION"
    tar -xzf "$build"/mmcv-$MMCV_VERSION.tar.gz -C "$build"
    src="$build/mmcv-$MMCV_VERSION"
    # torch >= 2.14 headers need C++20; mmcv 2.1.0 asks for C++17.
    sed -i 's/-std=c++17/-std=c++20/g' "$src/setup.py"
    if [[ "$MMGRASP_CUDA" == 1 ]]; then export FORCE_CUDA=1; else export FORCE_CUDA=0; fi
    (cd "$src" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "$PY" -m pip wheel --disable-pip-version-check -q --no-build-isolation --no-deps \
        -w "$build/dist" .)
    # Drop debug symbols: 32 MB -> about 1.5 MB, so the cache stays small.
    (cd "$build/dist" && "$PY" -m wheel unpack mmcv-*.whl -d unpacked >/dev/null \
        && find unpacked -name '_ext*.so' -exec strip --strip-debug {} + \
        && mkdir -p "$WHEEL_DIR.tmp" && "$PY" -m wheel pack unpacked/* -d "$WHEEL_DIR.tmp" >/dev/null)
    mkdir -p "$(dirname "$WHEEL_DIR")"
    rm -rf "$WHEEL_DIR" && mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"   # atomic: no half-written cache
  fi
  log "installing mmcv from $WHEEL_DIR"
  "${PIP[@]}" --no-deps --force-reinstall "$WHEEL_DIR"/mmcv-*.whl
fi

# ---- the rest of the stack and mmgrasp itself ---------------------------------------------------
"${PIP[@]}" -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt" \
    -r "$ROOT/requirements/deploy.txt" addict packaging Pillow pyyaml yapf "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
"${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"

if ! mmcv_ok; then
  log "mmcv ops do not import after install; remove $WHEEL_DIR and run again"
  exit 1
fi
"$PY" -c "import mmgrasp; print('mmgrasp', mmgrasp.__version__, 'ready in', '$VENV')"
echo "$stamp_src" > "$STAMP"
log "done in $(( $(date +%s) - start )) s"
