"""Exact and normalised multi-pattern matching of every mark variant, exception, ring
description, cue word and context word, in one Aho-Corasick pass (pyahocorasick, C)."""

from __future__ import annotations

import re
from collections import defaultdict
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


@dataclass(frozen=True, slots=True)
class Hit:
    """A pattern found in the token view, ``[start, end)`` in view offsets."""

    term: Term
    pattern: str
    start: int
    end: int
    whole: bool  # starts and ends on token boundaries
    mid_word: bool  # starts inside a token


def _needs_boundary(pattern: str) -> bool:
    # Scripts written without spaces (CJK) have no token boundaries to ask for.
    return any(c.isascii() or "\u0370" <= c <= "\u052f" for c in pattern if c.isalnum())


class TermMatcher:
    """The automaton over the normalised patterns of every term."""

    name = "terms"
    inputs = ("title", "description")

    def __init__(self, terms: list[Term]) -> None:
        by_pattern: dict[str, list[Term]] = defaultdict(list)
        for term in terms:
            pattern = normalize_term(term.text)
            if pattern:
                by_pattern[pattern].append(term)
        self.patterns = {p: tuple(ts) for p, ts in by_pattern.items()}
        self._automaton = ahocorasick.Automaton()
        for pattern, ts in self.patterns.items():
            self._automaton.add_word(pattern, (pattern, ts, _needs_boundary(pattern)))
        self._automaton.make_automaton()

    def find(self, view: str) -> list[Hit]:
        """Every acceptable hit in a token view (as made by ``normalize``)."""
        hits: list[Hit] = []
        for end, (pattern, terms, boundary) in self._automaton.iter(view):
            start = end - len(pattern) + 1
            hits.extend(self._accept(view, pattern, terms, boundary, start, end + 1))
        if _SPACED.search(view):
            hits.extend(self._spaced(view))
        return hits

    def _accept(
        self,
        view: str,
        pattern: str,
        terms: tuple[Term, ...],
        boundary: bool,
        start: int,
        end: int,
    ) -> list[Hit]:
        at_start = view[start - 1] == " "
        at_end = view[end] == " "
        length = len(pattern.replace(" ", ""))
        if boundary:
            if length < SHORT and not (at_start and at_end):
                return []
            if not at_start and (length < MID_WORD or " " in pattern):
                return []
        whole = at_start and at_end
        mid = boundary and not at_start
        return [Hit(t, pattern, start, end, whole, mid) for t in terms]

    def _spaced(self, view: str) -> list[Hit]:
        """Patterns spelt with their letters apart: search each run of one-letter tokens with
        its spaces removed; a hit must start on a letter of the run (every letter there is a
        token start) and cover at least three of its letters."""
        hits: list[Hit] = []
        for run in _SPACED.finditer(view):
            letters = run.group(0).replace(" ", "")
            base = run.start() + 1  # view offset of the first letter
            for end, (pattern, terms, _) in self._automaton.iter(letters):
                if " " in pattern or len(pattern) < 3:
                    continue
                start = end - len(pattern) + 1
                # map back: letter k of the run sits at view offset base + 2k
                hits.extend(
                    Hit(t, pattern, base + 2 * start, base + 2 * end + 1, True, False)
                    for t in terms
                )
        return hits
