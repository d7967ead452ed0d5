# Copyright (c) mmgrasp contributors. All rights reserved.
"""Convert a grasp dataset or an annotation tool's export to the grasp JSON format.

The format and the whole workflow (annotate, convert, browse, fine-tune, evaluate, deploy) are
in docs/own_objects.md. Examples::

    python tools/dataset_converters/to_grasp_json.py cornell data/cornell data/cornell.json \
        --folders 01
    python tools/dataset_converters/to_grasp_json.py jacquard data/jacquard/Samples \
        data/jacquard_samples.json
    python tools/dataset_converters/to_grasp_json.py ocid data/OCID_grasp data/ocid.json \
        --split-file train=data_split/training_0.txt --split-file test=data_split/validation_0.txt
    python tools/dataset_converters/to_grasp_json.py labelme data/own/images/ data/own/grasps.json
    python tools/dataset_converters/to_grasp_json.py cvat annotations.xml data/own/grasps.json \
        --images-dir data/own/images/

The images (masks, depth) must lie inside the output file's folder, or inside --root: a dataset
reads no file outside its root. Image names that are absolute or leave the images folder are
refused, and every output path is checked before anything is written (docs/security.md); so are
the annotations (a file that is not UTF-8, an image size that is not the image's, a grasp longer
than the image diagonal: docs/bad_data.md). Bad input is one line ``error: <file>, line N: ...``
and exit status 1. Every file is written atomically; the summary (images, grasps, masks) is
printed at the end.
"""
import argparse
import sys


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='source', required=True)

    def common(p, tool: bool = False):
        p.add_argument('out', help='the grasp JSON file to write')
        p.add_argument('--root', help="folder the file's paths are relative to (default: the "
                       "output file's folder, which the dataset reads them against; with "
                       "another ROOT set data_prefix=dict(img_path=ROOT) in the config)")
        if tool:
            p.add_argument('--grasp-label', nargs='+', default=['grasp'],
                           help='labels that mark a grasp (default: grasp)')
            p.add_argument('--opening-edge', choices=('p0p1', 'p1p2'), default='p0p1',
                           help='for 4-point grasp polygons: p0p1 = the first two clicks span '
                           'the opening (default), p1p2 = they run along a plate')
            p.add_argument('--categories', nargs='+',
                           help='object labels in class-id order (default: sorted labels found)')
            p.add_argument('--mask-dir', help='where the masks go (default: masks/ beside OUT)')
            p.add_argument('--split', choices=('train', 'val', 'test'),
                           help='mark every image with this split')

    p = sub.add_parser('cornell', help='Cornell, release layout (01/ .. 10/)')
    p.add_argument('data_root')
    common(p)
    p.add_argument('--folders', nargs='+', help='only these folders (e.g. 01)')
    p.add_argument('--object-map', help='processedData/z.txt: objects become groups')

    p = sub.add_parser('jacquard', help='Jacquard, <objectID>/<k>_<objectID>_* layout')
    p.add_argument('data_root')
    common(p)

    p = sub.add_parser('ocid', help='OCID_grasp, release layout')
    p.add_argument('data_root')
    common(p)
    p.add_argument('--split-file', action='append', required=True, metavar='SPLIT=FILE',
                   help='a data_split list and the split its images get, e.g. '
                   'train=data_split/training_0.txt (repeat for each list)')

    p = sub.add_parser('labelme', help='a folder of labelme JSON files')
    p.add_argument('src')
    common(p, tool=True)

    p = sub.add_parser('cvat', help='a "CVAT for images 1.1" annotations.xml')
    p.add_argument('xml')
    common(p, tool=True)
    p.add_argument('--images-dir', required=True, help='folder the <image name> paths are in')
    p.add_argument('--opening-side', choices=('width', 'height'), default='width',
                   help='which side of a grasp box is the opening (default: width)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Convert; bad input (an unsafe path, a value that cannot be right, a missing file) is
    reported in one line naming the file and the line or entry, with exit status 1."""
    args = parse_args(argv)
    try:
        counts = convert(args)
    except (ValueError, FileNotFoundError) as e:  # UnsafePathError is a ValueError
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'{args.out}: ' + ', '.join(f'{v} {k}' for k, v in counts.items()))
    return 0


def convert(args: argparse.Namespace) -> dict:
    """Run the converter ``args.source`` names; returns its counts."""
    from mmgrasp.datasets import converters as conv
    if args.source == 'cornell':
        counts = conv.cornell_to_grasp_json(args.data_root, args.out, folders=args.folders,
                                            object_map_file=args.object_map, root=args.root)
    elif args.source == 'jacquard':
        counts = conv.jacquard_to_grasp_json(args.data_root, args.out, root=args.root)
    elif args.source == 'ocid':
        split_files = {}
        for item in args.split_file:
            split, sep, path = item.partition('=')
            if not sep or split not in ('train', 'val', 'test') or not path:
                raise SystemExit(f'--split-file {item!r}: expected SPLIT=FILE with SPLIT one of '
                                 'train, val, test')
            if split in split_files:
                raise SystemExit(f'--split-file {item!r}: split {split!r} given twice')
            split_files[split] = path
        counts = conv.ocid_to_grasp_json(args.data_root, args.out, split_files, root=args.root)
    else:
        kwargs = dict(grasp_labels=args.grasp_label, opening_edge=args.opening_edge,
                      categories=args.categories, mask_dir=args.mask_dir, root=args.root,
                      split=args.split)
        if args.source == 'labelme':
            counts = conv.labelme_to_grasp_json(args.src, args.out, **kwargs)
        else:
            counts = conv.cvat_to_grasp_json(args.xml, args.images_dir, args.out,
                                             opening_side=args.opening_side, **kwargs)
    return counts


if __name__ == '__main__':
    sys.exit(main())
