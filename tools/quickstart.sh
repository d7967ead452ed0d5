#!/usr/bin/env bash
# Copyright (c) mmgrasp contributors. All rights reserved.
# The README's quick start, on a fresh machine with no dataset:
#   1. set up the environment (tools/install.sh, idempotent);
#   2. generate 500 synthetic scenes (256x256, seed 0) in data/synthetic if absent;
#   3. train a small Det_Seg_Refine (ResNet-18) for 5 epochs on the CPU (~10 minutes),
#      resuming if a previous run was interrupted;
#   4. test it on the 50 held-out scenes: the metric grid, drawings in work_dirs/quickstart/vis.
# Environment: MMGRASP_WORK_DIR (default work_dirs/quickstart), MMGRASP_VENV (default .venv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/install.sh
PY="${MMGRASP_VENV:-$ROOT/.venv}/bin/python"
CONFIG=configs/grasp/det_seg_refine_r18_fpn_synthetic.py
WORK="${MMGRASP_WORK_DIR:-work_dirs/quickstart}"

if [[ ! -f data/synthetic/data_split/validation_0.txt ]]; then
  "$PY" tools/misc/generate_synthetic.py --out data/synthetic --num 500 --size 256 --seed 0
fi

start=$(date +%s)
# --resume continues from the newest intact checkpoint in $WORK, or starts afresh in an empty one
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK" --resume
echo "[quickstart] training took $(( $(date +%s) - start )) s"

ckpt="$(cat "$WORK/last_checkpoint")"
"$PY" tools/test.py "$CONFIG" "$ckpt" --work-dir "$WORK" --show-dir vis
echo "[quickstart] drawings of the held-out scenes: $WORK/*/vis"
