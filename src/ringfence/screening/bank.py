"""The image bank's entries made from photo files: decode (bounded, like any untrusted image),
hash (PDQ of the photo and of its views), and shape as a registry entry. Shared by
`ringfence bank add` and `POST /v1/bank/images`."""

from __future__ import annotations

import base64

from ringfence.core.errors import InvalidInput
from ringfence.registry.schemas import OfficialImageIn
from ringfence.screening.error_codes import ErrorCode
from ringfence.screening.images import ImageRefused, decode, require_images


def official_image(
    data: bytes, *, id: str, product: str, licence: str, licensee: str, source: str | None
) -> OfficialImageIn:
    """The bank entry of one official photo; InvalidInput (with the per-image reason as the
    code) when the photo cannot be read or shows nothing to recognise (``image_blank``)."""
    require_images()
    from ringfence.screening.detectors.image_reuse import (  # noqa: PLC0415 - optional extra
        bank_hashes,
        recognisable,
    )
    from ringfence.screening.detectors.photo_match import pack, photo_features  # noqa: PLC0415

    try:
        image = decode(data)
    except ImageRefused as exc:
        raise InvalidInput(f"{source or id}: {exc}", code=exc.reason) from None
    hashes = bank_hashes(image.rgb)
    features = photo_features(image.rgb)
    # a plain studio shot (one product on a flat backdrop) has a low PDQ quality: its feature
    # record and its subject's shape recognise it; only a blank photo is refused
    if not recognisable(hashes, features, image.rgb):
        raise InvalidInput(
            f"{source or id}: the photo is blank (one colour): nothing to recognise it by",
            code=ErrorCode.IMAGE_BLANK,
        )
    return OfficialImageIn(
        id=id,
        product=product,
        licence=licence,
        licensee=licensee,
        pdq=hashes.pdq.hex(),
        quality=hashes.quality,
        cutout=hashes.cutout.hex() if hashes.cutout else None,
        variants=[v.hex() for v in hashes.variants],
        features=base64.b64encode(pack(features)).decode(),
        source=source,
    )
