"""Misspellings of long marks ("Olympicss", "Olymipc"), by bounded edit distance (rapidfuzz),
run only on listings in which no mark was found by the cheaper exact pass."""

from __future__ import annotations

from collections import defaultdict

from rapidfuzz.distance import OSA

from ringfence.screening.index import Term

MIN_LENGTH = 7  # shorter marks have too many real-word neighbours


def max_distance(length: int) -> int:
    # two edits only from 12 letters: "communlter" is one letter from "community" too many
    return 1 if length < 12 else 2


def _keys(word: str) -> set[str]:
    """Buckets a mark is filed under: its first two letters, and the pairs one edit near the
    start would give (first and third letter: a deleted second letter; second and first: a
    swap), and its second and third letters (marked "~"). Tokens are looked up by their first
    two letters, their first and third (an inserted second letter), and their second and third
    (a changed first letter). A changed second letter is the one edit this does not reach."""
    return {word[:2], word[0] + word[2], word[1] + word[0], "~" + word[1:3]}


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


MIN_PHRASE = 10  # letters of a several-word mark worth a fuzzy look ("salt lake city utah")


class FuzzyMatcher:
    name = "fuzzy"
    inputs = ("title", "description")

    def __init__(self, patterns: dict[str, tuple[Term, ...]], lexicon: frozenset[str]) -> None:
        self._buckets: dict[str, list[tuple[str, int, tuple[Term, ...]]]] = defaultdict(list)
        for pattern, terms in patterns.items():
            # ambiguous names take part too: the engine asks them for context, as for exact hits
            usable = tuple(t for t in terms if t.kind == "variant")
            words = pattern.count(" ") + 1
            letters = len(pattern) - words + 1
            if not usable or not pattern.isascii():
                continue
            if (words == 1 and letters >= MIN_LENGTH) or (words > 1 and letters >= MIN_PHRASE):
                for key in _keys(pattern):
                    self._buckets[key].append((pattern, words, usable))
        self._lexicon = lexicon

    def find(self, view: str) -> list[tuple[int, int, str, tuple[Term, ...], int]]:
        """(start, end, pattern, terms, distance) for words, or runs of words, within reach of
        a long mark."""
        out = []
        buckets = self._buckets
        tokens = view.split()
        for i, token in enumerate(tokens):
            if len(token) < 2:
                continue
            # its first two letters, or first and third (a letter inserted second)
            candidates = buckets.get(token[:2])
            if len(token) > 2:
                # ... or its second and third (the first letter changed)
                for extra in (buckets.get(token[0] + token[2]), buckets.get("~" + token[1:3])):
                    if extra is not None:
                        candidates = extra if candidates is None else candidates + extra
            if candidates is None or token in self._lexicon:
                continue
            for pattern, words, terms in candidates:
                if words == 1 and len(token) < MIN_LENGTH - 1:
                    continue
                text = token if words == 1 else " ".join(tokens[i : i + words])
                limit = max_distance(len(pattern))
                if abs(len(pattern) - len(text)) > limit or text == pattern:
                    continue
                if words > 1 and _digits(text) != _digits(pattern):
                    continue  # a year is no misspelling: "Antwerp 1982" is not "Antwerp 1920"
                # optimal string alignment: a swap of two neighbours is one edit
                d = OSA.distance(text, pattern, score_cutoff=limit)
                if d <= limit:
                    start = view.index(f" {text} ") + 1
                    out.append((start, start + len(text), pattern, terms, d))
                    break
        return out
