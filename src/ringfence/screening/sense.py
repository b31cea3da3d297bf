"""The sense decision: does a mention of a mark word use the Olympic property, or a look-alike
sense of the same word ("Olympic hex bar", "Olympia Theatre", "Math Olympiad")?

The candidate stage (terms, fuzzy, ring descriptions) proposes mentions: a span and a mark.
This module reads the mention's *context* and gives P(olympic) from a linear model (logistic
regression) over hashed features. Framework-free and light: the model is evaluated with plain
Python (a dict of weights); scikit-learn is used only to train it (``sense_train``).

Features of a mention (each a string, hashed with CRC-32 into ``2**DIM_BITS`` slots):

* the words of a window around the span (``w:``), on each side (``l:``, ``r:``), the word just
  before (``l1:``) and the words just after (``r1:``, ``r2:``: the head noun the mention
  modifies, "Olympic *barbell*"), word bigrams of the window (``b:``);
* character 3-, 4- and 5-grams of the window's text, the mention blanked out (``c:``): morphology
  and scripts written without spaces (数学奥林匹克);
* the mention as written, normalised (``m:``), and its mark (``mark:``);
* every word of the listing's title (``t:``);
* the category and its top level (``cat:``), the script of the text (``script:``), a price
  band in US dollars (``price:``);
* what else the listing holds: another Olympic mark (``other_mark``), a counterfeit cue
  (``cue``), a context word or the rings (``context``), a registry exception (``x:<reason>``).

Model file: gzip-compressed canonical JSON, ``{"format": "ringfence-sense-model", "version",
"dim_bits", "bias", "weights": [[slot, weight], ...], "thresholds": {"review", "infringing"},
"data_digest", "examples"}``. Weights are rounded (six decimals) so that training reproduces
the file byte for byte.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from itertools import pairwise
from typing import Any

from ringfence.core.errors import InvalidInput
from ringfence.screening.error_codes import ErrorCode
from ringfence.screening.normalize import normalize_term

FORMAT = "ringfence-sense-model"
VERSION = 2  # 2: character 3- to 5-grams (issue 16, second round)
DIM_BITS = 20
WINDOW_WORDS = 4  # words each side of the mention
WINDOW_CHARS = 24  # characters each side for the character n-grams
CHAR_NGRAMS = (3, 4, 5)
TOP_TERMS = 3  # context terms named in the evidence
# Defaults when a model file carries none (a model trained without a development set).
DEFAULT_REVIEW = 0.3
DEFAULT_INFRINGING = 0.8
_PRICE_BANDS = (5, 20, 50, 200, 1_000)

_WORD = re.compile(r"\w+", re.UNICODE)
# Feature prefixes that name words (the evidence names these, never character n-grams).
_NAMED = ("l1:", "r1:", "r2:", "l:", "r:", "b:", "w:", "t:", "cat:")


class SenseModelError(InvalidInput):
    """A sense model file that cannot be used."""


@dataclass(frozen=True, slots=True)
class Mention:
    """One candidate: a span ``[start, end)`` of ``text`` (as written) that may use ``mark``."""

    text: str
    start: int
    end: int
    mark: str


@dataclass(frozen=True, slots=True)
class ListingContext:
    """What the listing says around its mentions."""

    title: str = ""
    category: str | None = None
    price_usd: float | None = None
    other_mark: bool = False
    cue: bool = False
    context: bool = False
    exceptions: tuple[str, ...] = ()  # reasons of registry exceptions found in the listing


@dataclass(frozen=True, slots=True)
class Sense:
    """The model's reading of one mention: P(olympic) and the context terms that decided."""

    probability: float
    terms: tuple[str, ...]


@dataclass
class SenseModel:
    """A trained linear model over hashed context features."""

    bias: float
    weights: dict[int, float]
    review: float = DEFAULT_REVIEW
    infringing: float = DEFAULT_INFRINGING
    data_digest: str = ""
    examples: int = 0
    dim_bits: int = DIM_BITS
    # The mention forms the model reads (normalised: "olympic", "olympia", "five rings"): those
    # used in a look-alike sense in its training data. A form with none there ("paris 2024",
    # "olympic rings", "teamnl") is not second-guessed by a model that never saw it used
    # otherwise.
    forms: frozenset[str] = frozenset()

    # ------------------------------------------------------------------ evaluation

    def reads(self, mention: Mention) -> bool:
        """Whether the model decides this mention (its form has look-alike senses)."""
        return form(mention) in self.forms

    def predict(self, mention: Mention, listing: ListingContext) -> Sense:
        """P(olympic) of one mention, with the context words that pushed it most."""
        mask = (1 << self.dim_bits) - 1
        weights = self.weights
        found: list[float] = [self.bias]
        named: list[tuple[float, str]] = []
        for feature in features(mention, listing):
            w = weights.get(zlib.crc32(feature.encode()) & mask)
            if w is None:
                continue
            found.append(w)
            if feature.startswith(_NAMED):
                named.append((w, feature))
        # fsum is exact: the same sum whatever order the set gives the features in
        p = _sigmoid(math.fsum(found))
        return Sense(p, _deciding_terms(named, p, mention))

    def decision(self, probability: float) -> str:
        """``olympic`` at or above the high threshold, ``uncertain`` in the band, ``other``
        below it."""
        if probability >= self.infringing:
            return "olympic"
        if probability >= self.review:
            return "uncertain"
        return "other"

    # ------------------------------------------------------------------ file format

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "dim_bits": self.dim_bits,
            "bias": round(self.bias, 6),
            "thresholds": {"review": self.review, "infringing": self.infringing},
            "data_digest": self.data_digest,
            "examples": self.examples,
            "forms": sorted(self.forms),
            "weights": [[k, round(v, 6)] for k, v in sorted(self.weights.items())],
        }

    @classmethod
    def from_json(cls, data: Any, name: str = "<sense model>") -> SenseModel:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SenseModelError(
                f"{name}: not a ringfence sense model", code=ErrorCode.INVALID_MODEL
            )
        if data.get("version") != VERSION:
            raise SenseModelError(
                f"{name}: sense model version {data.get('version')!r} is not supported "
                f"(this ringfence reads version {VERSION}); retrain it with "
                "`ringfence sense train`",
                code=ErrorCode.MODEL_VERSION,
            )
        try:
            thresholds = data["thresholds"]
            review = float(thresholds["review"])
            infringing = float(thresholds["infringing"])
            dim_bits = int(data["dim_bits"])
            weights = {int(k): float(v) for k, v in data["weights"]}
            forms = data["forms"]
            if not isinstance(forms, list) or not all(isinstance(m, str) for m in forms):
                raise ValueError("forms must be a list of texts")
            model = cls(
                bias=float(data["bias"]),
                weights=weights,
                review=review,
                infringing=infringing,
                data_digest=str(data["data_digest"]),
                examples=int(data["examples"]),
                dim_bits=dim_bits,
                forms=frozenset(forms),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SenseModelError(
                f"{name}: malformed sense model: {exc!r}", code=ErrorCode.INVALID_MODEL
            ) from None
        if not (0.0 <= review <= infringing <= 1.0) or not 8 <= dim_bits <= 30:
            raise SenseModelError(
                f"{name}: thresholds or dimensions out of range", code=ErrorCode.INVALID_MODEL
            )
        if not all(math.isfinite(v) for v in weights.values()) or not math.isfinite(model.bias):
            raise SenseModelError(f"{name}: weights are not finite", code=ErrorCode.INVALID_MODEL)
        return model

    def dumps(self) -> bytes:
        """The model file's bytes (the same model gives the same bytes)."""
        return gzip.compress(_canonical(self.to_json()), mtime=0)

    @classmethod
    def loads(cls, blob: bytes, name: str = "<sense model>") -> SenseModel:
        try:
            data = json.loads(gzip.decompress(blob))
        except (OSError, EOFError, zlib.error, ValueError):
            raise SenseModelError(
                f"{name}: not a ringfence sense model (corrupt or not gzip JSON)",
                code=ErrorCode.INVALID_MODEL,
            ) from None
        return cls.from_json(data, name)


def _deciding_terms(named: list[tuple[float, str]], p: float, mention: Mention) -> tuple[str, ...]:
    """The context words of the strongest pushes toward the answer (the mention's own words,
    the start and end of the text left out)."""
    sign = 1.0 if p >= 0.5 else -1.0
    own = {*words(mention.text[mention.start : mention.end]), "^", "$", "#"}
    terms: list[str] = []
    for w, feature in sorted(named, key=lambda item: (-sign * item[0], item[1])):
        if sign * w <= 0 or len(terms) >= TOP_TERMS:
            break
        if feature == "cat:none":
            continue
        parts = [x for x in feature.split(":", 1)[1].split("_") if x not in own]
        term = " ".join(parts)
        if term and term not in terms:
            terms.append(term)
    return tuple(terms)


def shipped_model_json() -> dict[str, Any] | None:
    """The model shipped in the package (``screening/data/sense.model``), as JSON; None when
    this build ships none (the engine then decides as before the sense stage)."""
    resource = files("ringfence.screening").joinpath("data", "sense.model")
    if not resource.is_file():
        return None
    blob = resource.read_bytes()
    return SenseModel.loads(blob, "sense.model").to_json()


def _canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


# ---------------------------------------------------------------------- features


def words(text: str) -> list[str]:
    """Lower-cased words, diacritics left out (``química`` -> ``quimica``)."""
    return _WORD.findall(_fold(text))


def _plain(text: str) -> str:
    return " ".join(_WORD.findall(_fold(text)))


def _fold(text: str) -> str:
    if text.isascii():  # most catalogues: no compatibility forms, no diacritics
        return text.lower()
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def script(text: str) -> str:
    """The main script of a text: latin, cjk, cyrillic, greek, arabic, other."""
    counts: dict[str, int] = {}
    for c in unicodedata.normalize("NFKC", text):
        if c.isalpha():
            s = _char_script(c)
            counts[s] = counts.get(s, 0) + 1
    if not counts:
        return "none"
    return max(sorted(counts), key=lambda s: counts[s])


@lru_cache(maxsize=16_384)
def _char_script(c: str) -> str:
    if c.isascii() or "\u00c0" <= c <= "\u024f":
        return "latin"
    if "\u0400" <= c <= "\u052f":
        return "cyrillic"
    if "\u0370" <= c <= "\u03ff":
        return "greek"
    if "\u0600" <= c <= "\u06ff":
        return "arabic"
    if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af":
        return "cjk"
    return "other"


def price_band(price_usd: float | None) -> str:
    if price_usd is None:
        return "none"
    for bound in _PRICE_BANDS:
        if price_usd < bound:
            return f"<{bound}"
    return f">={_PRICE_BANDS[-1]}"


def features(mention: Mention, listing: ListingContext) -> set[str]:
    """The feature strings of one mention (a set: features are binary)."""
    text = mention.text
    before = words(text[: mention.start])[-WINDOW_WORDS:]
    after = words(text[mention.end :])[:WINDOW_WORDS]
    # Context, and how the mention is written: its own words are no feature, so that a plain
    # mention with nothing around it reads as the prior, not as the training mix of that word.
    out: set[str] = set(written(text[mention.start : mention.end]))
    out.update(f"l:{w}" for w in before)
    out.update(f"r:{w}" for w in after)
    out.update(f"w:{w}" for w in (*before, *after))
    out.add(f"l1:{before[-1]}" if before else "l1:^")
    out.add(f"r1:{after[0]}" if after else "r1:$")
    if len(after) > 1:
        out.add(f"r2:{after[1]}")
    window = [*before, "#", *after]
    out.update(f"b:{a}_{b}" for a, b in pairwise(window))
    chars = (
        _plain(text[max(0, mention.start - WINDOW_CHARS) : mention.start])
        + " # "
        + _plain(text[mention.end : mention.end + WINDOW_CHARS])
    )
    for n in CHAR_NGRAMS:
        out.update(f"c:{chars[i : i + n]}" for i in range(len(chars) - n + 1))
    own = set(words(text[mention.start : mention.end]))
    out.update(f"t:{w}" for w in words(listing.title or text) if w not in own)
    if listing.category:
        out.add(f"cat:{listing.category}")
        out.add(f"cat:{listing.category.split('.', 1)[0]}")
    else:
        out.add("cat:none")
    out.add(f"script:{script(text)}")
    out.add(f"price:{price_band(listing.price_usd)}")
    if listing.other_mark:
        out.add("other_mark")
    if listing.cue:
        out.add("cue")
    if listing.context:
        out.add("context")
    out.update(f"x:{r}" for r in listing.exceptions)
    return out


def form(mention: Mention) -> str:
    """A mention's normalised text ("0lymp1c" and "OLYMPIC" are both "olympic")."""
    return normalize_term(mention.text[mention.start : mention.end])


_REPEAT3 = re.compile(r"(\w)\1\1", re.UNICODE)
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")


@lru_cache(maxsize=4_096)
def written(span: str) -> frozenset[str]:
    """How the mention is written, when not as a plain word (``e:`` features): invisible
    characters, compatibility forms (fullwidth, mathematical letters), digits or symbols among
    its letters, letters of several scripts, a letter three times, a capital inside a word,
    letters spelt apart. Nobody disguises the word on a barbell."""
    out: set[str] = set()
    if any(unicodedata.category(c) == "Cf" or c == "\u00ad" for c in span):
        out.add("e:invisible")
    plain = unicodedata.normalize("NFKC", span)
    if plain != span:
        out.add("e:compat")
    tokens = plain.split()
    if any(any(c.isdigit() for c in t) and any(c.isalpha() for c in t) for t in tokens):
        out.add("e:digits")
    if any(not (c.isalnum() or c.isspace() or unicodedata.category(c) == "Cf") for c in plain):
        out.add("e:symbols")
    if len({_char_script(c) for c in plain if c.isalpha()}) > 1:
        out.add("e:scripts")
    if _REPEAT3.search(plain.casefold()):
        out.add("e:repeat")
    if any(_INNER_CAPITAL.search(t) and not t.isupper() for t in tokens):
        out.add("e:case")
    if sum(len(t) == 1 for t in tokens) >= 3:
        out.add("e:spaced")
    return frozenset(out or {"e:plain"})


def disguised(mention: Mention) -> bool:
    """Written with an evasion (``written``): such a mention is never cleared as a look-alike,
    whatever its context; at most its sense is uncertain."""
    return written(mention.text[mention.start : mention.end]) != {"e:plain"}


@dataclass(frozen=True, slots=True)
class Spellings:
    """How the registry writes its texts: every prefix of a word that ends on an accented Latin
    letter (``olí`` of olímpico, ``olympiá`` of Olympiáda), and every word without its
    diacritics (``olympic``, ``olimpico``)."""

    accents: frozenset[str] = frozenset()
    plain: frozenset[str] = frozenset()

    @classmethod
    def of(cls, texts: Iterable[str]) -> Spellings:
        accents: set[str] = set()
        plain: set[str] = set()
        for text in texts:
            for word in unicodedata.normalize("NFC", text).casefold().split():
                accents.update(word[: n + 1] for n, c in enumerate(word) if _accent(c))
                plain.update(words(word))
        return cls(frozenset(accents), frozenset(plain))


def accented(span: str, spelled: Spellings) -> bool:
    """Whether ``span`` carries diacritics on Latin letters where no spelling of the registry
    does: on a word the registry writes without them (``Olÿmpic``), or on two letters or more
    (``Ólÿmpïc``); not ``olímpicos``, whose ``olí`` begins the registry's ``olímpico``, nor a
    brand's one accent (``Olympéa``). An evasion, like ``disguised``."""
    for word in unicodedata.normalize("NFC", span).casefold().split():
        marked = [n for n, c in enumerate(word) if _accent(c)]
        if not marked or word[: marked[-1] + 1] in spelled.accents:
            continue
        if len(marked) > 1 or "".join(words(word)) in spelled.plain:
            return True
    return False


@lru_cache(maxsize=4_096)
def _accent(c: str) -> bool:
    """A Latin letter written with a diacritic (é, ÿ, ł is not one: it has no decomposition)."""
    if c.isascii() or not c.isalpha() or _char_script(c) != "latin":
        return False
    return any(unicodedata.combining(d) for d in unicodedata.normalize("NFD", c))


def bare(mention: Mention, listing: ListingContext) -> bool:
    """A mention with no context word at all (the listing says nothing but the mention): the
    model has no evidence of a look-alike sense there, only its prior, so it never clears it."""
    own = set(words(mention.text[mention.start : mention.end]))
    return all(w in own for w in (*words(mention.text), *words(listing.title)))


def hashed(feature_sets: Iterable[set[str]], dim_bits: int = DIM_BITS) -> list[list[int]]:
    """Each feature set as sorted, distinct slots (training builds its matrix from these)."""
    mask = (1 << dim_bits) - 1
    return [sorted({zlib.crc32(f.encode()) & mask for f in fs}) for fs in feature_sets]


def digest_rows(rows: Sequence[Sequence[str]]) -> str:
    """A SHA-256 of training rows, independent of file layout."""
    h = hashlib.sha256()
    for row in rows:
        h.update("\t".join(row).encode())
        h.update(b"\n")
    return h.hexdigest()
