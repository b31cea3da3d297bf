"""Image screening: quality of official-image reuse detection and of the five-ring detector on a
generated, labelled image set, their cost per image, and the bank lookup at one million hashes.

The images are made here (tests/screening/imagegen.py): product silhouettes (T-shirt, mug, cap,
flag) on plain, gradient and photographic backgrounds, with a print cut from scikit-image's
bundled sample photographs; the rings drawn interlaced in five colours or one. Nothing is
downloaded.

- Reuse: a bank of ``--official`` official photos (studio background); each is transformed
  (resize, JPEG, crops, small rotation, mirror, a caption bar, a new background colour) and
  looked up: recall per transformation. False positives: ``--negatives`` photos that are not
  in the bank, half other official-style studio photos (same products, same studio: the hard
  case), half product photos on other backgrounds (seeds disjoint from the bank's). Both
  with the second stage (feature records, the product) and with PDQ alone (the baseline, in
  the same run).
- Rings: ``--rings`` photos with the rings (half five-colour, half one-colour; half re-encoded
  as JPEG quality 30) and ``--ring-negatives`` without (product photos and crops of the
  sample photographs): recall and false-positive rate, strong findings and all findings.
- Emblems: ``--emblems`` generated crests as reference images, found in product photos
  (printed, scaled, turned, half re-encoded); false positives on photos without them and on
  photos with other crests.
- Cost: images per second on one core for decoding, bank hashing, listing hashing, ring
  and emblem detection; the bare PDQ hash as the baseline measured in the same run.
- Lookup: the multi-index hash over ``--bank`` random 256-bit hashes, against a brute-force
  numpy scan of the same bank in the same run; the feature index's vote over
  ``--feature-bank`` photos' worth of random descriptors.

    .venv/bin/python benchmarks/images.py [--official 300] [--negatives 3000] [--no-write]

Issue 17's sets (official reuse on the development and the test generator, per
transformation, with Wilson intervals, and the reuse stage's CPU against decode + PDQ):

    .venv/bin/python benchmarks/images.py reuse [--official 30] [--negatives 3] [--no-write]

The ring network on its training, development and test sets (``tests/screening/rings_eval.py``)
with Wilson intervals, the geometric detector on the same photos as the baseline, and the CPU of
each stage of a listing image (decode, PDQ, the network, the geometric detector, the reuse
stage, emblems) on the test photos as JPEG files:

    .venv/bin/python benchmarks/images.py rings [--dev 600] [--test 1000] [--no-write]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import beta  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' image generator

from PIL import Image
from tests.screening import reuse_dev, reuse_test, rings_eval, rings_test
from tests.screening.imagegen import (
    PHOTOS,
    TRANSFORMS,
    emblem,
    encode,
    official_photo,
    photo_crop,
    product_photo,
    with_emblem,
)
from tests.screening.reuse_eval import Bank as ReuseBank
from tests.screening.reuse_eval import cost, evaluate
from tests.screening.reuse_eval import lines as set_lines

from docs_section import publish
from ringfence.screening import ringnet
from ringfence.screening.detectors.emblems import Emblems, describe
from ringfence.screening.detectors.image_reuse import (
    CUTOUT_DISTANCE,
    LONE_DISTANCE,
    MAX_DISTANCE,
    HashBank,
    bank_hashes,
    find,
    pdq,
    query_hashes,
)
from ringfence.screening.detectors.photo_match import (
    BANK_KEYPOINTS,
    FeatureIndex,
    PhotoFeatures,
    listing_features,
    pack,
    photo_features,
    unpack,
    verify,
)
from ringfence.screening.detectors.ring_symbol import STRONG, circles, find_patterns
from ringfence.screening.images import decode


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _rgb(img: object) -> np.ndarray:
    return np.asarray(img.convert("RGB"))  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- reuse


# The bank's products carry prints cut from half of the sample photographs, the negatives'
# from the other half. With 22 photographs, negatives printed from the same ones turn out to
# be the same design re-shot (same product, colour and print region) often enough to be
# copies by construction; they are reported apart ("same sources"), not as negatives.
BANK_SOURCES, OTHER_SOURCES = PHOTOS[0::2], PHOTOS[1::2]


def _official(seed: int, bg_colour: tuple[int, int, int] | None = None) -> Image.Image:
    return official_photo(seed, bg_colour, BANK_SOURCES)


class Bank:
    """The benchmark's bank: PDQ hashes and feature records of ``n`` official photos."""

    def __init__(self, n: int) -> None:
        rows: list[tuple[str, int, int]] = []
        self.records: list[PhotoFeatures] = []
        started = time.perf_counter()
        for seed in range(n):
            rgb = _rgb(_official(seed))
            rows.extend(bank_hashes(rgb).rows(seed))
            self.records.append(unpack(pack(photo_features(rgb))))  # as stored
        self.per_photo = (time.perf_counter() - started) / n
        self.record_bytes = statistics.mean(len(pack(r)) for r in self.records)
        self.hashes = HashBank.from_hex(rows)
        self.index = FeatureIndex.of(self.records)

    def matches(self, rgb: np.ndarray, *, features: bool = True) -> set[int]:
        if not features:
            return {m.owner for m in find(self.hashes, None, [], rgb)}
        return {m.owner for m in find(self.hashes, self.index, self.records, rgb)}


def _transformed(name: str, seed: int) -> np.ndarray:
    rng = random.Random(seed + 10_000)
    if name == "background":
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        return _rgb(_official(seed, colour))
    if name == "crop_5":
        w, h = _official(seed).size
        keep = 0.95
        x, y = rng.randint(0, int(w * (1 - keep))), rng.randint(0, int(h * (1 - keep)))
        return _rgb(_official(seed).crop((x, y, x + int(w * keep), y + int(h * keep))))
    return _rgb(TRANSFORMS[name](_official(seed), rng))


def _negative(k: int) -> tuple[str, np.ndarray]:
    """Negative ``k``: another official product shot in the same studio, or a product photo
    on another background; other seeds than the bank's and prints from OTHER_SOURCES."""
    if k % 2 == 0:
        return "studio", _rgb(official_photo(1_000_000 + k, sources=OTHER_SOURCES))
    img, _ = product_photo(random.Random(2_000_000 + k), (320, 320), sources=OTHER_SOURCES)
    return "other", _rgb(img)


def reuse_quality(n: int, negatives: int) -> tuple[list[str], Bank]:
    bank = Bank(n)
    lines = [
        f"Bank: {n} official photos, {bank.hashes.size} PDQ hashes "
        f"({bank.hashes.size / n:.0f} per photo: the photo, its cut-out, crops, rotations, "
        f"strips) and a feature record each (up to {BANK_KEYPOINTS} ORB keypoints, a 96 px "
        f"thumbnail, the subject's outline: {bank.record_bytes / 1024:.1f} KiB on average); "
        f"hashing and describing a photo for the bank took {bank.per_photo * 1000:.0f} ms.",
        "",
        "| transformation | recall, two stages | misses | recall, PDQ alone (baseline) |",
        "|---|---|---|---|",
    ]
    for name in [*TRANSFORMS, "crop_5", "background"]:
        hits = base = 0
        for seed in range(n):
            rgb = _transformed(name, seed)
            hits += seed in bank.matches(rgb)
            base += seed in bank.matches(rgb, features=False)
        lines.append(f"| {_describe(name)} | {hits / n:.3f} | {n - hits} of {n} | {base / n:.3f} |")
    fp = {"studio": [0, 0, 0], "other": [0, 0, 0]}  # [n, two stages, PDQ alone]
    elapsed = 0.0
    for k in range(negatives):
        kind, rgb = _negative(k)
        started = time.perf_counter()
        found = bank.matches(rgb)
        elapsed += time.perf_counter() - started
        fp[kind][0] += 1
        fp[kind][1] += bool(found)
        fp[kind][2] += bool(bank.matches(rgb, features=False))
    same = negatives // 3
    same_two = same_one = 0
    for k in range(same):
        rgb = _rgb(_official(3_000_000 + k))
        same_two += bool(bank.matches(rgb))
        same_one += bool(bank.matches(rgb, features=False))
    total = max(1, negatives)
    two_count = fp["studio"][1] + fp["other"][1]
    two = two_count / total
    one = (fp["studio"][2] + fp["other"][2]) / total
    lines += [
        "",
        "| negatives | n | false positives, two stages | PDQ alone |",
        "|---|---|---|---|",
        f"| other official-style studio photos | {fp['studio'][0]} | {fp['studio'][1]} | "
        f"{fp['studio'][2]} |",
        f"| product photos on other backgrounds | {fp['other'][0]} | {fp['other'][1]} | "
        f"{fp['other'][2]} |",
        f"| rate | {negatives} | {two:.4f} | {one:.4f} |",
        "",
        f"With two stages the rate is at most {_upper(two_count, total):.4f} at 95 % confidence "
        "(one-sided Clopper-Pearson bound).",
        "",
        f"Looking up one listing image with both stages took {elapsed / total * 1000:.1f} ms "
        f"on average (one core).",
        "",
        f"Same sources (not counted above): of {same} other studio photos printed from the "
        f"bank's own sample photographs, {same_two} matched a bank photo with two stages and "
        f"{same_one} with PDQ alone; inspected, such matches are the same design re-shot "
        f"(product, colour and print region alike), which the generator makes by chance.",
    ]
    return lines, bank


def _upper(errors: int, n: int) -> float:
    """One-sided 95 % Clopper-Pearson upper bound of a rate seen ``errors`` times in ``n``."""
    return 1.0 if errors >= n else float(beta.ppf(0.95, errors + 1, n - errors))


def _describe(name: str) -> str:
    return {
        "identical": "identical",
        "resize_50": "resized to 50 %",
        "resize_200": "resized to 200 %",
        "jpeg_q30": "JPEG quality 30",
        "crop_10": "cropped 8-15 % (each side kept 85-92 %)",
        "crop_5": "cropped 5 %",
        "rotate_5": "rotated 2-6 degrees",
        "mirror": "mirrored",
        "text": "caption bar with text added",
        "background": "new background colour",
    }[name]


# ---------------------------------------------------------------------- rings


def ring_quality(positives: int, negatives: int) -> list[str]:
    counts = {"colour": [0, 0, 0], "mono": [0, 0, 0]}  # [n, strong, any]
    for k in range(positives):
        kind = "colour" if k % 2 == 0 else "mono"
        rng = random.Random(50_000 + k)
        img, _ = product_photo(rng, (rng.choice((320, 480, 640)),) * 2, rings=kind)
        if k % 4 < 2:
            img = TRANSFORMS["jpeg_q30"](img, rng)
        rgb = decode(encode(img)).rgb
        found = find_patterns(circles(rgb), rgb)
        counts[kind][0] += 1
        counts[kind][1] += bool(found and found[0][0] >= STRONG)
        counts[kind][2] += bool(found)
    neg = [0, 0, 0]
    for k in range(negatives):
        rng = random.Random(90_000 + k)
        if k % 3 == 2:
            img = photo_crop(rng, (rng.choice((320, 480)),) * 2)
        else:
            img, _ = product_photo(rng, (rng.choice((320, 480, 640)),) * 2)
        rgb = decode(encode(img)).rgb
        found = find_patterns(circles(rgb), rgb)
        neg[0] += 1
        neg[1] += bool(found and found[0][0] >= STRONG)
        neg[2] += bool(found)
    lines = [
        "| ring photos | n | recall, strong findings (score 0.9) | recall, all findings |",
        "|---|---|---|---|",
    ]
    for kind, (n, strong, anything) in counts.items():
        label = "five colours" if kind == "colour" else "one colour"
        lines.append(f"| {label} | {n} | {strong / n:.3f} | {anything / n:.3f} |")
    total = sum(c[0] for c in counts.values())
    lines.append(
        f"| all | {total} | {sum(c[1] for c in counts.values()) / total:.3f} | "
        f"{sum(c[2] for c in counts.values()) / total:.3f} |"
    )
    lines += [
        "",
        f"False positives on {neg[0]} photos without rings (product photos, crops of the "
        f"sample photographs): strong {neg[1]} (rate {neg[1] / neg[0]:.4f}), any finding "
        f"{neg[2]} (rate {neg[2] / neg[0]:.4f}).",
    ]
    return lines


# ---------------------------------------------------------------------- emblems


def emblem_quality(references: int, positives: int, negatives: int) -> tuple[list[str], Emblems]:
    described = [describe(f"e{i}", f"m{i}", _rgb(emblem(i))) for i in range(references)]
    detector = Emblems([d for d in described if d is not None])
    hits = wrong = 0
    for k in range(positives):
        rng = random.Random(70_000 + k)
        which = k % references
        img, _ = with_emblem(rng, emblem(which))
        if k % 2:
            img = TRANSFORMS["jpeg_q30"](img, rng)
        found = detector.detect(decode(encode(img)), "x")
        hits += any(f.mark == f"m{which}" for f in found)
        wrong += any(f.mark != f"m{which}" for f in found)
    plain_fp = other_fp = 0
    for k in range(negatives):
        rng = random.Random(80_000 + k)
        if k % 2:
            img, _ = with_emblem(rng, emblem(1_000 + k))  # an emblem not in the registry
            other_fp += bool(detector.detect(decode(encode(img)), "x"))
        else:
            img, _ = product_photo(rng, (480, 480))
            plain_fp += bool(detector.detect(decode(encode(img)), "x"))
    half = max(1, negatives // 2)
    lines = [
        f"{len(detector.references)} reference emblems (generated crests with letters); "
        f"{positives} product photos with one of them printed at 30-45 % of the photo, turned "
        f"up to 10 degrees, half re-encoded as JPEG quality 30: recall {hits / positives:.3f}, "
        f"another reference reported as well in {wrong}. False positives: {plain_fp} of "
        f"{negatives - half} product photos without an emblem, {other_fp} of {half} photos "
        f"with an emblem that is not in the registry (rate "
        f"{(plain_fp + other_fp) / max(1, negatives):.4f}).",
    ]
    return lines, detector


# ---------------------------------------------------------------------- cost


def _rate(fn: Callable[[Any], object], items: Sequence[Any]) -> float:
    started = time.perf_counter()
    for item in items:
        fn(item)
    return len(items) / (time.perf_counter() - started)


def throughput(n: int, emblems: Emblems, bank: Bank) -> list[str]:
    rng = random.Random(7)
    copies = [_transformed("crop_10", seed) for seed in range(min(n, len(bank.records)))]
    described = [listing_features(c) for c in copies]
    files = [encode(product_photo(rng, (640, 640))[0], "JPEG", quality=85) for _ in range(n)]
    decoded = [decode(f).rgb for f in files]
    rates = {
        "decode a 640 px JPEG (bounded, see docs/screening.md)": _rate(decode, files),
        "baseline: one bare PDQ hash": _rate(pdq, decoded),
        "hash an official photo for the bank (all views)": _rate(bank_hashes, decoded),
        "hash a listing image for lookup (views x dihedral)": _rate(query_hashes, decoded),
        "describe an official photo for the bank (feature record)": _rate(photo_features, decoded),
        "describe a listing image (keypoints, as it is and mirrored)": _rate(
            listing_features, decoded
        ),
        "verify a listing image against one candidate (a 10 % crop of it)": _rate(
            lambda i: verify(described[i], bank.records[i]), list(range(len(described)))
        ),
        "ring detection": _rate(lambda a: find_patterns(circles(a), a), decoded),
        f"emblem detection ({len(emblems.references)} references)": _rate(
            lambda f: emblems.detect(decode(f), "x"), files
        ),
    }
    lines = ["| work, one core | images/s |", "|---|---|"]
    lines += [f"| {k} | {v:,.0f} |" for k, v in rates.items()]
    return lines


def feature_lookup(photos: int, queries: int) -> list[str]:
    """The feature index's vote at ``photos`` photos of BANK_KEYPOINTS random descriptors
    (real descriptors cluster more: their buckets are fuller, and the stop-word cap bounds
    them); each query is one listing image's worth (2 x 600 descriptors), half of them copied
    from one bank photo with up to 20 bits flipped."""
    rng = np.random.default_rng(2)
    count = photos * BANK_KEYPOINTS
    descriptors = rng.integers(0, 256, (count, 32), dtype=np.uint8)
    started = time.perf_counter()
    index = FeatureIndex(descriptors, np.repeat(np.arange(photos, dtype=np.int32), BANK_KEYPOINTS))
    built = time.perf_counter() - started
    size = index.nbytes
    times, found = [], 0
    for _ in range(queries):
        target = int(rng.integers(0, photos))
        own = descriptors[target * BANK_KEYPOINTS : (target + 1) * BANK_KEYPOINTS][:150]
        bits = np.unpackbits(own, axis=1)
        for row in bits:
            row[rng.choice(256, size=int(rng.integers(0, 21)), replace=False)] ^= 1
        query = np.concatenate(
            [np.packbits(bits, axis=1), rng.integers(0, 256, (1050, 32), np.uint8)]
        )
        started = time.perf_counter()
        got = index.candidates(query)
        times.append(time.perf_counter() - started)
        found += bool(got) and got[0] == target
    return [
        f"Feature index over {photos:,} photos ({count:,} random descriptors, "
        f"{size / photos / 1024:.1f} KiB of memory a photo, built in {built:.1f} s): "
        f"{queries} listing images of 1,200 descriptors, 150 of them a bank photo's with 0-20 "
        f"bits flipped: that photo ranked first for {found} of {queries}; median "
        f"{statistics.median(times) * 1000:.1f} ms a listing image.",
    ]


def lookup(size: int, queries: int) -> list[str]:
    rng = np.random.default_rng(1)
    hashes = rng.integers(0, 256, (size, 32), dtype=np.uint8)
    started = time.perf_counter()
    bank = HashBank(hashes, np.arange(size, dtype=np.int32))
    built = time.perf_counter() - started
    targets = rng.integers(0, size, queries)
    probes = []
    for t in targets:
        bits = np.unpackbits(hashes[t])
        bits[rng.choice(256, size=int(rng.integers(0, MAX_DISTANCE + 1)), replace=False)] ^= 1
        probes.append(np.packbits(bits).tobytes())
    misses = rng.integers(0, 256, (queries, 32), dtype=np.uint8)
    times, found = [], 0
    for t, p in zip(targets, probes, strict=True):
        started = time.perf_counter()
        result = bank.search(p)
        times.append(time.perf_counter() - started)
        found += any(i == t for i, _ in result)
    miss_times = []
    for m in misses:
        started = time.perf_counter()
        bank.search(m.tobytes())
        miss_times.append(time.perf_counter() - started)
    words = np.ascontiguousarray(hashes).view(">u8").astype(np.uint64)
    brute = []
    for p in probes[:20]:
        q = np.frombuffer(p, np.uint8).view(">u8").astype(np.uint64)
        started = time.perf_counter()
        np.nonzero(np.bitwise_count(words ^ q).sum(axis=1) <= MAX_DISTANCE)
        brute.append(time.perf_counter() - started)
    median = statistics.median(times)
    brute_median = statistics.median(brute)
    p99 = sorted(times)[int(len(times) * 0.99)]
    return [
        f"Bank of {size:,} random 256-bit hashes (built in {built:.1f} s; 16 tables of 16-bit "
        f"chunks). {queries:,} queries within 0-{MAX_DISTANCE} bits of a bank hash: all found "
        f"({found:,} of {queries:,}); median {median * 1e6:.0f} µs, p99 {p99 * 1e6:.0f} µs per "
        f"hash looked up; a hash that matches nothing: median "
        f"{statistics.median(miss_times) * 1e6:.0f} µs. Baseline in the same run, a brute-force "
        f"numpy scan of the same bank: {brute_median * 1e3:.1f} ms "
        f"(the index is {brute_median / median:,.0f} x faster).",
        "Random hashes fill the chunk tables evenly; real PDQ hashes cluster more, which makes "
        "the buckets (and so the lookup) somewhat larger.",
    ]


# ---------------------------------------------------------------------- reuse: issue 17


def reuse_sets(n: int, negatives: int, cost_n: int) -> list[str]:
    """Official image reuse on the development set (``reuse_dev``: thresholds were chosen on
    it) and on the test set (``reuse_test``: written apart, never used to choose), with
    Wilson intervals; and the reuse stage's CPU per listing image against decode + PDQ alone
    in the same run."""
    out: list[str] = []
    for name, gen in (("Development set", reuse_dev), ("Test set", reuse_test)):
        result = evaluate(gen, n, negatives)
        out += [*set_lines(f"{name} (`tests/screening/{gen.__name__.rsplit('.', 1)[1]}.py`)",
                           result), ""]  # fmt: skip
    figures = cost(reuse_test, cost_n)
    out += [
        f"CPU per listing image, one core, {figures['images']:.0f} test-set JPEGs (copies and "
        f"same-backdrop products) against a bank of {cost_n}: decode + PDQ alone "
        f"{figures['baseline_mean']:.1f} ms; decode + the whole reuse stage "
        f"{figures['reuse_mean']:.1f} ms mean, {figures['reuse_p99']:.1f} ms p99 "
        f"({figures['ratio']:.1f} x the baseline).",
    ]
    return out


def reuse_main() -> None:
    parser = argparse.ArgumentParser(description="official image reuse on the issue 17 sets")
    parser.add_argument("--official", type=int, default=30)
    parser.add_argument("--negatives", type=int, default=3, help="per official photo")
    parser.add_argument("--cost", type=int, default=40, help="official photos for the cost run")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(sys.argv[2:])
    _pin_one_core()
    lines = [
        "## Official image reuse on the issue 17 sets",
        "",
        f"`.venv/bin/python benchmarks/images.py reuse` on {date.today().isoformat()}, "
        f"{platform.python_implementation()} {platform.python_version()}, one core. Each set: "
        "official product shots (printed and plain products on flat, gradient and "
        "photographic backdrops), each copied by every transformation, and "
        f"{args.negatives} other products shot on each official photo's backdrop. Recall "
        "counts a photo that `bank add` refused as missed; a false match is a match to any "
        "bank photo. Targets (issue 17): recall >= 0.98 for every transformation, false "
        "matches <= 0.001.",
        "",
        *reuse_sets(args.official, args.negatives, args.cost),
    ]
    publish("images-reuse", lines, write=not args.no_write)


# ---------------------------------------------------------------------- rings: issue 17


def _ms(fn: Callable[[Any], object], items: Sequence[Any]) -> list[float]:
    """CPU milliseconds of ``fn`` on each item (process time: other processes' load aside);
    the items are run twice and the second round is kept (warm caches)."""
    out = []
    for _ in range(2):
        out = []
        for item in items:
            started = time.process_time()
            fn(item)
            out.append(1000 * (time.process_time() - started))
    return out


def _network(path: Path | None) -> ringnet.RingNet:
    if path is None:
        return ringnet.load()
    return ringnet.load(path, hashlib.sha256(path.read_bytes()).hexdigest())


def ring_costs(n: int, reuse_bank: int, net: ringnet.RingNet) -> list[str]:
    files = [encode(Image.fromarray(rings_test.photo(k).rgb), "JPEG", quality=88) for k in range(n)]
    images = [decode(f) for f in files]
    decoded = [d.rgb for d in images]
    bank = ReuseBank(reuse_test, reuse_bank)
    described = [describe(f"e{i}", f"m{i}", _rgb(emblem(i))) for i in range(10)]
    emblems = Emblems([d for d in described if d is not None])
    stages = {
        "decode (bounded, at most 1,024 px)": _ms(decode, files),
        "PDQ hash of the decoded image": _ms(pdq, decoded),
        "ring network (two sizes)": _ms(net.score, decoded),
        "geometric ring detector (before)": _ms(lambda a: find_patterns(circles(a), a), decoded),
        f"official image reuse, bank of {reuse_bank} (PDQ views + keypoints + verification)": _ms(
            lambda a: find(bank.hashes, bank.index, bank.records, a), decoded
        ),
        "emblems, 10 references (ORB + RANSAC)": _ms(lambda d: emblems.detect(d, "x"), images),
    }
    lines = [
        f"CPU per listing image, one core, {n} test photos (300-900 px) as JPEG files:",
        "",
        "| stage | mean ms | p99 ms |",
        "|---|---|---|",
    ]
    for name, ms in stages.items():
        lines.append(f"| {name} | {statistics.mean(ms):.1f} | {float(np.percentile(ms, 99)):.1f} |")
    decoding, hashing = (
        stages["decode (bounded, at most 1,024 px)"],
        stages["PDQ hash of the decoded image"],
    )
    base = [a + b for a, b in zip(decoding, hashing, strict=True)]
    ours = [a + b for a, b in zip(base, stages["ring network (two sizes)"], strict=True)]
    lines += [
        "",
        f"Decode + PDQ alone (the baseline): {statistics.mean(base):.1f} ms mean; with the ring "
        f"network: {statistics.mean(ours):.1f} ms mean, {float(np.percentile(ours, 99)):.1f} ms "
        f"p99 ({statistics.mean(ours) / statistics.mean(base):.1f} x the baseline).",
    ]
    return lines


def rings_main() -> None:

    parser = argparse.ArgumentParser(description="the ring network on the issue 17 sets")
    parser.add_argument("--train", type=int, default=2_000)
    parser.add_argument("--dev", type=int, default=600)
    parser.add_argument("--test", type=int, default=1_000)
    parser.add_argument("--baseline", type=int, default=300, help="photos per set, geometric")
    parser.add_argument("--cost", type=int, default=150, help="photos for the cost table")
    parser.add_argument("--reuse-bank", type=int, default=30)
    parser.add_argument("--network", type=Path, help="a trained file (default: the shipped one)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(sys.argv[2:])
    _pin_one_core()
    net = _network(args.network)
    sets = {"train": args.train, "dev": args.dev, "test": args.test}
    names = {
        "train": "Training pictures (`ringnet_data.sample`, seeds training used; 128 px)",
        "dev": "Development photos (`ringnet_data.dev_photo`; the thresholds were chosen here)",
        "test": "Test photos (`tests/screening/rings_test.py`: written apart, never used to "
        "choose)",
    }
    lines = [
        "## The five-ring symbol: the ring network on the issue 17 sets",
        "",
        f"`.venv/bin/python benchmarks/images.py rings` on {date.today().isoformat()}, "
        f"{platform.python_implementation()} {platform.python_version()}, one core. Network "
        f"`{args.network or ringnet.PATH}`, thresholds "
        f"P >= {net.weak} (any finding: review) and P >= {net.strong} (verdict). Targets "
        "(issue 17): recall >= 0.95; photos without the symbol flagged <= 1 %, each decoy kind "
        "<= 5 %.",
        "",
    ]
    for key, n in sets.items():
        result = rings_eval.evaluate(key, n, rings_eval.net_detector(net))
        lines += [*rings_eval.lines(f"{names[key]}, ring network", result), ""]
        if key != "train" and args.baseline:
            base = rings_eval.evaluate(key, min(n, args.baseline), rings_eval.geometric_detector())
            lines += [
                *rings_eval.lines(f"{names[key]}, geometric detector (before), first "
                                  f"{min(n, args.baseline)}", base), "",
            ]  # fmt: skip
    lines += ring_costs(args.cost, args.reuse_bank, net)
    publish("images-rings", lines, write=not args.no_write)


def main() -> None:
    if sys.argv[1:2] == ["reuse"]:
        reuse_main()
        return
    if sys.argv[1:2] == ["rings"]:
        rings_main()
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--official", type=int, default=300)
    parser.add_argument("--negatives", type=int, default=3_000)
    parser.add_argument("--rings", type=int, default=300)
    parser.add_argument("--ring-negatives", type=int, default=1_000)
    parser.add_argument("--emblems", type=int, default=10)
    parser.add_argument("--emblem-photos", type=int, default=200)
    parser.add_argument("--emblem-negatives", type=int, default=400)
    parser.add_argument("--throughput", type=int, default=60)
    parser.add_argument("--bank", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--feature-bank", type=int, default=100_000, help="photos")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    _pin_one_core()
    reuse, bank = reuse_quality(args.official, args.negatives)
    emblem_lines, emblems = emblem_quality(args.emblems, args.emblem_photos, args.emblem_negatives)
    lines = [
        "## Image screening",
        "",
        f"`.venv/bin/python benchmarks/images.py` on {date.today().isoformat()}, "
        f"{platform.python_implementation()} {platform.python_version()}, one core, generated "
        "images (see the script's docstring). Targets (issue 4): reuse recall >= 0.98 at a "
        "false-positive rate <= 0.001; ring recall >= 0.9 at a false-positive rate <= 0.01.",
        "",
        "### Official image reuse",
        "",
        f"Two stages (docs/screening.md): PDQ candidates (within {MAX_DISTANCE} bits, "
        f"{LONE_DISTANCE} when only one hash of the listing image comes near, cut-outs within "
        f"{CUTOUT_DISTANCE}) and the feature index's votes, each verified by keypoints, "
        "alignment, colour, details, texture and outline. The baseline column is PDQ alone, as "
        "before the second stage (and as for bank photos without a feature record).",
        "",
        *reuse,
        "",
        "### The five-ring symbol",
        "",
        *ring_quality(args.rings, args.ring_negatives),
        "",
        "### Emblems (ORB + RANSAC)",
        "",
        *emblem_lines,
        "",
        "### Cost per image",
        "",
        *throughput(args.throughput, emblems, bank),
        "",
        "### Bank lookup",
        "",
        *lookup(args.bank, args.queries),
        "",
        *feature_lookup(args.feature_bank, min(200, args.queries)),
    ]
    publish("images", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
