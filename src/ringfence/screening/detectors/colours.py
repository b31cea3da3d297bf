"""The five-ring symbol described by its colours (issue 16, fourth round): the five colours of
the rings (blue, yellow, black, green, red: Olympic Charter, rule 8) named one after the other,
in any order and any registry language, next to a word for rings or circles ("Blue Yellow Black
Green Red Rings", "Ringe in Blau, Gelb, Schwarz, Grün und Rot", "синее, жёлтое, чёрное, зелёное
и красное кольца", "青・黄・黒・緑・赤の五つの輪").

Five colours alone are no symbol (crayons, balloons and T-shirts come in five colours), so a run
counts only beside a ring word: the ring word at most ``NEAR`` words before the run or after it
(``NEAR_CJK`` characters in scripts written without spaces). The colours in the symbol's own
order, read from either end (blue, yellow, black, green, red, as the rings stand from left to
right; or the top row then the bottom row: blue, black, red, yellow, green) are a strong
description (``STRONG``); any other order is weak (``WEAK``: it needs Olympic context, like
"interlocking rings"). Matching is on the text as written, lower-cased, so offsets are the
listing's own; the words are whole words (``\\w+`` tokens).

``trigger_words`` are the ring words: the compiled prefilter refers every text holding one to
this detector, so that the fast path and the reference path stay equal.
"""

from __future__ import annotations

import re

STRONG = 0.9
WEAK = 0.75
NEAR = 3  # words between the run and its ring word, at most ("Ringe in Blau ...": 1)
NEAR_CJK = 4  # characters ("…赤の五つの輪": 4)

# colour -> whole-word forms in the registry's languages (inflections where a language has them
# after a plural noun or an article); Arabic forms may carry the conjunction و glued in front
_COLOURS: dict[str, str] = {
    "blue": (
        r"blue|bleue?s?|blau(?:e[nrms]?)?|azul(?:es)?|azuis|blu|blauwe?|niebiesk[a-zżźćńółęąś]*"
        r"|син[а-яё]*|голуб[а-яё]*|μπλε|κυαν[α-ωάέήίόύώ]*|و?أزرق|و?زرقاء|파란색?|파랑"
    ),
    "yellow": (
        r"yellow|jaunes?|gelb(?:e[nrms]?)?|amarill[oa]s?|amarel[oa]s?|giall[oaie]|geel|gele"
        r"|żółt[a-zżźćńółęąś]*|ж[её]лт[а-яё]*|κίτριν[α-ωάέήίόύώ]*|و?أصفر|و?صفراء|노란색?|노랑"
    ),
    "black": (
        r"black|noire?s?|schwarz(?:e[nrms]?)?|negr[oa]s?|pret[oa]s?|ner[oaie]|zwarte?"
        r"|czarn[a-zżźćńółęąś]*|ч[её]рн[а-яё]*|μαύρ[α-ωάέήίόύώ]*|و?أسود|و?سوداء|검은색?|검정색?"
    ),
    "green": (
        r"green|verte?s?|grün(?:e[nrms]?)?|gruen(?:e[nrms]?)?|verdes?|verdi|groene?"
        r"|zielon[a-zżźćńółęąś]*|зел[её]н[а-яё]*|πράσιν[α-ωάέήίόύώ]*|و?أخضر|و?خضراء|초록색?|녹색"
    ),
    "red": (
        r"red|rouges?|rot(?:e[nrms]?)?|roj[oa]s?|vermelh[oa]s?|ross[oaie]|rood|rode"
        r"|czerwon[a-zżźćńółęąś]*|красн[а-яё]*|κόκκιν[α-ωάέήίόύώ]*|و?أحمر|و?حمراء|빨간색?|빨강"
    ),
}
_COLOUR_RE = {c: re.compile(f"(?:{p})") for c, p in _COLOURS.items()}
# words that may join two colours ("and"): skipped inside a run
_JOIN = frozenset({"and", "und", "et", "y", "e", "en", "i", "и", "και", "و", "그리고"})
# ring words in the plural (the five rings), as whole words
_RING_WORDS = [
    *("rings", "circles", "loops", "hoops", "ringe", "ringen", "anneaux", "anillos", "aros"),
    *("anéis", "aneis", "argolas", "anelli", "cerchi", "koła", "kół", "kola", "kółka"),
    *("pierścienie", "pierścieni", "кольца", "колец", "кольцами", "κύκλοι", "κύκλων"),
    *("κρίκοι", "κρίκων", "حلقات", "الحلقات", "고리", "링"),
]
_RING_SET = frozenset(_RING_WORDS)
_RING_CJK = "环環圈輪"
_RING_SEARCH = re.compile(
    r"(?<!\w)(?:"
    + "|".join(map(re.escape, _RING_WORDS))
    + r")(?!\w)|リング|링|["
    + _RING_CJK
    + "]",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
_CJK_COLOURS = {
    "blue": "蓝藍青",
    "yellow": "黄黃",
    "black": "黑黒",
    "green": "绿綠緑",
    "red": "红紅赤",
}
_CJK_CLASS = {ch: c for c, chars in _CJK_COLOURS.items() for ch in chars}
_CJK_RUN = re.compile("(?:[" + "".join(_CJK_CLASS) + "]色?[、，,・/ ]?){5}")
ORDERS = (
    ("blue", "yellow", "black", "green", "red"),
    ("blue", "black", "red", "yellow", "green"),
)
_STRONG_ORDERS = frozenset(ORDERS) | frozenset(tuple(reversed(o)) for o in ORDERS)


def trigger_words() -> list[str]:
    """The ring words a text must hold for this detector to find anything (as written; the
    caller normalises them for the prefilter), and the ring characters of CJK scripts."""
    return [*_RING_WORDS, *_RING_CJK, "リング"]


def _colour(word: str) -> str | None:
    for colour, pattern in _COLOUR_RE.items():
        if pattern.fullmatch(word):
            return colour
    return None


def _score(order: tuple[str, ...]) -> float:
    return STRONG if order in _STRONG_ORDERS else WEAK


def find_colour_rings(text: str) -> list[tuple[int, int, float]]:
    """(start, end, score) of each run of the five colours beside a ring word."""
    if _RING_SEARCH.search(text) is None:
        return []
    lowered = text.lower()
    if len(lowered) != len(text):  # a lower case of another length: offsets would not hold
        return []
    return _words(lowered) + _cjk(lowered)


def _words(lowered: str) -> list[tuple[int, int, float]]:
    tokens = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(lowered)]
    kinds: list[str | None] = []
    for _, _, word in tokens:
        kinds.append("ring" if word in _RING_SET else _colour(word))
    out: list[tuple[int, int, float]] = []
    i = 0
    while i < len(tokens):
        if kinds[i] in (None, "ring"):
            i += 1
            continue
        # a run: colours, joined by "and" words; [i, j) in tokens
        colours: list[tuple[int, str]] = []
        j = i
        while j < len(tokens):
            kind = kinds[j]
            if kind is not None and kind != "ring":
                colours.append((j, kind))
            elif tokens[j][2] not in _JOIN or not colours:
                break
            j += 1
        found = _five(colours)
        if found is not None and _ring_near(kinds, colours[0][0], colours[-1][0]):
            first, last, order = found
            out.append((tokens[first][0], tokens[last][1], _score(order)))
        i = j
    return out


def _five(colours: list[tuple[int, str]]) -> tuple[int, int, tuple[str, ...]] | None:
    """Five colours in a row that are the five colours, each once: the first in the symbol's
    own order if any, else the first."""
    found = None
    for k in range(len(colours) - 4):
        window = colours[k : k + 5]
        order = tuple(c for _, c in window)
        if len(set(order)) == 5:
            if order in _STRONG_ORDERS:
                return window[0][0], window[-1][0], order
            found = found or (window[0][0], window[-1][0], order)
    return found


def _ring_near(kinds: list[str | None], first: int, last: int) -> bool:
    before = kinds[max(0, first - NEAR - 1) : first]
    after = kinds[last + 1 : last + NEAR + 2]
    return "ring" in before or "ring" in after


def _cjk(lowered: str) -> list[tuple[int, int, float]]:
    out: list[tuple[int, int, float]] = []
    for m in _CJK_RUN.finditer(lowered):
        order = tuple(_CJK_CLASS[ch] for ch in m.group(0) if ch in _CJK_CLASS)
        if len(set(order)) != 5:
            continue
        start, end = m.start(), m.start() + len(m.group(0).rstrip("、，,・/ "))
        near = lowered[max(0, start - NEAR_CJK) : start] + lowered[end : end + NEAR_CJK + 1]
        if any(ch in _RING_CJK for ch in near) or "リング" in near or "링" in near:
            out.append((start, end, _score(order)))
    return out
