"""Test set for the ring network (issue 17), written apart from its training and development
pictures (``screening/ringnet_data.py``) and never used to choose anything.

Other everything: photographs as backgrounds (scikit-image's bundled samples, sharp or out of
focus) besides flat and graded studio colours; other products (hoodie, tote bag, water bottle,
phone case, sticker sheet, pennant, notebook, scarf), drawn with OpenCV; the symbol drawn by
OpenCV's anti-aliased ellipses at the photo's own resolution (no supersampling), on its own
layer, then warped in perspective with ``cv2.warpPerspective`` and laid on the product with an
alpha of 0.8-1 (ink on fabric); decoys written again: four rings in a row, chains, dots,
targets, three rings, random circles (the kinds the outside judges name), and photos with
nothing. Photos 300-900 px, ring radius 6-31 px, strokes from 1 px to a quarter of the radius,
colour and one colour, upright or turned up to 45 degrees; half re-encoded as JPEG.

``photo(k)`` is test photo ``k``: a symbol when ``k % 2 == 0``; the decoy kind cycles with ``k``
otherwise (every fourth negative a photo with no circles drawn at all).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
SEED = 7_700_000
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "brick", "grass", "gravel", "camera",
          "moon", "horse", "page", "coins", "clock", "hubble_deep_field")  # fmt: skip
PRODUCTS = ("hoodie", "tote", "bottle", "phone", "sticker", "pennant", "notebook", "scarf")
DECOYS = ("four_rings", "chain", "dots", "target", "three_rings", "random_circles", "nothing")
RING_RGB = [(0, 133, 199), (244, 195, 0), (0, 0, 0), (0, 159, 61), (223, 0, 36)]  # other shades


@dataclass(frozen=True)
class TestPhoto:
    __test__ = False  # a photo of the test set, not a pytest class

    rgb: Image
    rings: bool
    kind: str  # "colour" / "mono" for the symbol, else the decoy kind
    radius: float
    stroke: float


@cache
def _sample(name: str) -> Image:
    from skimage import data

    a = np.asarray(getattr(data, name)())
    if a.dtype != np.uint8:
        a = (255 * (a.astype(np.float64) / max(1.0, float(a.max())))).astype(np.uint8)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    return np.ascontiguousarray(a[..., :3])


def _bg(g: np.random.Generator, w: int, h: int) -> Image:
    pick = g.random()
    if pick < 0.3:
        return np.full((h, w, 3), g.integers(0, 256, 3), np.uint8)
    if pick < 0.45:
        a, b = g.integers(0, 256, 3), g.integers(0, 256, 3)
        t = np.linspace(0, 1, w)[None, :, None]
        return np.asarray(np.broadcast_to(a * (1 - t) + b * t, (h, w, 3)), np.uint8).copy()
    src = _sample(str(g.choice(PHOTOS)))
    sh, sw = src.shape[:2]
    f = g.uniform(0.4, 1.0)
    cw, ch = max(32, int(sw * f)), max(32, int(sh * f))
    x, y = int(g.integers(0, sw - cw + 1)), int(g.integers(0, sh - ch + 1))
    out = cv2.resize(src[y : y + ch, x : x + cw], (w, h), interpolation=cv2.INTER_LINEAR)
    if g.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), float(g.uniform(1, 4)))
    return np.ascontiguousarray(out)


def _product(g: np.random.Generator, img: Image, cx: float, cy: float, half_w: float,
             half_h: float) -> tuple[int, int, int]:  # fmt: skip
    kind = str(g.choice(PRODUCTS))
    col = tuple(int(v) for v in g.integers(0, 256, 3))
    x0, y0, x1, y1 = cx - half_w, cy - half_h, cx + half_w, cy + half_h

    def P(u: float, v: float) -> list[int]:
        return [int(x0 + u * (x1 - x0)), int(y0 + v * (y1 - y0))]

    if kind == "hoodie":
        poly = [P(.25, .05), P(.5, .0), P(.75, .05), P(1, .3), P(.9, .45), P(.82, .35), P(.82, 1),
                P(.18, 1), P(.18, .35), P(.1, .45), P(0, .3)]  # fmt: skip
    elif kind == "tote":
        poly = [P(0, 0.2), P(1, 0.2), P(0.95, 1), P(0.05, 1)]
        cv2.ellipse(img, (int(cx), int(y0 + 0.2 * (y1 - y0))),
                    (int(half_w * 0.4), int(half_h * 0.35)), 0, 180, 360, col,
                    max(2, int(half_w * 0.06)), cv2.LINE_AA)  # fmt: skip
    elif kind == "bottle":
        poly = [P(.38, 0), P(.62, 0), P(.62, .12), P(.85, .25), P(.85, 1), P(.15, 1), P(.15, .25),
                P(.38, .12)]  # fmt: skip
    elif kind == "phone":
        poly = [P(0.1, 0), P(0.9, 0), P(0.9, 1), P(0.1, 1)]
    elif kind == "pennant":
        poly = [P(0, 0), P(1, 0.5), P(0, 1)]
    elif kind == "scarf":
        poly = [P(0, 0.3), P(1, 0.25), P(1, 0.75), P(0, 0.7)]
    else:  # sticker, notebook
        poly = [P(0, 0), P(1, 0.03), P(0.98, 1), P(0.02, 0.97)]
    cv2.fillPoly(img, [np.array(poly, np.int32)], col, cv2.LINE_AA)
    return col  # type: ignore[return-value]


def _far_colour(g: np.random.Generator, base: tuple[int, int, int]) -> tuple[int, int, int]:
    for _ in range(30):
        c = tuple(int(v) for v in g.integers(0, 256, 3))
        if sum(abs(a - b) for a, b in zip(c, base, strict=True)) > 200:
            return c  # type: ignore[return-value]
    return (255, 255, 255) if sum(base) < 384 else (0, 0, 0)


def _layer(g: np.random.Generator, kind: str, r: float, stroke: int,
           colours: list[tuple[int, int, int]]) -> tuple[Image, npt.NDArray[np.float32]]:  # fmt: skip
    """The mark drawn flat on its own square canvas: (rgb, alpha)."""
    side = int(16 * r)
    rgb = np.zeros((side, side, 3), np.uint8)
    alpha = np.zeros((side, side), np.uint8)
    c0 = side / 2

    def ring(x: float, y: float, rad: float, col: tuple[int, int, int], a0: int = 0,
             a1: int = 360) -> None:  # fmt: skip
        centre, axes = (round(c0 + x), round(c0 + y)), (round(rad), round(rad))
        cv2.ellipse(rgb, centre, axes, 0, a0, a1, col, stroke, cv2.LINE_AA)
        cv2.ellipse(alpha, centre, axes, 0, a0, a1, 255, stroke, cv2.LINE_AA)

    def disc(x: float, y: float, rad: float, col: tuple[int, int, int]) -> None:
        cv2.circle(rgb, (round(c0 + x), round(c0 + y)), round(rad), col, -1, cv2.LINE_AA)
        cv2.circle(alpha, (round(c0 + x), round(c0 + y)), round(rad), 255, -1, cv2.LINE_AA)

    if kind in ("colour", "mono"):
        pos = [(-2.25 * r, -0.47 * r), (0, -0.47 * r), (2.25 * r, -0.47 * r),
               (-1.125 * r, 0.53 * r), (1.125 * r, 0.53 * r)]  # fmt: skip
        order = [3, 4, 0, 1, 2] if g.random() < 0.5 else [0, 1, 2, 3, 4]
        for i in order:
            ring(*pos[i], r, colours[i])
    elif kind == "four_rings":
        for i in range(4):
            ring((i - 1.5) * 1.55 * r, 0, r, colours[i])
    elif kind == "three_rings":
        for i in range(3):
            ring((i - 1) * 2.25 * r, 0, r, colours[i])
    elif kind == "chain":
        n = int(g.integers(3, 8))
        for i in range(n):
            cv2.ellipse(
                rgb,
                (round(c0 + (i - n / 2) * 1.2 * r), round(c0)),
                (round(r), round(r * 0.55)),
                0,
                0,
                360,
                colours[0],
                stroke,
                cv2.LINE_AA,
            )
            cv2.ellipse(alpha, (round(c0 + (i - n / 2) * 1.2 * r), round(c0)),
                        (round(r), round(r * 0.55)), 0, 0, 360, 255, stroke, cv2.LINE_AA)  # fmt: skip
    elif kind == "dots":
        for i, (u, v) in enumerate(((-2.2, -0.5), (0, -0.5), (2.2, -0.5), (-1.1, 0.5), (1.1, 0.5))):
            disc(u * r, v * r, 0.8 * r, colours[i])
    elif kind == "target":
        for i in range(int(g.integers(3, 6))):
            ring(0, 0, r * (0.5 + 0.5 * i), colours[i % 5])
    elif kind == "random_circles":
        for i in range(int(g.integers(5, 11))):
            ring(float(g.uniform(-4, 4)) * r, float(g.uniform(-2, 2)) * r,
                 float(g.uniform(0.5, 1.5)) * r, colours[i % 5])  # fmt: skip
    return rgb, alpha.astype(np.float32) / 255


def photo(k: int) -> TestPhoto:
    g = np.random.default_rng([SEED, k])
    w = int(g.integers(300, 901))
    h = int(w * g.uniform(0.7, 1.2))
    img = _bg(g, w, h)
    symbol = ("colour", "mono")[(k // 2) % 2]
    kind = symbol if k % 2 == 0 else DECOYS[(k // 2) % len(DECOYS)]
    r = float(math.exp(g.uniform(math.log(6), math.log(min(31, w / 10, h / 6)))))
    thin = g.random() < 0.3
    stroke = 1 if thin else max(1, round(r * g.uniform(0.08, 0.25)))
    cx = float(g.uniform(4 * r, w - 4 * r))
    cy = float(g.uniform(2.5 * r, h - 2.5 * r))
    base = tuple(int(v) for v in img[int(cy), int(cx)])
    if g.random() < 0.6:
        base = _product(g, img, cx, cy, 4.5 * r * g.uniform(1.0, 1.6), 2.6 * r * g.uniform(1.1, 2))
    if kind == "mono" or (kind != "colour" and g.random() < 0.5):
        colours = [_far_colour(g, base)] * 5  # type: ignore[arg-type]
    else:
        colours = list(RING_RGB)
    if kind != "nothing":
        rgb, alpha = _layer(g, kind, r, stroke, colours)
        side = rgb.shape[0]
        turn = float(g.uniform(-45, 45) if g.random() < 0.5 else g.uniform(-5, 5))
        src = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
        rot = cv2.getRotationMatrix2D((0, 0), turn, 1.0)[:, :2]
        squash = np.diag([1.0, float(g.uniform(0.7, 1.0))])
        corners = (src - side / 2) @ (rot @ squash).T
        tilt = float(g.uniform(-0.12, 0.12)) * side  # one side nearer: a trapezium
        corners[:2, 0] += np.sign(corners[:2, 0]) * tilt / 2
        dst = np.float32(corners + np.array([cx, cy]))
        m = cv2.getPerspectiveTransform(src, dst)
        warped = cv2.warpPerspective(rgb, m, (w, h), flags=cv2.INTER_LINEAR)
        a = cv2.warpPerspective(alpha, m, (w, h), flags=cv2.INTER_LINEAR)
        a = (a * float(g.uniform(0.8, 1.0)))[..., None]
        img = np.asarray(img * (1 - a) + warped * a, np.uint8)
    if g.random() < 0.5:
        ok, buf = cv2.imencode(
            ".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(g.integers(40, 95))]
        )
        assert ok
        img = np.ascontiguousarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1])
    return TestPhoto(np.ascontiguousarray(img), k % 2 == 0, kind, r, float(stroke))
