"""Test set for official image reuse (issue 17), written apart from the development set
(``reuse_dev.py``) and never used to choose a threshold: other product shapes (bottle,
backpack, sneaker, scarf, medal, umbrella), other backdrops (a vignette, a wall-and-floor
sweep, paper grain, a blurred photograph of a motorcycle), other renderings (OpenCV drawing,
anti-aliased, with a soft shadow, a top-down light fall-off and a highlight), other prints
(stripes, lettering, targets, crops of the motorcycle and of faces) and transformations
written again with OpenCV and their own parameters.

Every image is made from its seed alone; the sample photographs are scikit-image's bundled
ones (no download)."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]  # RGB, height x width x 3
SIDE = 360
SHAPES = ("bottle", "backpack", "sneaker", "scarf", "medal", "umbrella")


@cache
def _motorcycle() -> Image:
    from skimage import data

    left, right, _ = data.stereo_motorcycle()
    return np.ascontiguousarray(np.concatenate([left, right], axis=1)[..., :3])


@cache
def _faces() -> npt.NDArray[np.float64]:
    from skimage import data

    return np.asarray(data.lfw_subset())  # (200, 25, 25) grey in [0, 1]


def _rng(seed: int, salt: int) -> np.random.Generator:
    return np.random.default_rng([seed, salt])


def _colour(rng: np.random.Generator, lo: int = 0, hi: int = 256) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, 3))  # type: ignore[return-value]


def backdrop(seed: int) -> Image:
    """Backdrop ``seed``: a vignette, a wall-and-floor sweep, paper grain or a photograph."""
    rng = _rng(seed, 1)
    kind = seed % 4
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32) / SIDE
    base = np.array(_colour(rng, 60, 250), np.float32)
    if kind == 0:  # vignette: light in the middle, darker to the corners
        r = np.hypot(xx - 0.5, yy - 0.45)
        img = base * (1.1 - 0.7 * r)[..., None]
    elif kind == 1:  # sweep: a wall that bends into the floor
        other = np.array(_colour(rng, 40, 230), np.float32)
        t = np.clip((yy - 0.55) / 0.25, 0, 1)[..., None]
        img = base * (1 - t) + other * t
    elif kind == 2:  # paper grain: fine noise, blurred a little
        noise = rng.normal(0, 9, (SIDE, SIDE, 1)).astype(np.float32)
        img = base + cv2.GaussianBlur(noise, (0, 0), 1.2)[..., None]
    else:  # a crop of the motorcycle photograph, out of focus
        photo = _motorcycle()
        h, w = photo.shape[:2]
        side = int(rng.integers(h // 2, h))
        y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
        crop = cv2.resize(photo[y : y + side, x : x + side], (SIDE, SIDE))
        img = cv2.GaussianBlur(crop, (0, 0), float(rng.uniform(2, 5))).astype(np.float32)
    return np.asarray(np.clip(img, 0, 255), np.uint8)


def _outline(shape: str, rng: np.random.Generator) -> list[npt.NDArray[np.int32]]:
    """Polygons of ``shape`` in a unit box (x, y in 0..1), as int32 at 1/16 pixel of SIDE."""
    pts: list[list[tuple[float, float]]]
    if shape == "bottle":
        neck = float(rng.uniform(0.08, 0.14))
        pts = [[(0.5 - neck, 0), (0.5 + neck, 0), (0.5 + neck, 0.2), (0.78, 0.35), (0.78, 1),
                (0.22, 1), (0.22, 0.35), (0.5 - neck, 0.2)]]  # fmt: skip
    elif shape == "backpack":
        pts = [[(0.15, 0.12), (0.85, 0.12), (0.92, 0.3), (0.92, 1), (0.08, 1), (0.08, 0.3)],
               [(0.35, 0), (0.65, 0), (0.65, 0.12), (0.35, 0.12)]]  # fmt: skip
    elif shape == "sneaker":
        pts = [[(0.05, 0.55), (0.3, 0.5), (0.45, 0.2), (0.62, 0.2), (0.68, 0.45), (0.95, 0.65),
                (0.97, 0.85), (0.05, 0.85)]]  # fmt: skip
    elif shape == "scarf":
        pts = [[(0.3, 0), (0.7, 0), (0.62, 1), (0.38, 1)]]
    elif shape == "medal":
        circle = [(0.5 + 0.4 * math.cos(a), 0.58 + 0.4 * math.sin(a))
                  for a in np.linspace(0, 2 * math.pi, 48, endpoint=False)]  # fmt: skip
        pts = [circle, [(0.38, 0), (0.62, 0), (0.55, 0.25), (0.45, 0.25)]]
    else:  # umbrella: a canopy of scallops and a handle
        canopy = [(0.5 + 0.48 * math.cos(a), 0.5 - 0.45 * math.sin(a))
                  for a in np.linspace(0, math.pi, 32)]  # fmt: skip
        pts = [canopy + [(0.02, 0.52), (0.98, 0.52)][::-1], [(0.48, 0.5), (0.52, 0.5),
               (0.52, 0.95), (0.48, 0.95)]]  # fmt: skip
    return [np.array([[x * 16, y * 16] for x, y in poly], np.float64) for poly in pts]  # type: ignore[misc]


def _print(rng: np.random.Generator, w: int, h: int) -> Image:
    """A print: stripes, lettering, a target or a photo crop (the motorcycle, faces)."""
    kind = int(rng.integers(0, 4))
    out = np.full((h, w, 3), _colour(rng), np.uint8)
    if kind == 0:
        step = max(3, int(rng.integers(4, 10)))
        ink = _colour(rng)
        for y in range(0, h, 2 * step):
            out[y : y + step] = ink
    elif kind == 1:
        letters = "".join(chr(int(c)) for c in rng.integers(65, 91, 3))
        cv2.putText(out, letters, (2, h * 2 // 3), cv2.FONT_HERSHEY_DUPLEX, h / 40, _colour(rng),
                    max(1, h // 20), cv2.LINE_AA)  # fmt: skip
    elif kind == 2:
        for r in range(min(w, h) // 2, 2, -max(3, min(w, h) // 8)):
            cv2.circle(out, (w // 2, h // 2), r, _colour(rng), -1, cv2.LINE_AA)
    elif rng.random() < 0.5:
        photo = _motorcycle()
        y, x = (
            int(rng.integers(0, photo.shape[0] - 120)),
            int(rng.integers(0, photo.shape[1] - 120)),
        )
        out = cv2.resize(photo[y : y + 120, x : x + 120], (w, h))
    else:
        face = (_faces()[int(rng.integers(0, 200))] * 255).astype(np.uint8)
        out = cv2.resize(np.stack([face] * 3, axis=-1), (w, h), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(out)


def product(seed: int, on: Image) -> Image:
    """Product ``seed`` shot on ``on``: its shape, colour, size and place from the seed;
    a print on two seeds of three, none on the third (a plain product)."""
    rng = _rng(seed, 2)
    shape = SHAPES[int(rng.integers(0, len(SHAPES)))]
    size = float(rng.uniform(0.55, 0.85)) * SIDE
    aspect = float(rng.uniform(0.75, 1.25))
    w, h = size * min(1.0, aspect), size * min(1.0, 1 / aspect)
    x0, y0 = (
        float(rng.uniform(0.04, 0.96) * (SIDE - w)),
        float(rng.uniform(0.04, 0.96) * (SIDE - h)),
    )
    body = _colour(rng)
    polys = [
        np.round((p / 16 * [w, h] + [x0, y0]) * 16).astype(np.int32) for p in _outline(shape, rng)
    ]
    img = on.copy()
    # a soft shadow under and right of the product
    shadow = np.zeros((SIDE, SIDE), np.uint8)
    shift = np.array([int(0.02 * SIDE * 16), int(0.03 * SIDE * 16)], np.int32)
    cv2.fillPoly(shadow, [p + shift for p in polys], 255, cv2.LINE_AA, shift=4)
    shadow = cv2.GaussianBlur(shadow, (0, 0), 6).astype(np.float32)[..., None] / 255
    img = (img * (1 - 0.35 * shadow)).astype(np.uint8)
    mask = np.zeros((SIDE, SIDE), np.uint8)
    cv2.fillPoly(mask, polys, 255, cv2.LINE_AA, shift=4)
    layer = np.empty_like(img)
    layer[:] = body
    if seed % 3 != 2:
        pw, ph = max(8, int(w * 0.36)), max(8, int(h * 0.3))
        px, py = int(x0 + w * 0.32), int(y0 + h * 0.45)
        layer[py : py + ph, px : px + pw] = _print(rng, pw, ph)
    # light from the top: a fall-off down the product and a highlight near its top left
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    fall = 1.05 - 0.2 * np.clip((yy - y0) / max(h, 1), 0, 1)
    spot = np.exp(-(((xx - x0 - 0.3 * w) ** 2 + (yy - y0 - 0.2 * h) ** 2) / (2 * (0.2 * w) ** 2)))
    lit = layer.astype(np.float32) * fall[..., None] + 25 * spot[..., None]
    alpha = mask.astype(np.float32)[..., None] / 255
    out = img.astype(np.float32) * (1 - alpha) + np.clip(lit, 0, 255) * alpha
    return np.asarray(np.round(out), np.uint8)


def official(seed: int) -> Image:
    """Official photo ``seed``: product ``seed`` on backdrop ``seed``."""
    return product(seed, backdrop(seed))


def same_backdrop(seed: int, k: int) -> Image:
    """Another product on official photo ``seed``'s backdrop."""
    return product(9_000_000 + 17 * seed + k, backdrop(seed))


# ---------------------------------------------------------------------- transformations


def _crop(img: Image, rng: np.random.Generator) -> Image:
    h, w = img.shape[:2]
    kh, kw = int(h * rng.uniform(0.86, 0.94)), int(w * rng.uniform(0.86, 0.94))
    y, x = int(rng.integers(0, h - kh + 1)), int(rng.integers(0, w - kw + 1))
    return np.ascontiguousarray(img[y : y + kh, x : x + kw])


def _border(img: Image, rng: np.random.Generator) -> Image:
    pad = int(img.shape[1] * rng.uniform(0.05, 0.12))
    colour = (255, 255, 255) if rng.random() < 0.5 else _colour(rng)
    return np.asarray(
        cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=colour)
    )


def _jpeg(img: Image, rng: np.random.Generator) -> Image:
    quality = int(rng.integers(30, 51))
    ok, data = cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return np.ascontiguousarray(cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1])


def _turn(img: Image, rng: np.random.Generator) -> Image:
    h, w = img.shape[:2]
    angle = float(rng.choice([-5.0, 5.0]))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return np.asarray(
        cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    )


def _caption(img: Image, rng: np.random.Generator) -> Image:
    out = img.copy()
    h, _w = out.shape[:2]
    bar = int(h * rng.uniform(0.1, 0.14))
    y = 0 if rng.random() < 0.5 else h - bar
    ink, paper = (
        ((0, 0, 0), (255, 255, 255)) if rng.random() < 0.5 else ((255, 255, 255), (200, 0, 0))
    )
    out[y : y + bar] = paper
    cv2.putText(out, "ORIGINAL  -  fast delivery", (6, y + bar * 3 // 4), cv2.FONT_HERSHEY_SIMPLEX,
                bar / 40, ink, max(1, bar // 14), cv2.LINE_AA)  # fmt: skip
    return out


def _levels(img: Image, gain: npt.ArrayLike, offset: float) -> Image:
    out = img.astype(np.float32) * np.asarray(gain, np.float32) + offset
    return np.asarray(np.clip(np.round(out), 0, 255), np.uint8)


def _contrast(img: Image, rng: np.random.Generator) -> Image:
    k = float(rng.choice([0.75, 1.25]))
    return _levels(img, k, (1 - k) * float(img.mean()))


def _white_balance(img: Image, rng: np.random.Generator) -> Image:
    cool = rng.random() < 0.5
    return _levels(img, (0.9, 1.0, 1.1) if cool else (1.1, 1.0, 0.9), 0.0)


TRANSFORMS: dict[str, Callable[[Image, np.random.Generator], Image]] = {
    "crop": _crop,
    "border": _border,
    "jpeg": _jpeg,
    "mirror": lambda img, rng: np.ascontiguousarray(img[:, ::-1]),
    "half_size": lambda img, rng: np.asarray(
        cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_LINEAR)
    ),
    "turn_5": _turn,
    "caption": _caption,
    "brighter": lambda img, rng: _levels(img, 1.15, 20.0),
    "darker": lambda img, rng: _levels(img, 0.75, 0.0),
    "contrast": _contrast,
    "white_balance": _white_balance,
}


def copy(seed: int, transform: str) -> Image:
    """Official photo ``seed`` as a listing copies it, by ``transform``."""
    return TRANSFORMS[transform](
        official(seed), _rng(seed, 3 + sorted(TRANSFORMS).index(transform))
    )
