"""Exact and normalised multi-pattern matching of every mark variant, exception, ring
description, cue word and context word, in one Aho-Corasick pass (pyahocorasick, C).

This is the candidate stage (issue 16): besides the patterns as written it proposes the
evasions that the normaliser cannot undo on its own, each hit naming the evasion it saw
(``Hit.evasion``): multi-letter look-alikes (``rn`` for ``m``, ``cl`` for ``d``, ``vv`` for
``w``, as extra forms of each pattern, so only a text that completes a mark matches), letters
spelt apart with any separator in Latin and CJK scripts, and marks glued to brand-like affixes
(``officialOlympicMerch``; the affixes are data, ``data/affixes.tsv``)."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from ringfence.screening.index import Term
from ringfence.screening.normalize import normalize_term

# Patterns this short (normalised, without spaces) must match a whole token.
SHORT = 5
# Mid-word hits ("parisolympics") count only for one-word patterns at least this long, and
# weakly ("Super Mario 2016" is no "Rio 2016").
MID_WORD = 6
# Three or more one-character tokens in a row: letters spelt apart ("O l y m p i c").
_SPACED = re.compile(r"(?: \w){3,} ")
_SPACED_HINT = re.compile(r" \w \w \w ")
# Two or more one-character tokens in a row in a script written without spaces ("奥*运",
# "オ・リ・ン・ピ・ッ・ク"): Han, kana, Hangul.
_CJK = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_SPACED_CJK = re.compile(f"(?: [{_CJK}]){{2,}} ")
_HAS_CJK = re.compile(f"[{_CJK}]")
# Multi-letter look-alikes, both ways: what a reader takes for the letter on the left.
LOOKALIKES = (("m", "rn"), ("d", "cl"), ("w", "vv"))
_LOOKALIKE_SITE = re.compile("rn|cl|vv|m|d|w")
_SWAP = dict(LOOKALIKES) | {b: a for a, b in LOOKALIKES}
# Look-alike forms: all combinations up to this many places in a pattern, else each place alone
# and all of them together.
_LOOKALIKE_SITES = 4
MULTI_LETTER = "multi_letter"
LEET = "leet"
# Letters written for the digits of a year ("Tokyo 2O2O", "Los Angeles l984"): the reverse of
# leet, which the normaliser does not undo in a token of more digits than letters.
_DIGIT_LOOKALIKES = {"0": "o", "1": "l"}
SPACED = "spaced"
AFFIX = "affix"


@dataclass(frozen=True, slots=True)
class Hit:
    """A pattern found in the token view, ``[start, end)`` in view offsets."""

    term: Term
    pattern: str
    start: int
    end: int
    whole: bool  # starts and ends on token boundaries
    mid_word: bool  # starts inside a token
    evasion: str | None = None  # the evasion the hit saw through: "spaced", "multi_letter"...


_LOOKALIKE_KINDS = frozenset({"variant", "ring", "exception"})


def needs_boundary(pattern: str) -> bool:
    # Only letters of scripts written with spaces ask for token boundaries: "北京 2022" is found
    # in "新款北京2022袜子", "olymplc" is not found in "apolymplcs".
    return any(c.isascii() or "\u0370" <= c <= "\u052f" for c in pattern if c.isalpha())


def pattern_forms(text: str) -> set[str]:
    """The normalised forms a term is looked for in: as written; without CamelCase splitting
    ("PyeongChang" is also written "Pyeongchang"); with double letters single (a run of
    repeated letters in a listing shrinks to one); multi-word Latin names glued
    ("losangeles 1932")."""
    forms = {normalize_term(text), normalize_term(text.lower())}
    forms |= {_REPEAT2.sub(r"\1", f) for f in forms}
    forms |= {_GLUE.sub("", f) for f in forms if " " in f}
    return {f for f in forms if f}


_REPEAT2 = re.compile(r"([a-z])\1+")
_GLUE = re.compile(r"(?<=[a-z]) (?=[a-z])")


def lookalike_forms(pattern: str) -> set[str]:
    """A normalised Latin pattern with multi-letter look-alikes in place of letters (``rn``
    for ``m``, ``cl`` for ``d``, ``vv`` for ``w``, and back): ``olymplc`` -> ``olyrnplc``.
    The forms are whole patterns, so a word matches only where it completes a mark
    ("modern" and "clean" hold ``rn`` and ``cl`` but no mark)."""
    if not pattern.isascii():
        return set()
    sites = [(m.start(), m.group(0)) for m in _LOOKALIKE_SITE.finditer(pattern)]
    if not sites:
        return set()
    if len(sites) <= _LOOKALIKE_SITES:
        choices = [
            [site for k, site in enumerate(sites) if mask >> k & 1]
            for mask in range(1, 1 << len(sites))
        ]
    else:
        choices = [[site] for site in sites] + [sites]
    out = set()
    for chosen in choices:
        form, last = [], 0
        for at, text in chosen:
            form.append(pattern[last:at] + _SWAP[text])
            last = at + len(text)
        form.append(pattern[last:])
        out.add("".join(form))
    return out - {pattern}


_LEET_WRITTEN = frozenset("0134579$@!|")
_I_OR_L = frozenset("il1|!")


def evasion_of(hit: Hit, written: str) -> str | None:
    """The evasion class of a hit, from how its text is written: what the candidate stage saw
    (letters apart, look-alikes, affixes), a ring description (``described``), a mascot's
    everyday name (``nickname``), characters of other scripts or compatibility forms that
    stand for Latin letters (``homoglyph``), digits and symbols for letters or ``I`` for
    ``l`` (``leet``); None for a mark written as the registry writes it."""
    if hit.evasion is not None:
        return hit.evasion
    term = hit.term
    if term.kind == "ring":
        return "described"
    if term.glued:
        return AFFIX
    if term.nickname:
        return "nickname"
    known = term.text.lower()
    written_lower = written.lower()
    if written_lower == known:  # most mentions: as the registry writes them
        return None
    if not written.isascii() and term.text.isascii():
        others = [c for c in written if not c.isascii()]
        if all(unicodedata.category(c) == "Cf" for c in others):
            return "invisible"
        return "homoglyph"
    if not _LEET_WRITTEN.isdisjoint(written_lower) and any(
        c in _LEET_WRITTEN and c not in known for c in written_lower
    ):
        return "leet"
    if len(written_lower) == len(known) and any(
        a != b and a in _I_OR_L and b in _I_OR_L for a, b in zip(written_lower, known, strict=True)
    ):
        return "leet"
    return None


def year_forms(pattern: str) -> set[str]:
    """A normalised pattern with letters for the ``0`` and ``1`` of its numbers (``tokyo 2020``
    -> ``tokyo 2 o 2 o``, as a listing's "2O2O" normalises), renormalised."""
    sites = [k for k, c in enumerate(pattern) if c in _DIGIT_LOOKALIKES]
    if not sites or not pattern.isascii() or len(sites) > _LOOKALIKE_SITES:
        return set()
    out = set()
    for mask in range(1, 1 << len(sites)):
        chars = list(pattern)
        for k, at in enumerate(sites):
            if mask >> k & 1:
                chars[at] = _DIGIT_LOOKALIKES[chars[at]]
        out.add(normalize_term("".join(chars)))
    return out - {pattern}


class Affixes:
    """Brand-like words glued to a mark (``data/affixes.tsv``), normalised: ``glued`` tells
    whether the letters before a mark are made of prefixes and those after it of suffixes."""

    def __init__(self, prefixes: Iterable[str] = (), suffixes: Iterable[str] = ()) -> None:
        self.prefixes = frozenset(f for f in (normalize_term(p) for p in prefixes) if f)
        self.suffixes = frozenset(f for f in (normalize_term(p) for p in suffixes) if f)

    def __bool__(self) -> bool:
        return bool(self.prefixes or self.suffixes)

    def glued(self, before: str, after: str) -> bool:
        """``before`` is prefixes only, ``after`` suffixes only (a plural "s" first allowed),
        and at least one of them is not empty."""
        if not (before or after):
            return False
        if after.startswith("s") and not _made_of(after, self.suffixes):
            after = after[1:]
        return _made_of(before, self.prefixes) and _made_of(after, self.suffixes)


def _made_of(text: str, words: frozenset[str]) -> bool:
    """``text`` is a concatenation of ``words`` (or empty)."""
    if not text:
        return True
    reach = [True] + [False] * len(text)
    for i in range(len(text)):
        if reach[i]:
            for w in words:
                if text.startswith(w, i):
                    reach[i + len(w)] = True
    return reach[-1]


class TermMatcher:
    """The automaton over the normalised patterns of every term."""

    name = "terms"
    inputs = ("title", "description")

    def __init__(
        self,
        terms: list[Term],
        lexicon: frozenset[str] = frozenset(),
        affixes: Affixes | None = None,
    ) -> None:
        by_pattern: dict[str, list[Term]] = defaultdict(list)
        for term in terms:
            for pattern in pattern_forms(term.text):
                by_pattern[pattern].append(term)
        # the patterns as written (the fuzzy pass and letters spelt apart start from these)
        self.patterns = {p: tuple(dict.fromkeys(ts)) for p, ts in by_pattern.items()}
        # look-alike forms of marks, ring descriptions and exceptions (an exception must still
        # cover its look-alike: "Olyrnpic Peninsula"): multi-letter look-alikes, letters in years
        lookalikes: dict[str, list[Term]] = defaultdict(list)
        evasions: dict[str, str] = {}
        for pattern, ts in self.patterns.items():
            kept = [t for t in ts if t.kind in _LOOKALIKE_KINDS and not t.glued]
            if not kept:
                continue
            for forms, evasion in (
                (lookalike_forms(pattern), MULTI_LETTER),
                (year_forms(pattern), LEET),
            ):
                for form in sorted(forms):
                    if form not in self.patterns:
                        lookalikes[form].extend(kept)
                        evasions.setdefault(form, evasion)
        self.lookalikes = {p: tuple(dict.fromkeys(ts)) for p, ts in lookalikes.items()}
        self._automaton = ahocorasick.Automaton()
        for pattern, ts in self.patterns.items():
            # a name glued to a city is an affix evasion of its own, and only a whole token
            glued = AFFIX if all(t.glued for t in ts) else None
            self._automaton.add_word(pattern, (pattern, ts, needs_boundary(pattern), glued))
        for pattern, ts in self.lookalikes.items():
            self._automaton.add_word(pattern, (pattern, ts, True, evasions[pattern]))
        self._automaton.make_automaton()
        # Letters spelt apart are searched with the spaces taken out of the patterns too.
        self._compact = ahocorasick.Automaton()
        self._compact_cjk = ahocorasick.Automaton()
        for pattern, ts in self.patterns.items():
            compact = pattern.replace(" ", "")
            if len(compact) >= 3 and needs_boundary(pattern):
                self._compact.add_word(compact, (compact, ts))
            elif len(compact) >= 2 and not needs_boundary(pattern) and _HAS_CJK.search(compact):
                self._compact_cjk.add_word(compact, (compact, ts))
        self._compact.make_automaton()
        self._compact_cjk.make_automaton()
        self._lexicon = lexicon
        self._affixes = affixes or Affixes()

    def glued_to_affix(self, view: str, hit: Hit, text: str, start: int, end: int) -> bool:
        """A whole-token hit whose text as written is glued to letters that the normaliser
        split off (``#TeamOlympicShop``: CamelCase) where those neighbours are affixes."""
        before = start > 0 and text[start - 1].isalpha()
        after = end < len(text) and text[end].isalpha()
        if not (before or after) or not self._affixes:
            return False
        left = view[: hit.start].split()
        right = view[hit.end :].split()
        prefix_ok = not before or (bool(left) and left[-1] in self._affixes.prefixes)
        suffix_ok = not after or (bool(right) and right[0] in self._affixes.suffixes)
        return prefix_ok and suffix_ok

    def every_pattern(self) -> dict[str, tuple[Term, ...]]:
        """The patterns as written and their look-alike forms: what the automaton holds."""
        return {**self.lookalikes, **self.patterns}

    def find(self, view: str) -> list[Hit]:
        """Every acceptable hit in a token view (as made by ``normalize``)."""
        hits: list[Hit] = []
        for end, (pattern, terms, boundary, evasion) in self._automaton.iter(view):
            start = end - len(pattern) + 1
            hits.extend(self._accept(view, pattern, terms, boundary, start, end + 1, evasion))
        if _SPACED_HINT.search(view):  # cheap test first: three one-letter tokens in a row
            hits.extend(self._spaced(view))
        if not view.isascii() and _SPACED_CJK.search(view):
            hits.extend(self._spaced_cjk(view))
        return hits

    def _accept(
        self,
        view: str,
        pattern: str,
        terms: tuple[Term, ...],
        boundary: bool,
        start: int,
        end: int,
        evasion: str | None = None,
    ) -> list[Hit]:
        at_start = view[start - 1] == " "
        at_end = view[end] == " "
        length = len(pattern.replace(" ", ""))
        if evasion is AFFIX and not (at_start and at_end):
            return []  # a name glued to a city is a whole token ("parisjob" is no "ParisJO")
        if boundary and not (at_start and at_end) and length >= SHORT and self._affixes:
            # glued to other letters: a mark between brand-like affixes counts in full
            token_start = view.rfind(" ", 0, start) + 1
            token_end = view.find(" ", end)
            if view[token_start:token_end] not in self._lexicon and self._affixes.glued(
                view[token_start:start], view[end:token_end]
            ):
                return [Hit(t, pattern, start, end, False, False, evasion or AFFIX) for t in terms]
        if boundary:
            if length < SHORT and not (at_start and at_end):
                return []
            if not at_start and (length < MID_WORD or " " in pattern):
                return []
            if not (at_start and at_end) and self._lexicon:
                # part of a real word or brand ("Olympiakos", "Olympus")
                token_start = view.rfind(" ", 0, start) + 1
                token_end = view.find(" ", end - 1)
                if view[token_start:token_end] in self._lexicon:
                    return []
        whole = at_start and at_end
        mid = boundary and not at_start
        return [Hit(t, pattern, start, end, whole, mid, evasion) for t in terms]

    def _spaced(self, view: str) -> list[Hit]:
        """Patterns spelt with their letters apart ("O l y m p i c", "T.O.K.Y.O 2020"): each
        run of one-letter tokens, with the next two tokens, is searched with its spaces taken
        out; a hit must start on a letter of the run and take in at least three of them."""
        hits: list[Hit] = []
        for run in _SPACED.finditer(view):
            first = run.start() + 1
            tail = view[run.end() :].split(" ", 2)[:2]
            stretch = view[first : run.end()] + " ".join(tail)
            letters: list[str] = []
            offsets: list[int] = []
            for k, c in enumerate(stretch):
                # repeated letters count once ("M.i.l.l.i.e"), as patterns have that form too
                if c != " " and not (letters and letters[-1] == c and c.isalpha()):
                    letters.append(c)
                    offsets.append(first + k)
            run_letters = sum(1 for o in offsets if o < run.end())
            compact = "".join(letters)
            for end, (pattern, terms) in self._compact.iter(compact):
                start = end - len(pattern) + 1
                if start > run_letters - 3:
                    continue
                if end + 1 < len(compact) and offsets[end + 1] == offsets[end] + 1:
                    continue  # ends inside a longer token
                hits.extend(
                    Hit(t, pattern, offsets[start], offsets[end] + 1, True, False, SPACED)
                    for t in terms
                )
        return hits

    def _spaced_cjk(self, view: str) -> list[Hit]:
        """Patterns of scripts written without spaces, their characters apart ("奥*运",
        "オ・リ・ン・ピ・ッ・ク"): each run of two or more one-character tokens, with the next
        token, is searched with its spaces taken out; a hit must start on a character of the
        run and take in at least two of them."""
        hits: list[Hit] = []
        for run in _SPACED_CJK.finditer(view):
            first = run.start() + 1
            tail = view[run.end() :].split(" ", 1)[0]
            stretch = view[first : run.end()] + tail
            offsets = [first + k for k, c in enumerate(stretch) if c != " "]
            compact = stretch.replace(" ", "")
            run_chars = (run.end() - first) // 2
            for end, (pattern, terms) in self._compact_cjk.iter(compact):
                start = end - len(pattern) + 1
                if start > run_chars - 2:
                    continue
                hits.extend(
                    Hit(t, pattern, offsets[start], offsets[end] + 1, True, False, SPACED)
                    for t in terms
                )
        return hits
