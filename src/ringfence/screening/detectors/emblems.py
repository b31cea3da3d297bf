"""Registered emblems in a photo: local features with geometric verification.

Each reference image of a mark (registry section ``mark_images``) is described once by ORB
keypoints (``cv2.ORB``, binary descriptors). A listing image's keypoints are matched to each
reference's (Hamming distance, Lowe's ratio test); a reference is found when a homography
estimated with RANSAC from the matches keeps at least ``MIN_INLIERS`` of them and maps the
reference to a sane quadrilateral (convex, not collapsed, not mirrored). The box is that
quadrilateral's extent. Fewer than ``STRONG_INLIERS`` inliers is a weak finding (review).

Works for emblems with texture and corners (letters, crests, drawn details); the plain five
rings have too few distinct keypoints, which is why they have their own detector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt

from ringfence.screening.findings import Finding

if TYPE_CHECKING:
    from ringfence.screening.images import DecodedImage

REFERENCE_SIDE = 400
IMAGE_SIDE = 800
RATIO = 0.75
MIN_INLIERS = 12
STRONG_INLIERS = 20
RANSAC_PIXELS = 5.0


def _grey(rgb: npt.NDArray[np.uint8], side: int) -> tuple[npt.NDArray[np.uint8], float]:
    h, w = rgb.shape[:2]
    f = min(1.0, side / max(h, w))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if f < 1.0:
        grey = cv2.resize(grey, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    return np.asarray(grey, np.uint8), f


@dataclass(frozen=True, eq=False)
class Reference:
    id: str
    mark: str
    points: npt.NDArray[np.float32]  # (n, 2) in the reference's pixels
    descriptors: npt.NDArray[np.uint8]  # (n, 32)
    width: int
    height: int


def describe(
    id: str, mark: str, rgb: npt.NDArray[np.uint8], features: int = 600
) -> Reference | None:
    """A reference's keypoints; None when it has too few to be found again."""
    grey, f = _grey(rgb, REFERENCE_SIDE)
    orb = cv2.ORB_create(nfeatures=features)  # type: ignore[attr-defined]
    keypoints, descriptors = orb.detectAndCompute(grey, None)
    if descriptors is None or len(keypoints) < MIN_INLIERS * 2:
        return None
    points = np.array([k.pt for k in keypoints], np.float32) / f
    h, w = rgb.shape[:2]
    return Reference(id, mark, points, np.asarray(descriptors, np.uint8), w, h)


class Emblems:
    """Detector: the registry's emblem reference images, found in a listing image."""

    name = "emblem"
    inputs = ("image_paths",)

    def __init__(self, references: list[Reference]) -> None:
        self.references = references
        self._matcher = cv2.BFMatcher(cv2.NORM_HAMMING)

    def detect(self, image: DecodedImage, ref: str) -> list[Finding]:
        if not self.references:
            return []
        grey, f = _grey(image.rgb, IMAGE_SIDE)
        orb = cv2.ORB_create(nfeatures=2_000)  # type: ignore[attr-defined]
        keypoints, descriptors = orb.detectAndCompute(grey, None)
        if descriptors is None or len(keypoints) < MIN_INLIERS:
            return []
        points = np.array([k.pt for k in keypoints], np.float32)
        # from the detector's pixels to the file's declared pixels
        scale_x = image.width / (image.rgb.shape[1] * f)
        scale_y = image.height / (image.rgb.shape[0] * f)
        out = []
        for reference in self.references:
            found = self._find(reference, points, descriptors)
            if found is None:
                continue
            inliers, corners = found
            xs, ys = corners[:, 0] * scale_x, corners[:, 1] * scale_y
            box = (
                max(0, int(xs.min())),
                max(0, int(ys.min())),
                min(image.width, int(xs.max())),
                min(image.height, int(ys.max())),
            )
            out.append(
                Finding.in_image(
                    self.name,
                    f"emblem:{reference.id}:inliers{inliers}",
                    round(min(0.95, 0.6 + inliers / 100), 3),
                    ref,
                    mark=reference.mark,
                    weak=inliers < STRONG_INLIERS,
                    box=box,
                )
            )
        return out

    def _find(
        self,
        reference: Reference,
        points: npt.NDArray[np.float32],
        descriptors: npt.NDArray[np.uint8],
    ) -> tuple[int, npt.NDArray[np.float64]] | None:
        pairs = self._matcher.knnMatch(reference.descriptors, descriptors, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
        if len(good) < MIN_INLIERS:
            return None
        src = reference.points[[m.queryIdx for m in good]].reshape(-1, 1, 2)
        dst = points[[m.trainIdx for m in good]].reshape(-1, 1, 2)
        homography, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_PIXELS)
        if homography is None or mask is None:
            return None
        inliers = int(mask.sum())
        if inliers < MIN_INLIERS:
            return None
        w, h = reference.width, reference.height
        frame = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32).reshape(-1, 1, 2)
        corners = cv2.perspectiveTransform(frame, homography).reshape(-1, 2).astype(np.float64)
        if not _sane(corners, w * h):
            return None
        return inliers, corners


def _sane(corners: npt.NDArray[np.float64], reference_area: float) -> bool:
    """A quadrilateral a real view of a flat emblem could give: convex, in order (not
    mirrored), not collapsed to a sliver."""
    if not cv2.isContourConvex(corners.astype(np.float32).reshape(-1, 1, 2)):
        return False
    x, y = corners[:, 0], corners[:, 1]
    area = 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))  # > 0: in order
    return area > 0.0005 * reference_area and area > 64
