"""Issue 16: the engine honours an exception's scope: its phrase, its territories and its
category (a registry category id covers its subcategories; a listing without a category is
outside every scoped exception)."""

from __future__ import annotations

from datetime import date

import pytest

from ringfence.registry.builtin import builtin_document
from ringfence.registry.enums import ExceptionReason
from ringfence.registry.schemas import ExceptionIn
from ringfence.screening.engine import Engine, Listing
from ringfence.screening.index import builtin_data

DAY = date(2026, 11, 2)


@pytest.fixture(scope="module")
def scoped() -> Engine:
    doc = builtin_document()
    phrase = ExceptionIn(
        text="Olympic Bakery",
        reason=ExceptionReason.grandfathered_brand,
        territories=["FR"],
        category="home.drinkware",
    )
    marks = [
        m.model_copy(update={"exceptions": [*m.exceptions, phrase]})
        if m.id == "word-olympic"
        else m
        for m in doc.marks
    ]
    return Engine(builtin_data(doc.model_copy(update={"marks": marks})))


@pytest.mark.parametrize(
    ("title", "ship_to", "category", "excepted"),
    [
        ("Olympic Bakery mug", ("FR",), "home.drinkware", True),
        ("Olympic Bakery mug", ("FR",), "home.drinkware.mugs", True),  # below it
        ("Olympic Bakery mug", ("FR",), "home", False),  # above it
        ("Olympic Bakery mug", ("FR",), "home.drinkwares", False),  # not a subcategory
        ("Olympic Bakery mug", ("FR",), None, False),  # no category
        ("Olympic Bakery mug", ("DE",), "home.drinkware", False),  # another territory
        ("Olympic mug", ("FR",), "home.drinkware", False),  # outside the phrase
    ],
)
def test_i16_a_scoped_exception_covers_its_scope_only(
    scoped: Engine,
    title: str,
    ship_to: tuple[str, ...],
    category: str | None,
    excepted: bool,
) -> None:
    listing = Listing("l-1", "seller-9", title, category=category, ship_to=ship_to)
    verdict = scoped.screen(listing, today=DAY)
    assert (verdict.verdict == "clean") is excepted, verdict
    found = [f for f in verdict.evidence if f.mark == "word-olympic"]
    assert found
    assert all(bool(f.exception) is excepted for f in found)
