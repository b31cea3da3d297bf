"""Misspellings of long marks ("Olympicss", "Olymipc"), by bounded edit distance (rapidfuzz),
run only on listings in which no mark was found by the cheaper exact pass."""

from __future__ import annotations

from collections import defaultdict

from rapidfuzz.distance import OSA

from ringfence.screening.index import Term

MIN_LENGTH = 7  # shorter marks have too many real-word neighbours


def max_distance(length: int) -> int:
    return 1 if length < 10 else 2


class FuzzyMatcher:
    name = "fuzzy"
    inputs = ("title", "description")

    def __init__(self, patterns: dict[str, tuple[Term, ...]], lexicon: set[str]) -> None:
        self._by_first: dict[str, list[tuple[str, tuple[Term, ...]]]] = defaultdict(list)
        for pattern, terms in patterns.items():
            usable = tuple(t for t in terms if t.kind == "variant" and not t.ambiguous)
            if usable and len(pattern) >= MIN_LENGTH and pattern.isascii() and " " not in pattern:
                self._by_first[pattern[0]].append((pattern, usable))
        self._lexicon = lexicon

    def find(self, view: str) -> list[tuple[int, int, str, tuple[Term, ...], int]]:
        """(start, end, pattern, terms, distance) for tokens within reach of a long mark."""
        out = []
        position = 0
        for token in view.split():
            position = view.index(token, position)
            n = len(token)
            if n >= MIN_LENGTH - 1 and token not in self._lexicon:
                for pattern, terms in self._by_first.get(token[0], ()):
                    limit = max_distance(len(pattern))
                    if abs(len(pattern) - n) > limit or token == pattern:
                        continue
                    # optimal string alignment: a swap of two neighbours is one edit
                    d = OSA.distance(token, pattern, score_cutoff=limit)
                    if d <= limit:
                        out.append((position, position + n, pattern, terms, d))
                        break
            position += n
        return out
