"""Official photos recognised by their subject's shape: the plain studio shot.

An official product photo is often one product of one colour on a flat or gradient backdrop:
PDQ rates it low (little texture) and ORB finds only the few corners of its outline, too few
to fit a transform (``photo_match.MIN_INLIERS``), and a simple product few enough that a
turned copy keeps too few. Such a photo (a feature record with a subject and fewer than
``SHAPE_KEYPOINTS`` keypoints) is also matched by its shape when its keypoints fail:

1. *the listing's subject*: the listing image without a flat frame around it and without a
   caption bar across its top or bottom, its backdrop fitted as a smooth surface to its
   border (``photo_match._backdrop_model``) and its subject what differs from it
   (``listing_subject``; nothing on a photographic backdrop: a studio shot has none);
2. *candidates*: the bank photos whose subject, cut to its box and scaled to 16 x 16, overlaps
   the listing's (or its mirror image's) by ``MIN_SHAPE_IOU`` (``ShapeIndex``);
3. *alignment*: scale and shift from the two subjects' boxes, using only the sides that no
   image edge, frame or bar cuts, refined by ECC (OpenCV's enhanced correlation, an affine
   motion) between the two masks: a few degrees of turn are found there;
4. *verification*: the same dense checks as a keypoint match (``photo_match._dense``: colour
   after photometric normalisation, details, texture and outline), so the product's colour
   and outline decide, not its backdrop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt

from ringfence.screening.detectors import photo_match as pm

if TYPE_CHECKING:
    from collections.abc import Sequence

SHAPE_KEYPOINTS = 100
SIGNATURE = 16  # the subject's box scaled to SIGNATURE x SIGNATURE cells
MIN_SHAPE_IOU = 0.55
MAX_SHAPE_CANDIDATES = 6
SCALE_AGREEMENT = 0.12  # width and height scales may differ by this share
SEGMENT_SIDE = 96  # both sides' subjects are found at this longer side
COMMON_COLOUR = 0.02  # a photographic backdrop's colours: this share of the border (widened bins)
FRAME_LEVELS = 8  # a flat frame's pixels lie this close to its corner's colour
# a caption bar: rows within BAR_LEVELS of the first row's colour, BAR_FLAT of each row
BAR_LEVELS = 30
BAR_FLAT = 0.5
PART_SHARE = 0.2  # a part of the subject: at least this share of its largest part
ECC_STEPS = 30
ECC_SIDE = 64  # ECC aligns the masks scaled to this longer side
# no keypoints vouch for a shape match: the colours must agree over more of the subject
SHAPE_COLOUR = 0.88


@dataclass(frozen=True)
class Subject:
    """A listing image's subject (at the listing's FEATURE_SIDE size) and the part of the
    image that shows the scene (inside any frame, outside any caption bar)."""

    mask: npt.NDArray[np.bool_]
    seen: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)

    def mirrored(self) -> Subject:
        w = self.mask.shape[1]
        x0, y0, x1, y1 = self.seen
        return Subject(self.mask[:, ::-1], (w - x1, y0, w - x0, y1))


def shape_record(photo: pm.PhotoFeatures) -> bool:
    """Whether the photo is matched by its shape too (module docstring)."""
    return photo.plain and len(photo.points) < SHAPE_KEYPOINTS


def _frame(rgb: npt.NDArray[np.uint8]) -> tuple[int, int, int, int]:
    """The image inside a flat frame: as many rows and columns of the corner's colour along
    each of the four edges (within two pixels); the whole image when there is none."""
    pixels = rgb.astype(np.float32)
    h, w = rgb.shape[:2]
    colour = pixels[0, 0]

    def flat(line: npt.NDArray[np.float32]) -> bool:
        return bool(np.abs(line - colour).max() < FRAME_LEVELS)

    top = next((i for i in range(h // 4) if not flat(pixels[i])), 0)
    bottom = next((i for i in range(h // 4) if not flat(pixels[h - 1 - i])), 0)
    left = next((i for i in range(w // 4) if not flat(pixels[:, i])), 0)
    right = next((i for i in range(w // 4) if not flat(pixels[:, w - 1 - i])), 0)
    sides = (top, bottom, left, right)
    if min(sides) < 2 or max(sides) - min(sides) > 2:
        return 0, 0, w, h
    return left, top, w - right, h - bottom


def quick_subject(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_] | None:
    """A cheap subject (no GrabCut: a few milliseconds), the same on both sides: what is not
    joined to the border through backdrop, the backdrop being near its smooth surface
    (``photo_match._backdrop_model``) or, on a photographic backdrop, of a colour common on
    the border. None when no subject of a plausible size stands out."""
    edge = pm._border(*rgb.shape[:2])
    model = pm._backdrop_model(rgb)
    if model is not None:
        likely = np.abs(rgb.astype(np.float32) - model).sum(axis=2) <= pm.SUBJECT_CONTRAST
    else:
        likely = pm._border_colours(rgb, edge, COMMON_COLOUR)
    _, labels = cv2.connectedComponents(likely.astype(np.uint8), connectivity=4)
    touching = np.unique(labels[edge & likely])
    inside = (~np.isin(labels, touching[touching > 0])).astype(np.uint8)
    opened = np.asarray(cv2.morphologyEx(inside, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)))
    count, parts, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    fg = opened > 0
    if count > 2:  # the subject's large parts, not specks (letters, noise)
        areas = stats[1:, cv2.CC_STAT_AREA]
        fg = np.isin(parts, 1 + np.nonzero(areas >= PART_SHARE * areas.max())[0])
    share = float(fg.mean())
    return fg if pm.SUBJECT_SHARE[0] <= share <= pm.SUBJECT_SHARE[1] else None


def _bar(rows: npt.NDArray[np.uint8]) -> int:
    """How many of the leading rows are a flat band that ends abruptly (a caption bar; a
    flat backdrop's rows count too, which costs only the use of that side); 0 if none."""
    first = np.median(rows[0], axis=0)
    k = 0
    while k < len(rows) // 4:
        colour = np.median(rows[k], axis=0)
        flat = np.abs(rows[k].astype(np.float32) - colour).sum(axis=1) < BAR_LEVELS
        if np.abs(colour - first).sum() > BAR_LEVELS or flat.mean() < BAR_FLAT:
            break
        k += 1
    if k < 3 or k >= len(rows) // 4:
        return 0
    return k if np.abs(np.median(rows[k], axis=0) - first).sum() > 2 * BAR_LEVELS else 0


def listing_subject(image: npt.NDArray[np.uint8]) -> Subject | None:
    """The subject of a listing image (at FEATURE_SIDE), inside any flat frame and outside
    any caption bar across its top or bottom, or None."""
    h, w = image.shape[:2]
    f = min(1.0, SEGMENT_SIDE / max(h, w))
    small = pm._scaled(image, SEGMENT_SIDE) if f < 1.0 else image
    sh, sw = small.shape[:2]
    x0, y0, x1, y1 = _frame(small)
    if x1 - x0 < sw // 3 or y1 - y0 < sh // 3:
        return None
    inner = np.ascontiguousarray(small[y0:y1, x0:x1])
    found = quick_subject(inner)
    if found is None:
        return None
    top, bottom = _bar(inner), len(inner) - _bar(inner[::-1])
    found[:top], found[bottom:] = False, False  # what a caption bar hides is not seen
    full = np.zeros((sh, sw), np.uint8)
    full[y0:y1, x0:x1] = found
    mask = cv2.resize(full, (w, h), interpolation=cv2.INTER_NEAREST) > 0
    seen = (x0, y0 + top, x1, y0 + bottom)
    x0, y0, x1, y1 = (round(v / f) for v in seen)
    return Subject(mask, (x0, y0, x1, y1))


def signature(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint8] | None:
    """The mask cut to its box and scaled to SIGNATURE x SIGNATURE, as packed bits."""
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return None
    box = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    cells = cv2.resize(box, (SIGNATURE, SIGNATURE), interpolation=cv2.INTER_AREA) >= 0.5
    return np.packbits(cells.ravel())


def photo_mask(photo: pm.PhotoFeatures) -> npt.NDArray[np.bool_] | None:
    """The photo's subject in its own pixels (at FEATURE_SIDE), found as a listing's is
    (``quick_subject`` on the thumbnail at the photo's own shape), so both sides agree."""
    f = SEGMENT_SIDE / max(photo.width, photo.height)
    size = (max(1, round(photo.width * f)), max(1, round(photo.height * f)))
    thumb = np.asarray(cv2.resize(photo.thumb, size, interpolation=cv2.INTER_AREA), np.uint8)
    found = quick_subject(thumb)
    if found is None:
        return None
    size = (photo.width, photo.height)
    big = cv2.resize(found.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    return np.asarray(big, bool)


class ShapeIndex:
    """The shape records' signatures; candidates by overlap with a listing's subject."""

    def __init__(self, records: Sequence[pm.PhotoFeatures | None]) -> None:
        owners, rows = [], []
        for i, r in enumerate(records):
            if r is not None and shape_record(r) and r.shape_mask is not None:
                sig = signature(r.shape_mask)
                if sig is not None:
                    owners.append(i)
                    rows.append(sig)
        self.owners = np.asarray(owners, np.int32)
        self.signatures = np.stack(rows) if rows else np.zeros((0, SIGNATURE**2 // 8), np.uint8)

    def __len__(self) -> int:
        return len(self.owners)

    def candidates(self, subject: Subject) -> list[int]:
        """Up to MAX_SHAPE_CANDIDATES owners, best overlap (as it is or mirrored) first."""
        if len(self.owners) == 0:
            return []
        best = np.zeros(len(self.owners))
        for mask in (subject.mask, subject.mask[:, ::-1]):
            sig = signature(mask)
            if sig is None:
                return []
            inter = np.bitwise_count(self.signatures & sig).sum(axis=1)
            union = np.bitwise_count(self.signatures | sig).sum(axis=1)
            best = np.maximum(best, inter / np.maximum(union, 1))
        order = np.argsort(-best, kind="stable")[:MAX_SHAPE_CANDIDATES]
        return [int(self.owners[i]) for i in order if best[i] >= MIN_SHAPE_IOU]


def _box(
    mask: npt.NDArray[np.bool_], seen: tuple[int, int, int, int]
) -> tuple[list[float], list[bool]] | None:
    """The mask's box (x0, y0, x1, y1) and whether each side touches the edge of what is
    seen (then it may be cut)."""
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return None
    box = [float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)]
    cut = [box[0] <= seen[0] + 1, box[1] <= seen[1] + 1, box[2] >= seen[2] - 1]
    cut.append(box[3] >= seen[3] - 1)
    return box, cut


def _initial_fit(
    listing: Subject, official: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64] | None:
    """Listing -> photo pixels: scale and shift from the two boxes' uncut sides."""
    lb = _box(listing.mask, listing.seen)
    h, w = official.shape
    ob = _box(official, (0, 0, w, h))
    if lb is None or ob is None:
        return None
    (seen, lcut), (o, ocut) = lb, ob
    scales = []
    for a, b in ((0, 2), (1, 3)):
        if not (lcut[a] or lcut[b] or ocut[a] or ocut[b]):
            scales.append((o[b] - o[a]) / max(1.0, seen[b] - seen[a]))
    if len(scales) == 2 and abs(scales[0] / scales[1] - 1) > SCALE_AGREEMENT:
        return None
    if not scales:
        scales = [float(np.sqrt(official.sum() / max(1, listing.mask.sum())))]
    s = float(np.mean(scales))
    shift = []
    for a, b in ((0, 2), (1, 3)):
        if not (lcut[a] or ocut[a]):
            shift.append(o[a] - s * seen[a])
        elif not (lcut[b] or ocut[b]):
            shift.append(o[b] - s * seen[b])
        else:
            shift.append((o[a] + o[b]) / 2 - s * (seen[a] + seen[b]) / 2)
    return np.array([[s, 0.0, shift[0]], [0.0, s, shift[1]]])


def _refine(
    listing: Subject, official: npt.NDArray[np.bool_], fit: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The fit refined by ECC between the two masks, blurred and scaled to ECC_SIDE pixels
    (ECC's cost); as it was when ECC fails."""

    def small(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.float32], float]:
        f = min(1.0, ECC_SIDE / max(mask.shape))
        size = (max(1, round(mask.shape[1] * f)), max(1, round(mask.shape[0] * f)))
        scaled = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)
        return np.asarray(cv2.GaussianBlur(scaled, (5, 5), 0), np.float32), f

    template, fo = small(official)
    moving, fl = small(listing.mask)
    to_listing = np.vstack([cv2.invertAffineTransform(fit), [0.0, 0.0, 1.0]])  # photo -> listing
    scaled = np.diag([fl, fl, 1.0]) @ to_listing @ np.diag([1 / fo, 1 / fo, 1.0])
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, ECC_STEPS, 1e-4)
    try:
        _, warp = cv2.findTransformECC(  # type: ignore[call-overload]
            template, moving, scaled[:2].astype(np.float32), cv2.MOTION_AFFINE, criteria, None, 3
        )
    except cv2.error:  # did not converge: keep the boxes' fit
        return fit
    back = (
        np.diag([1 / fl, 1 / fl, 1.0]) @ np.vstack([warp, [0.0, 0.0, 1.0]]) @ np.diag([fo, fo, 1.0])
    )
    return np.asarray(cv2.invertAffineTransform(back[:2]), np.float64)


def verify_shape(listing: pm.ListingFeatures, photo: pm.PhotoFeatures) -> pm.Verified | None:
    """The listing confirmed as a copy of a shape record by its subject (module docstring)."""
    subject, official = listing.subject, photo.shape_mask
    if subject is None or official is None or not shape_record(photo):
        return None
    best: pm.Verified | None = None
    for mirrored in (False, True):
        seen = subject.mirrored() if mirrored else subject
        fit = _initial_fit(seen, official)
        if fit is None:
            continue
        fit = _refine(seen, official, fit)
        scale = float(np.sqrt(abs(np.linalg.det(fit[:, :2]))))
        if not pm.SCALES[0] <= scale <= pm.SCALES[1]:
            continue
        view = listing.image[:, ::-1] if mirrored else listing.image
        score = pm._dense(view, fit, photo, SHAPE_COLOUR)
        if score is not None and (best is None or score > best.score):
            best = pm.Verified(round(score, 4), 0, pm._box(fit, photo, listing, mirrored))
    return best
