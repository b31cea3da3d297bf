"""The screening index: everything the engine needs, as one immutable, versioned file.

It holds the registry snapshot (marks with every language variant, exceptions, licences: the
licence decision compiles from it) and the screening data (cue words, ring descriptions,
context words, the lexicon of real words and brands, price floors and exchange rates). Texts
are stored as written and normalised when the index is loaded, so an index file never goes
stale against the normaliser. The engine loads it; it never touches the database.

File format: gzip-compressed JSON, ``{"format": "ringfence-screening-index", "version": 1,
"checksum": sha256 of the canonical content, "content": {...}}``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from ringfence.core.errors import InvalidInput
from ringfence.core.files import atomic_write
from ringfence.registry.builtin import builtin_document
from ringfence.registry.enums import MarkKind
from ringfence.registry.schemas import RegistryDocument
from ringfence.screening.error_codes import ErrorCode
from ringfence.screening.sense import shipped_model_json

FORMAT = "ringfence-screening-index"
VERSION = 1
# Mascot names this short are also first names and words: they need context to count.
AMBIGUOUS_MASCOT_LENGTH = 8
AMBIGUOUS_LENGTH = 3
RING_CONTEXT_BELOW = 0.8


def _rows(name: str, delimiter: str = "\t") -> list[dict[str, str]]:
    text = files("ringfence.screening").joinpath("data", name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter=delimiter))


def _lines(name: str) -> list[str]:
    text = files("ringfence.screening").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Term:
    """One text to look for: a mark variant, an exception, or a ring description."""

    text: str
    mark: str | None  # None for ring descriptions
    lang: str
    kind: str  # "variant" | "exception" | "ring"
    score: float
    ambiguous: bool = False
    reason: str | None = None  # exceptions: why the use is legitimate
    territories: tuple[str, ...] = ("*",)  # exceptions: where they apply
    category: str | None = None  # exceptions: only listings in this category (or below)
    context: tuple[str, ...] = ()  # ambiguous variants: words that make them count
    nickname: bool = False  # a mascot's everyday name, not its first name in the language
    glued: bool = False  # an ambiguous name glued to a host city ("#SydneySyd", "#ParisJO")


@dataclass
class ScreeningData:
    """The content of an index file."""

    registry: RegistryDocument
    cues: list[dict[str, Any]] = field(default_factory=list)
    rings: list[dict[str, Any]] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    lexicon: list[str] = field(default_factory=list)
    prices: dict[str, tuple[str, int]] = field(default_factory=dict)
    fx: dict[str, float] = field(default_factory=dict)
    # the sense model (screening/sense.py) as JSON; None: screening decides without it
    sense: dict[str, Any] | None = None
    built_at: str = ""
    # brand-like words glued to marks: {"position": "prefix"|"suffix"|"both", "text": ...}
    affixes: list[dict[str, str]] = field(default_factory=list)
    # words that make a weak ring description count (ring_context.tsv): {"text", "role"}, role
    # "games" (anywhere in the listing) or "sign" (a logo, emblem or flag beside it)
    ring_context: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = {
            "registry": self.registry.model_dump(mode="json"),
            "cues": self.cues,
            "rings": self.rings,
            "context": self.context,
            "lexicon": self.lexicon,
            "prices": {k: list(v) for k, v in self.prices.items()},
            "fx": self.fx,
            "built_at": self.built_at,
            "affixes": self.affixes,
            "ring_context": self.ring_context,
        }
        if self.sense is not None:  # an index without a model keeps its former content
            out["sense"] = self.sense
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScreeningData:
        return cls(
            registry=RegistryDocument.model_validate(data["registry"]),
            cues=list(data["cues"]),
            rings=list(data["rings"]),
            context=list(data["context"]),
            lexicon=list(data["lexicon"]),
            prices={k: (str(v[0]), int(v[1])) for k, v in data["prices"].items()},
            fx={k: float(v) for k, v in data["fx"].items()},
            sense=data.get("sense"),
            built_at=str(data.get("built_at", "")),
            # an index written before issue 16 has none: glued marks stay weak evidence
            affixes=[
                {"position": str(a["position"]), "text": str(a["text"])}
                for a in data.get("affixes", [])
            ],
            # an index written before the fourth round of issue 16 has none
            ring_context=[
                {"text": str(r["text"]), "role": str(r["role"])}
                for r in data.get("ring_context", [])
            ],
        )

    def terms(self) -> list[Term]:
        """Every text the term detector looks for, with what it means."""
        editions = {e.id: e for e in self.registry.editions}
        cities = sorted({_glue(e.host_city) for e in self.registry.editions})
        out: list[Term] = []
        for mark in self.registry.marks:
            edition = editions.get(mark.edition) if mark.edition else None
            context = tuple(self.context) + (
                (edition.host_city, str(edition.year)) if edition else ()
            )
            first_of_lang: set[str] = set()
            for v in mark.variants:
                plain = v.text.strip()
                # a mascot's first variant in a language is its name, later ones the names
                # people write (marks.tsv)
                nickname = mark.kind is MarkKind.mascot and v.lang in first_of_lang
                first_of_lang.add(v.lang)
                latin = plain.isascii()
                ambiguous = latin and (
                    len(plain.replace(" ", "")) <= AMBIGUOUS_LENGTH
                    or (
                        mark.kind is MarkKind.mascot
                        and len(plain.replace(" ", "")) <= AMBIGUOUS_MASCOT_LENGTH
                    )
                )
                out.append(
                    Term(
                        plain,
                        mark.id,
                        v.lang,
                        "variant",
                        0.95,
                        ambiguous=ambiguous,
                        context=context if ambiguous else (),
                        nickname=nickname,
                    )
                )
                if ambiguous:
                    # glued to its edition's host city (or, for a mark of no edition, to any)
                    # the name carries its own context: "#SydneySyd", "BEIJINGNINI", "#ParisJO"
                    name = _glue(plain)
                    for city in [_glue(edition.host_city)] if edition else cities:
                        out.extend(
                            Term(text, mark.id, v.lang, "variant", 0.95, glued=True)
                            for text in (city + name, name + city)
                        )
            for x in mark.exceptions:
                out.append(
                    Term(
                        x.text,
                        mark.id,
                        "",
                        "exception",
                        0.0,
                        reason=x.reason.value,
                        territories=tuple(x.territories),
                        category=x.category,
                    )
                )
        for ring in self.rings:
            # weak descriptions ("five circles") count only with Olympic context
            weak = float(ring["score"]) < RING_CONTEXT_BELOW
            out.append(
                Term(
                    ring["text"],
                    None,
                    ring["lang"],
                    "ring",
                    float(ring["score"]),
                    ambiguous=weak,
                    context=tuple(self.context) + self.ring_words("games") if weak else (),
                )
            )
        for cue in self.cues:
            if not is_symbolic(cue["text"]):
                out.append(Term(cue["text"], None, cue["lang"], "cue", float(cue["score"])))
        out.extend(Term(word, None, "", "context", 0.0) for word in self.context)
        return out

    def ring_words(self, role: str) -> tuple[str, ...]:
        """The ring context words of a role: ``games`` or ``sign``."""
        return tuple(r["text"] for r in self.ring_context if r["role"] == role)

    def affix_words(self, position: str) -> list[str]:
        """The affixes that may stand before (``prefix``) or after (``suffix``) a mark."""
        return [a["text"] for a in self.affixes if a["position"] in (position, "both")]

    def symbolic_cues(self) -> list[tuple[str, float]]:
        """Cues made of symbols and digits ("1:1", "AAA+"), matched on the lower-cased text."""
        return [(c["text"].lower(), float(c["score"])) for c in self.cues if is_symbolic(c["text"])]


def _glue(text: str) -> str:
    """A name written as one word, in lower case ("Salt Lake City" -> "saltlakecity")."""
    return "".join(c for c in text.lower() if c.isalnum())


def is_symbolic(text: str) -> bool:
    """A cue that normalisation would change out of recognition: symbols, digits, or a letter
    three times in a row."""
    lowered = text.lower()
    return any(not (c.isalpha() or c.isspace()) for c in lowered) or any(
        a == b == c for a, b, c in zip(lowered, lowered[1:], lowered[2:], strict=False)
    )


def builtin_data(registry: RegistryDocument | None = None, *, sense: bool = True) -> ScreeningData:
    """The screening data shipped with ringfence, over the given (or built-in) registry; with
    the shipped sense model unless ``sense`` is false (training makes a new one)."""
    if registry is None:
        registry = builtin_document()
    return ScreeningData(
        registry=registry,
        cues=[
            {"lang": r["lang"], "text": r["text"], "score": float(r["score"])}
            for r in _rows("cues.tsv")
        ],
        rings=[
            {"lang": r["lang"], "text": r["text"], "score": float(r["score"])}
            for r in _rows("rings.tsv")
        ],
        context=[r["text"] for r in _rows("context.tsv")],
        lexicon=_lines("lexicon.txt"),
        prices={
            r["category"]: (r["currency"], int(r["floor_minor"])) for r in _rows("prices.csv", ",")
        },
        fx={r["currency"]: float(r["per_usd"]) for r in _rows("fx.csv", ",")},
        affixes=[{"position": r["position"], "text": r["text"]} for r in _rows("affixes.tsv")],
        ring_context=[{"text": r["text"], "role": r["role"]} for r in _rows("ring_context.tsv")],
        sense=shipped_model_json() if sense else None,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def dump_index(data: ScreeningData) -> bytes:
    content = data.to_json()
    checksum = hashlib.sha256(_canonical(content)).hexdigest()
    envelope = {"format": FORMAT, "version": VERSION, "checksum": checksum, "content": content}
    return gzip.compress(_canonical(envelope), mtime=0)


def write_index(data: ScreeningData, path: Path) -> str:
    """Write atomically (temporary file, then rename); return the checksum."""
    blob = dump_index(data)
    atomic_write(path, [blob])
    return index_checksum(blob)


def content_version(data: ScreeningData) -> str:
    """What an index screens with, as a checksum that ignores when it was built: two builds of
    the same registry and data have the same version (resumed runs compare it)."""
    content = data.to_json()
    content.pop("built_at", None)
    return hashlib.sha256(_canonical(content)).hexdigest()


def index_checksum(blob: bytes) -> str:
    return str(json.loads(gzip.decompress(blob))["checksum"])


def load_index(source: Path | bytes) -> ScreeningData:
    """Read an index file, refusing anything that is not an intact index of this version."""
    name = str(source) if isinstance(source, Path) else "<index>"
    try:
        blob = source.read_bytes() if isinstance(source, Path) else source
    except OSError as exc:
        raise InvalidInput(
            f"{name}: cannot read: {exc.strerror}", code=ErrorCode.UNREADABLE_INDEX
        ) from None
    try:
        envelope = json.loads(gzip.decompress(blob))
    except (OSError, EOFError, zlib.error, ValueError):
        raise InvalidInput(
            f"{name}: not a ringfence screening index (corrupt or not gzip JSON)",
            code=ErrorCode.INVALID_INDEX,
        ) from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise InvalidInput(f"{name}: not a ringfence screening index", code=ErrorCode.INVALID_INDEX)
    if envelope.get("version") != VERSION:
        raise InvalidInput(
            f"{name}: index version {envelope.get('version')!r} is not supported "
            f"(this ringfence reads version {VERSION}); rebuild it with `ringfence index build`",
            code=ErrorCode.INDEX_VERSION,
        )
    content = envelope.get("content")
    if not isinstance(content, dict) or (
        hashlib.sha256(_canonical(content)).hexdigest() != envelope.get("checksum")
    ):
        raise InvalidInput(
            f"{name}: checksum mismatch (damaged index)", code=ErrorCode.INVALID_INDEX
        )
    try:
        return ScreeningData.from_json(content)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(
            f"{name}: malformed index content: {exc}", code=ErrorCode.INVALID_INDEX
        ) from None
