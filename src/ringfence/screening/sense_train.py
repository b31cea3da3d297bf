"""Training the sense model (``ringfence sense train``): deterministic, from the labelled
mentions in the repository (``training/sense/train.tsv``, thresholds chosen on ``dev.tsv``)
and, optionally, analysts' decisions on enforcement cases.

Each example's mention is found by the engine's own candidate stage (so training reads what
screening will read); an example in which the candidate stage finds no mark is left out and
counted. scikit-learn is imported here only (the ``sense`` extra)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from ringfence.core.errors import InvalidInput
from ringfence.screening.engine import INFRINGING, REVIEW, Engine, Listing
from ringfence.screening.error_codes import ErrorCode
from ringfence.screening.index import ScreeningData, builtin_data
from ringfence.screening.sense import (
    DEFAULT_INFRINGING,
    DEFAULT_REVIEW,
    DIM_BITS,
    SenseModel,
    digest_rows,
    features,
    form,
    hashed,
)

COLUMNS = ("text", "mark", "label", "lang", "kind", "source")
LABELS = ("olympic", "other")
C = 10.0  # inverse L2 strength (chosen on dev among 0.3, 1, 3, 10, 30)
MIN_LOOKALIKES = 3  # look-alike examples a mention form needs for the model to read it
MIN_WEIGHT = 1e-4  # smaller weights are left out of the file
# Threshold goals on the development set: Olympic mentions flagged (review or infringing);
# look-alikes infringing at most this share; never an infringing threshold below the floor.
RECALL_GOAL = 0.99
INFRINGING_LOOKALIKES = 0.02
INFRINGING_FLOOR = 0.8
FLAGGED = frozenset({INFRINGING, REVIEW})
_GRID = tuple(round(k / 100, 2) for k in range(1, 100))


class Example(NamedTuple):
    text: str
    mark: str
    label: str
    lang: str = ""
    kind: str = ""
    source: str = ""


@dataclass(frozen=True)
class KindFigures:
    """Dev-set figures of one kind: how many, flagged (review or infringing), infringing."""

    kind: str
    label: str
    n: int
    flagged: int
    infringing: int
    unread: int  # no mention reached the model (none found, or all inside registry exceptions)

    def rate(self) -> tuple[float, float, float]:
        """The flagged share and its Wilson 95% interval."""
        return (self.flagged / self.n if self.n else 0.0, *wilson(self.flagged, self.n))


@dataclass(frozen=True)
class Training:
    model: SenseModel
    used: int  # training examples with a candidate
    skipped: int  # training examples without one (the candidate stage missed them)
    dev: list[KindFigures]
    dev_skipped: int


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of k successes in n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def read_examples(path: Path) -> list[Example]:
    """A TSV of labelled mentions (header ``text mark label [lang kind source]``)."""
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file", code=ErrorCode.NO_TRAINING_DATA) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"{path}: cannot read: {exc}", code=ErrorCode.INVALID_TRAINING_DATA
        ) from None
    reader = csv.reader(io.StringIO(content), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header is None or not {"text", "mark", "label"} <= set(header):
        raise InvalidInput(
            f"{path}: the header must name the columns text, mark and label",
            code=ErrorCode.INVALID_TRAINING_DATA,
        )
    where = {name: header.index(name) for name in COLUMNS if name in header}
    out: list[Example] = []
    for n, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InvalidInput(
                f"{path}:{n}: {len(row)} columns, the header has {len(header)}",
                code=ErrorCode.INVALID_TRAINING_DATA,
            )
        values = {name: row[k] for name, k in where.items()}
        if values["label"] not in LABELS:
            raise InvalidInput(
                f"{path}:{n}: label {values['label']!r} is not olympic or other",
                code=ErrorCode.INVALID_TRAINING_DATA,
            )
        if not values["text"].strip() or not values["mark"].strip():
            raise InvalidInput(
                f"{path}:{n}: empty text or mark", code=ErrorCode.INVALID_TRAINING_DATA
            )
        out.append(Example(**values))
    return out


def candidate_engine(data: ScreeningData | None = None) -> Engine:
    """The engine that finds training mentions: the built-in data without a sense model."""
    return Engine(replace(data or builtin_data(sense=False), sense=None), compiled=False)


def example_features(engine: Engine, example: Example) -> tuple[str, set[str]] | None:
    """The form and the features of the example's mention of its mark (else of its first
    mention of any mark), as screening would read them; None when the candidate stage finds
    no mention. Mentions inside registry exceptions count too: training learns from the contexts the
    exceptions were written for."""
    listing = Listing("training", "training", example.text)
    findings = engine.candidates(listing)
    if findings is None:
        return None
    inputs = engine.sense_inputs(listing, findings, excepted=True)
    if not inputs:
        return None
    chosen = next((x for x in inputs if x[1].mark == example.mark), inputs[0])
    return form(chosen[1]), features(chosen[1], chosen[2])


def train(
    directory: Path,
    *,
    extra: Sequence[Example] = (),
    engine: Engine | None = None,
) -> Training:
    """Train on ``directory/train.tsv`` (plus ``extra``), choose the thresholds on
    ``directory/dev.tsv`` when there is one; the same input gives the same model."""
    try:
        import numpy as np  # noqa: PLC0415 - the sense extra
        from scipy.sparse import csr_matrix  # type: ignore[import-untyped]  # noqa: PLC0415
        from sklearn.linear_model import (  # type: ignore[import-untyped]  # noqa: PLC0415
            LogisticRegression,
        )
    except ImportError:
        raise InvalidInput(
            "training needs scikit-learn: pip install 'ringfence[sense]'",
            code=ErrorCode.SENSE_EXTRA_MISSING,
        ) from None
    train_rows = read_examples(directory / "train.tsv")
    dev_path = directory / "dev.tsv"
    dev_rows = read_examples(dev_path) if dev_path.exists() else []
    examples = [*train_rows, *extra]
    engine = engine or candidate_engine()
    feats: list[set[str]] = []
    labels: list[int] = []
    skipped = 0
    lookalikes: dict[str, int] = {}
    for example in examples:
        found = example_features(engine, example)
        if found is None:
            skipped += 1
            continue
        mention_form, fs = found
        feats.append(fs)
        labels.append(1 if example.label == "olympic" else 0)
        if example.label == "other":
            lookalikes[mention_form] = lookalikes.get(mention_form, 0) + 1
    if len(set(labels)) < 2:
        raise InvalidInput(
            f"{directory}: training needs examples of both labels with a candidate mention",
            code=ErrorCode.INVALID_TRAINING_DATA,
        )
    slots = hashed(feats)
    indptr = [0]
    indices: list[int] = []
    for row in slots:
        indices.extend(row)
        indptr.append(len(indices))
    x = csr_matrix(
        (np.ones(len(indices)), np.array(indices, dtype=np.int64), np.array(indptr)),
        shape=(len(slots), 1 << DIM_BITS),
    )
    fit = LogisticRegression(C=C, solver="lbfgs", max_iter=2_000, tol=1e-6, class_weight="balanced")
    fit.fit(x, np.array(labels))
    present = sorted({s for row in slots for s in row})
    coef = fit.coef_[0]
    weights = {s: round(float(coef[s]), 6) for s in present if abs(coef[s]) >= MIN_WEIGHT}
    model = SenseModel(
        bias=round(float(fit.intercept_[0]), 6),
        weights=weights,
        data_digest=_digest(train_rows, dev_rows, extra),
        examples=len(labels),
        forms=frozenset(f for f, n in lookalikes.items() if n >= MIN_LOOKALIKES),
    )
    dev_probs, dev_skipped = _probabilities(model, engine, dev_rows)
    model.review, model.infringing = choose_thresholds(dev_probs)
    return Training(model, len(labels), skipped, figures(model, engine, dev_probs), dev_skipped)


def _digest(*parts: Sequence[Example]) -> str:
    rows: list[tuple[str, ...]] = []
    for k, part in enumerate(parts):
        rows.append((f"#part{k}",))
        rows.extend(tuple(e) for e in part)
    return digest_rows(rows)


def _probabilities(
    model: SenseModel, engine: Engine, rows: Iterable[Example]
) -> tuple[list[tuple[Example, float | None]], int]:
    """P(olympic) of each example as screening computes it (None when the candidate stage
    finds no mention: the engine never flags it)."""
    out: list[tuple[Example, float | None]] = []
    skipped = 0
    for example in rows:
        listing = Listing("dev", "dev", example.text)
        findings = engine.candidates(listing)
        inputs = engine.sense_inputs(listing, findings) if findings else []
        inputs = [x for x in inputs if model.reads(x[1])]
        if not inputs:
            skipped += 1
            out.append((example, None))
            continue
        chosen = next((x for x in inputs if x[1].mark == example.mark), inputs[0])
        out.append((example, model.predict(chosen[1], chosen[2]).probability))
    return out, skipped


def choose_thresholds(probs: Sequence[tuple[Example, float | None]]) -> tuple[float, float]:
    """Chosen on the dev examples that reach the model (with a candidate mention it reads).

    The review threshold: the highest that keeps RECALL_GOAL of the Olympic mentions flagged
    (a missed infringement is silent; a look-alike in review costs an analyst's look). The
    infringing threshold: the lowest, never below INFRINGING_FLOOR, at which at most
    INFRINGING_LOOKALIKES of the dev look-alikes would be infringing (a wrongful takedown is
    the costly error). Between them, ``review``."""
    olympic = [p for e, p in probs if e.label == "olympic" and p is not None]
    other = [p for e, p in probs if e.label == "other" and p is not None]
    if not olympic or not other:
        return DEFAULT_REVIEW, DEFAULT_INFRINGING
    review = max(
        (t for t in _GRID if sum(p >= t for p in olympic) >= RECALL_GOAL * len(olympic)),
        default=_GRID[0],
    )
    infringing = next(
        (
            t
            for t in _GRID
            if t >= max(review, INFRINGING_FLOOR)
            and sum(p >= t for p in other) <= INFRINGING_LOOKALIKES * len(other)
        ),
        _GRID[-1],
    )
    return review, infringing


def figures(
    model: SenseModel, engine: Engine, probs: Sequence[tuple[Example, float | None]]
) -> list[KindFigures]:
    """Per kind (and label): the verdicts of the whole engine with the model, for a seller
    without a licence: flagged (``review`` or ``infringing``) and ``infringing``; and how many
    reached no model (no candidate, or a registry exception covers every mention)."""
    screening = Engine(replace(engine.data, sense=model.to_json()), compiled=False)
    groups: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for e, p in probs:
        verdict = screening.screen(Listing("dev", "dev", e.text)).verdict
        groups.setdefault((e.kind or "-", e.label), []).append((verdict, p is None))
    return [
        KindFigures(
            kind,
            label,
            len(vs),
            sum(v in FLAGGED for v, _ in vs),
            sum(v == INFRINGING for v, _ in vs),
            sum(unread for _, unread in vs),
        )
        for (kind, label), vs in sorted(groups.items())
    ]
