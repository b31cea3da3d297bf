"""Labelled images made on the spot (never downloaded): product photos with and without the
five rings, official photos and their transformed copies, and hostile files. The tests use a
few; benchmarks/images.py makes thousands with the same functions."""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

RING_COLOURS = [(0, 129, 200), (252, 177, 49), (0, 0, 0), (0, 166, 81), (238, 51, 78)]
PRODUCTS = ("tshirt", "mug", "cap", "flag")
PHOTOS = (
    "astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry",
    "retina", "camera", "brick", "grass", "gravel", "moon", "coins", "horse", "page", "text",
    "clock", "cell", "microaneurysms", "shepp_logan_phantom", "colorwheel", "logo",
)  # fmt: skip
# bundled with scikit-image (no download); stereo_motorcycle returns a tuple, so left out


@cache
def photo(name: str) -> Image.Image:
    """A sample photograph bundled with scikit-image, as RGB."""
    from skimage import data

    array = np.asarray(getattr(data, name)())
    if array.dtype != np.uint8:
        array = (255 * (array.astype(float) / max(1.0, float(array.max())))).astype(np.uint8)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    return Image.fromarray(array[..., :3]).convert("RGB")


def photo_crop(
    rng: random.Random, size: tuple[int, int], sources: tuple[str, ...] = PHOTOS
) -> Image.Image:
    """A random crop of a random sample photograph, resized to ``size``."""
    src = photo(rng.choice(sources))
    w, h = src.size
    scale = rng.uniform(0.35, 1.0)
    cw, ch = max(16, int(w * scale)), max(16, int(h * scale))
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return src.crop((x, y, x + cw, y + ch)).resize(size, Image.Resampling.BILINEAR)


def background(rng: random.Random, size: tuple[int, int], kind: str | None = None) -> Image.Image:
    kind = kind or rng.choice(("plain", "gradient", "photo", "photo"))
    if kind == "plain":
        return Image.new("RGB", size, _colour(rng, light=rng.random() < 0.6))
    if kind == "gradient":
        a, b = np.array(_colour(rng)), np.array(_colour(rng))
        t = np.linspace(0, 1, size[1])[:, None, None]
        rows = (a * (1 - t) + b * t).astype(np.uint8)
        return Image.fromarray(np.repeat(rows, size[0], axis=1))
    return photo_crop(rng, size).filter(ImageFilter.GaussianBlur(rng.uniform(0, 2)))


def _colour(rng: random.Random, *, light: bool | None = None) -> tuple[int, int, int]:
    if light is None:
        return (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
    lo, hi = (170, 255) if light else (0, 120)
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def silhouette(kind: str, box: tuple[int, int, int, int]) -> list[list[tuple[float, float]]]:
    """Polygons of a product in ``box`` (x0, y0, x1, y1); the print area is its middle."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0

    def p(u: float, v: float) -> tuple[float, float]:
        return (x0 + u * w, y0 + v * h)

    if kind == "tshirt":
        return [[p(.3, 0), p(.42, .06), p(.58, .06), p(.7, 0), p(1, .18), p(.88, .38), p(.78, .3),
                 p(.78, 1), p(.22, 1), p(.22, .3), p(.12, .38), p(0, .18)]]  # fmt: skip
    if kind == "mug":
        handle = [p(.8, .25), p(1, .3), p(1, .7), p(.8, .75), p(.8, .65), p(.92, .62),
                  p(.92, .38), p(.8, .35)]  # fmt: skip
        return [[p(0, 0.05), p(0.8, 0.05), p(0.8, 1), p(0, 1)], handle]
    if kind == "cap":
        dome = [p(.5 + .45 * math.cos(a), .75 - .7 * math.sin(a))
                for a in np.linspace(0, math.pi, 24)]  # fmt: skip
        return [dome, [p(0.05, 0.75), p(1, 0.72), p(1, 0.9), p(0.05, 0.82)]]
    return [[p(0, 0), p(1, 0.06), p(1, 0.94), p(0, 1)]]  # flag


def draw_rings(
    img: Image.Image,
    centre: tuple[float, float],
    r: float,
    *,
    colours: list[tuple[int, int, int]] | None = None,
    width: float | None = None,
) -> tuple[int, int, int, int]:
    """The five rings, three over two, interlaced, centred at ``centre`` with ring radius
    ``r``; one colour when ``colours`` has one entry. Returns the bounding box."""
    colours = colours or RING_COLOURS
    if len(colours) == 1:
        colours = colours * 5
    width = width or max(2.0, r * 0.2)
    cx, cy = centre
    dx, dy = 2.2 * r, 1.0 * r  # centre spacing: 2.2 r across, r down
    centres = [(cx - dx, cy - dy / 2), (cx, cy - dy / 2), (cx + dx, cy - dy / 2),
               (cx - dx / 2, cy + dy / 2), (cx + dx / 2, cy + dy / 2)]  # fmt: skip
    draw = ImageDraw.Draw(img)

    def ring(i: int, start: float = 0, end: float = 360) -> None:
        x, y = centres[i]
        draw.arc((x - r, y - r, x + r, y + r), start, end, fill=colours[i], width=round(width))

    for i in range(5):
        ring(i)
    # interlacing: the top rings pass over the bottom ones on one side of each crossing
    for top, start, end in ((0, 330, 30), (1, 150, 210), (1, 330, 30), (2, 150, 210)):
        ring(top, start, end)
    half = r + width / 2
    return (round(cx - dx - half), round(cy - dy / 2 - half),
            round(cx + dx + half), round(cy + dy / 2 + half))  # fmt: skip


def product_photo(
    rng: random.Random,
    size: tuple[int, int] = (320, 320),
    *,
    kind: str | None = None,
    rings: str | None = None,  # None, "colour" or "mono"
    bg: Image.Image | None = None,
    print_design: bool = True,
    sources: tuple[str, ...] = PHOTOS,  # the sample photographs prints are cut from
) -> tuple[Image.Image, tuple[int, int, int, int] | None]:
    """A product on a background, with a print (a photo crop) and optionally the rings on it.
    Returns the image and the rings' bounding box (None without rings)."""
    w, h = size
    img = bg.copy() if bg is not None else background(rng, size)
    kind = kind or rng.choice(PRODUCTS)
    scale = rng.uniform(0.7, 0.95)
    pw, ph = int(w * scale), int(h * scale * (0.8 if kind in ("flag", "cap") else 1.0))
    x0, y0 = rng.randint(0, w - pw), rng.randint(0, h - ph)
    box = (x0, y0, x0 + pw, y0 + ph)
    colour = _colour(rng)
    draw = ImageDraw.Draw(img)
    for poly in silhouette(kind, box):
        draw.polygon(poly, fill=colour)
    # print area: the middle of the product
    px0, py0 = x0 + int(pw * 0.3), y0 + int(ph * 0.35)
    px1, py1 = x0 + int(pw * 0.7), y0 + int(ph * 0.7)
    if print_design and not rings:
        img.paste(photo_crop(rng, (max(8, px1 - px0), max(8, py1 - py0)), sources), (px0, py0))
    found = None
    if rings:
        cx, cy = (px0 + px1) / 2, (py0 + py1) / 2
        r = rng.uniform(0.07, 0.11) * pw
        if rings == "mono":
            luma = sum(colour) / 3
            choice = [(255, 255, 255)] if luma < 110 else [rng.choice([(0, 0, 0), _colour(rng)])]
            found = draw_rings(img, (cx, cy), r, colours=choice)
        else:
            found = draw_rings(img, (cx, cy), r)
    return img, found


def emblem(seed: int, size: int = 240) -> Image.Image:
    """An emblem-like mark: a crest with drawn details and letters (textured, unlike the rings);
    each seed its own outline, stripes, burst and letters."""
    rng = random.Random(seed)
    img = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    s = size
    corners = rng.choice((4, 5, 6, 8))
    turn = rng.uniform(0, math.pi)
    outline = [(s / 2 + 0.42 * s * math.cos(turn + 2 * math.pi * i / corners),
                s / 2 + 0.42 * s * math.sin(turn + 2 * math.pi * i / corners))
               for i in range(corners)]  # fmt: skip
    draw.polygon(outline, fill=_colour(rng, light=False), outline=(0, 0, 0), width=4)
    for _ in range(rng.randint(3, 7)):  # bars at random places and angles
        x, y = rng.uniform(0.2, 0.7) * s, rng.uniform(0.2, 0.7) * s
        w, h = rng.uniform(0.05, 0.25) * s, rng.uniform(0.02, 0.08) * s
        if rng.random() < 0.5:
            w, h = h, w
        draw.rectangle((x, y, x + w, y + h), fill=_colour(rng, light=True))
    cx, cy = rng.uniform(0.35, 0.65) * s, rng.uniform(0.35, 0.65) * s
    points = rng.randint(5, 9)
    outer, inner = rng.uniform(0.12, 0.2) * s, rng.uniform(0.04, 0.08) * s
    burst = [(cx + (outer if i % 2 else inner) * math.cos(i * math.pi / points),
              cy + (outer if i % 2 else inner) * math.sin(i * math.pi / points))
             for i in range(2 * points)]  # fmt: skip
    draw.polygon(burst, fill=_colour(rng, light=True), outline=(0, 0, 0))
    font = ImageFont.load_default(size=int(0.11 * s))
    letters = "".join(rng.choice("ABDEFGHKMNPRTXZ") for _ in range(4))
    draw.text((rng.uniform(0.15, 0.3) * s, rng.uniform(0.2, 0.7) * s), letters,
              fill=(255, 255, 255), font=font)  # fmt: skip
    return img


def with_emblem(
    rng: random.Random, mark: Image.Image, size: tuple[int, int] = (480, 480)
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A product photo with ``mark`` printed on it, scaled and slightly turned."""
    img, _ = product_photo(rng, size, print_design=False)
    side = int(min(size) * rng.uniform(0.3, 0.45))
    printed = mark.resize((side, side)).rotate(
        rng.uniform(-10, 10), Image.Resampling.BILINEAR, expand=True, fillcolor=(255, 255, 255)
    )
    x = rng.randint(0, size[0] - printed.width)
    y = rng.randint(0, size[1] - printed.height)
    img.paste(printed, (x, y))
    return img, (x, y, x + printed.width, y + printed.height)


# ---------------------------------------------------------------------- transformations


def _text(img: Image.Image, rng: random.Random) -> Image.Image:
    out = img.copy()
    draw = ImageDraw.Draw(out)
    font = ImageFont.load_default(size=max(10, img.height // 12))
    y = rng.choice((0.02, 0.85)) * img.height
    draw.rectangle((0, y, img.width, y + img.height // 10), fill=(255, 255, 255))
    draw.text((img.width * 0.05, y), "BEST PRICE! free ship", fill=(220, 0, 0), font=font)
    return out


def _crop(img: Image.Image, rng: random.Random) -> Image.Image:
    w, h = img.size
    keep = rng.uniform(0.85, 0.92)
    cw, ch = int(w * keep), int(h * keep)
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return img.crop((x, y, x + cw, y + ch))


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


TRANSFORMS: dict[str, Callable[[Image.Image, random.Random], Image.Image]] = {
    "identical": lambda img, rng: img,
    "resize_50": lambda img, rng: img.resize((img.width // 2, img.height // 2)),
    "resize_200": lambda img, rng: img.resize((img.width * 2, img.height * 2)),
    "jpeg_q30": lambda img, rng: _jpeg(img, 30),
    "crop_10": _crop,
    "rotate_5": lambda img, rng: img.rotate(
        rng.choice((-1, 1)) * rng.uniform(2, 6),
        Image.Resampling.BILINEAR,
        fillcolor=(255, 255, 255),
    ),
    "mirror": lambda img, rng: img.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "text": _text,
}
# "background" (a changed background colour) needs the photo re-rendered: see official_photo.


def official_photo(
    seed: int, bg_colour: tuple[int, int, int] | None = None, sources: tuple[str, ...] = PHOTOS
) -> Image.Image:
    """Official product photo number ``seed``: a product with a print on a plain studio
    background; the same seed with another ``bg_colour`` is the same shot on another
    background."""
    rng = random.Random(seed)
    studio = _colour(rng, light=True)
    img, _ = product_photo(
        rng, (320, 320), bg=Image.new("RGB", (320, 320), studio), sources=sources
    )
    if bg_colour is None:
        return img
    rng = random.Random(seed)
    _colour(rng, light=True)
    again, _ = product_photo(
        rng, (320, 320), bg=Image.new("RGB", (320, 320), bg_colour), sources=sources
    )
    return again


# ---------------------------------------------------------------------- files


def encode(img: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def hostile_files() -> dict[str, tuple[bytes, str]]:
    """Name -> (bytes, the reason they must be refused with)."""
    ok = encode(Image.new("RGB", (64, 64), (10, 200, 30)), "PNG")
    bomb = Image.new("1", (12_000, 12_000))  # 144 Mpx, a few KB as PNG
    jpeg = encode(Image.new("RGB", (200, 200), (9, 9, 9)), "JPEG")
    return {
        "empty": (b"", "image_unreadable"),
        "text": (b"this is not an image at all\n" * 10, "image_unreadable"),
        "truncated_png": (ok[: len(ok) // 2], "image_unreadable"),
        "truncated_jpeg": (jpeg[:300], "image_unreadable"),
        "bomb_png": (encode(bomb, "PNG"), "image_too_large"),
        "tiny": (encode(Image.new("RGB", (8, 8)), "PNG"), "image_too_small"),
        "pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "image_unreadable"),
        "ico": (encode(Image.new("RGB", (64, 64)), "ICO"), "image_unsupported_format"),
    }


def accepted_files() -> dict[str, bytes]:
    """Unusual but valid files that are screened (first frame of an animation, CMYK...)."""
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    gif_frames = [Image.new("RGB", (64, 64), c) for c in colours]
    buf = io.BytesIO()
    gif_frames[0].save(buf, "GIF", save_all=True, append_images=gif_frames[1:], duration=100)
    return {
        "animated_gif": buf.getvalue(),
        "cmyk_jpeg": encode(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG"),
        "rgba_png": encode(Image.new("RGBA", (64, 64), (0, 0, 0, 0)), "PNG"),
        "grey_png": encode(Image.new("L", (64, 64), 128), "PNG"),
        "big_jpeg": encode(Image.new("RGB", (3000, 2000), (200, 100, 0)), "JPEG"),
    }
