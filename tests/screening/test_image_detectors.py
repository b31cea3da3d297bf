"""The image detectors, table-driven on generated images: official image reuse (positives,
transformed positives, negatives), the multi-index hash against brute force, and the five-ring
symbol (colour and one-colour rings on each product; photos without rings)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from ringfence.screening.detectors.emblems import Emblems, describe
from ringfence.screening.detectors.image_reuse import (
    MAX_DISTANCE,
    BankEntry,
    HashBank,
    ImageReuse,
    bank_hashes,
)
from ringfence.screening.detectors.photo_match import (
    THUMB,
    FeatureIndex,
    PhotoFeatures,
    listing_features,
    pack,
    photo_features,
    unpack,
)
from ringfence.screening.detectors.ring_symbol import RingSymbol
from ringfence.screening.images import decode
from tests.screening.imagegen import (
    PRODUCTS,
    TRANSFORMS,
    emblem,
    encode,
    official_photo,
    product_photo,
    with_emblem,
)

OFFICIAL = [0, 1, 2]


def _detector(*, features: bool = True) -> ImageReuse:
    rows: list[tuple[str, int, int]] = []
    entries = []
    records: list[PhotoFeatures | None] = []
    for owner, seed in enumerate(OFFICIAL):
        rgb = np.asarray(official_photo(seed))
        records.append(unpack(pack(photo_features(rgb))) if features else None)
        rows.extend(bank_hashes(rgb).rows(owner))
        entries.append(
            BankEntry(f"photo-{seed}", "tee", "LIC-1", "LIC:a", frozenset({"LIC:a"}), ("m",))
        )
    return ImageReuse(entries, HashBank.from_hex(rows), records)


@pytest.fixture(scope="module")
def reuse() -> ImageReuse:
    return _detector()


@pytest.fixture(scope="module")
def pdq_only() -> ImageReuse:
    return _detector(features=False)


@pytest.mark.parametrize("transform", [*TRANSFORMS, "background"])
@pytest.mark.parametrize("seed", OFFICIAL)
def test_reuse_finds_official_photos_after_transformations(
    reuse: ImageReuse, seed: int, transform: str
) -> None:
    rng = random.Random(seed)
    if transform == "background":
        img = official_photo(seed, bg_colour=(rng.randint(0, 255), 40, 200))
    else:
        img = TRANSFORMS[transform](official_photo(seed), rng)
    findings = reuse.detect(decode(encode(img, "PNG")), "x.png", "SELLER:z")
    assert findings, transform
    assert findings[0].rule.startswith(f"official_image:photo-{seed}:")
    assert findings[0].exception is None
    assert findings[0].image == "x.png"


@pytest.mark.parametrize("transform", ["identical", "resize_50", "jpeg_q30", "mirror", "text"])
def test_photos_without_a_feature_record_are_matched_by_pdq(
    pdq_only: ImageReuse, transform: str
) -> None:
    img = TRANSFORMS[transform](official_photo(1), random.Random(1))
    [finding, *_] = pdq_only.detect(decode(encode(img, "PNG")), "x.png", "SELLER:z")
    assert finding.rule.startswith("official_image:photo-1:d")
    assert ":i" not in finding.rule


def test_a_crop_is_verified_and_boxed_in_the_listing(reuse: ImageReuse) -> None:
    official = official_photo(2)  # 320 x 320
    listing = Image.new("RGB", (600, 400), (250, 250, 250))
    listing.paste(official.crop((20, 10, 310, 300)), (200, 60))  # in a larger picture
    [finding, *_] = reuse.detect(decode(encode(listing)), "x.png", "SELLER:z")
    assert finding.rule.startswith("official_image:photo-2:")
    assert ":i" in finding.rule
    x0, y0, x1, y1 = finding.box or (0, 0, 0, 0)
    # the whole official frame, mapped into the listing: (180, 50) to (500, 370), clipped
    assert abs(x0 - 180) <= 8
    assert abs(y0 - 50) <= 8
    assert abs(x1 - 500) <= 8
    assert abs(y1 - 370) <= 8


@pytest.mark.parametrize("seed", [1_000, 1_001, 1_002, 1_003, 1_004, 1_005])
def test_other_official_style_photos_do_not_match(reuse: ImageReuse, seed: int) -> None:
    assert reuse.detect(decode(encode(official_photo(seed))), "x.png", "SELLER:z") == []


def test_same_print_on_another_product_is_not_the_photo(reuse: ImageReuse) -> None:
    official = official_photo(0)
    other = Image.new("RGB", official.size, official.getpixel((0, 0)))
    middle = official.crop((96, 112, 224, 224))  # the print and the product around it
    other.paste(middle, (96, 112))
    assert reuse.detect(decode(encode(other)), "x.png", "SELLER:z") == []


def test_feature_records_refuse_damage() -> None:
    record = pack(photo_features(np.asarray(official_photo(0))))
    again = unpack(record)
    assert again.descriptors.shape[1] == 32
    assert again.thumb.shape == (THUMB, THUMB, 3)
    for damaged in (record[:10], b"XXXX" + record[4:], record[:-200], record[:200] + bytes(9)):
        with pytest.raises(ValueError, match="feature record"):
            unpack(damaged)


def test_feature_index_votes_for_the_copied_photo() -> None:
    records = [photo_features(np.asarray(official_photo(s))) for s in range(6)]
    index = FeatureIndex.of(records)
    img = TRANSFORMS["crop_10"](official_photo(4), random.Random(4))
    assert index.candidates(listing_features(np.asarray(img)).descriptors)[0] == 4
    assert FeatureIndex.of([None]).candidates(records[0].descriptors) == []


def test_reuse_by_an_authorised_seller_is_excepted(reuse: ImageReuse) -> None:
    [finding, *_] = reuse.detect(decode(encode(official_photo(1))), "x.png", "LIC:a")
    assert finding.exception is not None
    assert finding.exception.startswith("authorised_seller: LIC-1")


@pytest.mark.parametrize("seed", [100, 101, 102, 103])
def test_other_photos_do_not_match(reuse: ImageReuse, seed: int) -> None:
    rng = random.Random(seed)
    img, _ = product_photo(rng, (256, 256))
    assert reuse.detect(decode(encode(img)), "x.png", "SELLER:z") == []


def test_multi_index_hash_equals_brute_force() -> None:
    rng = np.random.default_rng(7)
    base = rng.integers(0, 256, (2_000, 32), dtype=np.uint8)
    bank = HashBank(base, np.arange(len(base), dtype=np.int32))
    for row in (0, 5, 77):
        query = base[row].copy()
        flip = rng.choice(256, size=int(rng.integers(0, MAX_DISTANCE + 1)), replace=False)
        bits = np.unpackbits(query)
        bits[flip] ^= 1
        query = np.packbits(bits)
        distances = np.unpackbits(base ^ query, axis=1).sum(axis=1)
        expected = sorted((int(d), int(i)) for i, d in enumerate(distances) if d <= MAX_DISTANCE)
        got = sorted((d, i) for i, d in bank.search(query.tobytes()))
        assert got == expected
        assert (len(flip), row) in got


def test_empty_bank_finds_nothing() -> None:
    bank = HashBank.from_hex([])
    assert bank.search(bytes(32)) == []


# ---------------------------------------------------------------------- rings


def _ring_cases() -> list[tuple[str, str | None, int]]:
    cases: list[tuple[str, str | None, int]] = []
    for i, kind in enumerate(PRODUCTS):
        cases.append((kind, "colour", 10 + i))
        cases.append((kind, "mono", 20 + i))
    return cases


@pytest.mark.parametrize(("product", "rings", "seed"), _ring_cases())
def test_ring_symbol_on_products(product: str, rings: str, seed: int) -> None:
    rng = random.Random(seed)
    img, box = product_photo(rng, (360, 360), kind=product, rings=rings)
    assert box is not None
    findings = RingSymbol("symbol-olympic-rings").detect(decode(encode(img)), "p.png")
    assert findings, (product, rings)
    x0, y0, x1, y1 = findings[0].box or (0, 0, 0, 0)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    assert x0 <= cx <= x1
    assert y0 <= cy <= y1
    assert findings[0].mark == "symbol-olympic-rings"


@pytest.mark.parametrize("transform", ["resize_50", "jpeg_q30", "rotate_5", "mirror"])
def test_ring_symbol_after_transformations(transform: str) -> None:
    rng = random.Random(3)
    img, _ = product_photo(rng, (400, 400), kind="tshirt", rings="colour")
    img = TRANSFORMS[transform](img, rng)
    assert RingSymbol(None).detect(decode(encode(img)), "p.png")


@pytest.mark.parametrize("seed", range(40, 48))
def test_no_ring_symbol_without_rings(seed: int) -> None:
    img, _ = product_photo(random.Random(seed), (320, 320))
    assert RingSymbol(None).detect(decode(encode(img)), "p.png") == []


@pytest.mark.parametrize("name", ["coins", "astronaut", "coffee", "chelsea"])
def test_no_ring_symbol_in_sample_photos(name: str) -> None:
    from tests.screening.imagegen import photo

    assert RingSymbol(None).detect(decode(encode(photo(name))), "p.png") == []


# ---------------------------------------------------------------------- emblems


@pytest.fixture(scope="module")
def emblems() -> Emblems:
    references = [describe(f"crest-{i}", f"emblem-{i}", np.asarray(emblem(i))) for i in range(3)]
    assert all(references)
    return Emblems([r for r in references if r is not None])


@pytest.mark.parametrize(
    ("seed", "which", "transform"),
    [(0, 0, "identical"), (1, 1, "jpeg_q30"), (2, 2, "resize_50"), (3, 0, "text")],
)
def test_emblem_found_scaled_and_turned(
    emblems: Emblems, seed: int, which: int, transform: str
) -> None:
    rng = random.Random(seed)
    img, _ = with_emblem(rng, emblem(which))
    img = TRANSFORMS[transform](img, rng)
    findings = emblems.detect(decode(encode(img)), "p.png")
    assert [f.mark for f in findings] == [f"emblem-{which}"]
    x0, y0, x1, y1 = findings[0].box or (0, 0, 0, 0)
    assert x0 < x1
    assert y0 < y1


@pytest.mark.parametrize("seed", range(60, 66))
def test_no_emblem_in_other_photos_or_other_emblems(emblems: Emblems, seed: int) -> None:
    rng = random.Random(seed)
    plain, _ = product_photo(rng, (400, 400))
    other, _ = with_emblem(rng, emblem(seed))  # an emblem not in the registry
    assert emblems.detect(decode(encode(plain)), "p.png") == []
    assert emblems.detect(decode(encode(other)), "p.png") == []


def test_flat_reference_is_refused() -> None:
    flat = np.full((200, 200, 3), 200, np.uint8)
    assert describe("flat", "m", flat) is None
