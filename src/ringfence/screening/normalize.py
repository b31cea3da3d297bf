"""Text normalisation that defeats the usual evasions and keeps offsets back to the original.

The pipeline, in this order (the order matters, see docs/screening.md):

1. split CamelCase words (``ParisOlympics`` -> ``Paris Olympics``; not ``atHenS``, ``iPhone``);
2. map every character once, through a cached table: NFKC compatibility forms (fullwidth,
   mathematical alphanumerics), drop invisible and zero-width characters, soft hyphens and
   combining marks (diacritics), map confusable characters of other scripts to their Latin
   prototype (Unicode UTS #39 confusables data, via ``confusable_homoglyphs``, supplemented),
   fold Latin letters to ASCII (o-slash, l-stroke, ae), lower-case, and merge ``i``/``l``
   (and ``1``, ``!``, ``|`` in leet) into one letter, the way readers confuse them;
3. undo leetspeak and symbol substitutions, but only inside tokens where letters outnumber
   digits (``0lymp1c`` is a word, ``10C`` is a model number), and only for runs made of leet
   digits alone (``Wen10ck`` is Wenlock, ``Olympics2024`` keeps its year);
4. split letters from digits (``Tokyo2020`` -> ``tokyo 2020``);
5. turn runs of separators (spaces, punctuation, hashtags) into one space and shorten runs of
   three or more equal letters to one.

``normalize`` is the fast path (C-speed ``str.translate`` and regular expressions);
``trace`` computes the same string with, for every output character, the index of the input
character it came from, and is only run for listings that produced a finding. A property test
keeps the two equal.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files

import ahocorasick
import confusable_homoglyphs

# Look-alikes that confusables.txt leaves without a Latin prototype: Greek kappa, tau, chi
# (issue 3 notes) and the Cyrillic small letters that read as Latin ones in running text.
_SUPPLEMENT = {
    "κ": "k", "Κ": "K", "τ": "t", "Τ": "T", "χ": "x", "Χ": "X", "υ": "u", "ϲ": "c",
    "м": "m", "т": "t", "н": "h", "в": "b", "п": "n", "г": "r", "к": "k", "ь": "b",
    "ε": "e", "ω": "w", "η": "n", "ς": "c", "σ": "o", "ν": "v", "ι": "i", "ο": "o",
    "γ": "y", "Σ": "C",  # NFKC turns the lunate sigma Ϲ into Σ
}  # fmt: skip
# Latin letters without a decomposition to ASCII.
_LATIN_FOLD = {
    "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H",
    "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ẞ": "SS", "þ": "th", "Þ": "TH",
    "ð": "d", "Ð": "D", "ŀ": "l", "Ŀ": "L", "ı": "i", "ĸ": "k", "ſ": "s",
}  # fmt: skip
_LEET = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t",
                       "$": "s", "@": "a", "!": "l", "|": "l", "€": "e", "£": "l"})  # fmt: skip
_LEET_CHARS = frozenset("013457$@!|€£")
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Co", "Cn", "Mn", "Me"})
# After mapping: i and l are one letter, as 1/l/I/i/! are to a reader.
_MERGE = {"i": "l"}

# A CamelCase word: two or more capitalised parts of three letters or more, standing alone
# ("ParisOlympics2024"); not random case ("atHenS", "OlympIc", "OlYmPiadE") nor "iPhone".
# Marks of several words are also looked for glued ("gamesoftheolympiad"), so a word that is
# not split is still found.
_CAMEL = re.compile(r"(?<![A-Za-z])(?:[A-Z][a-z]{2,}){2,}(?![A-Za-z])")


def _camel_positions(text: str) -> list[int]:
    """Where step 1 puts a space: before each capital inside a CamelCase word."""
    return [
        m.start() + k
        for m in _CAMEL.finditer(text)
        for k, c in enumerate(m.group(0))
        if k and "A" <= c <= "Z"
    ]


def _camel_split(text: str) -> str:
    positions = _camel_positions(text)
    if not positions:
        return text
    parts, last = [], 0
    for p in positions:
        parts.append(text[last:p])
        last = p
    parts.append(text[last:])
    return " ".join(parts)


_DIGIT_LETTER = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_SEPARATORS = re.compile(r"[\W_]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")
# A whitespace token holding a leet character next to at least one letter.
_LEET_TOKEN = re.compile(r"\S*[013457$@!|€£]\S*")


@lru_cache(maxsize=1)
def _confusables() -> dict[str, str]:
    """Non-ASCII character -> ASCII prototype, from the Unicode confusables data."""
    path = files(confusable_homoglyphs).joinpath("confusables.json")
    data: dict[str, list[dict[str, str]]] = json.loads(path.read_text(encoding="utf-8"))

    def ascii_of(char: str, depth: int = 0) -> str | None:
        for h in data.get(char, ()):
            proto = h["c"]
            if proto.isascii() and proto.isalnum():
                return proto
        if depth < 2:  # follow a chain: a look-alike of a look-alike
            for h in data.get(char, ()):
                if len(h["c"]) == 1 and (found := ascii_of(h["c"], depth + 1)) is not None:
                    return found
        return None

    out = {
        char: proto
        for char in data
        if len(char) == 1 and not char.isascii() and (proto := ascii_of(char)) is not None
    }
    out.update(_SUPPLEMENT)
    return out


def _fold(c: str) -> str:
    """One NFKC output character to its Latin prototype, if it has one."""
    if c.isascii():
        return c
    c = _confusables().get(c, c)
    c = _LATIN_FOLD.get(c, c)
    if not c.isascii() and unicodedata.category(c)[0] == "L":
        base = unicodedata.normalize("NFD", c)
        stripped = "".join(b for b in base if unicodedata.category(b) != "Mn")
        if stripped and stripped.isascii():
            return stripped
        # "LATIN SMALL LETTER B WITH STROKE" and the like: the letter it is built on
        named = _LATIN_NAMED.match(unicodedata.name(c, ""))
        if named:
            letter = named.group(2)
            return letter.lower() if named.group(1) == "SMALL" else letter
    return c


_LATIN_NAMED = re.compile(r"LATIN (SMALL|CAPITAL) LETTER ([A-Z]) WITH ")


def _invisible(c: str) -> bool:
    return c in "\u00ad\u200b\u200c\u200d\u2060\ufeff" or (
        not c.isascii() and unicodedata.category(c) in _INVISIBLE_CATEGORIES
    )


def _map_char(char: str) -> str:
    """What one input character becomes in step 2 (before leet)."""
    out = []
    for c in unicodedata.normalize("NFKC", char):
        if _invisible(c):
            continue
        # fold, lower-case, and fold again: a capital without a Latin look-alike (Cyrillic П)
        # must end where its small letter does (п -> n)
        for lower in _fold(c).lower():
            for folded in _fold(lower):
                if unicodedata.category(folded) not in ("Mn", "Me"):
                    out.append(_MERGE.get(folded, folded))
    return "".join(out)


class _CharTable(dict[int, str]):
    """A ``str.translate`` table that fills itself: each character is mapped once."""

    def __missing__(self, code: int) -> str:
        mapped = _map_char(chr(code))
        self[code] = mapped
        return mapped


_TABLE = _CharTable()


def _leet_token(token: str) -> str:
    """Undo leet in one whitespace token (same length out as in)."""
    letters = sum(c.isalpha() for c in token)
    digits = sum(c.isdigit() for c in token)
    if letters == 0 or letters <= digits:
        return token
    return _LEET_RUN.sub(_leet_run, token)


# Runs made only of leet digits ("500h0rang"; not "2024", which holds a 2), and leet
# symbols, inside a token where letters outnumber digits.
_LEET_RUN = re.compile(r"(?<!\d)[013457]+(?!\d)|[$@!|€£]")


def _leet_run(match: re.Match[str]) -> str:
    return match.group(0).translate(_LEET)


def _leet(match: re.Match[str]) -> str:
    return _leet_token(match.group(0))


def normalize(text: str) -> str:
    """The token view: normalised tokens separated by single spaces, with a space at each
    end, so that `` olymplc `` matches the whole token."""
    if text.isascii():
        return _normalize_ascii(text)
    return _normalize_any(text)


def _bytes_table(mapping: dict[int, int]) -> bytes:
    return bytes(mapping.get(i, i) for i in range(256))


_LOWER_ASCII = _bytes_table(
    {**{c: c + 32 for c in range(65, 91)}, ord("I"): ord("l"), ord("i"): ord("l")}
)
# Character classes of lower-cased ASCII: letter a, leet digit 1, other digit 9, leet symbol $,
# space, anything else "." (punctuation, control characters).
_CLASSES = _bytes_table(
    {
        **{i: ord(".") for i in range(256)},
        **{c: ord("a") for c in range(97, 123)},
        **{ord(d): ord("1") for d in "013457"},
        **{ord(d): ord("9") for d in "2689"},
        **{ord(d): ord("$") for d in "$@!|"},
        **{ord(w): ord(" ") for w in " \t\n\r\x0b\x0c"},
    }
)
_UPPER_CLASSES = _bytes_table(
    {**{c: ord("A") for c in range(65, 91)}, **{c: ord("a") for c in range(97, 123)}}
)
_ASCII_SEPARATORS = _bytes_table(
    {i: ord(" ") for i in range(128) if not (chr(i).isalnum())} | {ord("_"): ord(" ")}
)


def _normalize_ascii(text: str) -> str:
    """``_normalize_any`` for ASCII text, with byte tables and substring tests deciding which
    regular expressions are needed at all (most titles need none)."""
    raw = text.encode("ascii")
    if b"aA" in raw.translate(_UPPER_CLASSES):
        raw = _camel_split(text).encode("ascii")
    b = raw.translate(_LOWER_ASCII)
    classes = b.translate(_CLASSES)
    s = b.decode("ascii")
    if (  # a leet digit next to a letter or a symbol, or any leet symbol
        b"$" in classes
        or b"a1" in classes
        or b"1a" in classes
        or b".1" in classes
        or b"1." in classes
    ):
        # token by token (whitespace runs become one space, as step 5 would make them)
        s = " ".join(t if _LEET_CHARS.isdisjoint(t) else _leet_token(t) for t in s.split())
        classes = s.encode("ascii").translate(_CLASSES)
    if b"a1" in classes or b"a9" in classes or b"1a" in classes or b"9a" in classes:
        s = _DIGIT_LETTER.sub(" ", s)
    s = " ".join(s.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split())
    if _has_triple(s):
        s = _REPEATS.sub(r"\1", s)
    return f" {s} "


def _has_triple(s: str) -> bool:
    for _ in _TRIPLES.iter(s):
        return True
    return False


def _triples() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for c in "abcdefghijklmnopqrstuvwxyz":
        automaton.add_word(c * 3, c)
    automaton.make_automaton()
    return automaton


_TRIPLES = _triples()


def ascii_char(code: int, letter: Callable[[str], bool] | None = None) -> str | None:
    """What one character that is not ASCII becomes in the token view, as ASCII that steps 3
    to 5 treat the same way, if there is such: its character map (step 2) when that is ASCII
    small letters (not ``i``), digits or separators; other whitespace as a space, other
    separators (emoji, °, 【) as ``.``; a letter of another script that ``letter`` accepts as
    ``\x80``, a stand-in that the steps treat as the letter it stands for; else None (other
    letters and digits, the leet symbols € and £, capitals). Never longer than the
    character's UTF-8 form. The compiled kernel builds views byte by byte with it (a property
    test holds the kernel's view equal to ``normalize``)."""
    out = []
    for m in _TABLE[code]:
        if m.isascii():
            out.append(m)
        elif m in _LEET_CHARS:
            return None
        elif m.isspace():
            out.append(" ")
        elif not m.isalnum():
            out.append(".")
        elif m.isalpha() and letter is not None and letter(m):
            out.append("\x80")
        else:
            return None
    mapped = "".join(out)
    if mapped.lower() != mapped or "i" in mapped or len(mapped) > len(chr(code).encode("utf-8")):
        return None
    return mapped


def _normalize_any(text: str) -> str:
    """The reference pipeline, for any text."""
    s = _camel_split(text).translate(_TABLE)
    if not _LEET_CHARS.isdisjoint(s):
        s = _LEET_TOKEN.sub(_leet, s)
    s = _SEPARATORS.sub(" ", _DIGIT_LETTER.sub(" ", s))
    s = _REPEATS.sub(r"\1", s)
    return f" {s.strip()} "


def normalize_term(text: str) -> str:
    """A registry term, normalised exactly like listing text, without the outer spaces."""
    return normalize(text).strip()


def trace(text: str) -> tuple[str, list[int]]:
    """The same string as :func:`normalize`, and for every character the index of the input
    character it came from (separators: the first separator of their run; -1 at the ends)."""
    chars, origin = _trace_map(text)
    _trace_leet(chars)
    chars, origin = _trace_split(chars, origin)
    out, out_origin = _trace_separators(chars, origin)
    while out and out[0] == " ":
        out.pop(0)
        out_origin.pop(0)
    while out and out[-1] == " ":
        out.pop()
        out_origin.pop()
    return " " + "".join(out) + " ", [-1, *out_origin, -1]


def _trace_map(text: str) -> tuple[list[str], list[int]]:
    """Steps 1 and 2: camelCase split and the character map."""
    chars: list[str] = []
    origin: list[int] = []
    camel = set(_camel_positions(text))
    for i, c in enumerate(text):
        if i in camel:
            chars.append(" ")
            origin.append(i)
        for m in _TABLE[ord(c)]:
            chars.append(m)
            origin.append(i)
    return chars, origin


def _trace_leet(chars: list[str]) -> None:
    """Step 3, in place: leet per whitespace token (a 1:1 translation)."""
    i = 0
    while i < len(chars):
        if chars[i].isspace():
            i += 1
            continue
        j = i
        while j < len(chars) and not chars[j].isspace():
            j += 1
        token = "".join(chars[i:j])
        if not _LEET_CHARS.isdisjoint(token):
            chars[i:j] = list(_leet_token(token))
        i = j


def _trace_split(chars: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    """Step 4: a space between a letter and a digit."""
    out: list[str] = []
    out_origin: list[int] = []
    for k, c in enumerate(chars):
        if k:
            prev = chars[k - 1]
            if (_is_letter(prev) and _is_digit(c)) or (_is_digit(prev) and _is_letter(c)):
                out.append(" ")
                out_origin.append(origin[k])
        out.append(c)
        out_origin.append(origin[k])
    return out, out_origin


def _trace_separators(chars: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    """Step 5: separator runs to one space, runs of three or more equal letters to one."""
    out: list[str] = []
    out_origin: list[int] = []
    k, n = 0, len(chars)
    while k < n:
        c = chars[k]
        if _is_separator(c):
            start = k
            while k < n and _is_separator(chars[k]):
                k += 1
            out.append(" ")
            out_origin.append(origin[start])
            continue
        run = k
        if "a" <= c <= "z":
            while run < n and chars[run] == c:
                run += 1
        out.append(c)
        out_origin.append(origin[k])
        k = run if run - k >= 3 else k + 1
    return out, out_origin


def _is_letter(c: str) -> bool:
    # as the regular expression's [^\W\d_]: a word character that is no decimal digit
    return (c.isalnum() and not c.isdecimal()) and c != "_"


def _is_digit(c: str) -> bool:
    return c.isdecimal()  # as the regular expression's \d


def _is_separator(c: str) -> bool:
    return not (c.isalnum()) or c == "_"


def original_span(origins: list[int], start: int, end: int, text: str) -> tuple[int, int]:
    """The span of the input text behind ``[start, end)`` of the traced string."""
    inside = [o for o in origins[start:end] if o >= 0]
    if not inside:
        return (0, 0)
    first, last = min(inside), max(inside)
    return first, min(len(text), last + 1)
