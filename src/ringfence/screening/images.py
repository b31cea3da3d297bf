"""Untrusted listing images, decoded once and bounded.

Every image is refused, with a per-image reason, before it can cost much: over ``MAX_BYTES``
it is not read; the header is read first and an image over ``MAX_PIXELS`` (a decompression
bomb, a huge canvas) is refused before any pixel is decoded; JPEGs decode in draft mode
straight at about the working size; only the first frame of an animated image is decoded.
What comes out is an RGB ``numpy`` array whose longer side is at most ``WORK_SIDE``, which
every image detector reads.

Needs the ``images`` extra (Pillow, numpy); ``require_images`` says so in one line when it
is missing. Nothing here is imported by the text engine until a listing has an image.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ringfence.core.errors import InvalidInput
from ringfence.screening.error_codes import ErrorCode

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000  # ~ 8,660 x 5,773: larger than any product photo
MAX_SIDE = 20_000
MIN_SIDE = 32
WORK_SIDE = 1_024
FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"})

# per-image reasons
UNREADABLE = "image_unreadable"
TOO_LARGE = "image_too_large"
TOO_SMALL = "image_too_small"
UNSUPPORTED = "image_unsupported_format"
NO_SUPPORT = "image_support_missing"

EXTRA_HINT = "image screening needs the images extra: pip install 'ringfence[images]'"


class ImageRefused(Exception):
    """An image that is not screened; ``reason`` is the per-image reason code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """One decoded image: ``rgb`` (height x width x 3, uint8, longer side <= WORK_SIDE) and
    the size the file declared."""

    rgb: npt.NDArray[np.uint8]
    width: int
    height: int
    format: str
    frames: int = 1


def images_available() -> bool:
    try:
        import cv2  # noqa: F401
        import numpy  # noqa: F401
        import pdqhash  # noqa: F401
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True


def require_images() -> None:
    """Raise one clear error when the images extra is not installed."""
    if not images_available():
        raise InvalidInput(EXTRA_HINT, code=ErrorCode.IMAGES_EXTRA_MISSING)


def decode(data: bytes, *, work_side: int = WORK_SIDE) -> DecodedImage:
    """Decode untrusted bytes; raise ImageRefused with the reason when they are refused."""
    from PIL import Image, ImageFile

    if len(data) > MAX_BYTES:
        raise ImageRefused(TOO_LARGE, f"{len(data)} bytes")
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is refused, never half-read
    with warnings.catch_warnings():
        # Pillow's own bomb check warns at MAX_IMAGE_PIXELS: make it an error we catch
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im: Any = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefused(TOO_LARGE, "decompression bomb") from None
        except Exception as exc:  # Pillow raises many types for junk: all mean unreadable
            raise ImageRefused(UNREADABLE, type(exc).__name__) from None
        try:
            return _decode_open(im, work_side)
        except ImageRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefused(TOO_LARGE, "decompression bomb") from None
        except MemoryError:
            raise ImageRefused(TOO_LARGE, "out of memory") from None
        except (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error) as exc:
            raise ImageRefused(UNREADABLE, type(exc).__name__) from None
        finally:
            im.close()


def _decode_open(im: Any, work_side: int) -> DecodedImage:
    import numpy as np
    from PIL import Image

    if im.format not in FORMATS:
        raise ImageRefused(UNSUPPORTED, str(im.format))
    width, height = im.size
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ImageRefused(TOO_LARGE, f"{width}x{height}")
    if width < MIN_SIDE or height < MIN_SIDE:
        raise ImageRefused(TOO_SMALL, f"{width}x{height}")
    frames = int(getattr(im, "n_frames", 1) or 1)
    if frames > 1:
        im.seek(0)  # the first frame only: a thousand frames cost no more than one
    if im.format in ("JPEG", "MPO"):
        im.draft("RGB", (work_side, work_side))  # decode at 1/2, 1/4 or 1/8 scale
    im.load()
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        rgb = canvas.convert("RGB")
    else:
        rgb = im.convert("RGB")  # CMYK, YCbCr, L, P, I;16, 1 ...
    if max(rgb.size) > work_side:
        rgb.thumbnail((work_side, work_side), Image.Resampling.BILINEAR)
    array = np.asarray(rgb, dtype=np.uint8)
    return DecodedImage(np.ascontiguousarray(array), width, height, str(im.format), frames)
