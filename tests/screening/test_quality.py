"""A guard on screening quality: a small generated corpus (another seed than the benchmark's)
must stay near the benchmark's targets. The full figures are benchmarks/quality.py's."""

from __future__ import annotations

from datetime import date

from ringfence.screening.engine import Engine
from tests.screening.corpus import NEGATIVE, POSITIVE, generate


def test_generated_corpus_recall_and_precision() -> None:
    corpus = generate(size=3_000, seed=11)
    engine = Engine(corpus.data)
    day = date(2026, 6, 1)
    positives = [c for c in corpus.cases if c.kind == POSITIVE]
    negatives = [c for c in corpus.cases if c.kind == NEGATIVE]
    assert len(positives) > 1_000
    assert len(negatives) > 1_000
    found = sum(engine.screen(c.listing, today=day).verdict != "clean" for c in positives)
    false = sum(engine.screen(c.listing, today=day).verdict != "clean" for c in negatives)
    recall = found / len(positives)
    precision = found / (found + false)
    assert recall >= 0.98, recall
    assert precision >= 0.995, precision
