"""The five-ring symbol in a photo, found by its geometry.

Whole-image hashes do not see a logo on a product, and keypoint matching (ORB, SIFT) finds
few on five plain rings. The rings are instead recognised by what makes them: five circles of
one size, three over two, the top three evenly spaced, the bottom two centred under the gaps
and half a ring lower.

1. The image is reduced to ``SIDE`` pixels and read in three planes: grey (rings of any one
   colour on a contrasting product), saturation (the five colours on white or grey) and the
   darkest channel (coloured rings on a coloured product).
2. Circle candidates come from the Hough transform (``cv2.HoughCircles``) on each plane.
3. Every pair of candidates of about one radius and about 2.2 radii apart is tried as two
   neighbours of the top row; the other three circle positions follow from the pair (the
   pattern's spacing ratios, allowing a small rotation and some perspective); a pattern whose
   five positions all hold a candidate of the same radius is the symbol (score 0.9), four of
   five a weak finding (0.6, review). The box is the pattern's extent in the image's pixels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt

from ringfence.screening.findings import Finding

if TYPE_CHECKING:
    from ringfence.screening.images import DecodedImage

SIDE = 384
SPACING = 2.2  # centre to centre along the top row, in ring radii
DROP = 1.0  # the bottom row's centres lie this many radii lower
TOLERANCE = 0.4  # how far (in radii) a candidate may lie from its predicted place
RADIUS_SPREAD = 0.3  # a candidate's radius within this fraction of the pattern's
MAX_CANDIDATES = 120
STRONG, WEAK = 0.9, 0.6

Circle = tuple[float, float, float]


def _planes(rgb: npt.NDArray[np.uint8]) -> list[npt.NDArray[np.uint8]]:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    # saturation means nothing in the dark (noise there would flood the Hough transform)
    sat = np.where(hsv[:, :, 2] > 70, hsv[:, :, 1], 0).astype(np.uint8)
    darkest = np.min(rgb, axis=2)
    return [grey, sat, np.ascontiguousarray(darkest)]


def circles(rgb: npt.NDArray[np.uint8]) -> list[Circle]:
    """Circle candidates (x, y, r) in the image's own pixels."""

    h, w = rgb.shape[:2]
    f = min(1.0, SIDE / max(h, w))
    small = np.asarray(
        cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA), np.uint8
    )
    side = max(small.shape[:2])
    out: list[Circle] = []
    for plane in _planes(small):
        blurred = cv2.GaussianBlur(plane, (5, 5), 1.2)
        found = cv2.HoughCircles(
            blurred,
            cv2.HOUGH_GRADIENT,
            dp=1,
            minDist=8,
            param1=90,
            param2=16,
            minRadius=5,
            maxRadius=max(6, side // 7),
        )
        if found is not None:
            out.extend((x / f, y / f, r / f) for x, y, r in found[0][: MAX_CANDIDATES // 3])
    return out


def find_patterns(
    found: list[Circle], rgb: npt.NDArray[np.uint8] | None = None
) -> list[tuple[float, tuple[int, int, int, int]]]:
    """(score, box) of each five-ring arrangement among the circles, best first; with
    ``rgb``, each place must also hold a ring stroke (``_stroke``)."""

    results: list[tuple[float, tuple[int, int, int, int]]] = []
    n = len(found)
    table = np.asarray(found, dtype=np.float64).reshape(-1, 3)
    strokes: dict[tuple[int, int, int], bool] = {}

    def stroke(px: float, py: float, r: float) -> bool:
        assert rgb is not None
        key = (round(px / 2), round(py / 2), round(r / 2))
        if key not in strokes:
            strokes[key] = _stroke(rgb, px, py, r)
        return strokes[key]

    if n < 4:
        return []
    # pairs that may be top-row neighbours, found at once: same radius, ~2.2 radii apart
    x, y, rad = table[:, 0], table[:, 1], table[:, 2]
    dx, dy = x[None, :] - x[:, None], y[None, :] - y[:, None]
    mean_r = (rad[:, None] + rad[None, :]) / 2
    dist = np.hypot(dx, dy)
    ok = (
        (dx > 0)
        & (
            np.abs(rad[:, None] - rad[None, :])
            <= RADIUS_SPREAD * np.maximum(rad[:, None], rad[None, :])
        )
        & (dist >= 1.8 * mean_r)
        & (dist <= 2.7 * mean_r)
        & (np.abs(dy) <= 0.35 * dist)
    )
    for i, j in zip(*np.nonzero(ok), strict=True):
        ax, ay = float(x[i]), float(y[i])
        vx, vy = float(dx[i, j]), float(dy[i, j])
        s = float(dist[i, j])
        ux, uy = vx / s, vy / s
        nx, ny = -uy, ux  # "down" for a pattern upright in the image
        r = s / SPACING  # the spacing says the radius better than one circle's edge
        drop = DROP * r
        for first in (0, 1):  # the pair is top 1-2 or top 2-3
            ox, oy = ax - first * vx, ay - first * vy
            places = [(ox + k * vx, oy + k * vy) for k in range(3)] + [
                (ox + (k + 0.5) * vx + drop * nx, oy + (k + 0.5) * vy + drop * ny) for k in range(2)
            ]
            held = [_held(table, px, py, r) for px, py in places]
            if sum(held) < 4:
                continue
            if rgb is not None:
                held = [h and stroke(px, py, r) for h, (px, py) in zip(held, places, strict=True)]
                height, width = rgb.shape[:2]
                if not all(-0.5 * r <= px <= width + 0.5 * r and -0.5 * r <= py <= height + 0.5 * r
                           for px, py in places):  # fmt: skip
                    continue  # a symbol reaching out of the photo is a chance arrangement
            hits = sum(held)
            # four of five may miss one ring (hidden by a fold), but never the top row's middle
            if hits == 4 and rgb is not None:
                (missing,) = (p for p, h in zip(places, held, strict=True) if not h)
                if not (
                    _stroke(rgb, missing[0], missing[1], r, share=0.4)
                    or _blank(rgb, missing[0], missing[1], r)
                ):
                    continue  # neither part of a ring nor a ring of the product's colour
            if hits == 5 or (hits == 4 and held[1]):
                xs = [p[0] for p in places]
                ys = [p[1] for p in places]
                box = (
                    round(min(xs) - r),
                    round(min(ys) - r),
                    round(max(xs) + r),
                    round(max(ys) + r),
                )
                results.append((STRONG if hits == 5 else WEAK, box))
    results.sort(key=lambda t: -t[0])
    return _distinct(results)


def _held(table: npt.NDArray[np.float64], px: float, py: float, r: float) -> bool:

    near = (np.abs(table[:, 2] - r) <= RADIUS_SPREAD * r) & (
        np.hypot(table[:, 0] - px, table[:, 1] - py) <= TOLERANCE * r
    )
    return bool(near.any())


_ANGLES = 48


def _blank(rgb: npt.NDArray[np.uint8], cx: float, cy: float, r: float) -> bool:
    """Nothing but one colour around (cx, cy): where a ring printed in the product's own colour
    would be (a green ring on a green shirt)."""
    h, w = rgb.shape[:2]
    angles = np.linspace(0, 2 * np.pi, _ANGLES, endpoint=False)
    radii = np.array([0.5, 0.8, 1.0, 1.2]) * r
    xs = np.clip(np.round(cx + np.outer(radii, np.cos(angles))).astype(int), 0, w - 1)
    ys = np.clip(np.round(cy + np.outer(radii, np.sin(angles))).astype(int), 0, h - 1)
    samples = np.asarray(rgb[ys, xs], np.int16).reshape(-1, 3)
    spread = np.abs(samples - np.median(samples, axis=0)).sum(axis=1)
    return bool((spread < 40).mean() >= 0.9)


def _stroke(rgb: npt.NDArray[np.uint8], cx: float, cy: float, r: float, share: float = 0.6) -> bool:
    """A ring's stroke around (cx, cy): at some radius near ``r`` the pixels all round are
    of one colour (but where other rings cross), and the middle is not of that colour (a
    disc, a coin, a wheel is not a ring)."""

    h, w = rgb.shape[:2]
    angles = np.linspace(0, 2 * np.pi, _ANGLES, endpoint=False)
    cos, sin = np.cos(angles), np.sin(angles)

    def ring(radius: float) -> npt.NDArray[np.int16]:
        xs = np.clip(np.round(cx + radius * cos).astype(int), 0, w - 1)
        ys = np.clip(np.round(cy + radius * sin).astype(int), 0, h - 1)
        return np.asarray(rgb[ys, xs], np.int16)

    inside = ring(0.45 * r)
    for radius in np.linspace(0.75 * r, 1.2 * r, 8):
        samples = ring(radius)
        colour = np.median(samples, axis=0)
        same = np.abs(samples - colour).sum(axis=1) < 60
        if same.mean() >= share and (np.abs(inside - colour).sum(axis=1) < 60).mean() <= 0.4:
            return True
    return False


def _distinct(
    results: list[tuple[float, tuple[int, int, int, int]]],
) -> list[tuple[float, tuple[int, int, int, int]]]:
    """One result per place: drop a box whose centre lies inside a better one."""
    out: list[tuple[float, tuple[int, int, int, int]]] = []
    for score, box in results:
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for _, b in out):
            out.append((score, box))
    return out


class RingSymbol:
    """Detector: the five-ring symbol drawn in a listing image."""

    name = "ring_symbol"
    inputs = ("image_paths",)

    def __init__(self, mark: str | None) -> None:
        self.mark = mark

    def detect(self, image: DecodedImage, ref: str) -> list[Finding]:
        h, w = image.rgb.shape[:2]
        sx, sy = image.width / w, image.height / h  # boxes in the file's own pixels
        out = []
        for score, (x0, y0, x1, y1) in find_patterns(circles(image.rgb), image.rgb)[:3]:
            box = (
                max(0, round(x0 * sx)),
                max(0, round(y0 * sy)),
                min(image.width, round(x1 * sx)),
                min(image.height, round(y1 * sy)),
            )
            out.append(
                Finding.in_image(
                    self.name,
                    "rings:five" if score == STRONG else "rings:four_of_five",
                    score,
                    ref,
                    mark=self.mark,
                    weak=score < STRONG,
                    box=box,
                )
            )
        return out
