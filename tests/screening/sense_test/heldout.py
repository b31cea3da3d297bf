"""Screen a labelled set of titles and count what the engine got right, by group.

Shared by ``benchmarks/quality.py`` (which reports the figures) and the CI guard
``tests/screening/test_i16_held_out_quality.py`` (which holds them to ``floors.json``), so
both count the same way. The held-out test set is ``listings.tsv`` here (see SOURCES.md);
``load_labelled`` also reads the training and development sets (``training/sense/*.tsv``,
label ``olympic`` or ``other``) when they exist.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ringfence.screening.engine import INFRINGING, REVIEW, Engine, Listing

HERE = Path(__file__).parent
LISTINGS = HERE / "listings.tsv"
FLOORS = HERE / "floors.json"
TODAY = date(2026, 6, 1)
SELLER = "sense-test-unlicensed-seller"
FLAG, CLEAN = "flag", "clean"
ORDINARY = "ordinary"
FLAGGED = (INFRINGING, REVIEW)
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Item:
    title: str
    category: str
    expected: str  # flag | clean
    cls: str  # evasion class (flag), look-alike kind or "ordinary" (clean)
    lang: str
    source: str


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (95% by default)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def load(path: Path = LISTINGS) -> list[Item]:
    """The held-out set: a tab-separated file with the header of ``Item``'s fields."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Item(**row) for row in reader]


def load_labelled(path: Path) -> list[Item] | None:
    """A training or development file (label ``olympic`` or ``other``) as items, or None
    when it lacks a title or label column. Its own class, kind or language columns are used
    when present; an ``other`` row without a kind counts as ordinary."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        fields = set(reader.fieldnames or ())
        title = next((c for c in ("title", "text", "listing") if c in fields), None)
        if title is None or "label" not in fields:
            return None
        group = next((c for c in ("cls", "class", "kind", "evasion", "sense") if c in fields), None)
        items = []
        for row in reader:
            olympic = row["label"].strip().lower() == "olympic"
            cls = (row.get(group) or "").strip() if group else ""
            items.append(
                Item(
                    title=row[title],
                    category=(row.get("category") or "").strip(),
                    expected=FLAG if olympic else CLEAN,
                    cls=cls or ("olympic" if olympic else ORDINARY),
                    lang=(row.get("lang") or row.get("language") or "?").strip() or "?",
                    source=path.name,
                )
            )
        return items


def digest(path: Path = LISTINGS) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def screen(engine: Engine, items: Sequence[Item], *, today: date = TODAY) -> list[str]:
    """The verdict for each item, as an unlicensed seller's listing with no shipping
    territories (so every exception applies wherever it is scoped)."""
    return [
        engine.screen(
            Listing(str(i), SELLER, item.title, category=item.category or None), today=today
        ).verdict
        for i, item in enumerate(items)
    ]


@dataclass
class Count:
    """k of n: flagged (or infringing) items of a group."""

    k: int = 0
    n: int = 0

    @property
    def rate(self) -> float:
        return self.k / self.n if self.n else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.k, self.n)


# Sections of the figures, and whether the guard holds them from below (recall) or above.
AT_LEAST = ("recall", "recall_by_lang")
AT_MOST = (
    "lookalike_flagged",
    "lookalike_infringing",
    "lookalike_flagged_by_lang",
    "ordinary_flagged",
    "ordinary_flagged_by_lang",
)
ALL = "all"


def figures(items: Iterable[Item], verdicts: Iterable[str]) -> dict[str, dict[str, Count]]:
    """Counts by section and group. Flagged: infringing or review.

    - ``recall``: flag items flagged, per evasion class (and ``all``);
    - ``lookalike_flagged`` / ``lookalike_infringing``: look-alikes (clean items that are
      not ordinary) flagged / answered infringing, per kind (and ``all``);
    - ``ordinary_flagged``: ordinary titles flagged, per source (and ``all``);
    - ``*_by_lang``: the same per language."""
    out: dict[str, dict[str, Count]] = {s: {} for s in (*AT_LEAST, *AT_MOST)}

    def add(section: str, group: str, hit: bool) -> None:
        for key in (group, ALL):
            count = out[section].setdefault(key, Count())
            count.n += 1
            count.k += hit

    for item, verdict in zip(items, verdicts, strict=True):
        flagged = verdict in FLAGGED
        if item.expected == FLAG:
            add("recall", item.cls, flagged)
            add("recall_by_lang", item.lang, flagged)
        elif item.cls == ORDINARY:
            add("ordinary_flagged", item.source.rsplit(":", 1)[0], flagged)
            add("ordinary_flagged_by_lang", item.lang, flagged)
        else:
            add("lookalike_flagged", item.cls, flagged)
            add("lookalike_infringing", item.cls, verdict == INFRINGING)
            add("lookalike_flagged_by_lang", item.lang, flagged)
    return out


def floors_from(figs: dict[str, dict[str, Count]], set_digest: str) -> dict[str, object]:
    """The guard's floors: today's counts (k of n) per section and group."""
    return {
        "listings_sha256": set_digest,
        "today": TODAY.isoformat(),
        "at_least": {s: {g: [c.k, c.n] for g, c in sorted(figs[s].items())} for s in AT_LEAST},
        "at_most": {s: {g: [c.k, c.n] for g, c in sorted(figs[s].items())} for s in AT_MOST},
    }


def below_floors(figs: dict[str, dict[str, Count]], floors: dict[str, Any]) -> list[str]:
    """Every figure that fell: a recall below its floor, a flag rate above its ceiling, or a
    group whose size changed (the set changed: re-record the floors)."""
    fallen = []
    for direction in ("at_least", "at_most"):
        for section, groups in floors[direction].items():
            for group, (k, n) in groups.items():
                count = figs[section].get(group, Count())
                if count.n != n:
                    fallen.append(f"{section}[{group}]: {count.n} listings, floors say {n}")
                elif direction == "at_least" and count.k < k:
                    fallen.append(f"{section}[{group}]: {count.k}/{n} flagged, floor {k}/{n}")
                elif direction == "at_most" and count.k > k:
                    fallen.append(f"{section}[{group}]: {count.k}/{n} flagged, ceiling {k}/{n}")
    return fallen
