"""Evaluating official image reuse on a generated set (issue 17): ``reuse_dev`` (thresholds
are chosen on it) or ``reuse_test`` (never). Shared by ``benchmarks/images.py`` and the CI
guard (``test_reuse_sets.py``).

A set module gives ``official(seed)``, ``copy(seed, transform)``, ``same_backdrop(seed, k)``
(another product on official photo ``seed``'s backdrop) and ``TRANSFORMS``. The bank holds
the official photos that ``bank add`` accepts; recall is counted per transformation over all
official photos (a refused photo counts as missed), false matches over the same-backdrop
photos (a match to any bank photo counts)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np


def rgb(img: Any) -> np.ndarray:
    """An RGB array of a Pillow image or an array."""
    if isinstance(img, np.ndarray):
        return np.ascontiguousarray(img[..., :3])
    return np.asarray(img.convert("RGB"))


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (95 %) of a proportion seen ``k`` times in ``n``."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class SetResult:
    officials: int
    accepted: int  # by bank add now
    accepted_pdq: int  # by the old rule (PDQ quality >= 40)
    recall: dict[str, tuple[int, int]] = field(default_factory=dict)  # hits, n
    misses: dict[str, list[int]] = field(default_factory=dict)
    false: tuple[int, int] = (0, 0)  # matches, n
    false_seeds: list[tuple[int, int]] = field(default_factory=list)
    seconds: float = 0.0


class Bank:
    """The set's official photos, hashed and described as ``bank add`` does."""

    def __init__(self, gen: ModuleType, n: int) -> None:
        from ringfence.screening.detectors.image_reuse import MIN_QUALITY, HashBank, bank_hashes
        from ringfence.screening.detectors.photo_match import (
            FeatureIndex,
            PhotoFeatures,
            pack,
            photo_features,
            unpack,
        )

        try:
            from ringfence.screening.detectors.image_reuse import recognisable
        except ImportError:  # before issue 17: PDQ quality alone
            recognisable = None
        rows: list[tuple[str, int, int]] = []
        self.records: list[PhotoFeatures | None] = []
        self.accepted = self.accepted_pdq = 0
        self.seeds: list[int] = []
        for seed in range(n):
            image = rgb(gen.official(seed))
            hashes, features = bank_hashes(image), photo_features(image)
            self.accepted_pdq += hashes.quality >= MIN_QUALITY
            ok = (
                recognisable(hashes, features, image)
                if recognisable
                else hashes.quality >= MIN_QUALITY
            )
            if not ok:
                continue
            self.accepted += 1
            rows.extend(hashes.rows(len(self.seeds)))
            self.records.append(unpack(pack(features)))
            self.seeds.append(seed)
        self.hashes = HashBank.from_hex(rows)
        self.index = FeatureIndex.of(self.records)

    def matches(self, image: np.ndarray) -> set[int]:
        """The seeds of the official photos the listing image is found to copy."""
        from ringfence.screening.detectors.image_reuse import find

        return {self.seeds[m.owner] for m in find(self.hashes, self.index, self.records, image)}


def evaluate(gen: ModuleType, n: int, negatives: int) -> SetResult:
    """Recall per transformation over ``n`` official photos, false matches over
    ``negatives`` same-backdrop photos per official photo."""
    started = time.perf_counter()
    bank = Bank(gen, n)
    result = SetResult(n, bank.accepted, bank.accepted_pdq)
    for name in gen.TRANSFORMS:
        missed = [s for s in range(n) if s not in bank.matches(rgb(gen.copy(s, name)))]
        result.recall[name] = (n - len(missed), n)
        result.misses[name] = missed
    for seed in range(n):
        for k in range(negatives):
            if bank.matches(rgb(gen.same_backdrop(seed, k))):
                result.false_seeds.append((seed, k))
    result.false = (len(result.false_seeds), n * negatives)
    result.seconds = time.perf_counter() - started
    return result


def lines(name: str, result: SetResult) -> list[str]:
    """A benchmark table of a set's result."""
    out = [
        f"**{name}**: {result.officials} official photos; `bank add` accepts "
        f"{result.accepted} (by PDQ quality alone, the old rule: {result.accepted_pdq}).",
        "",
        "| transformation | n | recall | 95 % interval (Wilson) |",
        "|---|---|---|---|",
    ]
    for transform, (hits, n) in result.recall.items():
        lo, hi = wilson(hits, n)
        out.append(f"| {transform} | {n} | {hits / n:.3f} | {lo:.3f}-{hi:.3f} |")
    k, n = result.false
    lo, hi = wilson(k, n)
    out.append(
        f"| *false matches: another product on an official photo's backdrop* | {n} | "
        f"{k / max(n, 1):.4f} | {lo:.4f}-{hi:.4f} |"
    )
    return out


def cost(gen: ModuleType, n: int) -> dict[str, float]:
    """CPU per listing image (one core, ms) over ``n`` official photos' copies and as many
    same-backdrop photos, each a JPEG file: decode + PDQ alone (the baseline), and decode +
    the whole reuse stage (``find``: PDQ views, keypoints, candidates, verification)."""
    import io

    from PIL import Image

    from ringfence.screening.detectors.image_reuse import find, pdq
    from ringfence.screening.images import decode

    bank = Bank(gen, n)
    files = []
    names = list(gen.TRANSFORMS)
    for seed in range(n):
        for image in (gen.copy(seed, names[seed % len(names)]), gen.same_backdrop(seed, 0)):
            buf = io.BytesIO()
            Image.fromarray(rgb(image)).save(buf, "JPEG", quality=90)
            files.append(buf.getvalue())
    base, full = [], []
    for data in files * 2:  # twice: the first round warms caches
        started = time.process_time()
        pdq(decode(data).rgb)
        base.append(time.process_time() - started)
        started = time.process_time()
        find(bank.hashes, bank.index, bank.records, decode(data).rgb)
        full.append(time.process_time() - started)
    base, full = base[len(files) :], full[len(files) :]
    return {
        "images": len(files),
        "baseline_mean": 1000 * float(np.mean(base)),
        "reuse_mean": 1000 * float(np.mean(full)),
        "reuse_p99": 1000 * float(np.percentile(full, 99)),
        "ratio": float(np.mean(full) / np.mean(base)),
    }
