"""The screening engine: normalise -> detect -> decide, per listing, as a pure function over
Arrow record batches. Framework-free: no web, ORM or CLI imports (a test enforces it)."""

from __future__ import annotations

import gc
import json
import logging
import math
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from ringfence.core import jsontext
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.enums import Reason
from ringfence.registry.schemas import iso_territories
from ringfence.screening.detectors.colours import find_colour_rings, trigger_words
from ringfence.screening.detectors.cues import SymbolicCues
from ringfence.screening.detectors.fuzzy import MIN_LENGTH, FuzzyMatcher
from ringfence.screening.detectors.price import PriceCheck
from ringfence.screening.detectors.rings import COLOURED, RINGS, find_emoji_rings
from ringfence.screening.detectors.terms import (
    AFFIX,
    MID_WORD,
    SHORT,
    Affixes,
    Hit,
    TermMatcher,
    evasion_of,
    needs_boundary,
)
from ringfence.screening.findings import Finding
from ringfence.screening.index import (
    RING_CONTEXT_BELOW,
    ScreeningData,
    Term,
    builtin_data,
    load_index,
)
from ringfence.screening.interfaces import ImageSources
from ringfence.screening.normalize import (
    ascii_char,
    normalize,
    normalize_term,
    original_span,
    trace,
)
from ringfence.screening.screen_images import IMAGES, ImageScreening
from ringfence.screening.sense import (
    ListingContext,
    Mention,
    SenseModel,
    Spellings,
    accented,
    bare,
    disguised,
)

try:
    from ringfence.screening import _kernel
except ImportError:  # a source checkout without a build: the reference path only
    _kernel = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

RINGS_MARK = "symbol-olympic-rings"
CHANNEL = "marketplace"
UNKNOWN_TERRITORY = "ZZ"  # ISO user-assigned: "ship-to not given"
MAX_TITLE = 2_000
MAX_SCANNED_DESCRIPTION = 50_000
MAX_IMAGES = 20
OFFICIAL_IMAGE_REUSE = "official_image_reuse"
AMBIGUOUS = "ambiguous:"

CLEAN, AUTHORIZED, INFRINGING, REVIEW, ERROR = (
    "clean",
    "authorized",
    "infringing",
    "review",
    "error",
)

INPUT_COLUMNS = (
    "listing_id",
    "seller_id",
    "title",
    "description",
    "category",
    "price",
    "currency",
    "ship_to",
    "image_paths",
    "listed_at",
)
REQUIRED_COLUMNS = ("listing_id", "seller_id", "title")
OUTPUT_SCHEMA = pa.schema(
    [
        pa.field("listing_id", pa.string()),
        pa.field("verdict", pa.string(), nullable=False),
        pa.field("risk", pa.float64(), nullable=False),
        pa.field("marks", pa.list_(pa.string()), nullable=False),
        pa.field("reasons", pa.list_(pa.string()), nullable=False),
        pa.field("evidence", pa.string(), nullable=False),
    ]
)


_CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)


class Listing(NamedTuple):
    """One listing, validated. (Named tuples: the engine makes millions of these.)"""

    listing_id: str
    seller_id: str
    title: str
    description: str = ""
    category: str | None = None
    price: float | None = None
    currency: str | None = None
    ship_to: tuple[str, ...] = ()
    listed_at: date | None = None
    image_paths: tuple[str, ...] = ()


class Verdict(NamedTuple):
    listing_id: str | None
    verdict: str
    risk: float
    marks: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    evidence: tuple[Finding, ...] = ()

    def evidence_json(self) -> str:
        return json.dumps([f.as_json() for f in self.evidence], ensure_ascii=False)


class RowError(ValueError):
    """A listing that cannot be screened: verdict ``error`` with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Scan(NamedTuple):
    """What the cheap pass found in one field."""

    name: str
    text: str
    view: str
    hits: list[Hit]
    rings: list[tuple[int, int]]
    colours: list[tuple[int, int, float]]  # the five colours named beside a ring word

    def uses_property(self) -> bool:
        return (
            bool(self.rings)
            or bool(self.colours)
            or any(h.term.kind in _PROPERTY_KINDS for h in self.hits)
        )


_PROPERTY_KINDS = frozenset({"variant", "ring"})
# Findings the sense model reads: text mentions of a mark (not emoji rings, not images).
_SENSE_DETECTORS = frozenset({"terms", "fuzzy", "rings"})
_TEXTS = frozenset({"title", "description"})
UNCERTAIN_SENSE = "uncertain_sense"


class Engine:
    """A loaded screening index, ready to screen listings.

    ``compiled`` (default) lets ``screen_batch`` use the compiled prefilter
    (``ringfence.screening._kernel``) for the listings it can prove clean; ``compiled=False``
    forces the reference path for every row. Both give the same output, row for row."""

    def __init__(
        self, data: ScreeningData, *, compiled: bool = True, sources: ImageSources | None = None
    ) -> None:
        self.data = data
        self.images = ImageScreening(data, sources or ImageSources(), RINGS_MARK)
        self.licences = LicenceIndex(data.registry)
        self.version = self.licences.version
        lexicon = frozenset(normalize_term(w) for w in data.lexicon)
        affixes = Affixes(data.affix_words("prefix"), data.affix_words("suffix"))
        self.terms = TermMatcher(data.terms(), lexicon, affixes)
        # names glued to a city are looked for as they are, never as misspellings
        unglued = {p: ts for p, ts in self.terms.patterns.items() if not all(t.glued for t in ts)}
        self.fuzzy = FuzzyMatcher(unglued, lexicon)
        self.cues = SymbolicCues(data.symbolic_cues())
        self.price = PriceCheck(data.prices, data.fx)
        self.categories = frozenset(c.id for c in data.registry.categories)
        self.has_rings_mark = any(m.id == RINGS_MARK for m in data.registry.marks)
        # a weak ring description beside one of these names the symbol ("five circles logo")
        self.ring_signs = frozenset(normalize_term(w).strip() for w in data.ring_words("sign"))
        self.ring_games = data.ring_words("games")
        self.sense = SenseModel.from_json(data.sense) if data.sense is not None else None
        # the registry's accented spellings: other diacritics on a mark are an evasion
        self.spelled = Spellings.of(
            [t.text for t in data.terms()]
            + [x.text for m in data.registry.marks for x in m.exceptions]
            + list(data.lexicon)
        )
        self.kernel: _kernel.Kernel | None = None
        if compiled and _kernel is None:
            _warn_no_kernel()
        elif compiled:
            properties = [
                p
                for p, ts in self.terms.every_pattern().items()
                if any(t.kind in _PROPERTY_KINDS for t in ts)
            ]
            written = [p for p in properties if p in self.terms.patterns]  # spelt apart
            # the colours detector reads texts with a ring word: the prefilter refers them
            triggers = sorted({normalize_term(w).strip() for w in trigger_words()})
            self.kernel = _kernel.Kernel(
                [(p, needs_boundary(p)) for p in properties]
                + [(w, True) for w in triggers if w.isascii()],
                sorted({p.replace(" ", "") for p in written if needs_boundary(p)}),
                sorted(self.fuzzy.phrase_words),
                sorted(self.fuzzy.prefixes),
                sorted(self.fuzzy.suffixes),
                MIN_LENGTH - 1,
                SHORT,
                MID_WORD,
                lexicon,
                self.fuzzy.clean_words,
                _KernelChars([*properties, *(w for w in triggers if not w.isascii())]),
            )

    @classmethod
    def builtin(cls) -> Engine:
        return cls(builtin_data())

    @classmethod
    def from_file(cls, path: Path) -> Engine:
        return cls(load_index(path))

    # ------------------------------------------------------------------ one listing

    def screen(
        self, listing: Listing, *, today: date | None = None, sources: ImageSources | None = None
    ) -> Verdict:
        """Screen one listing; ``sources`` overrides where its images may be read from."""
        findings = self.candidates(listing, sources=sources)
        if findings is None:
            return Verdict(listing.listing_id, CLEAN, 0.0)
        return self._decide(listing, findings, today or datetime.now(UTC).date())

    def candidates(
        self, listing: Listing, *, sources: ImageSources | None = None
    ) -> list[Finding] | None:
        """The first stage: every finding of every detector, before the sense stage and the
        decision; None when the listing uses no property at all (the clean majority)."""
        scans = [self._scan("title", listing.title)]
        if listing.description:
            scans.append(self._scan("description", listing.description[:MAX_SCANNED_DESCRIPTION]))
        pictures = (
            self.images.screen(listing.image_paths, listing.seller_id, sources)
            if listing.image_paths
            else []
        )
        fuzzy: list[Finding] = []
        if not (scans[0].uses_property() or (len(scans) > 1 and scans[1].uses_property())):
            fuzzy = self._fuzzy(scans)
            if not fuzzy and not pictures:
                return None
        findings = [f for s in scans for f in self._findings(s, listing)]
        if not fuzzy and _ambiguous_only(findings):
            # a short name without context can be part of a misspelt long one ("Phryge" in
            # "Olsympic Phryge", "Dwen Dwen" in "Bign Dwen Dwen"): the fuzzy pass still looks
            fuzzy = self._fuzzy(scans)
        findings += fuzzy + pictures
        if listing.price is not None and listing.currency:
            ratio = self.price.too_low(listing.price, listing.currency, listing.category)
            if ratio is not None:
                findings.append(
                    Finding(
                        "price",
                        "price_too_low",
                        min(0.9, 1 - ratio),
                        "price",
                        f"{listing.price:g} {listing.currency}",
                        0,
                        0,
                    )
                )
        return findings

    def _scan(self, field_name: str, text: str) -> _Scan:
        view = (self.kernel.view(text) if self.kernel is not None else None) or normalize(text)
        return _Scan(
            field_name,
            text,
            view,
            self.terms.find(view),
            find_emoji_rings(text),
            find_colour_rings(text),
        )

    def _fuzzy(self, scans: Sequence[_Scan]) -> list[Finding]:
        out = []
        for scan in scans:
            for start, end, pattern, terms, distance in self.fuzzy.find(scan.view):
                if terms[0].ambiguous and not self._has_context(scan, terms[0]):
                    continue
                s, e = original_span(self._origins(scan.text), start, end, scan.text)
                term = terms[0]
                out.append(
                    Finding(
                        "fuzzy",
                        f"misspelt:{term.mark}:{pattern}:d{distance}",
                        0.8 if distance == 1 else 0.7,
                        scan.name,
                        scan.text[s:e],
                        s,
                        e,
                        mark=term.mark,
                        weak=True,
                        evasion="misspelling",
                    )
                )
        return out

    def _origins(self, text: str) -> list[int]:
        """``normalize.trace``'s offsets into the text as written, from the compiled kernel
        where it reads the text (a property test holds the two equal)."""
        if self.kernel is not None:
            traced = self.kernel.trace(text)
            if traced is not None:
                return traced[1]
        return trace(text)[1]

    @staticmethod
    def _has_context(scan: _Scan, term: Term) -> bool:
        """A context word of the term (its edition's city or year, "mascot"...) in the text."""
        return any(c in scan.view for c in _context_views(term.context)) or any(
            h.term.kind == "context" for h in scan.hits
        )

    def _beside_sign(self, view: str, start: int, end: int) -> bool:
        """A sign word (logo, emblem, symbol, flag: ring_context.tsv) at most two words before
        or after the span ``start:end`` of the view; in scripts written without spaces, glued
        to it ("五个圆环标志")."""
        if not self.ring_signs:
            return False
        before, after = view[:start].split()[-2:], view[end:].split()[:2]
        if any(w in self.ring_signs for w in (*before, *after)):
            return True
        head, tail = view[end : end + 4].lstrip(), view[max(0, start - 4) : start].rstrip()
        return any(
            not s.isascii() and (head.startswith(s) or tail.endswith(s)) for s in self.ring_signs
        )

    def _findings(self, scan: _Scan, listing: Listing) -> list[Finding]:
        """Turn the cheap pass's hits into findings with offsets in the text as written."""
        origins: list[int] = []  # traced on first use: most fields have no hit to report

        def span(start: int, end: int) -> tuple[int, int, str]:
            if not origins:
                origins.extend(self._origins(scan.text))
            s, e = original_span(origins, start, end, scan.text)
            return s, e, scan.text[s:e]

        exceptions = [h for h in scan.hits if h.term.kind == "exception"]
        has_context = (
            any(h.term.kind == "context" for h in scan.hits)
            or bool(scan.rings)
            or any(score >= RING_CONTEXT_BELOW for _, _, score in scan.colours)
        )
        strong_marks = {
            h.term.mark
            for h in scan.hits
            if h.term.kind == "variant" and not h.term.ambiguous and not h.mid_word
        }
        out: list[Finding] = []
        for hit in _outermost(h for h in scan.hits if h.term.kind in ("variant", "ring")):
            term = hit.term
            s, e, text = span(hit.start, hit.end)
            mark = (
                term.mark
                if term.kind == "variant"
                else (RINGS_MARK if self.has_rings_mark else None)
            )
            exception = None
            for x in exceptions:
                # an exception is a legitimate phrase: it covers any mark found inside it
                # ("Olympiacos" holds "Olympia" as well as "Olympic")
                if (
                    x.start <= hit.start
                    and hit.end <= x.end
                    and _applies(x.term.territories, listing.ship_to)
                    and _in_category(x.term.category, listing.category)
                ):
                    exception = f"{x.term.reason}: {x.term.text}"
                    break
            if (
                exception is None
                and term.ambiguous
                and not has_context
                and not self._has_context(scan, term)
                and not (strong_marks - {term.mark})
                and not (term.kind == "ring" and self._beside_sign(scan.view, hit.start, hit.end))
            ):
                exception = f"{AMBIGUOUS} a common word or name without Olympic context"
            evasion = evasion_of(hit, text)
            if (
                evasion is None
                and hit.whole
                and self.terms.glued_to_affix(scan.view, hit, scan.text, s, e)
            ):
                evasion = AFFIX
            out.append(
                Finding(
                    "terms" if term.kind == "variant" else "rings",
                    f"{term.kind}:{term.mark or 'rings'}:{term.lang or '-'}",
                    term.score * (0.85 if hit.mid_word else 1.0),
                    scan.name,
                    text,
                    s,
                    e,
                    mark=mark,
                    exception=exception,
                    weak=hit.mid_word,
                    evasion=evasion,
                )
            )
        for start, stop in scan.rings:
            end = start + len(scan.text[start:stop].rstrip())
            out.append(
                Finding(
                    "rings",
                    "rings:emoji",
                    0.9,
                    scan.name,
                    scan.text[start:end],
                    start,
                    end,
                    mark=RINGS_MARK if self.has_rings_mark else None,
                )
            )
        for start, end, score in scan.colours:
            # the symbol named by its five colours beside a ring word; another order than the
            # symbol's own is weak and needs Olympic context, like "interlocking rings"
            weak = score < RING_CONTEXT_BELOW
            out.append(
                Finding(
                    "rings",
                    "rings:colours",
                    score,
                    scan.name,
                    scan.text[start:end],
                    start,
                    end,
                    mark=RINGS_MARK if self.has_rings_mark else None,
                    exception=(
                        f"{AMBIGUOUS} a common word or name without Olympic context"
                        if weak
                        and not has_context
                        and not strong_marks
                        and not any(c in scan.view for c in _context_views(self.ring_games))
                        else None
                    ),
                    evasion="described",
                )
            )
        seen_cues: set[tuple[str, int]] = set()
        for hit in scan.hits:
            if hit.term.kind == "cue" and (hit.pattern, hit.start) not in seen_cues:
                seen_cues.add((hit.pattern, hit.start))
                s, e, text = span(hit.start, hit.end)
                out.append(
                    Finding("cues", f"cue:{hit.term.text}", hit.term.score, scan.name, text, s, e)
                )
        for start, end, cue, score in self.cues.find(scan.text):
            out.append(
                Finding("cues", f"cue:{cue}", score, scan.name, scan.text[start:end], start, end)
            )
        return out

    def _decide(self, listing: Listing, findings: list[Finding], today: date) -> Verdict:
        uncertain = False
        if self.sense is not None:
            findings, uncertain = self._read_sense(self.sense, listing, findings)
        verdict = self._decide_marks(listing, findings, today)
        if uncertain and verdict.verdict == INFRINGING:
            # the sense model is unsure: an analyst reads it, never a verdict by itself
            reasons = tuple(dict.fromkeys((*verdict.reasons, UNCERTAIN_SENSE)))
            verdict = verdict._replace(
                verdict=REVIEW, risk=round(min(0.69, max(0.3, verdict.risk)), 4), reasons=reasons
            )
        refused = tuple(dict.fromkeys(f.rule for f in findings if f.detector == IMAGES))
        reuse = [f for f in findings if f.detector == "image_reuse" and not f.exception]
        if reuse:
            reasons = (OFFICIAL_IMAGE_REUSE, *(r for r in verdict.reasons if r != "licensed"))
            verdict = verdict._replace(
                verdict=INFRINGING,
                risk=round(max(0.9, verdict.risk), 4),
                reasons=reasons,
                evidence=tuple(findings),
            )
        if refused:  # images that could not be screened: said, whatever the verdict
            evidence = verdict.evidence + tuple(
                f for f in findings if f.detector == IMAGES and f not in verdict.evidence
            )
            verdict = verdict._replace(
                reasons=tuple(dict.fromkeys((*verdict.reasons, *refused))), evidence=evidence
            )
        return verdict

    def _read_sense(
        self, model: SenseModel, listing: Listing, findings: list[Finding]
    ) -> tuple[list[Finding], bool]:
        """The sense stage: each text mention (terms, fuzzy, ring descriptions) of a mark the
        model reads, not already covered by a registry exception, gets the model's P(olympic).
        Below the review threshold it stops counting (kept as evidence, ``exception: "sense:
        ..."``), unless written with an evasion (``sense.disguised``: then uncertain); in
        the band the listing can be no more than ``review``. Returns the findings
        and whether a mention that counts is uncertain while nothing else (emoji rings,
        images) is sure."""
        inputs = [x for x in self.sense_inputs(listing, findings) if model.reads(x[1])]
        if not inputs:
            return findings, False
        mentions = {i for i, _, _ in inputs}
        out = list(findings)
        sure = any(f.mark and not f.exception and i not in mentions for i, f in enumerate(findings))
        uncertain = False
        for i, mention, context in inputs:
            f = findings[i]
            read = model.predict(mention, context)
            decided = model.decision(read.probability)
            if decided == "other" and (
                disguised(mention)
                or accented(mention.text[mention.start : mention.end], self.spelled)
                or bare(mention, context)
            ):
                # nobody disguises the word on a barbell; a mention with no context has only
                # the model's prior to go on: uncertain, never cleared
                decided = "uncertain"
            exception = None
            if decided == "other":
                words = ", ".join(read.terms) or "its context"
                exception = f"sense: look-alike use ({words})"
            elif decided == "olympic":
                sure = True
            else:
                uncertain = True
            out[i] = replace(f, sense=read.probability, context=read.terms, exception=exception)
        return out, uncertain and not sure

    def sense_inputs(
        self, listing: Listing, findings: Sequence[Finding], *, excepted: bool = False
    ) -> list[tuple[int, Mention, ListingContext]]:
        """What the sense model reads: for each text mention of a mark (terms, fuzzy, ring
        descriptions) not covered by a registry exception, its position in ``findings``, the
        mention and its listing's context. Training reads the same (``sense_train``), with
        ``excepted`` mentions (inside a registry exception) as well."""
        mentions = [
            i
            for i, f in enumerate(findings)
            if f.mark
            and (not f.exception or excepted)
            and f.detector in _SENSE_DETECTORS
            and f.field in _TEXTS
            and f.rule != "rings:emoji"
        ]
        if not mentions:
            return []
        marks = {f.mark for f in findings if f.mark and not f.exception}
        price_usd = (
            self.price.usd(listing.price, listing.currency)
            if listing.price is not None and listing.currency
            else None
        )
        base = ListingContext(
            title=listing.title,
            category=listing.category,
            price_usd=price_usd,
            cue=any(f.detector == "cues" for f in findings),
            context=any(f.rule == "rings:emoji" for f in findings),
            exceptions=tuple(
                sorted({f.exception.split(":", 1)[0] for f in findings if f.exception})
            ),
        )
        together = replace(base, other_mark=True)
        out = []
        for i in mentions:
            f = findings[i]
            text = listing.title if f.field == "title" else listing.description
            mark = f.mark or ""
            context = together if marks - {mark} else base
            out.append((i, Mention(text, f.start, f.end, mark), context))
        return out

    def _decide_marks(self, listing: Listing, findings: list[Finding], today: date) -> Verdict:
        used = [f for f in findings if f.mark and not f.exception]
        if not used:
            excepted = tuple(f for f in findings if f.exception)
            sensed = any(f.exception.startswith("sense:") for f in excepted if f.exception)
            return Verdict(
                listing.listing_id,
                CLEAN,
                0.0,
                reasons=(("sense_lookalike",) if sensed else ("exception",)) if excepted else (),
                evidence=excepted,
            )
        marks = tuple(sorted({f.mark for f in used if f.mark}))
        cues = [f for f in findings if f.detector == "cues"]
        price = [f for f in findings if f.detector == "price"]
        on = listing.listed_at or today
        category = listing.category if listing.category in self.categories else ""
        territories = listing.ship_to or (UNKNOWN_TERRITORY,)

        reasons: dict[str, None] = {}
        unknown_data = False
        allowed = True
        protected = False
        for mark in marks:
            for territory in territories:
                d = self.licences.authorize(
                    listing.seller_id, mark, category, territory, CHANNEL, on
                )
                if territory == UNKNOWN_TERRITORY and (
                    Reason.mark_not_protected in d.reasons
                    or Reason.territory_not_covered in d.reasons
                ):
                    unknown_data = True
                    continue
                if d.reasons == (Reason.mark_not_protected,):
                    continue
                protected = True
                if d.allowed:
                    reasons.setdefault(Reason.licensed.value)
                    continue
                allowed = False
                if not category and d.reasons == (Reason.category_not_covered,):
                    unknown_data = True
                    continue
                for r in d.reasons:
                    reasons.setdefault(r.value)
        denied = [r for r in reasons if r != Reason.licensed.value]
        if denied:
            verdict = INFRINGING
        elif unknown_data or not allowed:
            verdict = REVIEW
            reasons.setdefault("insufficient_listing_data")
        elif not protected:
            return Verdict(
                listing.listing_id, CLEAN, 0.0, marks, ("mark_not_protected",), tuple(findings)
            )
        else:
            verdict = AUTHORIZED
        if cues:
            verdict = INFRINGING
            reasons = {"counterfeit_cue": None, **reasons}
        if price:
            reasons.setdefault("price_too_low")
            if verdict == AUTHORIZED:
                verdict = REVIEW
        if verdict == INFRINGING and all(f.weak for f in used) and not cues:
            verdict = REVIEW
            reasons.setdefault("weak_evidence")
        risk = _risk(verdict, [f.score for f in used if not f.weak] or [0.5], cues, price)
        return Verdict(listing.listing_id, verdict, risk, marks, tuple(reasons), tuple(findings))

    # ------------------------------------------------------------------ Arrow batches

    def screen_batch(self, batch: pa.RecordBatch, *, today: date | None = None) -> pa.RecordBatch:
        """The engine as a pure function: one output row per input row, in order.

        The cyclic garbage collector is paused for the batch (and restored after): screening
        makes no reference cycles, and the collector's passes over millions of short-lived
        tuples cost about a sixth of the time."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._screen_batch(batch, today=today)
        finally:
            if enabled:
                gc.enable()

    def _screen_batch(self, batch: pa.RecordBatch, *, today: date | None) -> pa.RecordBatch:
        day = today or datetime.now(UTC).date()
        if self.kernel is not None:
            columns = _fast_columns(batch)
            if columns is not None:
                return self._screen_batch_compiled(batch, columns, day)
        return self._screen_batch_reference(batch, day)

    def _screen_batch_reference(self, batch: pa.RecordBatch, day: date) -> pa.RecordBatch:
        """The reference: every row through ``listing_from_values`` and ``screen``."""
        verdicts = [self._screen_row(row, error, day) for row, error in _rows(batch)]
        ids = pa.array([v.listing_id for v in verdicts], pa.string())
        return _output(ids, list(enumerate(verdicts)))

    def _screen_row(self, row: Sequence[Any], error: Any, day: date) -> Verdict:
        try:
            if error is not None:  # a line the reader could not parse
                raise RowError(str(error))
            return self.screen(listing_from_values(*row), today=day)
        except RowError as exc:
            return Verdict(_row_id(row[0]), ERROR, 0.0, reasons=(exc.reason,))

    def _screen_batch_compiled(
        self, batch: pa.RecordBatch, columns: dict[str, pa.Array], day: date
    ) -> pa.RecordBatch:
        """The compiled prefilter decides the rows it can prove clean: valid (column checks)
        and, in title and description, no property and no misspelling (``_kernel``, module
        docstring). Every other row takes the reference path, ``_screen_row``."""
        refer = self._refer(columns)
        flagged: list[tuple[int, Verdict]] = []
        if refer:
            rows = sorted(refer)
            taken = batch.take(pa.array(rows, pa.int64()))
            for i, (row, error) in zip(rows, _rows(taken), strict=True):
                flagged.append((i, self._screen_row(row, error, day)))
        return _output(columns["listing_id"], flagged)

    def unproven(self, batch: pa.RecordBatch) -> list[int] | None:
        """The rows of ``batch`` the compiled prefilter cannot prove clean, in order; every
        other row's verdict is clean with no reasons (as ``screen_batch`` gives it). None when
        the prefilter cannot take the batch (no kernel, or columns it does not read): then no
        row is proven clean."""
        if self.kernel is None:
            return None
        columns = _fast_columns(batch)
        if columns is None:
            return None
        enabled = gc.isenabled()
        gc.disable()
        try:
            return sorted(self._refer(columns))
        finally:
            if enabled:
                gc.enable()

    def _refer(self, columns: dict[str, pa.Array]) -> set[int]:
        """The rows the compiled prefilter leaves to the reference path."""
        assert self.kernel is not None
        refer = _invalid_rows(columns)
        fuzzy_views: dict[int, list[str]] = {}
        for name, limit in (("title", MAX_TITLE), ("description", MAX_SCANNED_DESCRIPTION)):
            column = columns.get(name)
            if column is None:
                continue
            statuses, views = self.kernel.scan_array(column, limit, name == "title")
            others: list[int] = []
            for found in _NONZERO.finditer(statuses):
                i = found.start()
                status = statuses[i]
                if status == _kernel.REFER:
                    refer.add(i)
                elif status == _kernel.FUZZY:
                    fuzzy_views.setdefault(i, []).append(views[i])
                else:
                    others.append(i)
            if others:
                texts = column.take(pa.array(others, pa.int64())).to_pylist()
                for i, text in zip(others, texts, strict=True):
                    view = self._prefilter_other(name, text)
                    if view is None:
                        refer.add(i)
                    elif view:
                        fuzzy_views.setdefault(i, []).append(view)
        for i, row_views in fuzzy_views.items():
            if i not in refer and any(self.fuzzy.find(v) for v in row_views):
                refer.add(i)
        return refer

    def _prefilter_other(self, name: str, text: str) -> str | None:
        """A text the kernel left to Python (OTHER): None when the reference must screen its
        row, else the view the fuzzy pass must look at."""
        if name == "title" and (len(text) > MAX_TITLE or not text.strip()):
            return None
        scan = self._scan(name, text[:MAX_SCANNED_DESCRIPTION])
        return None if scan.uses_property() else scan.view


class _KernelChars:
    """A character in the kernel's view (``normalize.ascii_char``): a letter of another script
    stands in as one byte when no property pattern holds it; the rings detector reads the
    ring emoji in the text as written, so text with them is left to Python."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self._held = frozenset(c for p in patterns for c in p if not c.isascii())

    def __call__(self, code: int) -> str | None:
        if chr(code) in _RING_CHARS:
            return None
        return ascii_char(code, self._free)

    def _free(self, letter: str) -> bool:
        return letter not in self._held


_RING_CHARS = frozenset(RINGS + COLOURED)

_NONZERO = re.compile(b"[^\\x00]")


def _rows(batch: pa.RecordBatch) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Each row's values, in ``listing_from_values``' order, and the reader's error."""
    columns = {
        name: batch.column(name).to_pylist() if name in batch.schema.names else None
        for name in (*_FIELDS, "_error")
    }
    nothing: list[Any] = [None] * batch.num_rows
    rows = zip(*(columns[c] or nothing for c in _FIELDS), strict=True)
    return zip(rows, columns["_error"] or nothing, strict=True)


def _output(ids: pa.Array, verdicts: Iterable[tuple[int, Verdict]]) -> pa.RecordBatch:
    """The output batch: every row clean, but for the given (row, verdict) pairs."""
    n = len(ids)
    index = array("i", bytes(4 * n))
    verdict, risk, evidence = [CLEAN], [0.0], ["[]"]
    marks: list[list[str]] = [[]]
    reasons: list[list[str]] = [[]]
    for i, v in verdicts:
        if v.verdict is CLEAN and not v.reasons:
            continue
        index[i] = len(verdict)
        verdict.append(v.verdict)
        risk.append(v.risk)
        marks.append(list(v.marks))
        reasons.append(list(v.reasons))
        evidence.append(v.evidence_json() if v.evidence else "[]")
    take = pa.Array.from_buffers(pa.int32(), n, [None, pa.py_buffer(index)])
    return pa.RecordBatch.from_arrays(
        [
            ids,
            pa.array(verdict, pa.string()).take(take),
            pa.array(risk, pa.float64()).take(take),
            pa.array(marks, pa.list_(pa.string())).take(take),
            pa.array(reasons, pa.list_(pa.string())).take(take),
            pa.array(evidence, pa.string()).take(take),
        ],
        schema=OUTPUT_SCHEMA,
    )


_warned = False


def _warn_no_kernel() -> None:
    global _warned  # noqa: PLW0603 - one line per process
    if not _warned:
        _warned = True
        log.warning(
            "ringfence.screening._kernel is not built: screening on the reference path only "
            "(reinstall with `pip install -e .` to build it)"
        )


@lru_cache(maxsize=4_096)
def _context_views(context: tuple[str, ...]) -> tuple[str, ...]:
    """A term's context words as whole tokens of a view (" mascot ")."""
    return tuple(f" {normalize_term(c)} " for c in context)


def _outermost(hits: Iterable[Hit]) -> list[Hit]:
    """The most specific reading of each stretch of text: drop a hit that lies inside a longer
    hit ("Olympia" inside "Olympiad", "Olympic" inside "Olympic rings"), and keep one hit per
    mark and span."""
    ordered = sorted(hits, key=lambda h: (h.start, -(h.end - h.start)))
    out: list[Hit] = []
    for h in ordered:
        if any(
            o.start <= h.start
            and h.end <= o.end
            and ((o.end - o.start) > (h.end - h.start) or o.term.mark == h.term.mark)
            for o in out
        ):
            continue
        out.append(h)
    return out


def _ambiguous_only(findings: list[Finding]) -> bool:
    """Marks were found, and each only as an ambiguous text without context."""
    marked = [f for f in findings if f.mark]
    return bool(marked) and all(
        f.exception is not None and f.exception.startswith(AMBIGUOUS) for f in marked
    )


def _applies(territories: tuple[str, ...], ship_to: tuple[str, ...]) -> bool:
    return "*" in territories or not ship_to or any(t in territories for t in ship_to)


def _in_category(scope: str | None, category: str | None) -> bool:
    """An exception scoped to a category covers listings in it or below it, and no others
    (a listing without a category included); unscoped, every listing."""
    return scope is None or (
        category is not None and (category == scope or category.startswith(scope + "."))
    )


def _risk(verdict: str, scores: list[float], cues: list[Finding], price: list[Finding]) -> float:
    combined = 1.0
    for s in [*scores, *(f.score for f in cues), *(f.score * 0.5 for f in price)]:
        combined *= 1 - max(0.0, min(1.0, s))
    risk = 1 - combined
    if verdict == INFRINGING:
        return round(max(0.7, risk), 4)
    if verdict == REVIEW:
        return round(min(0.69, max(0.3, risk)), 4)
    if verdict == AUTHORIZED:
        return 0.05
    return 0.0


# ---------------------------------------------------------------------- input rows


# The columns screening reads, in the order of listing_from_values' parameters.
_FIELDS = (*(c for c in INPUT_COLUMNS if c != "image_paths"), "image_paths")


def listing_from_row(row: dict[str, Any]) -> Listing:
    """Validate one input row (a mapping of column to value); raise RowError naming what is
    wrong."""
    return listing_from_values(*(row.get(name) for name in _FIELDS))


def listing_from_values(
    listing_id: Any,
    seller_id: Any,
    title: Any,
    description: Any = None,
    category: Any = None,
    price: Any = None,
    currency: Any = None,
    ship_to: Any = None,
    listed_at: Any = None,
    image_paths: Any = None,
) -> Listing:
    """Validate one listing's values; raise RowError naming what is wrong. Plain text values
    take the short way; bytes (CSV) are decoded here, so one bad row is one error row."""
    listing_id = _text(listing_id, "listing_id")
    seller_id = _text(seller_id, "seller_id")
    title = _text(title, "title")
    if len(title) > MAX_TITLE:
        raise RowError("title_too_long")
    if not title.strip():
        raise RowError("empty_title")
    description = _optional(description, "description") or ""
    category = _optional(category, "category")
    return Listing(
        listing_id,
        seller_id,
        title,
        description,
        category,
        _price(_decoded(price, "price")),
        _currency(currency),
        _ship_to(_decoded(ship_to, "ship_to")),
        _date(_decoded(listed_at, "listed_at")),
        _image_paths(_decoded(image_paths, "image_paths")),
    )


_MAX_IMAGE_PATHS_TEXT = MAX_IMAGES * 2_010  # a JSON array of MAX_IMAGES references


def _image_paths(value: Any) -> tuple[str, ...]:
    """Image references: a list, a JSON array in text, or text separated by commas."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            if len(text) > _MAX_IMAGE_PATHS_TEXT:
                raise RowError("invalid_image_paths")
            try:
                value = jsontext.loads(text)
            except ValueError:  # malformed, or nested too deeply to parse
                raise RowError("invalid_image_paths") from None
        else:
            value = text.split(",")
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, str) or v is None for v in value
    ):
        raise RowError("invalid_image_paths")
    paths = tuple(dict.fromkeys(v.strip() for v in value if v and v.strip()))
    if len(paths) > MAX_IMAGES:
        raise RowError("too_many_images")
    if any(len(p) > 2_000 for p in paths):
        raise RowError("invalid_image_paths")
    return paths


def _currency(value: Any) -> str | None:
    currency = _optional(value, "currency")
    if currency is not None:
        currency = currency.upper()
        if currency not in _CURRENCIES:
            raise RowError("unknown_currency")
    return currency


def _decoded(value: Any, name: str) -> Any:
    """Text read as bytes (CSV) decoded here, so one bad row is one error row."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise RowError(f"invalid_utf8_{name}") from None
    return value


def _row_id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


_IDS = frozenset({"listing_id", "seller_id"})


def _optional(value: Any, name: str) -> str | None:
    """An optional text value; None when absent or empty."""
    if value is None or value in {"", b""}:
        return None
    return _text(value, name)


def _text(value: Any, name: str) -> str:
    if type(value) is not str:
        if value is None:
            raise RowError(f"missing_{name}")
        value = _decoded(value, name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        elif not isinstance(value, str):
            raise RowError(f"invalid_{name}")
    if name in _IDS and not value.strip():
        raise RowError(f"missing_{name}")
    if not value.isascii():
        try:  # a lone surrogate (JSON's "\\ud800") is no text the kernel can scan
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise RowError(f"invalid_{name}") from None
    return str(value)


def _price(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        price = float(value)
    except (TypeError, ValueError):
        raise RowError("invalid_price") from None
    if math.isnan(price) or math.isinf(price) or price < 0:
        raise RowError("invalid_price")
    return price


def _ship_to(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        # catalogues repeat a few ship-to lists millions of times: parse each once
        known = _SHIP_TO_SEEN.get(value)
        if known is not None:
            return known
        parsed = _parse_ship_to(value.split(","))
        if len(_SHIP_TO_SEEN) < _SHIP_TO_MEMO:
            _SHIP_TO_SEEN[value] = parsed
        return parsed
    if isinstance(value, (list, tuple)):
        return _parse_ship_to([str(c) for c in value if c is not None])
    raise RowError("invalid_ship_to")


_SHIP_TO_SEEN: dict[str, tuple[str, ...]] = {}
_SHIP_TO_MEMO = 10_000


@cache
def _territories() -> frozenset[str]:
    return iso_territories()  # built from pycountry on each call


def _parse_ship_to(items: list[str]) -> tuple[str, ...]:
    codes = [c.strip().upper() for c in items if c.strip()]
    valid = _territories()
    if any(c not in valid for c in codes):
        raise RowError("unknown_territory")
    return tuple(dict.fromkeys(codes))


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise RowError("invalid_listed_at") from None
    raise RowError("invalid_listed_at")


# ---------------------------------------------------------------------- column checks
# What the compiled path needs to know of a batch's columns: which rows the row validation
# above could refuse. Each check runs the row validators on the distinct values of a column.


def _fast_columns(batch: pa.RecordBatch) -> dict[str, pa.Array] | None:
    """The batch's columns as the compiled path reads them (text as UTF-8 strings), or None
    when a column has a type it does not read (the whole batch then takes the reference)."""
    names = batch.schema.names
    if not all(c in names for c in REQUIRED_COLUMNS):
        return None
    columns: dict[str, pa.Array] = {}
    for name in (*_FIELDS, "_error"):
        if name not in names or pa.types.is_null(batch.schema.field(name).type):
            continue
        column = batch.column(name)
        kind = column.type
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            try:  # CSV text arrives as bytes; UTF-8 that does not decode is a row error
                column = column.cast(
                    pa.large_string() if pa.types.is_large_binary(kind) else pa.string()
                )
            except pa.ArrowInvalid:
                return None
        if not _CHECKS[name][0](column.type):
            return None
        columns[name] = column
    if pa.types.is_large_string(columns["listing_id"].type):
        columns["listing_id"] = columns["listing_id"].cast(pa.string())
    return columns


def _invalid_rows(columns: dict[str, pa.Array]) -> set[int]:
    """Rows that row validation might refuse (a superset; exact for all but the ids)."""
    rows: set[int] = set()
    for name, column in columns.items():
        rows.update(_CHECKS[name][1](column))
    return rows


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _is_number(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))


def _nonzero(flags: bytes) -> list[int]:
    return [m.start() for m in _NONZERO.finditer(flags)]


def _where(mask: pa.Array) -> list[int]:
    return list(pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist())


def _refused(column: pa.Array, check: Callable[[Any], object]) -> list[int]:
    """Rows whose value ``check`` (a row validator) refuses, each distinct value checked once."""
    bad = []
    for value in pc.unique(column).to_pylist():
        if value is None:
            continue
        try:
            check(value)
        except RowError:
            bad.append(value)
    if not bad:
        return []
    return _where(pc.is_in(column, value_set=pa.array(bad, column.type)))


def _ids(column: pa.Array) -> list[int]:
    assert _kernel is not None
    return _nonzero(_kernel.blank_ids(column))


def _prices(column: pa.Array) -> list[int]:
    if _is_text(column.type):
        return _refused(column, _price)
    bad = pc.less(column, 0)
    if pa.types.is_floating(column.type):
        bad = pc.or_(bad, pc.or_(pc.is_nan(column), pc.is_inf(column)))
    return _where(bad)


def _ship_tos(column: pa.Array) -> list[int]:
    if _is_text(column.type):
        return _refused(column, _ship_to)
    codes = pc.list_flatten(column)
    bad = _refused(codes, lambda code: _parse_ship_to([code]))
    if not bad:
        return []
    parents = pc.list_parent_indices(column)
    return sorted({parents[k].as_py() for k in bad})


def _dates(column: pa.Array) -> list[int]:
    return _refused(column, _date) if _is_text(column.type) else []


def _anything(column: pa.Array) -> list[int]:
    return []


def _has_images(column: pa.Array) -> list[int]:
    """Rows with images: the compiled prefilter reads text only, so they take the reference."""
    if _is_text(column.type):
        return _where(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(column)), 0))
    return _where(pc.greater(pc.list_value_length(column), 0))


def _not_null(column: pa.Array) -> list[int]:
    return _where(pc.is_valid(column))


def _is_text_list(kind: pa.DataType) -> bool:
    return bool(
        (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and _is_text(kind.value_type)
    )


# column -> (the types the compiled path reads, the rows it must leave to the reference)
_CHECKS: dict[str, tuple[Callable[[pa.DataType], bool], Callable[[pa.Array], list[int]]]] = {
    "listing_id": (_is_text, _ids),
    "seller_id": (_is_text, _ids),
    "title": (_is_text, _anything),  # the kernel checks titles
    "description": (_is_text, _anything),
    "category": (_is_text, _anything),
    "price": (lambda k: _is_number(k) or _is_text(k), _prices),
    "currency": (_is_text, lambda c: _refused(c, _currency)),
    "ship_to": (lambda k: _is_text(k) or _is_text_list(k), _ship_tos),
    "listed_at": (
        lambda k: _is_text(k) or pa.types.is_date(k) or pa.types.is_timestamp(k),
        _dates,
    ),
    "image_paths": (lambda k: _is_text(k) or _is_text_list(k), _has_images),
    "_error": (_is_text, _not_null),
}
