"""Training and development composites for the ring network (``screening/ringnet.py``).

Every picture is made here from a seed, never downloaded: a background (flat, gradient, or a
procedural "photo": blurred blobs, stripes, checks, noise, scattered shapes and circles), often
a product shape on it (shirt, mug, cap, flag, poster, box, bag, badge), and on the product or
the background either

- the five rings (positive): three over two, interlaced or not, in the five colours (jittered)
  or one colour, stroke widths from hairline (0.6 px) to heavy, turned, sheared and squashed as
  in perspective, sometimes blurred or partly hidden by a bar, or
- a decoy (negative): four rings (in a row, two by two), three rings (a row, a triangle), chains of
  links, dots in the symbol's layout, targets, random circles, two-circle logos, or nothing at
  all;

then noise, blur and JPEG. ``sample(seed, size, label)`` gives one picture with its label and the
rings' box. The development set uses other seeds (``DEV_SEED``) and whole photos of 320-800 px;
the test set is written apart (``tests/screening/rings_test.py``) and never used to choose.

Rendering draws at ``SUPER`` times the size and averages down, so that a 0.6 px stroke comes out
as the faint line a camera gives.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

SUPER = 3
OFFICIAL = [(0, 129, 200), (0, 0, 0), (238, 51, 78), (252, 177, 49), (0, 166, 81)]
DEV_SEED = 1_000_000_007  # development pictures: seeds from here on (training below 10^9)
Point = tuple[float, float]
Colour = tuple[int, int, int]

# decoy kinds (negatives with circles in them); "none" is a picture without any
DECOYS = (
    "four_row", "four_square", "three_row", "three_triangle", "chain", "dots", "target",
    "circles", "two_circles", "none",
)  # fmt: skip


@dataclass(frozen=True)
class Sample:
    rgb: npt.NDArray[np.uint8]
    label: int  # 1: the five rings are in it
    kind: str  # "rings_colour", "rings_mono" or the decoy's kind
    box: tuple[int, int, int, int] | None  # the rings' extent, in the picture's pixels
    radius: float  # ring radius in the picture's pixels (0 for decoys without rings)
    stroke: float  # stroke width in pixels
    ink: npt.NDArray[np.uint8] | None = None  # where rings were drawn (any), 0-255


def _colour(rng: random.Random, light: bool | None = None) -> Colour:
    if light is None:
        return (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
    lo, hi = (160, 255) if light else (0, 110)
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _jitter(rng: random.Random, c: Colour) -> Colour:
    r, g, b = (max(0, min(255, v + rng.randint(-30, 30))) for v in c)
    return (r, g, b)


def _contrasting(rng: random.Random, base: Colour) -> Colour:
    for _ in range(20):
        c = _colour(rng)
        if sum(abs(a - b) for a, b in zip(c, base, strict=True)) > 180:
            return c
    luma = sum(base) / 3
    return (0, 0, 0) if luma > 127 else (255, 255, 255)


# ---------------------------------------------------------------------- backgrounds


def _background(rng: random.Random, w: int, h: int) -> Image.Image:
    kind = rng.choice(("flat", "flat", "gradient", "texture", "texture", "texture"))
    if kind == "flat":
        return Image.new("RGB", (w, h), _colour(rng, light=rng.random() < 0.6))
    if kind == "gradient":
        a, b = np.array(_colour(rng)), np.array(_colour(rng))
        t = np.linspace(0, 1, h if rng.random() < 0.5 else w)
        rows = (a * (1 - t[:, None]) + b * t[:, None]).astype(np.uint8)
        arr = np.repeat(rows[:, None, :], w, 1) if len(t) == h else np.repeat(rows[None], h, 0)
        return Image.fromarray(np.ascontiguousarray(arr))
    return _texture(rng, w, h)


def _texture(rng: random.Random, w: int, h: int) -> Image.Image:
    """A procedural stand-in for a photograph: layers of shapes, stripes and noise, blurred."""
    img = Image.new("RGB", (w, h), _colour(rng))
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(3, 14)):
        shape = rng.choice(("rect", "ellipse", "line", "polygon", "stripes", "circle"))
        c = _colour(rng)
        x, y = rng.uniform(-0.2, 1) * w, rng.uniform(-0.2, 1) * h
        s = rng.uniform(0.05, 0.7) * max(w, h)
        if shape == "rect":
            draw.rectangle((x, y, x + s, y + s * rng.uniform(0.2, 1.5)), fill=c)
        elif shape == "ellipse":
            draw.ellipse((x, y, x + s, y + s * rng.uniform(0.3, 1.5)), fill=c)
        elif shape == "circle":  # rings and discs in ordinary photos: wheels, plates, coins
            r = rng.uniform(3, 0.2 * max(w, h))
            width = rng.choice((0, max(1, int(r * rng.uniform(0.05, 0.3)))))
            if width:
                draw.ellipse((x - r, y - r, x + r, y + r), outline=c, width=width)
            else:
                draw.ellipse((x - r, y - r, x + r, y + r), fill=c)
        elif shape == "line":
            draw.line((x, y, rng.uniform(0, w), rng.uniform(0, h)), fill=c,
                      width=rng.randint(1, 6))  # fmt: skip
        elif shape == "polygon":
            pts = [
                (x + rng.uniform(-s, s), y + rng.uniform(-s, s)) for _ in range(rng.randint(3, 6))
            ]
            draw.polygon(pts, fill=c)
        else:
            step = rng.randint(3, 20)
            for k in range(0, w + h, step * 2):
                draw.line((k, 0, k - h, h), fill=c, width=max(1, step // 2))
    arr = np.asarray(img, np.float32)
    if rng.random() < 0.7:
        arr += np.asarray(
            np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(2, 25), arr.shape),
            np.float32,
        )
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    return out.filter(ImageFilter.GaussianBlur(rng.uniform(0, 2.5)))


# ---------------------------------------------------------------------- products


def _product(
    rng: random.Random, img: Image.Image, box: tuple[float, float, float, float]
) -> Colour:
    """Draws a product shape filling ``box``; returns its colour (the print goes on it)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    colour = _colour(rng)
    draw = ImageDraw.Draw(img)

    def p(u: float, v: float) -> Point:
        return (x0 + u * w, y0 + v * h)

    kind = rng.choice(("shirt", "mug", "cap", "flag", "poster", "box", "bag", "badge"))
    if kind == "shirt":
        draw.polygon([p(.3, 0), p(.42, .07), p(.58, .07), p(.7, 0), p(1, .2), p(.87, .38),
                      p(.78, .3), p(.78, 1), p(.22, 1), p(.22, .3), p(.13, .38), p(0, .2)],
                     fill=colour)  # fmt: skip
    elif kind == "mug":
        draw.rectangle((*p(0, 0.05), *p(0.8, 1)), fill=colour)
        draw.ellipse((*p(0.7, 0.25), *p(1, 0.75)), outline=colour, width=max(2, int(w * 0.06)))
    elif kind == "cap":
        draw.pieslice((*p(0.05, 0.1), *p(0.95, 1.3)), 180, 360, fill=colour)
        draw.polygon([p(0, 0.7), p(1, 0.66), p(1, 0.8), p(0, 0.76)], fill=colour)
    elif kind == "badge":
        draw.ellipse((*p(0, 0), *p(1, 1)), fill=colour)
    elif kind == "bag":
        draw.rectangle((*p(0.05, 0.25), *p(0.95, 1)), fill=colour)
        draw.arc((*p(0.25, 0), *p(0.75, 0.5)), 180, 360, fill=colour, width=max(2, int(w * 0.04)))
    else:  # flag, poster, box: a quadrilateral
        j = 0.08
        corners = [p(rng.uniform(0, j), rng.uniform(0, j)), p(1 - rng.uniform(0, j), 0),
                   p(1, 1 - rng.uniform(0, j)), p(rng.uniform(0, j), 1)]  # fmt: skip
        draw.polygon(corners, fill=colour)
    if rng.random() < 0.3:  # shading: a soft darker side, as on a real object
        shade = Image.new("L", img.size, 0)
        ImageDraw.Draw(shade).rectangle((*p(rng.uniform(0.5, 0.9), 0), *p(1, 1)), fill=60)
        img.paste((0, 0, 0), (0, 0), shade.filter(ImageFilter.GaussianBlur(max(1, w * 0.1))))
    return colour


# ---------------------------------------------------------------------- marks


def _ring_points(cx: float, cy: float, r: float, a0: float, a1: float, n: int) -> list[Point]:
    return [
        (cx + r * math.cos(math.radians(a)), cy + r * math.sin(math.radians(a)))
        for a in np.linspace(a0, a1, n)
    ]


class _Canvas:
    """An RGBA layer at SUPER times the picture's size; shapes in picture pixels, mapped by an
    affine transform (turn, shear, squash) about a centre."""

    def __init__(self, w: int, h: int, matrix: npt.NDArray[np.float64], centre: Point) -> None:
        self.layer = Image.new("RGBA", (w * SUPER, h * SUPER), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.layer)
        self.m = matrix
        self.c = centre

    def map(self, pts: list[Point]) -> list[Point]:
        cx, cy = self.c
        a = np.asarray(pts, np.float64) @ self.m.T + (cx, cy)
        return [(float(x) * SUPER, float(y) * SUPER) for x, y in a]

    def ring(self, x: float, y: float, r: float, width: float, colour: Colour,
             a0: float = 0, a1: float = 360) -> None:  # fmt: skip
        n = max(8, int(abs(a1 - a0) / 360 * 72))
        pts = self.map(_ring_points(x, y, r, a0, a1, n))
        self.draw.line(pts, fill=(*colour, 255), width=max(1, round(width * SUPER)), joint="curve")

    def disc(self, x: float, y: float, r: float, colour: Colour) -> None:
        self.draw.polygon(self.map(_ring_points(x, y, r, 0, 360, 48)), fill=(*colour, 255))

    def ellipse_ring(self, x: float, y: float, rx: float, ry: float, width: float,
                     colour: Colour) -> None:  # fmt: skip
        pts = [
            (x + rx * math.cos(t), y + ry * math.sin(t)) for t in np.linspace(0, 2 * math.pi, 60)
        ]
        self.draw.line(self.map(pts), fill=(*colour, 255), width=max(1, round(width * SUPER)),
                       joint="curve")  # fmt: skip

    def bar(self, pts: list[Point], colour: Colour) -> None:
        self.draw.polygon(self.map(pts), fill=(*colour, 255))

    def extent(self, pts: list[Point]) -> tuple[int, int, int, int]:
        a = np.asarray(self.map(pts)) / SUPER
        return (
            int(a[:, 0].min()),
            int(a[:, 1].min()),
            int(a[:, 0].max()) + 1,
            int(a[:, 1].max()) + 1,
        )

    def ink(self, size: tuple[int, int]) -> npt.NDArray[np.uint8]:
        """Where the marks drawn so far lie (their alpha, at the picture's size)."""
        return np.asarray(self.layer.getchannel("A").resize(size, Image.Resampling.BOX), np.uint8)

    def onto(self, img: Image.Image) -> Image.Image:
        small = self.layer.resize(img.size, Image.Resampling.BOX)
        base = img.convert("RGBA")
        base.alpha_composite(small)
        return base.convert("RGB")


FIVE = [(-2.2, -0.5), (0.0, -0.5), (2.2, -0.5), (-1.1, 0.5), (1.1, 0.5)]  # in ring radii


def _five_rings(cv: _Canvas, r: float, width: float, colours: list[Colour],
                rng: random.Random) -> list[Point]:  # fmt: skip
    spacing = rng.uniform(2.05, 2.35)
    drop = rng.uniform(0.85, 1.1)
    centres = [(u * spacing / 2.2 * r, v * drop * r) for u, v in FIVE]
    for (x, y), c in zip(centres, colours, strict=True):
        cv.ring(x, y, r, width, c)
    if rng.random() < 0.75:  # interlaced: the top rings pass over at one crossing each
        for i, a0, a1 in ((0, 330, 390), (1, 150, 210), (1, 330, 390), (2, 150, 210)):
            cv.ring(*centres[i], r, width, colours[i], a0, a1)
    return [(x + dx, y + dy) for x, y in centres for dx, dy in ((-r, -r), (r, r))]


def _decoy(cv: _Canvas, kind: str, r: float, width: float, colours: list[Colour],
           rng: random.Random) -> None:  # fmt: skip
    c = colours
    if kind == "four_row":  # as car makers' four overlapping rings
        for k in range(4):
            cv.ring((k - 1.5) * rng.uniform(1.4, 2.2) * r, 0, r, width, c[k % len(c)])
    elif kind == "four_square":
        for k, (u, v) in enumerate(((-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0))):
            cv.ring(u * 1.1 * r, v * 1.1 * r, r, width, c[k % len(c)])
    elif kind == "three_row":
        for k in range(3):
            cv.ring((k - 1) * rng.uniform(1.6, 2.4) * r, 0, r, width, c[k % len(c)])
    elif kind == "three_triangle":
        for k, (u, v) in enumerate(((-1.1, -0.5), (1.1, -0.5), (0, 0.5))):
            cv.ring(u * r, v * r, r, width, c[k % len(c)])
    elif kind == "chain":
        links = rng.randint(3, 7)
        for k in range(links):
            y = 0.0
            cv.ellipse_ring((k - links / 2) * 1.3 * r, y, r, r * rng.uniform(0.45, 0.7), width,
                            c[0])  # fmt: skip
    elif kind == "dots":  # filled discs in the symbol's layout, maybe its colours
        for k, (u, v) in enumerate(FIVE):
            cv.disc(u * r, v * r, r * rng.uniform(0.6, 1.0), c[k % len(c)])
    elif kind == "target":
        rings = rng.randint(2, 5)
        for k in range(rings):
            cv.ring(0, 0, r * 2 * (k + 1) / rings, width, c[k % len(c)])
    elif kind == "circles":
        for k in range(rng.randint(4, 12)):
            cv.ring(rng.uniform(-4, 4) * r, rng.uniform(-2, 2) * r, r * rng.uniform(0.4, 1.4),
                    width, c[k % len(c)])  # fmt: skip
    elif kind == "two_circles":
        cv.disc(-0.6 * r, 0, r * 1.2, c[0])
        cv.disc(0.6 * r, 0, r * 1.2, c[1 % len(c)])


# ---------------------------------------------------------------------- pictures


def _stroke(rng: random.Random, r: float) -> float:
    """Stroke width: a fifth of the radius (the official drawing) down to a hairline."""
    pick = rng.random()
    if pick < 0.35:
        return max(0.6, r * rng.uniform(0.15, 0.25))
    if pick < 0.7:
        return max(0.6, r * rng.uniform(0.06, 0.15))
    return rng.uniform(0.6, 2.0)


def _matrix(rng: random.Random) -> npt.NDArray[np.float64]:
    turn = math.radians(rng.uniform(-40, 40) if rng.random() < 0.6 else rng.uniform(-12, 12))
    rot = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    sx = 1.0 if rng.random() < 0.5 else rng.uniform(0.65, 1.0)
    shear = 0.0 if rng.random() < 0.6 else rng.uniform(-0.3, 0.3)
    return np.asarray(rot @ np.array([[sx, shear], [0, 1.0]]), np.float64)


def sample(
    seed: int, size: tuple[int, int] = (128, 128), label: int | None = None,
    radius: tuple[float, float] = (2.5, 15.0),
) -> Sample:  # fmt: skip
    """One picture: ``label`` 1 (the five rings), 0 (a decoy or nothing), None (either, even
    odds); ring radius drawn from ``radius`` (log-uniform), in the picture's pixels."""
    rng = random.Random(seed)
    w, h = size
    if label is None:
        label = int(rng.random() < 0.5)
    img = _background(rng, w, h)
    r = math.exp(rng.uniform(math.log(radius[0]), math.log(radius[1])))
    span = 3.4 * r  # half the symbol's width, about
    on_product = rng.random() < 0.7
    base: Colour = img.getpixel((w // 2, h // 2))  # type: ignore[assignment]
    cx = rng.uniform(min(span + 2, w / 2), max(w / 2, w - span - 2))
    cy = rng.uniform(min(2 * r + 2, h / 2), max(h / 2, h - 2 * r - 2))
    if on_product:
        pw, ph = 2 * span * rng.uniform(1.2, 2.2), 4 * r * rng.uniform(1.6, 3.5)
        box = (cx - pw / 2, cy - ph * rng.uniform(0.3, 0.6), cx + pw / 2, cy + ph * 0.6)
        base = _product(rng, img, box)
    mono = rng.random() < 0.45
    colours: list[Colour]
    if mono:
        colours = [_contrasting(rng, base)] * 6
        if rng.random() < 0.3:
            colours = [
                rng.choice(((255, 255, 255), (0, 0, 0), (212, 175, 55), (192, 192, 192)))
            ] * 6
    else:
        colours = [_jitter(rng, c) for c in OFFICIAL] + [OFFICIAL[0]]
        if rng.random() < 0.3:
            rng.shuffle(colours)
    width = _stroke(rng, r)
    cv = _Canvas(w, h, _matrix(rng), (cx, cy))
    found = None
    if label:
        corners = _five_rings(cv, r, width, colours[:5], rng)
        found = cv.extent(corners)
        kind = "rings_mono" if mono else "rings_colour"
    else:
        kind = rng.choice(DECOYS)
        _decoy(cv, kind, r, width, colours, rng)
    ink = cv.ink((w, h))
    if rng.random() < 0.25:  # partly hidden: a narrow bar across part of the symbol
        bx, by = rng.uniform(-3.5, 3.5) * r, rng.uniform(-1.5, 1.5) * r
        bw, bh = rng.uniform(0.2, 0.45) * r, rng.uniform(1.0, 2.0) * r
        if rng.random() < 0.5:
            bw, bh = bh, bw
        cv.bar([(bx, by), (bx + bw, by), (bx + bw, by + bh), (bx, by + bh)],
               _colour(rng))  # fmt: skip
    img = cv.onto(img)
    return Sample(_finish(rng, img), label, kind, found, r, width, ink)


def _finish(rng: random.Random, img: Image.Image) -> npt.NDArray[np.uint8]:
    if rng.random() < 0.3:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))
    arr = np.asarray(img, np.float32)
    if rng.random() < 0.4:  # lighting: brightness and contrast
        arr = arr * rng.uniform(0.6, 1.3) + rng.uniform(-40, 40)
    if rng.random() < 0.4:
        noise = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(1, 10), arr.shape)
        arr = arr + noise.astype(np.float32)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.5:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=rng.randint(30, 92))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return np.ascontiguousarray(np.asarray(img, np.uint8))


def dev_photo(k: int) -> Sample:
    """Development picture ``k``: a whole photo of 320-800 px, ring radius 6-31 px (the
    range the outside judges describe), half with the rings."""
    rng = random.Random(DEV_SEED + k)
    side = rng.choice((320, 400, 480, 640, 800))
    size = (side, int(side * rng.uniform(0.75, 1.0)))
    return sample(DEV_SEED + k, size, label=k % 2, radius=(6.0, min(31.0, size[1] / 4.5)))


def batch(seeds: range, size: int = 128) -> dict[str, npt.NDArray[Any]]:
    """Training pictures for ``seeds``: ``x`` (n, size, size, 3), ``y`` labels, ``box`` the
    rings' boxes (x0, y0, x1, y1; -1 without the rings), ``ink`` where any ring was drawn (n,
    size/8, size/8: the largest alpha in each 8 x 8 cell)."""
    pics = [sample(s, (size, size)) for s in seeds]
    cells = size // 8
    ink = np.zeros((len(pics), cells, cells), np.uint8)
    for i, p in enumerate(pics):
        if p.ink is not None:
            ink[i] = p.ink.reshape(cells, 8, cells, 8).max(axis=(1, 3))
    return {
        "x": np.stack([p.rgb for p in pics]),
        "y": np.array([p.label for p in pics], np.uint8),
        "box": np.array([p.box or (-1, -1, -1, -1) for p in pics], np.int32).reshape(-1, 4),
        "ink": ink,
        "kind": np.array([p.kind for p in pics]),
    }


GENERATORS: dict[str, Callable[[int], Sample]] = {"dev": dev_photo}
