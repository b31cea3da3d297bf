"""Misspellings of long marks ("Olympicss", "Olymipc"), by bounded edit distance (rapidfuzz),
run only on listings in which no mark was found by the cheaper exact pass."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from rapidfuzz.distance import OSA

from ringfence.screening.index import Term

MIN_LENGTH = 7  # shorter marks have too many real-word neighbours


def max_distance(length: int) -> int:
    # two edits only from 12 letters: "communlter" is one letter from "community" too many
    return 1 if length < 12 else 2


def _deletes(word: str, depth: int) -> set[str]:
    """The word with up to ``depth`` letters taken out (the symmetric-delete method: two
    words within ``depth`` edits share at least one such form)."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:k] + w[k + 1 :] for w in frontier for k in range(len(w))}
        out |= frontier
    return out


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


CLEAN_MEMORY = 200_000  # words remembered as no misspelling of a one-word mark
MIN_PHRASE = 10  # letters of a several-word mark worth a fuzzy look ("salt lake city utah")
# Words too common to point at a phrase.
_STOPWORDS = frozenset({"of", "the", "de", "la", "le", "les", "di", "des", "and", "et"})


class _Candidate(NamedTuple):
    pattern: str
    words: int
    terms: tuple[Term, ...]
    limit: int  # edits allowed


class FuzzyMatcher:
    """One-word marks are found by their delete forms (a few dictionary look-ups per long
    token); marks of several words are looked at only where one of their words stands as it is
    ("Salt Lake City-Uath 2034" is looked at because of "2034"), and a year must be exact
    ("Antwerp 1982" is no misspelling of "Antwerp 1920")."""

    name = "fuzzy"
    inputs = ("title", "description")

    def __init__(self, patterns: dict[str, tuple[Term, ...]], lexicon: frozenset[str]) -> None:
        self._singles: dict[str, list[_Candidate]] = defaultdict(list)
        # One edit leaves a word of seven letters or more with its first three or its last
        # four letters as they were: a token that shares neither with a mark is no misspelling
        # of one. (Three at the end would let every "-ing" word through: "beljlng".)
        self._ends: set[str] = set()
        self._phrases: dict[str, list[tuple[_Candidate, int]]] = defaultdict(list)
        for pattern, terms in patterns.items():
            # ambiguous names take part too: the engine asks them for context, as for exact hits
            usable = tuple(t for t in terms if t.kind == "variant")
            words = pattern.split(" ")
            letters = len(pattern) - len(words) + 1
            if not usable or not pattern.isascii():
                continue
            candidate = _Candidate(pattern, len(words), usable, max_distance(len(pattern)))
            if len(words) == 1 and letters >= MIN_LENGTH:
                for form in _deletes(pattern, candidate.limit):
                    self._singles[form].append(candidate)
                self._ends.update((pattern[:3], "~" + pattern[-4:]))
            elif len(words) > 1 and letters >= MIN_PHRASE:
                for position, word in enumerate(words):
                    if word not in _STOPWORDS and (len(word) >= 3 or word.isdigit()):
                        self._phrases[word].append((candidate, position))
        self._lexicon = lexicon
        self._clean: set[str] = set()

    @property
    def phrase_words(self) -> frozenset[str]:
        """The words a several-word mark is looked at for (a token equal to one)."""
        return frozenset(self._phrases)

    @property
    def prefixes(self) -> frozenset[str]:
        """First three letters of the one-word marks."""
        return frozenset(e for e in self._ends if not e.startswith("~"))

    @property
    def suffixes(self) -> frozenset[str]:
        """Last four letters of the one-word marks."""
        return frozenset(e[1:] for e in self._ends if e.startswith("~"))

    @property
    def clean_words(self) -> set[str]:
        """The live memory of words found to be no misspelling (only ever grows)."""
        return self._clean

    def find(self, view: str) -> list[tuple[int, int, str, tuple[Term, ...], int]]:
        """(start, end, pattern, terms, distance) for words, or runs of words, within reach of
        a long mark."""
        out: list[tuple[int, int, str, tuple[Term, ...], int]] = []
        tokens = view.split()
        words = set(tokens)
        # Most words of a catalogue come back again and again: a word found to be no
        # misspelling is remembered (a bounded set), and only new words are looked at.
        for token in sorted(words - self._clean):  # sorted: the same order in every process
            hit = None
            if (
                len(token) >= MIN_LENGTH - 1
                and (token[:3] in self._ends or "~" + token[-4:] in self._ends)
                and token not in self._lexicon
            ):
                hit = self._single(view, token)
            if hit is not None:
                out.append(hit)
            elif len(self._clean) < CLEAN_MEMORY:
                self._clean.add(token)
        if not words.isdisjoint(self._phrases):
            for i, token in enumerate(tokens):
                if token in self._phrases:
                    hit = self._phrase(view, tokens, i)
                    if hit is not None:
                        out.append(hit)
        return out

    def _single(self, view: str, token: str) -> tuple[int, int, str, tuple[Term, ...], int] | None:
        """The closest mark within reach of ``token``, ties broken by the pattern: the same
        answer in every process (the delete forms come out of a set, whose order follows the
        string hash seed)."""
        singles = self._singles
        seen: set[str] = set()
        best: tuple[int, str, _Candidate] | None = None
        for form in _deletes(token, 2 if len(token) >= 10 else 1):
            for c in singles.get(form, ()):
                if c.pattern in seen or c.pattern == token:
                    continue
                seen.add(c.pattern)
                d = _distance(token, c)
                if d is not None and (best is None or (d, c.pattern) < best[:2]):
                    best = (d, c.pattern, c)
        if best is None:
            return None
        d, _, c = best
        start = view.index(f" {token} ") + 1
        return (start, start + len(token), c.pattern, c.terms, d)

    def _phrase(
        self, view: str, tokens: list[str], i: int
    ) -> tuple[int, int, str, tuple[Term, ...], int] | None:
        """The closest several-word mark through ``tokens[i]``, ties broken by the pattern (the
        mark's forms come from sets: first-found would follow the hash seed)."""
        best: tuple[int, str, str, _Candidate] | None = None
        for c, position in self._phrases[tokens[i]]:
            first = i - position
            if first < 0 or first + c.words > len(tokens):
                continue
            text = " ".join(tokens[first : first + c.words])
            if text == c.pattern or _digits(text) != _digits(c.pattern):
                continue  # a year is no misspelling: "Antwerp 1982" is not "Antwerp 1920"
            d = _distance(text, c)
            if d is not None and (best is None or (d, c.pattern) < best[:2]):
                best = (d, c.pattern, text, c)
        if best is None:
            return None
        d, _, text, c = best
        start = view.index(f" {text} ") + 1
        return (start, start + len(text), c.pattern, c.terms, d)


def _distance(text: str, c: _Candidate) -> int | None:
    if abs(len(text) - len(c.pattern)) > c.limit:
        return None
    # optimal string alignment: a swap of two neighbours is one edit
    d = OSA.distance(text, c.pattern, score_cutoff=c.limit)
    return d if d <= c.limit else None
