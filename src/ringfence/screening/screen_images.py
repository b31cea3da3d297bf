"""The image side of screening: each listing image read once (``interfaces.ImageSources``),
decoded once and bounded (``images.decode``), and every image detector run on the decoded
image: official image reuse (``detectors/image_reuse.py``), the five-ring symbol
(``detectors/ring_symbol.py``) and the registry's emblems (``detectors/emblems.py``).

An image that cannot be screened gives a finding of detector ``images`` whose rule is the
per-image reason (``image_unreadable``, ``image_too_large``...); the batch goes on. The
detectors and the hash bank are built on the first listing with an image, so text-only
screening never imports numpy, Pillow or OpenCV."""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING

from ringfence.screening.findings import Finding
from ringfence.screening.images import (
    MAX_BYTES,
    NO_SUPPORT,
    ImageRefused,
    decode,
    images_available,
)
from ringfence.screening.interfaces import ImageSources, ImageUnavailable

if TYPE_CHECKING:
    from ringfence.screening.detectors.emblems import Emblems
    from ringfence.screening.detectors.image_reuse import ImageReuse
    from ringfence.screening.detectors.photo_match import PhotoFeatures
    from ringfence.screening.detectors.ring_symbol import RingSymbol
    from ringfence.screening.index import ScreeningData

log = logging.getLogger(__name__)
IMAGES = "images"


class ImageScreening:
    def __init__(self, data: ScreeningData, sources: ImageSources, rings_mark: str) -> None:
        self.data = data
        self.sources = sources
        self.rings_mark = (
            rings_mark if any(m.id == rings_mark for m in data.registry.marks) else None
        )
        self._detectors: tuple[ImageReuse | None, RingSymbol, Emblems] | None = None
        self._available: bool | None = None

    def detectors(self) -> tuple[ImageReuse | None, RingSymbol, Emblems]:
        if self._detectors is None:
            from ringfence.screening.detectors.ring_symbol import RingSymbol

            self._detectors = (
                build_reuse(self.data),
                RingSymbol(self.rings_mark),
                build_emblems(self.data),
            )
        return self._detectors

    def screen(
        self, refs: tuple[str, ...], seller_id: str, sources: ImageSources | None = None
    ) -> list[Finding]:
        if self._available is None:
            self._available = images_available()
            if not self._available:
                log.warning("listing images are not screened: install ringfence[images]")
        if not self._available:
            return [_refused(ref, NO_SUPPORT) for ref in refs]
        reuse, rings, emblems = self.detectors()
        out: list[Finding] = []
        for ref in refs:
            try:
                data = (sources or self.sources).read(ref, MAX_BYTES)
                image = decode(data)
            except (ImageUnavailable, ImageRefused) as exc:
                out.append(_refused(ref, exc.reason))
                continue
            if reuse is not None:
                out.extend(reuse.detect(image, ref, seller_id))
            out.extend(rings.detect(image, ref))
            out.extend(emblems.detect(image, ref))
        return out


def _refused(ref: str, reason: str) -> Finding:
    return Finding.in_image(IMAGES, reason, 0.0, ref)


def build_reuse(data: ScreeningData) -> ImageReuse | None:
    """The reuse detector over the index's image bank; None when the bank is empty."""
    from ringfence.screening.detectors.image_reuse import (
        BankEntry,
        HashBank,
        ImageReuse,
        bank_rows,
    )

    registry = data.registry
    if not registry.images:
        return None
    licences = {lic.id: lic for lic in registry.licences}
    entries: list[BankEntry] = []
    records: list[PhotoFeatures | None] = []
    rows: list[tuple[str, int, int]] = []
    for image in registry.images:
        lic = licences.get(image.licence)
        sellers = frozenset({image.licensee, *(lic.sellers if lic else ())})
        owner = len(entries)
        entries.append(
            BankEntry(
                image.id,
                image.product,
                image.licence,
                image.licensee,
                sellers,
                tuple(lic.marks) if lic else (),
            )
        )
        rows.extend(bank_rows(owner, image.pdq, image.cutout, image.variants))
        records.append(_features(image.id, image.features))
    return ImageReuse(entries, HashBank.from_hex(rows), records)


def _features(id: str, encoded: str | None) -> PhotoFeatures | None:
    """An official photo's feature record; None (PDQ alone) when it has none or it is bad."""
    from ringfence.screening.detectors.photo_match import unpack

    if encoded is None:
        return None
    try:
        return unpack(base64.b64decode(encoded))
    except ValueError as exc:  # binascii.Error is a ValueError
        log.warning("bank image %s is matched by PDQ alone: %s", id, exc)
        return None


def build_emblems(data: ScreeningData) -> Emblems:
    """The emblem detector over the index's mark reference images (one that cannot be decoded
    or has too few keypoints is left out, with a warning)."""
    from ringfence.screening.detectors.emblems import Emblems, Reference, describe

    references: list[Reference] = []
    for item in data.registry.mark_images:
        try:
            image = decode(base64.b64decode(item.image_base64))
        except (ImageRefused, ValueError) as exc:
            log.warning("mark image %s left out: %s", item.id, exc)
            continue
        described = describe(item.id, item.mark, image.rgb)
        if described is None:
            log.warning("mark image %s left out: too few keypoints", item.id)
            continue
        references.append(described)
    return Emblems(references)
