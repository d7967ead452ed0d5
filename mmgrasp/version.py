# Copyright (c) mmgrasp contributors. All rights reserved.
__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Parse a version string into a tuple of ints (and a trailing tag)."""
    version_info = []
    for x in version_str.split('.'):
        if x.isdigit():
            version_info.append(int(x))
        else:
            version_info.append(x)
    return tuple(version_info)


version_info = parse_version_info(__version__)
