"""Clone rules, table-driven: each rule trips just past its threshold and not before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ringfence.authenticity.clones import ScanFact, Thresholds, clone_reason
from ringfence.authenticity.enums import ScanReason

T0 = datetime(2026, 11, 25, tzinfo=UTC)
H = timedelta(hours=1)
LIMITS = Thresholds(window=24 * H, max_countries=3, max_devices=5, max_scans=10)


def scans(*specs: tuple[float, str | None, str | None]) -> list[ScanFact]:
    return [ScanFact(T0 + hours * H, country, device) for hours, country, device in specs]


CASES = [
    ("one scan", scans((0, "FR", "a")), None, None, None),
    (
        "three countries in a day",
        scans((0, "FR", "a"), (1, "DE", "a"), (2, "US", "a")),
        None,
        None,
        None,
    ),
    (
        "four countries in a day",
        scans((0, "FR", "a"), (1, "DE", "a"), (2, "US", "a"), (3, "BR", "a")),
        None,
        None,
        ScanReason.many_countries,
    ),
    (
        "four countries over four days",
        scans((0, "FR", "a"), (30, "DE", "a"), (60, "US", "a"), (90, "BR", "a")),
        None,
        None,
        None,
    ),
    ("five devices", scans(*((i, "FR", f"d{i}") for i in range(5))), None, None, None),
    (
        "six devices",
        scans(*((i, "FR", f"d{i}") for i in range(6))),
        None,
        None,
        ScanReason.many_devices,
    ),
    (
        "unknown countries and devices do not count",
        scans(*((i, None, None) for i in range(10))),
        None,
        None,
        None,
    ),
    ("ten scans", scans(*((i * 48, "FR", "a") for i in range(10))), None, None, None),
    (
        "eleven scans",
        scans(*((i * 48, "FR", "a") for i in range(11))),
        None,
        None,
        ScanReason.too_many_scans,
    ),
    ("sold here, scanned here", scans((0, "FR", "a"), (5, "FR", "b")), T0, "FR", None),
    ("sold in FR, taken home to NL", scans((0, "FR", "a"), (50, "NL", "a")), T0, "FR", None),
    (
        "sold in FR, then scanned in NL and CN",
        scans((0, "FR", "a"), (50, "NL", "b"), (100, "CN", "c")),
        T0,
        "FR",
        ScanReason.scanned_away_from_sale,
    ),
    (
        "other countries before the sale do not count",
        scans((0, "NL", "a"), (1, "CN", "b"), (50, "FR", "c")),
        T0 + 40 * H,
        "FR",
        None,
    ),
]


@pytest.mark.parametrize(
    ("history", "sold_at", "sold_country", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_clone_rules(
    history: list[ScanFact],
    sold_at: datetime | None,
    sold_country: str | None,
    expected: ScanReason | None,
) -> None:
    assert clone_reason(history, sold_at, sold_country, LIMITS) is expected
