"""Every allowed and every forbidden transition of the case, notice and appeal machines."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from itertools import product
from typing import Any

import pytest

from ringfence.core.errors import Conflict
from ringfence.enforcement.enums import (
    APPEAL_TRANSITIONS,
    CASE_TRANSITIONS,
    NOTICE_TRANSITIONS,
    AppealStatus,
    CaseStatus,
    NoticeStatus,
    appeal_transition,
    case_transition,
    notice_transition,
)

MACHINES: list[tuple[str, type[StrEnum], Any, Callable[[Any, Any], Any]]] = [
    ("case", CaseStatus, CASE_TRANSITIONS, case_transition),
    ("notice", NoticeStatus, NOTICE_TRANSITIONS, notice_transition),
    ("appeal", AppealStatus, APPEAL_TRANSITIONS, appeal_transition),
]

CASES = [
    pytest.param(name, src, dst, dst in table[src], fn, id=f"{name}:{src.value}->{dst.value}")
    for name, states, table, fn in MACHINES
    for src, dst in product(list(states), repeat=2)
]


@pytest.mark.parametrize(("name", "src", "dst", "allowed", "fn"), CASES)
def test_every_transition(name: str, src: Any, dst: Any, allowed: bool, fn: Any) -> None:
    if allowed:
        assert fn(src, dst) is dst
    else:
        with pytest.raises(Conflict) as info:
            fn(src, dst)
        assert info.value.code == f"illegal_{name}_transition"


# The tables, spelt out: a change to a machine must change this test too.
EXPECTED_CASE = {
    "open": {"escalated", "takedown_requested", "dismissed", "licensed"},
    "escalated": {"takedown_requested", "dismissed", "licensed"},
    "takedown_requested": {"taken_down", "open", "escalated"},
    "taken_down": {"appealed", "closed_taken_down"},
    "appealed": {"reinstated", "closed_taken_down"},
    "closed_taken_down": set(),
    "reinstated": set(),
    "dismissed": {"open", "escalated"},
    "licensed": set(),
}
EXPECTED_NOTICE = {
    "pending": {"sent", "failed", "retracted"},
    "failed": {"sent", "failed"},
    "sent": {"confirmed", "retracted"},
    "confirmed": {"retracted"},
    "retracted": set(),
}
EXPECTED_APPEAL = {
    "filed": {"upheld", "rejected", "withdrawn"},
    "upheld": set(),
    "rejected": set(),
    "withdrawn": set(),
}


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (CASE_TRANSITIONS, EXPECTED_CASE),
        (NOTICE_TRANSITIONS, EXPECTED_NOTICE),
        (APPEAL_TRANSITIONS, EXPECTED_APPEAL),
    ],
)
def test_tables(table: Any, expected: dict[str, set[str]]) -> None:
    assert {k.value: {v.value for v in vs} for k, vs in table.items()} == expected
