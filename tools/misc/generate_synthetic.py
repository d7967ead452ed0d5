# Copyright (c) mmgrasp contributors. All rights reserved.
"""Write the synthetic grasp scenes of the quick start (OCID_grasp layout).

    python tools/misc/generate_synthetic.py --out data/synthetic --num 500 --size 256 --seed 0

The scenes are read by ``configs/_base_/datasets/synthetic_grasp.py``. See
:mod:`mmgrasp.datasets.synthetic` for what is drawn and how the grasps are derived.
"""
import argparse
import time

from mmgrasp.datasets.synthetic import generate_synthetic_dataset


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Generate synthetic grasp scenes')
    parser.add_argument('--out', default='data/synthetic', help='output folder')
    parser.add_argument('--num', type=int, default=500, help='number of scenes')
    parser.add_argument('--size', type=int, default=256, help='image side in pixels')
    parser.add_argument('--seed', type=int, default=0, help='seed (same seed, same files)')
    parser.add_argument('--val-ratio', type=float, default=0.1,
                        help='fraction of scenes in data_split/validation_0.txt, the test side')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    counts = generate_synthetic_dataset(args.out, num=args.num, size=args.size, seed=args.seed,
                                        val_ratio=args.val_ratio)
    elapsed = time.perf_counter() - start
    # validation_0.txt is the test side, as in OCID_grasp's release (docs/evaluation_protocol.md)
    print(f'wrote {counts["images"]} scenes ({counts["train"]} train, {counts["val"]} test) with '
          f'{counts["objects"]} objects and {counts["grasps"]} grasps to {args.out} '
          f'in {elapsed:.1f} s')


if __name__ == '__main__':
    main()
