"""Screening listings given as mappings (the JSON the API takes) through the batch path.

``screen_rows`` turns the rows into one Arrow batch and lets ``Engine.unproven`` (the compiled
prefilter of ``Engine.screen_batch``) prove the rows it can clean; each row it does not (a
finding, an error) is screened on its own by ``Engine.screen``, which gives the whole verdict
with its findings. The verdicts are those of ``Engine.screen`` row by row (a test holds them
equal): the batch path only saves the per-row cost of the clean majority.

A few rows (under ``BATCH_MIN``) are screened one by one: the batch costs more than it saves.
Rows with images are screened one by one with the caller's image ``sources`` (the batch path
reads images only from the engine's own); a request whose values Arrow cannot hold in typed
columns (an id that is a number in one row and text in the next, a lone surrogate in a text) is
screened row by row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pyarrow as pa

from ringfence.screening.engine import (
    CLEAN,
    ERROR,
    INPUT_COLUMNS,
    Engine,
    RowError,
    Verdict,
    listing_from_row,
)
from ringfence.screening.interfaces import ImageSources

# Fewer rows than this are screened one by one: building the Arrow batch and the prefilter's
# column checks cost about 0.5 ms a call, the reference path about 0.05 ms a clean row
# (benchmarks/http_screen.py, docs/benchmarks.md); from about 20 rows the batch path is faster.
BATCH_MIN = 16


def screen_rows(
    engine: Engine,
    rows: Sequence[Mapping[str, Any]],
    *,
    today: date | None = None,
    sources: ImageSources | None = None,
) -> list[Verdict]:
    """One verdict per row, in order (``error`` with the reason for a row that cannot be
    screened)."""
    verdicts: list[Verdict | None] = [None] * len(rows)
    batched = [i for i, row in enumerate(rows) if not row.get("image_paths")]
    batch = _batch([rows[i] for i in batched]) if len(batched) >= BATCH_MIN else None
    unproven = engine.unproven(batch) if batch is not None else None
    if batch is not None and unproven is not None:
        ids = batch.column("listing_id").to_pylist()
        left = set(unproven)
        for n, i in enumerate(batched):
            if n not in left:
                verdicts[i] = Verdict(ids[n], CLEAN, 0.0)
    return [
        v if v is not None else screen_row(engine, rows[i], today=today, sources=sources)
        for i, v in enumerate(verdicts)
    ]


def screen_row(
    engine: Engine,
    row: Mapping[str, Any],
    *,
    today: date | None = None,
    sources: ImageSources | None = None,
) -> Verdict:
    """One row on its own: its verdict, or ``error`` naming what is wrong with it."""
    try:
        return engine.screen(listing_from_row(dict(row)), today=today, sources=sources)
    except RowError as exc:
        raw = row.get("listing_id")
        return Verdict(None if raw is None else str(raw), ERROR, 0.0, reasons=(exc.reason,))


def _batch(rows: Sequence[Mapping[str, Any]]) -> pa.RecordBatch | None:
    """The rows as one record batch of the engine's input columns, or None when a column's
    values have no common Arrow type or no row has a value in any of them (a batch without
    columns has no rows)."""
    arrays, names = [], []
    for name in INPUT_COLUMNS:
        if name == "image_paths":  # rows with images are not batched
            continue
        values = [row.get(name) for row in rows]
        if all(v is None for v in values):
            continue
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, UnicodeEncodeError):
            return None
        names.append(name)
    return pa.RecordBatch.from_arrays(arrays, names=names) if arrays else None
