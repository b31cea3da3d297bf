"""The layout of an official photo's *feature record* (``OfficialImage.features``), which the
registry stores and the re-use detector (``screening/detectors/photo_match.py``) writes and
reads: a header, the keypoints, their descriptors, the subject's mask and a PNG thumbnail.

The registry owns the layout because it stores and imports the records; ``problem`` checks a
record's structure with the standard library alone, so an import refuses a malformed record
whether or not the ``images`` extra is installed."""

from __future__ import annotations

import struct

MAGIC = b"RFF1"
HEADER = struct.Struct("<4sHHHB")  # magic, keypoints, height, width, plain background
MAX_RECORD = 64 * 1024
FEATURE_SIDE = 256  # keypoints are found on the photo scaled to this longer side
MAX_KEYPOINTS = 2_400  # four times the keypoints a listing image is described by
THUMB = 96  # the thumbnail's side
DESCRIPTOR_BYTES = 32  # ORB
_PNG = b"\x89PNG\r\n\x1a\n"
_IHDR = struct.Struct(">I4sIIBB")  # length, type, width, height, bit depth, colour type


def sections(n: int) -> tuple[int, int, int]:
    """The sizes of the points, the descriptors and the mask of a record with ``n`` keypoints."""
    return n * 4, n * DESCRIPTOR_BYTES, THUMB * THUMB // 8


def problem(data: bytes) -> str | None:
    """What is wrong with a record's structure, or None."""
    if len(data) > MAX_RECORD:
        return f"feature record over {MAX_RECORD} bytes"
    if len(data) < HEADER.size:
        return "feature record truncated"
    magic, n, height, width, _plain = HEADER.unpack_from(data)
    if magic != MAGIC:
        return "not a feature record"
    if not (0 < height <= FEATURE_SIDE and 0 < width <= FEATURE_SIDE) or n > MAX_KEYPOINTS:
        return "feature record header out of range"
    at = HEADER.size + sum(sections(n))
    if len(data) < at + len(_PNG) + _IHDR.size:
        return "feature record truncated"
    png = data[at:]
    _length, kind, side_x, side_y, depth, colour = _IHDR.unpack_from(png, len(_PNG))
    if not png.startswith(_PNG) or kind != b"IHDR" or (side_x, side_y, depth) != (THUMB, THUMB, 8):
        return "feature record thumbnail unreadable"
    if colour != 2:  # RGB
        return "feature record thumbnail unreadable"
    return None
