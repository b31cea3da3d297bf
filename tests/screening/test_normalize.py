"""Normalisation: every evasion class, and properties that hold for any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.screening.normalize import normalize, normalize_term, original_span, trace

OLYMPIC = " olymplc "

EVASIONS = [
    ("plain", "Olympic", OLYMPIC),
    ("upper case", "OLYMPIC", OLYMPIC),
    ("fullwidth", "ＯＬＹＭＰＩＣ", OLYMPIC),
    ("mathematical bold", "𝐎𝐥𝐲𝐦𝐩𝐢𝐜", OLYMPIC),
    ("mathematical script", "𝒪𝓁𝓎𝓂𝓅𝒾𝒸", OLYMPIC),
    ("diacritics", "Ólÿmpíç", OLYMPIC),
    ("zero-width space", "Oly\u200bmpic", OLYMPIC),
    ("zero-width joiner", "Olym\u200dpic", OLYMPIC),
    ("soft hyphen", "Olym\u00adpic", OLYMPIC),
    ("cyrillic o", "Оlympic", OLYMPIC),
    ("cyrillic mix", "Оlумрiс", OLYMPIC),
    ("greek omicron", "Οlympic", OLYMPIC),
    ("latin o-slash", "Ølympic", OLYMPIC),
    ("leet 0 and 1", "0lymp1c", OLYMPIC),
    ("leet 3 4 5", "0lymp1c Sp3c1al 4thl3te", " olymplc speclal athlete "),
    ("symbols $ @ !", "Olymp!c", OLYMPIC),
    ("repeated letters", "Ollllympiccc", OLYMPIC),
    ("hashtag", "#Olympic", OLYMPIC),
    ("camel case glued", "ParisOlympics", " parls olymplcs "),
    ("punctuation between words", "Olympic...Games", " olymplc games "),
    ("letters and year glued", "Tokyo2020", " tokyo 2020 "),
    ("cjk untouched", "奥运会", " 奥运会 "),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in EVASIONS], ids=[c[0] for c in EVASIONS]
)
def test_evasions_normalise_to_the_mark(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10C model", " 10 c model "),  # digits outnumber letters: no leet, no "IOC"
        ("Olympics2024", " olymplcs 2024 "),  # a year glued to a word stays a year
        ("100% c0tton", " 100 cotton "),
        ("Size 42", " slze 42 "),
    ],
)
def test_leet_only_where_letters_outnumber_digits(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_terms_normalise_like_listings() -> None:
    assert normalize_term("Olympic Games") == "olymplc games"
    assert normalize_term("  ") == ""


texts = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("0123456789$@!|€£ -_.#OlympicОο\u200b\u00ad")),
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_fast_and_traced_paths_agree_and_offsets_are_valid(text: str) -> None:
    view = normalize(text)
    traced, origins = trace(text)
    assert traced == view
    assert len(origins) == len(view)
    assert all(-1 <= o < len(text) for o in origins)
    # every span of the view maps into the text, in order
    for start in range(1, len(view) - 1):
        s, e = original_span(origins, start, start + 1, text)
        assert 0 <= s <= e <= len(text)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_normalising_twice_changes_nothing_more(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


ascii_texts = st.text(
    alphabet=st.sampled_from(list("aAbBoOlLiI0123456789 .-_#$@!|'\tOlympicPARIS")), max_size=40
)


@settings(max_examples=500, deadline=None)
@given(ascii_texts)
def test_ascii_fast_path_equals_the_reference(text: str) -> None:
    from ringfence.screening.normalize import _normalize_any, _normalize_ascii

    assert _normalize_ascii(text) == _normalize_any(text) == trace(text)[0]
