"""Misspellings of long marks ("Olympicss", "Olymipc"), by bounded edit distance (rapidfuzz),
run only on listings in which no mark was found by the cheaper exact pass."""

from __future__ import annotations

from collections import defaultdict

from rapidfuzz.distance import OSA

from ringfence.screening.index import Term

MIN_LENGTH = 7  # shorter marks have too many real-word neighbours


def max_distance(length: int) -> int:
    return 1 if length < 10 else 2


def _keys(word: str) -> set[str]:
    """Buckets a mark is filed under: its first two letters, and the pairs one edit near the
    start would give (first and third letter: a deleted second letter; second and first: a
    swap). Tokens are looked up by their first two letters and by their first and third (an
    inserted second letter). A changed second letter is the one edit this does not reach."""
    return {word[:2], word[0] + word[2], word[1] + word[0]}


class FuzzyMatcher:
    name = "fuzzy"
    inputs = ("title", "description")

    def __init__(self, patterns: dict[str, tuple[Term, ...]], lexicon: set[str]) -> None:
        self._buckets: dict[str, list[tuple[str, tuple[Term, ...]]]] = defaultdict(list)
        for pattern, terms in patterns.items():
            usable = tuple(t for t in terms if t.kind == "variant" and not t.ambiguous)
            if usable and len(pattern) >= MIN_LENGTH and pattern.isascii() and " " not in pattern:
                for key in _keys(pattern):
                    self._buckets[key].append((pattern, usable))
        self._lexicon = lexicon

    def find(self, view: str) -> list[tuple[int, int, str, tuple[Term, ...], int]]:
        """(start, end, pattern, terms, distance) for tokens within reach of a long mark."""
        out = []
        buckets = self._buckets
        for token in view.split():
            if len(token) < MIN_LENGTH - 1:
                continue
            # its first two letters, or first and third (a letter inserted second)
            candidates = buckets.get(token[:2])
            third = buckets.get(token[0] + token[2])
            if third is not None:
                candidates = third if candidates is None else candidates + third
            if candidates is None or token in self._lexicon:
                continue
            n = len(token)
            for pattern, terms in candidates:
                limit = max_distance(len(pattern))
                if abs(len(pattern) - n) > limit or token == pattern:
                    continue
                # optimal string alignment: a swap of two neighbours is one edit
                d = OSA.distance(token, pattern, score_cutoff=limit)
                if d <= limit:
                    start = view.index(f" {token} ") + 1
                    out.append((start, start + n, pattern, terms, d))
                    break
        return out
