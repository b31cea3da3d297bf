"""The second stage of official image reuse: local features, geometric and dense verification.

PDQ (``image_reuse.py``) finds near-duplicates fast but misses crops and new backgrounds, and
photos of other products shot in one studio template come within its threshold. So each
official photo also keeps a *feature record* (``PhotoFeatures``, ``pack``/``unpack``, about
13 KiB): ORB keypoints and descriptors of the photo at ``FEATURE_SIDE`` pixels, a
``THUMB``-pixel colour thumbnail and the mask of its subject (when its background is plain).

A listing image is compared with a candidate official photo (a PDQ match, or a photo its
descriptors voted for in ``FeatureIndex``) in three steps, each of which must hold:

1. **geometry**: its descriptors (and its mirror image's) are matched to the photo's (Lowe's
   ratio test) and a similarity transform (rotation, scale, shift) is fitted with RANSAC;
   at least ``MIN_INLIERS`` matches must agree, at a scale within ``SCALES``;
2. **colour**: the listing image, aligned onto the thumbnail, must agree in colour (within one
   pixel of misalignment) over at least ``MIN_COLOUR`` of the photo's subject that it covers,
   and cover at least ``MIN_COVER`` of it. Only the subject counts, so a new background
   colour does not matter; a caption bar costs only what it hides. Over the inside of the
   subject's *details* (pixels far from its main colour: the print, a logo) the agreement
   must reach ``MIN_DETAIL`` and the grey levels must correlate (``MIN_DETAIL_CORRELATION``),
   so a product of the same colour and cut with another print fails. Background that the
   subject encloses (a mug's handle) is not subject;
3. **texture and outline**: in the thumbnail's textured cells (the print, the details) the
   aligned listing must correlate (``MIN_TEXTURE`` of the cells), so a product of the same
   colour and cut with another print fails; and when the photo has a plain background, the
   listing must have an edge along ``MIN_OUTLINE`` of its subject's outline, so the same print
   on another product fails (a new background colour keeps the edge).

The score of a confirmed match is the colour agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt

from ringfence.registry import feature_record
from ringfence.registry.feature_record import FEATURE_SIDE, HEADER, MAGIC, THUMB

if TYPE_CHECKING:
    from ringfence.screening.detectors.photo_shape import Subject

BANK_KEYPOINTS = 300
QUERY_KEYPOINTS = 600
CELL = 12
RATIO = 0.8
MAX_MATCH_BITS = 64
MIN_INLIERS = 10
RANSAC_PIXELS = 3.0
RANSAC_SEED = 20_261_125
SCALES = (0.3, 3.5)
MIN_COVER = 0.5
COLOUR_TOLERANCE = 45  # sum of the three channels' absolute differences
MIN_COLOUR = 0.7
DETAIL_CONTRAST = 60
MIN_DETAIL_PIXELS = 40
MIN_DETAIL = 0.8
MIN_DETAIL_CORRELATION = 0.5
TEXTURED = 12.0  # grey standard deviation of a cell with texture
CELL_CORRELATION = 0.5
MIN_TEXTURE = 0.7
MIN_OUTLINE = 0.7
MIN_OUTLINE_PIXELS = 20
EDGE_STRENGTH = 60  # Sobel, the strongest channel: a step of about 15 levels
# FeatureIndex: 8 chunks of 32 bits per 256-bit descriptor; a bucket fuller than MAX_BUCKET is
# a "stop word" (flat, common patches) and ignored
INDEX_CHUNKS = 8
MAX_BUCKET = 64
VOTE_BITS = 48
MIN_VOTES = 3
MAX_CANDIDATES = 8

# the subject (``subject_mask``): the border band the backdrop is fitted to, how far from the
# fitted surface a border pixel may lie (sum of channels) and how much of the border must, how
# far from it a pixel is subject; GrabCut's rounds; a subject's plausible share
BORDER_SHARE = 0.03
SMOOTH_TOLERANCE = 12.0
SMOOTH_BORDER = 0.5
SUBJECT_CONTRAST = 40.0
BORDER_COLOUR = 0.002  # share of the border (in a widened bin) that makes a colour common
GRABCUT_ROUNDS = 3
SEGMENT_SIDE = 128  # the subject is found on the photo scaled to this longer side
SUBJECT_SHARE = (0.03, 0.92)
KEYPOINT_MARGIN = 9  # pixels at FEATURE_SIDE around the subject where bank keypoints may lie
# photometric normalisation (``_photometric``): the per-channel gains and common offset a
# copy's colours may have been changed by (brightness, contrast, white balance), how unequal
# the gains may be (white balance), and the share of the unsaturated backdrop that must agree
# unchanged for the backdrop to pin the colours (another product on the same backdrop)
GAINS = (0.5, 2.0)
WHITE_BALANCE = 1.3
OFFSET = 128.0
SATURATED = (8, 247)
SAME_BACKDROP = 0.7
BACKDROP_TOLERANCE = 24
MIN_BACKDROP_PIXELS = 150
LIGHTING_PULL = 0.02
LIGHTING_RESIDUAL = 20.0  # median, sum of channels: a copy's colours fit closely

_POINT_SCALE = 64  # points are stored as uint16 in 1/64 pixel


def foreground(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_] | None:
    """Where the photo's subject is (True), when the photo has a plain studio background (its
    border is one colour): the background flooded from the corners and border middles. None
    when the background is not plain or the subject is tiny."""

    h, w = rgb.shape[:2]
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.int16)
    colour = np.median(border, axis=0)
    if np.mean(np.abs(border - colour).sum(axis=1) < 45) < 0.6:
        return None
    mask = np.zeros((h + 2, w + 2), np.uint8)
    flooded = rgb.copy()
    seeds = [(x, y) for x in (0, w - 1) for y in (0, h - 1)] + [(w // 2, 0), (w // 2, h - 1)]
    for x, y in seeds:
        if mask[y + 1, x + 1] == 0 and np.abs(rgb[y, x].astype(np.int16) - colour).sum() < 45:
            cv2.floodFill(
                flooded,
                mask,
                (x, y),
                (128, 128, 128),
                (14, 14, 14),
                (14, 14, 14),
                4 | cv2.FLOODFILL_FIXED_RANGE | (255 << 8),
            )
    fg = mask[1:-1, 1:-1] == 0
    return None if fg.mean() < 0.05 else fg


def _border(h: int, w: int) -> npt.NDArray[np.bool_]:
    band = max(2, round(min(h, w) * BORDER_SHARE))
    edge = np.zeros((h, w), bool)
    edge[:band], edge[-band:], edge[:, :band], edge[:, -band:] = True, True, True, True
    return edge


def _backdrop_model(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32] | None:
    """The photo's backdrop as a smooth surface (a quadratic in x and y per channel) fitted
    to its border, robustly (the subject may touch the border); None when the border is not
    smooth (a photographic backdrop)."""
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    xx, yy = xx / w - 0.5, yy / h - 0.5
    basis = np.stack([np.ones_like(xx), xx, yy, xx * xx, xx * yy, yy * yy], axis=-1)
    edge = _border(h, w)
    a, b = basis[edge], rgb[edge].astype(np.float32)
    keep = np.ones(len(a), bool)
    for _ in range(2):  # fit, drop the border pixels far from the fit, fit again
        coef = np.linalg.lstsq(a[keep], b[keep], rcond=None)[0]
        residual = np.abs(a @ coef - b).sum(axis=1)
        keep = residual < 2 * float(np.median(residual)) + SMOOTH_TOLERANCE
    if (residual < 2 * SMOOTH_TOLERANCE).mean() < SMOOTH_BORDER:
        return None
    return np.asarray(basis @ coef, np.float32)


def _border_colours(
    rgb: npt.NDArray[np.uint8], edge: npt.NDArray[np.bool_], common: float = BORDER_COLOUR
) -> npt.NDArray[np.bool_]:
    """Pixels whose colour is common on the border (a histogram of the border's colours, 16
    levels a channel, widened by one bin each way, back-projected)."""
    bins = (rgb // 16).astype(np.int32)
    codes = (bins[..., 0] * 16 + bins[..., 1]) * 16 + bins[..., 2]
    hist = np.bincount(codes[edge], minlength=4096).reshape(16, 16, 16).astype(np.float32)
    hist /= max(1.0, float(edge.sum()))
    for axis in range(3):  # widen by one bin each way, axis by axis
        padded = np.pad(hist, [(1, 1) if a == axis else (0, 0) for a in range(3)])
        hist = np.sum([np.take(padded, range(k, k + 16), axis=axis) for k in range(3)], axis=0)
    return np.asarray(hist.ravel()[codes] >= common, bool)


def subject_mask(
    rgb: npt.NDArray[np.uint8], side: int = SEGMENT_SIDE
) -> npt.NDArray[np.bool_] | None:
    """Where the photo's subject is (True), or None when no subject of a plausible size
    stands out. GrabCut, started from a guess: the border band is backdrop; pixels near the
    backdrop's smooth surface (``_backdrop_model``, a flat or gradient backdrop) or of a
    colour common on the border are probably backdrop; the rest probably subject."""
    full = rgb.shape[:2]
    rgb = _scaled(rgb, side) if max(full) > side else rgb
    h, w = rgb.shape[:2]
    edge = _border(h, w)
    model = _backdrop_model(rgb)
    if model is not None:
        likely = np.abs(rgb.astype(np.float32) - model).sum(axis=2) <= SUBJECT_CONTRAST
    else:
        likely = _border_colours(rgb, edge)
    if likely.all() or not (likely & edge).any():
        return None
    state = np.where(likely, cv2.GC_PR_BGD, cv2.GC_PR_FGD).astype(np.uint8)
    state[edge & likely] = cv2.GC_BGD
    cv2.setRNGSeed(RANSAC_SEED)  # GrabCut's k-means starts from the RNG: same answer
    models = (np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64))
    try:
        cv2.grabCut(
            np.ascontiguousarray(rgb[..., ::-1]),
            state,
            (0, 0, 0, 0),  # unused: started from the mask
            *models,
            GRABCUT_ROUNDS,
            cv2.GC_INIT_WITH_MASK,
        )
    except cv2.error:  # too few samples of one side for its colour model
        return None
    fg = ((state == cv2.GC_FGD) | (state == cv2.GC_PR_FGD)).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    if fg.shape != full:
        fg = cv2.resize(fg, (full[1], full[0]), interpolation=cv2.INTER_NEAREST)
    share = float(fg.mean())
    return fg.astype(bool) if SUBJECT_SHARE[0] <= share <= SUBJECT_SHARE[1] else None


def _orb(features: int) -> cv2.ORB:
    return cv2.ORB_create(  # type: ignore[attr-defined, no-any-return]
        nfeatures=features, fastThreshold=10, edgeThreshold=15, patchSize=15
    )


def _scaled(rgb: npt.NDArray[np.uint8], side: int) -> npt.NDArray[np.uint8]:
    h, w = rgb.shape[:2]
    f = side / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    interpolation = cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR
    return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=interpolation), np.uint8)


def _keypoints(
    rgb: npt.NDArray[np.uint8], features: int, mask: npt.NDArray[np.uint8] | None = None
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.uint8]]:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    keypoints, descriptors = _orb(features).detectAndCompute(grey, mask)
    if descriptors is None:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2)
    return points, np.asarray(descriptors, np.uint8)


@dataclass(frozen=True, eq=False)
class PhotoFeatures:
    """What the second stage keeps of an official photo (module docstring)."""

    points: npt.NDArray[np.float32]  # (n, 2), pixels of the photo at FEATURE_SIDE
    descriptors: npt.NDArray[np.uint8]  # (n, 32) ORB
    height: int  # of the photo at FEATURE_SIDE
    width: int
    thumb: npt.NDArray[np.uint8]  # (THUMB, THUMB, 3) RGB, the whole photo squeezed
    mask: npt.NDArray[np.bool_]  # (THUMB, THUMB): the subject; all True without a plain bg
    plain: bool  # the photo has a plain background (``mask`` is its subject's outline)

    # derived once per photo, not per listing image it is compared with

    @cached_property
    def subject(self) -> npt.NDArray[np.bool_]:
        """The subject without the background it encloses (a mug's handle, the strip under a
        product that stands on the frame), which a copy may have recoloured."""
        if not self.plain or self.mask.all():
            return self.mask
        ref = self.thumb.astype(np.int16)
        backdrop = np.median(ref[~self.mask], axis=0)
        enclosed = np.abs(ref - backdrop).sum(axis=2) < COLOUR_TOLERANCE
        subject = self.mask & ~enclosed
        return subject if subject.any() else self.mask

    @cached_property
    def details(self) -> npt.NDArray[np.bool_]:
        """The inside of the subject's details (the print, a logo): pixels away from its main
        colour, off its outline (there the thumbnail blends in the background, which a copy
        may have changed) and off the details' own edges (a print's border matches whatever
        is printed)."""
        main = np.median(self.thumb[self.subject], axis=0)
        core = cv2.erode(self.subject.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        far = np.abs(self.thumb.astype(np.int16) - main).sum(axis=2) > DETAIL_CONTRAST
        inside = cv2.erode((core & far).astype(np.uint8), np.ones((3, 3), np.uint8))
        return np.asarray(inside, bool)

    @cached_property
    def shape_mask(self) -> npt.NDArray[np.bool_] | None:
        """The subject as a listing's is found, for plain studio shots (``photo_shape``)."""
        from ringfence.screening.detectors.photo_shape import photo_mask  # noqa: PLC0415

        return photo_mask(self)

    @cached_property
    def smooth_grey(self) -> npt.NDArray[np.float32]:
        """The thumbnail in grey, lightly blurred, for the texture check."""
        grey = cv2.GaussianBlur(cv2.cvtColor(self.thumb, cv2.COLOR_RGB2GRAY), (3, 3), 0)
        return np.asarray(grey, np.float32)


def _resized_mask(mask: npt.NDArray[np.bool_], shape: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    small = cv2.resize(mask.astype(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    return np.asarray(small, bool)


def _mask_thumb(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    small = cv2.resize(mask.astype(np.uint8), (THUMB, THUMB), interpolation=cv2.INTER_NEAREST)
    return np.asarray(small, bool)


def photo_features(rgb: npt.NDArray[np.uint8]) -> PhotoFeatures:
    """The feature record of an official photo."""
    small = _scaled(rgb, FEATURE_SIDE)
    fg = subject_mask(small)
    if fg is None:  # GrabCut found no subject of a plausible size: the cheap way may
        from ringfence.screening.detectors.photo_shape import quick_subject  # noqa: PLC0415

        quick = quick_subject(_scaled(small, THUMB))
        fg = None if quick is None else _resized_mask(quick, small.shape[:2])
    near = None
    if fg is not None:  # keypoints on and around the subject only: never on the backdrop
        kernel = np.ones((2 * KEYPOINT_MARGIN + 1,) * 2, np.uint8)
        near = np.asarray(cv2.dilate(fg.astype(np.uint8), kernel), np.uint8) * 255
    points, descriptors = _keypoints(small, BANK_KEYPOINTS, near)
    h, w = small.shape[:2]
    mask = np.ones((THUMB, THUMB), bool) if fg is None else _mask_thumb(fg)
    thumb = np.asarray(cv2.resize(small, (THUMB, THUMB), interpolation=cv2.INTER_AREA), np.uint8)
    return PhotoFeatures(points, descriptors, h, w, thumb, mask, fg is not None)


def pack(features: PhotoFeatures) -> bytes:
    """The record as bytes: a header, the points, the descriptors, the mask's bits and the
    thumbnail as a PNG (lossless: the details check compares fine prints pixel by pixel)."""
    n = len(features.points)
    points = np.round(features.points * _POINT_SCALE).clip(0, 65_535).astype("<u2")
    ok, png = cv2.imencode(".png", cv2.cvtColor(features.thumb, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise ValueError("thumbnail not encodable")
    return b"".join(
        (
            HEADER.pack(MAGIC, n, features.height, features.width, int(features.plain)),
            points.tobytes(),
            features.descriptors.tobytes(),
            np.packbits(features.mask).tobytes(),
            png.tobytes(),
        )
    )


def unpack(data: bytes) -> PhotoFeatures:
    """The record from ``pack``'s bytes; ValueError naming what is wrong with them."""
    if (problem := feature_record.problem(data)) is not None:
        raise ValueError(problem)
    _magic, n, height, width, plain = HEADER.unpack_from(data)
    at = HEADER.size
    sizes = feature_record.sections(n)
    points = np.frombuffer(data, "<u2", n * 2, at).reshape(n, 2).astype(np.float32)
    at += sizes[0]
    descriptors = np.frombuffer(data, np.uint8, n * 32, at).reshape(n, 32).copy()
    at += sizes[1]
    mask = np.unpackbits(np.frombuffer(data, np.uint8, sizes[2], at)).astype(bool)
    at += sizes[2]
    thumb = cv2.imdecode(np.frombuffer(data, np.uint8, len(data) - at, at), cv2.IMREAD_COLOR)
    if thumb is None or thumb.shape != (THUMB, THUMB, 3):
        raise ValueError("feature record thumbnail unreadable")
    return PhotoFeatures(
        (points / _POINT_SCALE).astype(np.float32),
        descriptors,
        height,
        width,
        np.asarray(cv2.cvtColor(thumb, cv2.COLOR_BGR2RGB), np.uint8),
        mask.reshape(THUMB, THUMB),
        bool(plain),
    )


# ---------------------------------------------------------------------- the listing side


@dataclass(frozen=True, eq=False)
class ListingFeatures:
    """A listing image at FEATURE_SIDE and its keypoints as it is and mirrored (points of the
    mirrored image in its own pixels)."""

    image: npt.NDArray[np.uint8]
    views: tuple[tuple[npt.NDArray[np.float32], npt.NDArray[np.uint8]], ...]
    scale: float  # FEATURE_SIDE pixels per pixel of the image it was made from

    @property
    def descriptors(self) -> npt.NDArray[np.uint8]:
        return np.concatenate([d for _, d in self.views])

    @cached_property
    def subject(self) -> Subject | None:
        """The listing's subject, for matching plain studio shots (``photo_shape``)."""
        from ringfence.screening.detectors.photo_shape import listing_subject  # noqa: PLC0415

        return listing_subject(self.image)


def listing_features(rgb: npt.NDArray[np.uint8]) -> ListingFeatures:
    small = _scaled(rgb, FEATURE_SIDE)
    views = (_keypoints(small, QUERY_KEYPOINTS), _keypoints(small[:, ::-1], QUERY_KEYPOINTS))
    return ListingFeatures(small, views, small.shape[1] / rgb.shape[1])


@dataclass(frozen=True)
class Verified:
    """A confirmed match: its score (colour agreement), the RANSAC inliers, and the official
    photo's place in the listing image (x0, y0, x1, y1, in the listing's pixels)."""

    score: float
    inliers: int
    box: tuple[int, int, int, int]


_SHIFTS = [(dy, dx) for dy in (0, 1, 2) for dx in (0, 1, 2)]


def verify(listing: ListingFeatures, photo: PhotoFeatures) -> Verified | None:
    """The listing image confirmed as (a copy of) the official photo, or None (module
    docstring: geometry, colour, details, texture and outline)."""
    best: Verified | None = None
    for mirrored, (points, descriptors) in enumerate(listing.views):
        if len(descriptors) < MIN_INLIERS or len(photo.descriptors) < MIN_INLIERS:
            continue
        matcher = cv2.BFMatcher(cv2.NORM_HAMMING)  # one a call: safe across threads
        pairs = matcher.knnMatch(descriptors, photo.descriptors, k=2)
        good = [
            m[0]
            for m in pairs
            if len(m) == 2 and m[0].distance < RATIO * m[1].distance
            if m[0].distance < MAX_MATCH_BITS
        ]
        if len(good) < MIN_INLIERS:
            continue
        src = points[[g.queryIdx for g in good]]
        dst = photo.points[[g.trainIdx for g in good]]
        cv2.setRNGSeed(RANSAC_SEED)  # the same answer for the same images (RNG per thread)
        estimate, inliers = cv2.estimateAffinePartial2D(
            src, dst, ransacReprojThreshold=RANSAC_PIXELS, maxIters=1000
        )
        if estimate is None or int(inliers.sum()) < MIN_INLIERS:
            continue
        fit = np.asarray(estimate, np.float64)
        scale = float(np.sqrt(abs(np.linalg.det(fit[:, :2]))))
        if not SCALES[0] <= scale <= SCALES[1]:
            continue
        view = listing.image[:, ::-1] if mirrored else listing.image
        score = _dense(view, fit, photo)
        if score is not None and (best is None or score > best.score):
            best = Verified(
                round(score, 4),
                int(inliers.sum()),
                _box(fit, photo, listing, bool(mirrored)),
            )
    if best is None:  # a plain studio shot: by its subject's shape (``photo_shape``)
        from ringfence.screening.detectors.photo_shape import verify_shape  # noqa: PLC0415

        return verify_shape(listing, photo)
    return best


def _dense(
    view: npt.NDArray[np.uint8],
    fit: npt.NDArray[np.float64],
    photo: PhotoFeatures,
    min_colour: float = MIN_COLOUR,
) -> float | None:
    """Colour agreement of the aligned listing over the photo's subject, or None when the
    cover, the details, the texture or the outline check fails."""
    to_thumb = np.diag([THUMB / photo.width, THUMB / photo.height, 1.0]) @ np.vstack(
        [fit, [0.0, 0.0, 1.0]]
    )
    # shrink the listing to about the thumbnail's scale first (warpAffine does not average
    # pixels when it shrinks: fine prints would alias), then warp what is left
    shrink = min(1.0, float(np.sqrt(abs(np.linalg.det(to_thumb[:2, :2])))))
    if shrink < 1.0:
        view = np.asarray(
            cv2.resize(view, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA), np.uint8
        )
        to_thumb = to_thumb @ np.diag([1 / shrink, 1 / shrink, 1.0])
    warp = to_thumb[:2]
    size = (THUMB, THUMB)
    aligned = np.asarray(
        cv2.warpAffine(np.ascontiguousarray(view), warp, size, flags=cv2.INTER_LINEAR), np.uint8
    )
    ones = np.full(view.shape[:2], 255, np.uint8)
    cover = cv2.warpAffine(ones, warp, size, flags=cv2.INTER_NEAREST) > 0
    cover = cv2.erode(cover.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    subject = photo.subject
    region = subject & cover
    if region.sum() < MIN_COVER * subject.sum():
        return None
    details = photo.details & region
    checked = details.sum() >= MIN_DETAIL_PIXELS
    # colour as it is; when that fails, in the photo's lighting (``_photometric``)
    agree = _agreeing(aligned.astype(np.int16), photo)
    colour = float(agree[region].mean())
    if colour < min_colour or (checked and agree[details].mean() < MIN_DETAIL):
        agree = _agreeing(_photometric(aligned, photo, region, cover), photo)
        colour = float(agree[region].mean())
    if colour < min_colour:
        return None
    if checked and (
        agree[details].mean() < MIN_DETAIL
        or _correlation(aligned, photo.thumb, details) < MIN_DETAIL_CORRELATION
    ):
        return None
    if _texture(aligned, photo, region) < MIN_TEXTURE:
        return None
    if photo.plain and _outline(aligned, photo, cover) < MIN_OUTLINE:
        return None
    return colour


def _agreeing(colours: npt.NDArray[np.int16], photo: PhotoFeatures) -> npt.NDArray[np.bool_]:
    """Where the aligned listing's colours agree with the thumbnail's, forgiving one pixel of
    misalignment."""
    padded = np.pad(colours, ((1, 1), (1, 1), (0, 0)), mode="edge")
    ref = photo.thumb.astype(np.int16)
    diff = np.full((THUMB, THUMB), 1_000, np.int16)
    for dy, dx in _SHIFTS:
        diff = np.minimum(diff, np.abs(padded[dy : dy + THUMB, dx : dx + THUMB] - ref).sum(axis=2))
    return np.asarray(diff < COLOUR_TOLERANCE, bool)


def _photometric(
    aligned: npt.NDArray[np.uint8],
    photo: PhotoFeatures,
    region: npt.NDArray[np.bool_],
    cover: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int16]:
    """The aligned listing's colours brought to the photo's lighting, when a change of
    lighting (brightness, contrast, white balance) explains them; as they are otherwise.

    The change is a gain per channel and one offset (``ref = gain_c * listing_c + offset``),
    fitted over the subject by least squares, pulled gently towards no change, fitted again
    without the pixels it explains worst (a caption bar, misalignment), and held to
    ``GAINS``, ``WHITE_BALANCE``, ``OFFSET`` and a close fit (``LIGHTING_RESIDUAL``). The
    photo's backdrop, where the listing shows it, is the witness: the fit is believed only
    when the backdrop agrees under it too (``SAME_BACKDROP`` of it within
    ``BACKDROP_TOLERANCE``). Another product on the same backdrop needs a fit that the
    unchanged backdrop refutes; on a new backdrop a change of lighting is not believed as
    well (one product of one colour alone would let a fit turn it into another). Clipped
    pixels (0 or 255) agree when the other side is as far out."""
    identity = aligned.astype(np.int16)
    ref = photo.thumb.astype(np.float32)
    got = aligned.astype(np.float32)
    backdrop = None
    if photo.plain:
        around = cv2.dilate(photo.mask.astype(np.uint8), np.ones((5, 5), np.uint8)) == 0
        if (around & cover).sum() >= MIN_BACKDROP_PIXELS:
            backdrop = around & cover
    lo, hi = SATURATED
    unclipped = (ref > lo) & (ref < hi) & (got > lo) & (got < hi)  # (h, w, 3)
    if unclipped[region].any(axis=1).sum() < MIN_DETAIL_PIXELS:
        return identity
    x, y, valid = got[region], ref[region], unclipped[region]  # (n, 3) each
    keep = valid.any(axis=1)
    for _ in range(2):
        gains, offset = _fit_lighting(x[keep], y[keep], valid[keep])
        residual = (np.abs(x * gains + offset - y) * valid).sum(axis=1)
        keep &= residual <= 2 * float(np.median(residual[keep])) + COLOUR_TOLERANCE / 3
    if not (
        float(np.median(residual[valid.any(axis=1)])) <= LIGHTING_RESIDUAL
        and GAINS[0] <= gains.min()
        and gains.max() <= GAINS[1]
        and gains.max() <= WHITE_BALANCE * gains.min()
        and abs(offset) <= OFFSET
    ):
        return identity
    mapped = got * gains.astype(np.float32) + np.float32(offset)
    if backdrop is not None and _agreement(mapped, aligned, ref, backdrop) < SAME_BACKDROP:
        return identity  # the backdrop, unchanged or new, does not confirm the fit
    return np.asarray(np.round(_unclipped(mapped, aligned, ref)), np.int16)


def _unclipped(
    mapped: npt.NDArray[np.float32], aligned: npt.NDArray[np.uint8], ref: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """``mapped`` (the listing in the photo's lighting) where clipping hides nothing, the
    photo's own value where it does: a value past 255 (or 0) agrees with a clipped photo
    pixel, and a clipped listing pixel says only "at least" (or "at most") this bright."""
    lo, hi = SATURATED
    slack = COLOUR_TOLERANCE / 3
    out = np.clip(mapped, 0, 255)
    out = np.where((aligned >= hi) & (ref >= out - slack), ref, out)
    return np.where((aligned <= lo) & (ref <= out + slack), ref, out)


def _agreement(
    mapped: npt.NDArray[np.float32],
    aligned: npt.NDArray[np.uint8],
    ref: npt.NDArray[np.float32],
    where: npt.NDArray[np.bool_],
) -> float:
    """Share of ``where`` where the listing's colours (``mapped``) agree closely with the
    photo's (``BACKDROP_TOLERANCE``: a backdrop is smooth and easy to align)."""
    out = _unclipped(mapped, aligned, ref)
    diff = np.abs(out - ref).sum(axis=2)
    h, w = diff.shape
    padded = np.pad(out, ((1, 1), (1, 1), (0, 0)), mode="edge")
    for dy, dx in _SHIFTS:  # forgiving one pixel of misalignment, as the subject's check
        diff = np.minimum(diff, np.abs(padded[dy : dy + h, dx : dx + w] - ref).sum(axis=2))
    return float((diff[where] < BACKDROP_TOLERANCE).mean())


def _fit_lighting(
    x: npt.NDArray[np.float32], y: npt.NDArray[np.float32], valid: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], float]:
    """Least squares ``y_c = gain_c * x_c + offset`` over the ``valid`` (pixel, channel)
    values, with a gentle pull of the gains towards 1 (``_photometric``)."""
    w = valid.astype(np.float64)
    x64, y64 = x.astype(np.float64) * w, y.astype(np.float64) * w
    n = w.sum(axis=0)
    xs, xx = x64.sum(axis=0), (x64 * x64).sum(axis=0)
    normal = np.zeros((4, 4))
    normal[[0, 1, 2], [0, 1, 2]] = xx
    normal[3, :3] = normal[:3, 3] = xs
    normal[3, 3] = n.sum()
    rhs = np.append((x64 * y64).sum(axis=0), y64.sum())
    # the pull is measured against what the data says about each gain (its spread), so a
    # product of many colours is fitted freely and one of a single colour stays near 1
    spread = xx - xs * xs / np.maximum(n, 1)
    pull = LIGHTING_PULL * np.append(spread, 0.0) + 1e-6
    solution = np.linalg.solve(normal + np.diag(pull), rhs + pull * np.array([1, 1, 1, 0]))
    gains, seen = solution[:3], n >= MIN_DETAIL_PIXELS
    if seen.any() and not seen.all():  # a channel clipped throughout: as the others
        gains = np.where(seen, gains, float(np.median(gains[seen])))
    return gains, float(solution[3])


def _correlation(
    a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8], where: npt.NDArray[np.bool_]
) -> float:
    """Zero-mean normalised correlation of two images' grey levels over ``where``."""
    x = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)[where].astype(np.float32)
    y = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)[where].astype(np.float32)
    x, y = x - x.mean(), y - y.mean()
    denominator = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum()) / denominator if denominator > 0 else 1.0


def _outline(
    aligned: npt.NDArray[np.uint8], photo: PhotoFeatures, cover: npt.NDArray[np.bool_]
) -> float:
    """Share of the photo's subject outline (where the listing covers it) along which the
    aligned listing has an edge too, within a pixel (1.0 when too little outline is covered).
    Another background colour keeps the edge; another product's outline does not."""
    inside = photo.mask.astype(np.uint8)
    outline = (inside - cv2.erode(inside, np.ones((3, 3), np.uint8))).astype(bool) & cover
    if outline.sum() < MIN_OUTLINE_PIXELS:
        return 1.0
    smooth = cv2.GaussianBlur(aligned, (3, 3), 0)
    gx = np.abs(cv2.Sobel(smooth, cv2.CV_16S, 1, 0)).max(axis=2)
    gy = np.abs(cv2.Sobel(smooth, cv2.CV_16S, 0, 1)).max(axis=2)
    edges = ((gx + gy) >= EDGE_STRENGTH).astype(np.uint8)
    near = cv2.dilate(edges, np.ones((3, 3), np.uint8)).astype(bool)
    return float(near[outline].mean())


def _texture(
    aligned: npt.NDArray[np.uint8], photo: PhotoFeatures, region: npt.NDArray[np.bool_]
) -> float:
    """Share of the photo's textured cells where the aligned listing correlates with it (1.0
    when the photo has no texture to check)."""
    a = cv2.GaussianBlur(cv2.cvtColor(aligned, cv2.COLOR_RGB2GRAY), (3, 3), 0).astype(np.float32)
    b = photo.smooth_grey
    textured = agree = 0
    for y in range(0, THUMB, CELL):
        for x in range(0, THUMB, CELL):
            inside = region[y : y + CELL, x : x + CELL]
            if inside.sum() < CELL * CELL // 2:
                continue
            ref = b[y : y + CELL, x : x + CELL][inside]
            if ref.std() < TEXTURED:
                continue
            textured += 1
            got = a[y : y + CELL, x : x + CELL][inside]
            got, ref = got - got.mean(), ref - ref.mean()
            denominator = float(np.sqrt((got * got).sum() * (ref * ref).sum()))
            agree += denominator > 0 and abs(float((got * ref).sum())) / denominator >= (
                CELL_CORRELATION
            )
    return 1.0 if textured == 0 else agree / textured


def _box(
    fit: npt.NDArray[np.float64], photo: PhotoFeatures, listing: ListingFeatures, mirrored: bool
) -> tuple[int, int, int, int]:
    """The official photo's frame, mapped into the listing image and clipped to it."""
    inverse = cv2.invertAffineTransform(fit)
    corners = np.array([[0, 0], [photo.width, 0], [0, photo.height], [photo.width, photo.height]])
    mapped = corners @ inverse[:, :2].T + inverse[:, 2]
    h, w = listing.image.shape[:2]
    if mirrored:
        mapped[:, 0] = w - mapped[:, 0]
    x0, y0 = np.clip(mapped.min(axis=0), 0, (w, h)) / listing.scale
    x1, y1 = np.clip(mapped.max(axis=0), 0, (w, h)) / listing.scale
    return round(x0), round(y0), round(x1), round(y1)


# ---------------------------------------------------------------------- candidates


class FeatureIndex:
    """The official photos a listing image's descriptors vote for: each bank descriptor is
    filed under each of its eight 32-bit chunks; a listing descriptor votes for the photo of
    the nearest bank descriptor that shares a chunk with it and lies within VOTE_BITS.
    Descriptors of a copy share a whole chunk often enough to gather votes; chance matches
    rarely do."""

    def __init__(self, descriptors: npt.NDArray[np.uint8], owners: npt.NDArray[np.int32]) -> None:
        """``descriptors`` (N, 32) and the photo each belongs to, ``owners`` (N,)."""
        self.descriptors = np.ascontiguousarray(descriptors)
        self.owners = owners
        chunks = self.descriptors.view("<u4")  # (N, 8)
        self.order = np.argsort(chunks, axis=0, kind="stable").astype(np.int32)
        self.sorted = np.take_along_axis(chunks, self.order, axis=0)
        self.words = self.descriptors.view("<u8")  # (N, 4)
        from ringfence.screening.detectors.photo_shape import ShapeIndex  # noqa: PLC0415

        self.shapes = ShapeIndex(())  # plain studio shots, by shape (set by ``of``)

    @classmethod
    def of(cls, records: Sequence[PhotoFeatures | None]) -> FeatureIndex:
        """The index of photo records (owner = position; None: a photo without one)."""
        kept = [(i, r.descriptors) for i, r in enumerate(records) if r is not None]
        if not kept:
            index = cls(np.zeros((0, 32), np.uint8), np.zeros(0, np.int32))
        else:
            owners = np.concatenate([np.full(len(d), i, np.int32) for i, d in kept])
            index = cls(np.concatenate([d for _, d in kept]), owners)
        from ringfence.screening.detectors.photo_shape import ShapeIndex  # noqa: PLC0415

        index.shapes = ShapeIndex(records)
        return index

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.descriptors, self.owners, self.order, self.sorted))

    def candidates(self, descriptors: npt.NDArray[np.uint8]) -> list[int]:
        """Up to MAX_CANDIDATES photos with at least MIN_VOTES votes, most votes first."""
        if len(self.descriptors) == 0 or len(descriptors) == 0:
            return []
        query = np.ascontiguousarray(descriptors).view("<u4")  # (m, 8)
        pairs_q, pairs_b = [], []
        for c in range(INDEX_CHUNKS):
            column = self.sorted[:, c]
            lo = np.searchsorted(column, query[:, c], "left")
            hi = np.searchsorted(column, query[:, c], "right")
            lengths = np.where(hi - lo > MAX_BUCKET, 0, hi - lo)
            total = int(lengths.sum())
            if total == 0:
                continue
            ends = np.cumsum(lengths)
            positions = np.arange(total) + np.repeat(lo - (ends - lengths), lengths)
            pairs_q.append(np.repeat(np.arange(len(query)), lengths))
            pairs_b.append(self.order[positions, c])
        if not pairs_q:
            return []
        q, b = np.concatenate(pairs_q), np.concatenate(pairs_b)
        q_words = np.ascontiguousarray(descriptors).view("<u8")
        distance = np.bitwise_count(q_words[q] ^ self.words[b]).sum(axis=1)
        near = distance <= VOTE_BITS
        q, b, distance = q[near], b[near], distance[near]
        # each listing descriptor votes once, for the photo of its nearest bank descriptor: a
        # repetitive print (bricks, gravel) does not vote for every photo that shares it
        nearest = np.lexsort((distance, q))
        first = np.ones(len(nearest), bool)
        first[1:] = q[nearest][1:] != q[nearest][:-1]
        owners, votes = np.unique(self.owners[b[nearest][first]], return_counts=True)
        ranked = sorted(zip(votes.tolist(), owners.tolist(), strict=True), reverse=True)
        return [o for v, o in ranked[:MAX_CANDIDATES] if v >= MIN_VOTES]
