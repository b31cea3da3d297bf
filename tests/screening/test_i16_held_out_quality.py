"""Issue 16: the held-out test set's figures must not fall.

The set (``tests/screening/sense_test/listings.tsv``, see its SOURCES.md) is built apart from
the training and development data and is never used to choose anything; this guard only holds
the engine to the figures recorded in ``floors.json`` (today's engine's, re-recorded with
``benchmarks/quality.py --held-out-only --record-floors`` when the engine improves): recall per
evasion class and language at or above its floor, look-alikes and ordinary titles flagged at or
below their ceiling."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

import ringfence.registry
from ringfence.screening.engine import Engine
from tests.screening.sense_test import generate, heldout

CATEGORIES = Path(ringfence.registry.__file__).parent / "data" / "categories.csv"


@pytest.fixture(scope="module")
def items() -> list[heldout.Item]:
    return heldout.load()


def test_i16_held_out_set_is_what_its_generator_writes() -> None:
    assert generate.main(["--check"]) == 0


def test_i16_held_out_set_is_labelled_and_large_enough(items: list[heldout.Item]) -> None:
    header = heldout.LISTINGS.read_text(encoding="utf-8").split("\n", 1)[0]
    assert header == "title\tcategory\texpected\tcls\tlang\tsource"
    with CATEGORIES.open(encoding="utf-8") as f:
        categories = {row["id"] for row in csv.DictReader(f)}
    assert all(i.expected in (heldout.FLAG, heldout.CLEAN) for i in items)
    assert all(i.title.strip() and i.lang and i.source for i in items)
    assert {i.category for i in items} - {""} <= categories
    assert len({i.title for i in items}) == len(items)
    evasions = Counter(i.cls for i in items if i.expected == heldout.FLAG)
    kinds = Counter(
        i.cls for i in items if i.expected == heldout.CLEAN and i.cls != heldout.ORDINARY
    )
    assert len(evasions) >= 15, evasions
    assert min(evasions.values()) >= 100, evasions
    assert len(kinds) >= 10, kinds
    assert min(kinds.values()) >= 40, kinds
    assert sum(i.cls == heldout.ORDINARY for i in items) >= 10_000
    assert all(i.source.startswith(("real:", "gen:")) for i in items)


def test_i16_held_out_figures_do_not_fall(items: list[heldout.Item]) -> None:
    floors = json.loads(heldout.FLOORS.read_text(encoding="utf-8"))
    assert floors["listings_sha256"] == heldout.digest(), (
        "listings.tsv changed: re-record the floors with "
        "benchmarks/quality.py --held-out-only --record-floors"
    )
    figs = heldout.figures(items, heldout.screen(Engine.builtin(), items))
    assert heldout.below_floors(figs, floors) == []


def test_i16_wilson_interval() -> None:
    low, high = heldout.wilson(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    low, high = heldout.wilson(0, 25_000)
    assert low == 0.0
    assert 1.5e-4 < high < 1.6e-4  # about 1.5 false flags per 10,000 still possible
    assert heldout.wilson(0, 0) == (0.0, 1.0)


def test_i16_below_floors_names_what_fell() -> None:
    items = [
        heldout.Item("a", "", heldout.FLAG, "leet", "en", "gen:x"),
        heldout.Item("b", "", heldout.CLEAN, "lifting", "en", "gen:y"),
    ]
    floors = heldout.floors_from(heldout.figures(items, ["review", "clean"]), "d")
    worse = heldout.figures(items, ["clean", "infringing"])
    fallen = heldout.below_floors(worse, floors)
    assert "recall[leet]: 0/1 flagged, floor 1/1" in fallen
    assert "lookalike_flagged[lifting]: 1/1 flagged, ceiling 0/1" in fallen
    assert heldout.below_floors(heldout.figures(items, ["review", "clean"]), floors) == []
