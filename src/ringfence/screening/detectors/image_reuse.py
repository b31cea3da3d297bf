"""Official image reuse: a listing photo that is (a copy of) an official product photo.

Hashes are Meta's PDQ (256 bits, ``pdqhash``). A plain PDQ hash survives resizing and
re-encoding, and its dihedral set (8 hashes: rotations by 90 degrees and mirror images)
survives mirroring; it does not survive a crop, a few degrees of rotation, a caption bar or a
new background colour. So both sides hash several *views* of a photo:

- the bank stores, per official photo, the photo, its studio-background-free *cut-out*,
  four corner and one central crop, two small rotations and the photo without its top or
  bottom strip (``bank_views``);
- a listing image is looked up with the dihedral hashes of itself, its cut-out and itself
  without its top or bottom strip (``query_views``).

A listing image matches when one of its hashes lies within ``MAX_DISTANCE`` bits of a bank
hash, and within ``LONE_DISTANCE`` when it is the only one (``match``). That is the first
stage: ``find`` verifies its candidates, and those the feature index votes for, against each
photo's feature record (``photo_match.py``), which finds crops and new backgrounds and turns
away photos of other products; a photo without a record is judged by PDQ alone.

Lookup is a multi-index hash (``HashBank``): the 256 bits are cut into 16 chunks of 16
bits; by the pigeonhole principle two hashes within 31 bits agree within 1 bit on at least one
chunk, so probing each chunk's table with the chunk and its 16 one-bit neighbours finds every
candidate, which is then checked with the full distance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt
import pdqhash

from ringfence.screening.detectors.photo_match import (
    MIN_INLIERS,
    FeatureIndex,
    PhotoFeatures,
    foreground,
    listing_features,
    verify,
)
from ringfence.screening.findings import Finding

if TYPE_CHECKING:
    from ringfence.screening.images import DecodedImage

HASH_BYTES = 32
CHUNKS = 16
CHUNK_BITS = 256 // CHUNKS
MAX_DISTANCE = 31  # the pigeonhole bound of 16 chunks probed at radius 1 (16 * 2 - 1)
# Cut-outs of different products on one studio grey look alike (same silhouette): a cut-out
# matches only a cut-out, and only this close.
CUTOUT_DISTANCE = 20
# A near-duplicate is usually seen by several of a listing image's hashes (its views, their
# mirror images); an entry that only one hash comes near must be this close. Photos of other
# products shot alike (one template, one studio) come within 24-31 bits through one hash.
LONE_DISTANCE = 22
# crops stored in the bank: (the share of each side kept, where the crop window sits)
CROPS = ((0.92, (0.0, 1.0)), (0.9, (0.5,)))
ROTATIONS = (-5.0, -2.5, 2.5, 5.0)  # degrees
PHOTO, CUTOUT = 0, 1  # kinds of hashes: of the photo (or a crop, rotation...), of its cut-out
MIN_QUALITY = 40  # PDQ's quality metric: below it a hash says little (flat images)
BLANK_LEVELS = 12
HASH_SIDE = 256  # PDQ reads a 64x64 down-sample: hashing at 256 px loses nothing


def pdq(rgb: npt.NDArray[np.uint8]) -> tuple[bytes, int]:
    """PDQ hash (32 bytes) and quality (0-100) of an RGB image."""

    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return np.packbits(bits.astype(np.uint8)).tobytes(), int(quality)


def pdq_dihedral(rgb: npt.NDArray[np.uint8]) -> list[tuple[bytes, int]]:
    """The 8 PDQ hashes of the image's rotations and mirror images, with their quality."""

    hashes, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb))
    return [(np.packbits(h.astype(np.uint8)).tobytes(), int(quality)) for h in hashes]


# ---------------------------------------------------------------------- views


def _small(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:

    h, w = rgb.shape[:2]
    if max(h, w) <= HASH_SIDE:
        return rgb
    f = HASH_SIDE / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.uint8)


def cutout(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8] | None:
    """The photo's subject on a neutral grey, cropped to it, when the photo has a plain
    studio background; None otherwise."""

    fg = foreground(rgb)
    if fg is None:
        return None
    ys, xs = np.nonzero(fg)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    out = np.full_like(rgb, 128)
    out[fg] = rgb[fg]
    return np.ascontiguousarray(out[y0:y1, x0:x1])


def _strips(rgb: npt.NDArray[np.uint8]) -> list[npt.NDArray[np.uint8]]:
    h = rgb.shape[0]
    cut = int(h * 0.15)
    return [rgb[cut:], rgb[: h - cut]]


def bank_views(rgb: npt.NDArray[np.uint8]) -> list[npt.NDArray[np.uint8]]:
    """The views of an official photo that the bank stores a hash of (module docstring)."""

    rgb = _small(rgb)
    h, w = rgb.shape[:2]
    views = [rgb]
    cut = cutout(rgb)
    if cut is not None:
        views.append(cut)
    for keep, steps in CROPS:
        kh, kw = int(h * keep), int(w * keep)
        for fy in steps:
            for fx in steps:
                y, x = round((h - kh) * fy), round((w - kw) * fx)
                views.append(rgb[y : y + kh, x : x + kw])
    for angle in ROTATIONS:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        turned = cv2.warpAffine(rgb, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        views.append(np.asarray(turned, np.uint8))
    views.extend(_strips(rgb))
    return views


@dataclass(frozen=True)
class PhotoHashes:
    """What the bank stores of one official photo."""

    pdq: bytes
    quality: int
    cutout: bytes | None
    variants: list[bytes]

    def rows(self, owner: int) -> list[tuple[str, int, int]]:
        """The bank's rows of these hashes (``bank_rows``)."""
        cut = self.cutout.hex() if self.cutout else None
        return bank_rows(owner, self.pdq.hex(), cut, [v.hex() for v in self.variants])


def bank_rows(
    owner: int, pdq: str, cutout: str | None, variants: list[str]
) -> list[tuple[str, int, int]]:
    """(hex hash, owner, kind) rows of one official photo, as ``HashBank.from_hex`` reads
    them: the photo, its cut-out (kind CUTOUT) and its variants."""
    cut = [(cutout, owner, CUTOUT)] if cutout else []
    return [(pdq, owner, PHOTO), *cut, *((v, owner, PHOTO) for v in variants)]


def bank_hashes(rgb: npt.NDArray[np.uint8]) -> PhotoHashes:
    """The hashes of an official photo's bank views."""

    rgb = _small(rgb)
    main, quality = pdq(rgb)
    cut = cutout(rgb)
    cut_hash = pdq(cut)[0] if cut is not None else None
    variants = [pdq(np.ascontiguousarray(v))[0] for v in bank_views(rgb)[1 if cut is None else 2 :]]
    return PhotoHashes(main, quality, cut_hash, variants)


def blank(rgb: npt.NDArray[np.uint8]) -> bool:
    """Whether a photo shows nothing to recognise it by: one colour, give or take noise (the
    1st and 99th percentiles of every channel within ``BLANK_LEVELS``)."""
    low, high = np.percentile(_small(rgb).reshape(-1, 3), [1, 99], axis=0)
    return bool((high - low).max() < BLANK_LEVELS)


def recognisable(hashes: PhotoHashes, features: PhotoFeatures, rgb: npt.NDArray[np.uint8]) -> bool:
    """Whether ``bank add`` takes an official photo: anything but a blank one. A plain studio
    shot (a low PDQ quality, few keypoints) is recognised by its subject's shape
    (``photo_shape``); the hashes and keypoints of any other photo serve."""
    strong = hashes.quality >= MIN_QUALITY or len(features.points) >= MIN_INLIERS
    return strong or features.plain or not blank(rgb)


def query_hashes(rgb: npt.NDArray[np.uint8]) -> list[tuple[bytes, int]]:
    """(hash, kind) of each query view's dihedral hashes whose quality is usable, distinct."""

    rgb = _small(rgb)
    out: dict[tuple[bytes, int], None] = {}
    cut = cutout(rgb)
    views = [(rgb, PHOTO), *((s, PHOTO) for s in _strips(rgb))]
    if cut is not None:
        views.append((cut, CUTOUT))
    for view, kind in views:
        # pdqhash's dihedral mirror is not bit-exact with hashing the mirrored pixels: both
        for h, quality in [*pdq_dihedral(view), pdq(np.ascontiguousarray(view[:, ::-1]))]:
            if quality >= MIN_QUALITY:
                out.setdefault((h, kind))
    return list(out)


# ---------------------------------------------------------------------- the bank


class HashBank:
    """Near-neighbour search over 256-bit hashes (a multi-index hash, module docstring).

    ``hashes`` is an (n, 32) uint8 array; ``owners[i]`` is the index of the entry (official
    photo) that hash ``i`` belongs to, ``kinds[i]`` its kind (PHOTO or CUTOUT; all PHOTO when
    omitted). Immutable once built."""

    def __init__(
        self,
        hashes: npt.NDArray[np.uint8],
        owners: npt.NDArray[np.int32],
        kinds: npt.NDArray[np.uint8] | None = None,
    ) -> None:

        self.size = len(hashes)
        self.owners = owners
        self.kinds = np.zeros(self.size, np.uint8) if kinds is None else kinds
        self.words = np.ascontiguousarray(hashes).view(">u8").astype(np.uint64)  # (n, 4)
        chunks = np.ascontiguousarray(hashes).view(">u2").astype(np.int64)  # (n, 16)
        # per chunk: the hash indices sorted by the chunk's value (one flat array, chunk c at
        # c * n), and where each of the 65,536 values starts in it
        n = self.size
        self.order = np.empty(CHUNKS * n, np.int32)
        self.starts = np.empty((CHUNKS, (1 << CHUNK_BITS) + 1), np.int64)
        for c in range(CHUNKS):
            column = chunks[:, c]
            order = np.argsort(column, kind="stable")
            self.order[c * n : (c + 1) * n] = order
            values = np.arange((1 << CHUNK_BITS) + 1)
            self.starts[c] = np.searchsorted(column[order], values) + c * n
        flips = np.array([0] + [1 << b for b in range(CHUNK_BITS)], dtype=np.int64)
        self._flips = flips[None, :]
        self._rows = np.arange(CHUNKS)[:, None]

    @classmethod
    def from_hex(cls, rows: list[tuple[str, int, int]]) -> HashBank:
        """From (hex hash, owner, kind) rows."""

        raw = bytes.fromhex("".join(r[0] for r in rows)) if rows else b""
        hashes = np.frombuffer(raw, np.uint8).reshape(-1, HASH_BYTES)
        owners = np.asarray([r[1] for r in rows], np.int32)
        return cls(hashes, owners, np.asarray([r[2] for r in rows], np.uint8))

    def search(
        self, query: bytes, max_distance: int = MAX_DISTANCE, kind: int | None = None
    ) -> list[tuple[int, int]]:
        """(hash index, distance) of every bank hash (of ``kind``, when given) within
        ``max_distance`` of ``query`` (at most MAX_DISTANCE: the pigeonhole bound), nearest
        first."""

        if self.size == 0:
            return []
        q = np.frombuffer(query, np.uint8)
        probes = q.view(">u2").astype(np.int64)[:, None] ^ self._flips  # (16, 17)
        lo = self.starts[self._rows, probes].ravel()
        hi = self.starts[self._rows, probes + 1].ravel()
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return []
        # every position lo..hi-1 of every probed bucket, without a Python loop
        ends = np.cumsum(lengths)
        positions = np.arange(total) + np.repeat(lo - (ends - lengths), lengths)
        candidates = self.order[positions]  # a hash in two probed buckets comes twice
        q_words = q.view(">u8").astype(np.uint64)
        distance = np.bitwise_count(np.take(self.words, candidates, axis=0) ^ q_words).sum(
            axis=1, dtype=np.int32
        )
        keep = distance <= min(max_distance, MAX_DISTANCE)
        if kind is not None:
            keep &= self.kinds[candidates] == kind
        hits = sorted(set(zip(distance[keep].tolist(), candidates[keep].tolist(), strict=True)))
        return [(i, d) for d, i in hits]


def match(bank: HashBank, rgb: npt.NDArray[np.uint8]) -> dict[int, int]:
    """The bank entries (owners) a listing image matches, with the smallest distance: within
    MAX_DISTANCE (cut-outs: CUTOUT_DISTANCE), and within LONE_DISTANCE when only one of the
    image's hashes comes near the entry."""
    best: dict[int, int] = {}
    seen: dict[int, int] = {}
    for h, kind in query_hashes(rgb):
        limit = CUTOUT_DISTANCE if kind == CUTOUT else MAX_DISTANCE
        for i, distance in bank.search(h, limit, kind):
            owner = int(bank.owners[i])
            seen[owner] = seen.get(owner, 0) + 1
            best[owner] = min(distance, best.get(owner, MAX_DISTANCE + 1))
    return {o: d for o, d in best.items() if seen[o] > 1 or d <= LONE_DISTANCE}


@dataclass(frozen=True)
class Match:
    """A listing image confirmed as a copy of bank entry ``owner``: by the second stage
    (``inliers`` > 0, ``box`` where the photo lies in the listing image) or, for an entry
    without a feature record, by PDQ alone."""

    owner: int
    score: float
    distance: int | None  # the PDQ distance, when PDQ saw it
    inliers: int
    box: tuple[int, int, int, int] | None


def find(
    bank: HashBank,
    features: FeatureIndex | None,
    records: Sequence[PhotoFeatures | None],
    rgb: npt.NDArray[np.uint8],
) -> list[Match]:
    """The bank entries a listing image copies, best first: candidates from PDQ (``match``)
    and from the feature index's votes, each verified against its feature record
    (``photo_match.verify``). An entry without a record is judged by PDQ as before; one with a
    record must pass verification, however close PDQ puts it: photos of other products have
    come within 10 bits."""
    hits = match(bank, rgb)
    listing = listing_features(rgb) if features is not None else None
    voted = features.candidates(listing.descriptors) if features and listing else []
    shaped: list[int] = []
    if features is not None and listing is not None and len(features.shapes):
        subject = listing.subject  # found only when the bank has plain studio shots
        shaped = features.shapes.candidates(subject) if subject is not None else []
    found: list[Match] = []
    for owner in sorted({*hits, *voted, *shaped}):
        distance = hits.get(owner)
        record = records[owner] if owner < len(records) else None
        checked = verify(listing, record) if listing is not None and record is not None else None
        if checked is not None:
            found.append(Match(owner, checked.score, distance, checked.inliers, checked.box))
        elif distance is not None and record is None:
            found.append(Match(owner, round(1.0 - distance / 128, 4), distance, 0, None))
    return sorted(found, key=lambda m: (-m.score, m.owner))


@dataclass(frozen=True)
class BankEntry:
    """An official photo of the bank, as the engine knows it."""

    id: str
    product: str
    licence: str
    licensee: str
    sellers: frozenset[str]  # the licensee and the licence's authorised sellers
    marks: tuple[str, ...]  # the licence's marks: what the product bears


class ImageReuse:
    """Detector: a listing image that copies an official photo (``find``)."""

    name = "image_reuse"
    inputs = ("image_paths", "seller_id")

    def __init__(
        self,
        entries: list[BankEntry],
        bank: HashBank,
        records: Sequence[PhotoFeatures | None] = (),
    ) -> None:
        self.entries = entries
        self.bank = bank
        self.records = list(records) + [None] * (len(entries) - len(records))
        has_features = any(r is not None for r in self.records)
        self.features = FeatureIndex.of(self.records) if has_features else None

    def detect(self, image: DecodedImage, ref: str, seller_id: str) -> list[Finding]:
        out = []
        for m in find(self.bank, self.features, self.records, image.rgb)[:3]:
            entry = self.entries[m.owner]
            authorised = seller_id in entry.sellers
            how = (f":d{m.distance}" if m.distance is not None else "") + (
                f":i{m.inliers}" if m.inliers else ""
            )
            box = _listing_box(m.box, image) if m.box else (0, 0, image.width, image.height)
            out.append(
                Finding.in_image(
                    self.name,
                    f"official_image:{entry.id}{how}",
                    m.score,
                    ref,
                    mark=entry.marks[0] if entry.marks else None,
                    exception=(
                        f"authorised_seller: {entry.licence} ({entry.product})"
                        if authorised
                        else None
                    ),
                    box=box,
                    licence=entry.licence,
                )
            )
        return out


def _listing_box(box: tuple[int, int, int, int], image: DecodedImage) -> tuple[int, int, int, int]:
    """A box in the decoded pixels, in the file's own pixels (decoding may shrink it)."""
    f = image.width / image.rgb.shape[1]
    return (round(box[0] * f), round(box[1] * f), round(box[2] * f), round(box[3] * f))
