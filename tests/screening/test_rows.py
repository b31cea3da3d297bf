"""screening.rows: listings given as mappings (the API's JSON) through the batch path give,
row for row, the verdicts that ``Engine.screen`` gives them one by one."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ringfence.screening.engine import Engine
from ringfence.screening.rows import _batch, screen_row, screen_rows
from tests.screening.corpus import generate

ON = date(2026, 6, 1)


def _row(case_listing: Any) -> dict[str, Any]:
    listing = case_listing._asdict()
    listing["ship_to"] = list(listing["ship_to"])
    listing["listed_at"] = listing["listed_at"].isoformat() if listing["listed_at"] else None
    listing["image_paths"] = None
    return listing


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    corpus = generate(size=1_500, seed=16)
    out = [_row(c.listing) for c in corpus.cases]
    # Rows the batch refuses, each as the per-row path would refuse it.
    out += [
        {"listing_id": "e1", "seller_id": "SELLER:x", "title": ""},
        {"listing_id": "e2", "seller_id": "SELLER:x", "title": "mug", "currency": "XXX"},
        {"listing_id": "e3", "seller_id": "SELLER:x", "title": "mug", "ship_to": ["ZZZ"]},
        {"listing_id": "e4", "seller_id": "SELLER:x", "title": "mug", "price": -1},
        {"listing_id": "e5", "seller_id": None, "title": "mug"},
        {"listing_id": None, "seller_id": "SELLER:x", "title": "Olympic mug"},
        {"listing_id": "e7", "seller_id": "SELLER:x", "title": "x" * 2_001},
        {"listing_id": "e8", "seller_id": "SELLER:x", "title": "mug", "listed_at": "June"},
    ]
    return out


def test_i21_rows_give_the_per_row_verdicts(engine: Engine, rows: list[dict[str, Any]]) -> None:
    one_by_one = [screen_row(engine, row, today=ON) for row in rows]
    assert screen_rows(engine, rows, today=ON) == one_by_one
    states = {v.verdict for v in one_by_one}
    assert {"clean", "infringing", "review", "error"} <= states  # the set holds every kind


def test_i21_unproven_rows_are_those_screen_batch_does_not_call_clean(
    engine: Engine, rows: list[dict[str, Any]]
) -> None:
    """``Engine.unproven`` is the prefilter of ``screen_batch``: every row it proves clean is
    clean with no reasons there, and it leaves every row that is not clean."""
    batch = _batch(rows)
    assert batch is not None
    unproven = engine.unproven(batch)
    assert unproven is not None
    assert 0 < len(unproven) < len(rows)
    out = engine.screen_batch(batch, today=ON)
    states, reasons = out.column("verdict").to_pylist(), out.column("reasons").to_pylist()
    left = set(unproven)
    assert all(states[i] == "clean" and not reasons[i] for i in range(len(rows)) if i not in left)
    assert all(i in left for i in range(len(rows)) if states[i] != "clean" or reasons[i])


def test_i21_rows_arrow_cannot_type_go_one_by_one(engine: Engine) -> None:
    """An id that is a number in one row and text in the next has no common Arrow type: the
    request is screened row by row, with the same verdicts."""
    rows: list[dict[str, Any]] = [
        {"listing_id": 7, "seller_id": "SELLER:x", "title": "Olympic rings hoodie"},
        {"listing_id": "8", "seller_id": "SELLER:x", "title": "blue mug"},
        {"listing_id": "9", "seller_id": "SELLER:x", "title": "mug", "ship_to": "FR"},
        {"listing_id": "10", "seller_id": "SELLER:x", "title": "mug", "ship_to": ["FR", "DE"]},
    ]
    verdicts = screen_rows(engine, rows, today=ON)
    assert verdicts == [screen_row(engine, row, today=ON) for row in rows]
    assert [v.listing_id for v in verdicts] == ["7", "8", "9", "10"]
    assert verdicts[0].verdict == "infringing"


def test_i21_rows_without_a_single_value_are_screened_one_by_one(engine: Engine) -> None:
    """Rows whose every field is null give a batch without columns, and so without rows (the
    fuzzer's ``{"listing_id": null, "seller_id": null, "title": null}`` once crashed it): each
    gets the per-row verdict, an error naming what is missing."""
    rows: list[dict[str, Any]] = [{"listing_id": None, "seller_id": None, "title": None}] * 2
    verdicts = screen_rows(engine, rows, today=ON)
    assert verdicts == [screen_row(engine, row, today=ON) for row in rows]
    assert [v.verdict for v in verdicts] == ["error", "error"]
