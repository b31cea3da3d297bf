"""Development set for official image reuse (issue 17): official studio shots and the ways a
listing copies them, and other products shot on the same backdrop. Thresholds are chosen on
this set only; ``reuse_test.py`` is the test set, written apart (other shapes, backdrops,
prints and renderings) and never used to choose anything.

Made with Pillow on imagegen's product shapes (t-shirt, mug, cap, flag) and prints cut from
scikit-image's bundled sample photographs: a shot is one product, printed or plain (the usual
official product photo: one colour, little texture, a low PDQ quality), on a flat, gradient or
photographic backdrop, lit by a soft left-to-right shading."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from tests.screening.imagegen import PHOTOS, background, product_photo

SIZE = (320, 320)
BACKDROPS = ("plain", "gradient", "photo")


def backdrop(seed: int) -> Image.Image:
    """Backdrop number ``seed``: flat, gradient or a blurred sample photograph."""
    rng = random.Random(seed * 7 + 1)
    return background(rng, SIZE, BACKDROPS[seed % 3]).filter(ImageFilter.GaussianBlur(1.5))


def shot(seed: int, on: Image.Image, sources: tuple[str, ...] = PHOTOS[0::2]) -> Image.Image:
    """Product number ``seed`` shot on the backdrop ``on``: printed (from ``sources``) for
    even seeds, plain for odd ones (the kind PDQ rates low), with a soft shading across it."""
    rng = random.Random(seed)
    img, _ = product_photo(rng, SIZE, bg=on, print_design=seed % 2 == 0, sources=sources)
    shade = np.linspace(1.0, 0.85, SIZE[0], dtype=np.float32)[None, :, None]
    product = np.asarray(img, np.float32)
    plain = np.asarray(on, np.float32)
    inside = np.abs(product - plain).sum(axis=2, keepdims=True) > 0
    out = np.where(inside, product * shade, product)
    return Image.fromarray(out.clip(0, 255).astype(np.uint8))


def official(seed: int) -> Image.Image:
    """Official photo number ``seed``: product ``seed`` on backdrop ``seed``."""
    return shot(seed, backdrop(seed))


def same_backdrop(seed: int, k: int) -> Image.Image:
    """Another product (not ``seed``) on official photo ``seed``'s backdrop, printed from
    other sample photographs (from the same ones, a print can be the same design re-shot)."""
    return shot(5_000_000 + seed * 31 + k, backdrop(seed), PHOTOS[1::2])


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _crop(img: Image.Image, rng: random.Random) -> Image.Image:
    keep = rng.uniform(0.85, 0.92)
    w, h = img.size
    cw, ch = int(w * keep), int(h * keep)
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return img.crop((x, y, x + cw, y + ch))


def _border(img: Image.Image, rng: random.Random) -> Image.Image:
    pad = int(img.width * rng.uniform(0.04, 0.1))
    colour = tuple(rng.randint(0, 255) for _ in range(3))
    out = Image.new("RGB", (img.width + 2 * pad, img.height + 2 * pad), colour)
    out.paste(img, (pad, pad))
    return out


def _caption(img: Image.Image, rng: random.Random) -> Image.Image:
    out = img.copy()
    draw = ImageDraw.Draw(out)
    font = ImageFont.load_default(size=max(10, img.height // 12))
    y = rng.choice((0.0, 0.88)) * img.height
    draw.rectangle((0, y, img.width, y + img.height * 0.12), fill=(20, 20, 20))
    draw.text((img.width * 0.05, y), "SALE -70% today", fill=(255, 220, 0), font=font)
    return out


def _white_balance(img: Image.Image, rng: random.Random) -> Image.Image:
    warm = rng.choice((-1, 1)) * rng.uniform(0.08, 0.15)
    gains = np.array([1 + warm, 1.0, 1 - warm], np.float32)
    return Image.fromarray((np.asarray(img, np.float32) * gains).clip(0, 255).astype(np.uint8))


TRANSFORMS: dict[str, Callable[[Image.Image, random.Random], Image.Image]] = {
    "crop": _crop,
    "border": _border,
    "jpeg": lambda img, rng: _jpeg(img, rng.randint(25, 45)),
    "mirror": lambda img, rng: img.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "half_size": lambda img, rng: img.resize((img.width // 2, img.height // 2)),
    "turn_5": lambda img, rng: img.rotate(
        rng.choice((-1, 1)) * rng.uniform(4, 5), Image.Resampling.BILINEAR, fillcolor=(255,) * 3
    ),
    "caption": _caption,
    "brighter": lambda img, rng: ImageEnhance.Brightness(img).enhance(rng.uniform(1.2, 1.35)),
    "darker": lambda img, rng: ImageEnhance.Brightness(img).enhance(rng.uniform(0.6, 0.8)),
    "contrast": lambda img, rng: ImageEnhance.Contrast(img).enhance(
        rng.choice((rng.uniform(0.6, 0.8), rng.uniform(1.2, 1.4)))
    ),
    "white_balance": _white_balance,
}


def copy(seed: int, transform: str) -> Image.Image:
    """Official photo ``seed`` as a listing copies it, by ``transform``."""
    return TRANSFORMS[transform](official(seed), random.Random(seed * 131 + len(transform)))
