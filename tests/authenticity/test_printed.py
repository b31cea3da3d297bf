"""What a label prints, as a buyer types it (issue 19): codes.parse_printed."""

from __future__ import annotations

import pytest

from ringfence.authenticity.codes import parse_printed
from ringfence.core.errors import InvalidInput

GTIN = "05901234123457"
SERIAL = "7KQ2M4XW9TB3HJ6P"


@pytest.mark.parametrize(
    ("typed", "lot"),
    [
        (f"{GTIN} · {SERIAL}", None),
        (f"{GTIN}·{SERIAL}", None),
        (f"{GTIN}{SERIAL}", None),
        (f"{GTIN} {SERIAL}", None),
        ("0590 1234 1234 57  7KQ2 M4XW 9TB3 HJ6P", None),
        (f"{GTIN}.{SERIAL}", None),
        (f"{GTIN} - {SERIAL}", None),
        (f"(01){GTIN}(21){SERIAL}", None),
        (f"(01) {GTIN} (10) LOT-7 (21) {SERIAL}", "LOT-7"),
        (f"5901234123457 · {SERIAL}", None),  # a GTIN-13 as printed on the box
        (f"https://id.example/01/{GTIN}/21/{SERIAL}", None),
        (f"id.example/01/{GTIN}/10/A%2FB/21/{SERIAL}", "A/B"),
    ],
)
def test_printed_text_names_the_unit(typed: str, lot: str | None) -> None:
    code = parse_printed(typed)
    assert (code.gtin, code.serial, code.lot) == (GTIN, SERIAL, lot)
    assert code.signature is None


def test_a_link_keeps_its_signature() -> None:
    s = "0123abcd." + "A" * 86
    code = parse_printed(f"https://id.example/01/{GTIN}/21/{SERIAL}?s={s}")
    assert code.key_id == "0123abcd"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "invalid_code"),
        ("hello", "invalid_code"),
        ("1234567 · ABC", "invalid_gtin"),
        ("1234567 ABC", "invalid_code"),
        (f"{GTIN} ·", "invalid_serial"),
        ("05901234123458 · ABC", "invalid_gtin"),  # a wrong check digit
        (f"(01){GTIN}(22){SERIAL}", "invalid_code"),
        (f"(01){GTIN}", "invalid_code"),
        (f"{GTIN} · {'A' * 21}", "invalid_serial"),
        (f"{GTIN} · ABC é", "invalid_serial"),
    ],
)
def test_anything_else_is_refused_naming_the_part(typed: str, error: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_printed(typed)
    assert refused.value.code == error
