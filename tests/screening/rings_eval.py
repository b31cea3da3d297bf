"""Evaluating the ring network (issue 17) on its three sets, shared by ``benchmarks/images.py
rings`` and the CI guard (``test_i17_ring_quality.py``):

- train: training pictures (``ringnet_data.sample``, the seeds training used), 128 x 128 px;
- dev: development photos (``ringnet_data.dev_photo``; the thresholds are chosen on them);
- test: ``rings_test.photo``, written apart and never used to choose anything.

A photo is *flagged* when the detector reports any finding (``weak``: review or more) and
*strongly* when the finding is a verdict (``strong``). Positives are counted per rendering
(colour, one colour) and per stroke width at the detector's working size (``ringnet.SIDE``):
thin under 2 px; negatives per decoy kind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ringfence.screening import ringnet, ringnet_data
from ringfence.screening.ringnet_train import CROP
from tests.screening import rings_test
from tests.screening.reuse_eval import wilson


@dataclass(frozen=True)
class Item:
    rgb: npt.NDArray[np.uint8]
    rings: bool
    kind: str
    stroke: float  # at the working size


def _work(rgb: npt.NDArray[np.uint8], stroke: float) -> float:
    return stroke * min(1.0, ringnet.SIDE / max(rgb.shape[:2]))


def items(name: str, n: int, start: int = 0) -> Iterator[Item]:
    for k in range(start, start + n):
        if name == "train":
            s = ringnet_data.sample(k, (CROP, CROP))
            yield Item(s.rgb, bool(s.label), _kind(s.kind), _work(s.rgb, s.stroke))
        elif name == "dev":
            s = ringnet_data.dev_photo(k)
            yield Item(s.rgb, bool(s.label), _kind(s.kind), _work(s.rgb, s.stroke))
        else:
            t = rings_test.photo(k)
            yield Item(t.rgb, t.rings, t.kind, _work(t.rgb, t.stroke))


def _kind(kind: str) -> str:
    return {"rings_colour": "colour", "rings_mono": "mono"}.get(kind, kind)


@dataclass
class Counts:
    n: int = 0
    weak: int = 0
    strong: int = 0


@dataclass
class Result:
    positives: dict[str, Counts] = field(default_factory=dict)  # per rendering and stroke band
    negatives: dict[str, Counts] = field(default_factory=dict)  # per decoy kind
    all_pos: Counts = field(default_factory=Counts)
    all_neg: Counts = field(default_factory=Counts)
    missed: list[int] = field(default_factory=list)
    false: list[int] = field(default_factory=list)


def evaluate(
    name: str, n: int, detect: Callable[[npt.NDArray[np.uint8]], tuple[bool, bool]]
) -> Result:
    """``detect(rgb)`` -> (any finding, a strong finding)."""
    result = Result()
    for k, item in enumerate(items(name, n)):
        weak, strong = detect(item.rgb)
        if item.rings:
            groups = [item.kind, "thin (< 2 px)" if item.stroke < 2 else "2 px or more"]
            total = result.all_pos
            if not weak:
                result.missed.append(k)
        else:
            groups = [item.kind]
            total = result.all_neg
            if weak:
                result.false.append(k)
        table = result.positives if item.rings else result.negatives
        for c in [*(table.setdefault(g, Counts()) for g in groups), total]:
            c.n += 1
            c.weak += weak
            c.strong += strong
    return result


def net_detector(net: ringnet.RingNet) -> Callable[[npt.NDArray[np.uint8]], tuple[bool, bool]]:
    def detect(rgb: npt.NDArray[np.uint8]) -> tuple[bool, bool]:
        p, _ = net.score(rgb)
        return p >= net.weak, p >= net.strong

    return detect


def geometric_detector() -> Callable[[npt.NDArray[np.uint8]], tuple[bool, bool]]:
    from ringfence.screening.detectors.ring_symbol import STRONG, circles, find_patterns

    def detect(rgb: npt.NDArray[np.uint8]) -> tuple[bool, bool]:
        found = find_patterns(circles(rgb), rgb)
        return bool(found), bool(found and found[0][0] >= STRONG)

    return detect


def _cell(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"{k / max(n, 1):.3f} ({k} of {n}; {lo:.3f}-{hi:.3f})"


def lines(title: str, result: Result) -> list[str]:
    out = [
        f"**{title}**",
        "",
        "| photos | n | flagged (any finding; 95 % Wilson) | verdict (strong) |",
        "|---|---|---|---|",
    ]
    p = result.all_pos
    out.append(
        f"| with the rings: recall | {p.n} | {_cell(p.weak, p.n)} | {p.strong / max(1, p.n):.3f} |"
    )
    for g, c in sorted(result.positives.items()):
        out.append(f"| ... {g} | {c.n} | {_cell(c.weak, c.n)} | {c.strong / max(1, c.n):.3f} |")
    q = result.all_neg
    out.append(
        f"| without the rings: flagged | {q.n} | {_cell(q.weak, q.n)} | {q.strong / max(1, q.n):.3f} |"
    )
    for g, c in sorted(result.negatives.items()):
        out.append(f"| ... {g} | {c.n} | {_cell(c.weak, c.n)} | {c.strong / max(1, c.n):.3f} |")
    return out


def summary(result: Result) -> dict[str, float]:
    p, q = result.all_pos, result.all_neg
    worst = max((c.weak / c.n for c in result.negatives.values() if c.n), default=0.0)
    return {
        "recall": p.weak / max(1, p.n),
        "false": q.weak / max(1, q.n),
        "worst_kind": worst,
        "n": float(p.n + q.n),
    }
