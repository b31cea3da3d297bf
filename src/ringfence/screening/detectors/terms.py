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
_SPACED_HINT = re.compile(r" \w \w \w ")


@dataclass(frozen=True, slots=True)
class Hit:
    """A pattern found in the token view, ``[start, end)`` in view offsets."""

    term: Term
    pattern: str
    start: int
    end: int
    whole: bool  # starts and ends on token boundaries
    mid_word: bool  # starts inside a token


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


class TermMatcher:
    """The automaton over the normalised patterns of every term."""

    name = "terms"
    inputs = ("title", "description")

    def __init__(self, terms: list[Term], lexicon: frozenset[str] = frozenset()) -> None:
        by_pattern: dict[str, list[Term]] = defaultdict(list)
        for term in terms:
            for pattern in pattern_forms(term.text):
                by_pattern[pattern].append(term)
        self.patterns = {p: tuple(dict.fromkeys(ts)) for p, ts in by_pattern.items()}
        self._automaton = ahocorasick.Automaton()
        for pattern, ts in self.patterns.items():
            self._automaton.add_word(pattern, (pattern, ts, needs_boundary(pattern)))
        self._automaton.make_automaton()
        # Letters spelt apart are searched with the spaces taken out of the patterns too.
        self._compact = ahocorasick.Automaton()
        for pattern, ts in self.patterns.items():
            compact = pattern.replace(" ", "")
            if len(compact) >= 3 and needs_boundary(pattern):
                self._compact.add_word(compact, (compact, ts))
        self._compact.make_automaton()
        self._lexicon = lexicon

    def find(self, view: str) -> list[Hit]:
        """Every acceptable hit in a token view (as made by ``normalize``)."""
        hits: list[Hit] = []
        for end, (pattern, terms, boundary) in self._automaton.iter(view):
            start = end - len(pattern) + 1
            hits.extend(self._accept(view, pattern, terms, boundary, start, end + 1))
        if _SPACED_HINT.search(view):  # cheap test first: three one-letter tokens in a row
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
            if not (at_start and at_end) and self._lexicon:
                # part of a real word or brand ("Olympiakos", "Olympus")
                token_start = view.rfind(" ", 0, start) + 1
                token_end = view.find(" ", end - 1)
                if view[token_start:token_end] in self._lexicon:
                    return []
        whole = at_start and at_end
        mid = boundary and not at_start
        return [Hit(t, pattern, start, end, whole, mid) for t in terms]

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
                    Hit(t, pattern, offsets[start], offsets[end] + 1, True, False) for t in terms
                )
        return hits
