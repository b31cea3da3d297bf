"""Screening files: read Parquet, CSV or JSON Lines as a stream of record batches, screen them
(in this process, or on a pool of worker processes), write the same formats. The reference
runner: memory stays flat whatever the input size, and the output appears only when complete
(written to a temporary file, then renamed)."""

from __future__ import annotations

import contextlib
import csv
import ctypes
import json
import os
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ringfence.core import jsontext
from ringfence.core.errors import InvalidInput
from ringfence.screening.engine import (
    INPUT_COLUMNS,
    OUTPUT_SCHEMA,
    REQUIRED_COLUMNS,
    Engine,
)
from ringfence.screening.error_codes import ErrorCode
from ringfence.screening.index import ScreeningData, dump_index, load_index
from ringfence.screening.interfaces import ImageSources

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl",
           ".ndjson": "jsonl", ".json": "jsonl"}  # fmt: skip
DEFAULT_BATCH = 8_192


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise InvalidInput(
            f"{path}: unknown file type {path.suffix or '(none)'!r}; use one of {known}",
            code=ErrorCode.UNKNOWN_FORMAT,
        )
    return fmt


# ---------------------------------------------------------------------- reading


def read_batches(
    path: Path, batch_size: int = DEFAULT_BATCH, total: Callable[[int], None] | None = None
) -> Iterator[pa.RecordBatch]:
    """Record batches of the input, after checking the file has the required columns. A CSV or
    JSON Lines file that is not text is refused, and a CSV file is parsed once strictly first
    (``check_csv``). ``total`` is told the number of listings before the first batch."""
    fmt = file_format(path)
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file", code=ErrorCode.FILE_NOT_FOUND)
    if fmt == "parquet":
        return _parquet(path, batch_size, total)
    refuse_binary(path, fmt)
    if fmt == "csv":
        rows = check_csv(path)
        if total is not None:
            total(rows)
        return _csv(path, batch_size)
    if total is not None:
        total(_count_lines(path))
    return _jsonl(path, batch_size)


SNIFF_BYTES = 64 * 1024
_KINDS = {"csv": "a CSV", "jsonl": "a JSON Lines"}


def refuse_binary(path: Path, fmt: str) -> None:
    """Refuse a text format (CSV, JSON Lines) whose first bytes are not text (a NUL byte, or
    more than 1 byte in 20 that is not UTF-8): one line naming the file, never its bytes. Rows
    of invalid UTF-8 in a text file stay what they are, one error row each."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    kind = _KINDS.get(fmt, "a text")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InvalidInput(
            f"{path}: not {kind} file in UTF-8: UTF-16 text (save it as UTF-8)",
            code=ErrorCode.BINARY_FILE,
        )
    nul = head.find(b"\0")
    if nul >= 0:
        raise InvalidInput(
            f"{path}: not {kind} file: binary content (a NUL byte at offset {nul})",
            code=ErrorCode.BINARY_FILE,
        )
    undecodable = len(head) - len(head.decode("utf-8", errors="ignore").encode("utf-8"))
    if undecodable > max(4, len(head) // 20):
        raise InvalidInput(
            f"{path}: not {kind} file: binary content ({undecodable:,} of its first "
            f"{len(head):,} bytes are not UTF-8 text)",
            code=ErrorCode.BINARY_FILE,
        )


def check_csv(path: Path) -> int:
    """Parse a CSV file once with Python's strict reader and return its number of listings
    (rows after the header; blank lines are skipped, as Arrow skips them). Arrow reads a quote
    that is never closed as one value running to the end of the file, silently merging every
    row after it: refused here (``unclosed_quote``) naming the line the value starts on, as is
    a quoted value followed by more text before the comma (``stray_quote``)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)  # long descriptions are fine; a runaway quote is caught below
    rows, start = 0, 1
    try:
        with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            try:
                for record in reader:
                    rows += 1 if record else 0
                    start = reader.line_num + 1
            except csv.Error as exc:
                raise _csv_error(path, start, reader.line_num, str(exc)) from None
    finally:
        csv.field_size_limit(limit)
    return max(rows - 1, 0)


def _csv_error(path: Path, start: int, line: int, reason: str) -> InvalidInput:
    if "end of data" in reason:
        return InvalidInput(
            f"{path}:{start}: a quoted value starts on this line and its quote is never "
            f"closed: the {line - start} line(s) after it would be read as one value",
            code=ErrorCode.UNCLOSED_QUOTE,
        )
    if "expected after" in reason:
        where = (
            f"a quoted value that starts on line {start} ends on line {line}"
            if line > start
            else "a quoted value"
        )
        return InvalidInput(
            f"{path}:{line}: {where} is followed by more text before the next comma (is a "
            'quote not closed, or a quote inside a quoted value not doubled as ""?)',
            code=ErrorCode.STRAY_QUOTE,
        )
    return InvalidInput(
        f"{path}:{line}: not a readable CSV line: {reason}", code=ErrorCode.INVALID_FILE
    )


def _count_lines(path: Path) -> int:
    """Non-blank lines of a JSON Lines file: its number of listings, for the progress bar."""
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def _require(path: Path | str, names: list[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise InvalidInput(
            f"{path}: missing required column(s): {', '.join(missing)}",
            code=ErrorCode.MISSING_COLUMNS,
        )


def _parquet(
    path: Path, batch_size: int, total: Callable[[int], None] | None
) -> Iterator[pa.RecordBatch]:
    try:
        reader = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidInput(
            f"{path}: not a readable Parquet file: {one_line(exc)}", code=ErrorCode.INVALID_FILE
        ) from None
    names = reader.schema_arrow.names
    _require(path, names)
    if total is not None:
        total(reader.metadata.num_rows)
    columns = [c for c in INPUT_COLUMNS if c in names]
    return _guard(path, reader.iter_batches(batch_size=batch_size, columns=columns))


def _csv(path: Path, batch_size: int) -> Iterator[pa.RecordBatch]:
    # Text columns are read as bytes so that one row of invalid UTF-8 is one error row, not a
    # failed file; the engine decodes and validates each value.
    types = {c: pa.binary() for c in INPUT_COLUMNS}
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=1 << 20),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False),
        )
        names = reader.schema.names
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:  # a header not UTF-8 too
        raise InvalidInput(
            f"{path}: not a readable CSV file: {one_line(exc)}", code=ErrorCode.INVALID_FILE
        ) from None
    _require(path, names)
    return _rebatch(_guard(path, iter(reader)), batch_size)


def _jsonl(path: Path, batch_size: int) -> Iterator[pa.RecordBatch]:
    def rows() -> Iterator[dict[str, Any]]:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    value = jsontext.loads(raw)
                except ValueError:  # not JSON, not UTF-8, or nested too deep
                    yield {"listing_id": None, "_error": f"invalid_json_line_{number}"}
                    continue
                if not isinstance(value, dict):
                    yield {"listing_id": None, "_error": f"invalid_json_line_{number}"}
                    continue
                yield value

    def batches() -> Iterator[pa.RecordBatch]:
        chunk: list[dict[str, Any]] = []
        first = True
        empty = True
        for row in rows():
            empty = False
            if first and "_error" not in row:
                _require(path, list(row))
                first = False
            chunk.append(row)
            if len(chunk) >= batch_size:
                yield _rows_to_batch(chunk)
                chunk = []
        if chunk:
            yield _rows_to_batch(chunk)
        if empty:  # as an empty CSV or Parquet file is refused
            raise InvalidInput(f"{path}: empty file, no listings", code=ErrorCode.INVALID_FILE)

    return batches()


def _rows_to_batch(rows: list[dict[str, Any]]) -> pa.RecordBatch:
    """Rows of arbitrary JSON values, as one batch of Python objects (the engine validates)."""
    columns = {c: [_plain(r.get(c)) for r in rows] for c in (*INPUT_COLUMNS, "_error")}
    return pa.RecordBatch.from_pydict(
        {name: pa.array(values, pa.string()) for name, values in columns.items()}
    )


def _plain(value: Any) -> str | None:
    """JSON values as text for the engine: lists joined by ',' (ship_to), others as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return json.dumps(value)


def _guard(path: Path | str, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    try:
        yield from batches
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"{path}: unreadable: {one_line(exc)}", code=ErrorCode.INVALID_FILE
        ) from None


def one_line(exc: BaseException, limit: int = 160) -> str:
    """An error's text for a one-line message: control and unprintable characters (a parser
    quoting the bytes it choked on) as '?', whitespace runs as one space, at most ``limit``
    characters."""
    spaced = " ".join(str(exc).split())
    text = "".join(c if c.isprintable() and c != "\ufffd" else "?" for c in spaced)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rebatch(batches: Iterator[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        for offset in range(0, batch.num_rows, size):
            yield batch.slice(offset, size)


# ---------------------------------------------------------------------- writing


class _Writer:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fmt = file_format(path)
        if not path.parent.is_dir():
            raise InvalidInput(
                f"{path}: no such directory {path.parent}", code=ErrorCode.NO_DIRECTORY
            )
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self._parquet: pq.ParquetWriter | None = None
        self._handle: Any = None
        if self.fmt == "parquet":
            self._parquet = pq.ParquetWriter(self.tmp, OUTPUT_SCHEMA)
        elif self.fmt == "csv":
            self._handle = pacsv.CSVWriter(self.tmp, _csv_schema())
        else:
            self._handle = self.tmp.open("w", encoding="utf-8")

    def write(self, batch: pa.RecordBatch) -> None:
        if self._parquet is not None:
            self._parquet.write_batch(batch)
        elif self.fmt == "csv":
            self._handle.write_batch(_for_csv(batch))
        else:
            rows = batch.to_pylist()
            self._handle.write(
                "".join(
                    json.dumps(r | {"evidence": json.loads(r["evidence"])}, ensure_ascii=False)
                    + "\n"
                    for r in rows
                )
            )

    def commit(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        else:
            self._handle.close()
        self.tmp.replace(self.path)

    def abort(self) -> None:
        try:
            if self._parquet is not None:
                self._parquet.close()
            elif self._handle is not None:
                self._handle.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def _csv_schema() -> pa.Schema:
    return pa.schema([pa.field(f.name, pa.float64() if f.name == "risk" else pa.string())
                      for f in OUTPUT_SCHEMA])  # fmt: skip


def _for_csv(batch: pa.RecordBatch) -> pa.RecordBatch:
    """CSV has no lists: marks and reasons as JSON arrays in a text column."""
    columns = []
    for f in OUTPUT_SCHEMA:
        col = batch.column(f.name)
        if pa.types.is_list(f.type):
            col = pa.array([json.dumps(v) for v in col.to_pylist()], pa.string())
        columns.append(col)
    return pa.RecordBatch.from_arrays(columns, schema=_csv_schema())


# ---------------------------------------------------------------------- running


@dataclass
class Summary:
    rows: int = 0
    seconds: float = 0.0
    verdicts: Counter[str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.verdicts.items()))
        return f"{self.rows} listings in {self.seconds:.1f} s ({self.per_second:,.0f}/s): {counts}"


_WORKER: Engine | None = None


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _init_worker(blob: bytes, compiled: bool, sources: ImageSources | None, parent: int) -> None:
    global _WORKER  # noqa: PLW0603 - one engine per worker process, loaded once
    _die_with_parent(parent)
    _WORKER = Engine(load_index(blob), compiled=compiled, sources=sources)


def worker_args(
    blob: bytes, compiled: bool, sources: ImageSources | None
) -> tuple[bytes, bool, ImageSources | None, int]:
    """The pool initializer's arguments, this process as the workers' parent."""
    return blob, compiled, sources, os.getpid()


def _die_with_parent(parent: int) -> None:
    """A pool worker never outlives the process that started it (a `kill -9` of `screen`
    included), so it holds nothing of a dead run: on Linux the kernel sends it SIGKILL when its
    parent dies (prctl PR_SET_PDEATHSIG); everywhere, a thread watches the parent's pid."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _screen_in_worker(batch: pa.RecordBatch, today: date | None) -> pa.RecordBatch:
    assert _WORKER is not None
    return _WORKER.screen_batch(batch, today=today)


def _bounded_map(
    pool: ProcessPoolExecutor, batches: Iterator[pa.RecordBatch], today: date | None, depth: int
) -> Iterator[pa.RecordBatch]:
    """Results in input order, with at most ``depth`` batches in flight (flat memory)."""
    pending: deque[Future[pa.RecordBatch]] = deque()
    for batch in batches:
        pending.append(pool.submit(_screen_in_worker, batch, today))
        if len(pending) >= depth:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def screen_file(
    source: Path,
    target: Path,
    *,
    data: ScreeningData,
    workers: int = 1,
    batch_size: int = DEFAULT_BATCH,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    compiled: bool = True,
    sources: ImageSources | None = None,
    total: Callable[[int], None] | None = None,
) -> Summary:
    """Screen ``source`` into ``target``; the target appears only if every row was written.
    ``compiled=False`` screens every row on the reference path (see ``Engine``); ``sources``
    says where listing images are read from (every worker reads and decodes its own rows'
    images, so image work runs in the pool); ``total`` is told the number of listings when
    the input says it (Parquet metadata, a count of CSV rows or JSON lines) before the first
    batch."""
    if source.resolve() == target.resolve():
        raise InvalidInput("the output must not be the input file", code=ErrorCode.SAME_FILE)
    file_format(target)
    batches = read_batches(source, batch_size, total)
    summary = Summary()
    try:
        writer = _Writer(target)
    except OSError as exc:
        raise InvalidInput(
            f"{target}: cannot write: {exc}", code=ErrorCode.UNWRITABLE_OUTPUT
        ) from None
    started = time.perf_counter()
    try:
        if workers <= 1:
            engine = Engine(data, compiled=compiled, sources=sources)
            results: Iterator[pa.RecordBatch] = (
                engine.screen_batch(b, today=today) for b in batches
            )
            _drain(results, writer, summary, progress)
        else:
            blob = dump_index(data)
            with ProcessPoolExecutor(
                max_workers=workers,
                initializer=_init_worker,
                initargs=worker_args(blob, compiled, sources),
            ) as pool:
                _drain(_bounded_map(pool, batches, today, 2 * workers), writer, summary, progress)
        writer.commit()
    except OSError as exc:  # disk full, a file system gone: one line, and no partial output
        writer.abort()
        raise InvalidInput(
            f"screening {source} into {target} stopped: {exc}", code=ErrorCode.IO_ERROR
        ) from None
    except BaseException:
        writer.abort()
        raise
    summary.seconds = time.perf_counter() - started
    return summary


def _drain(
    results: Iterator[pa.RecordBatch],
    writer: _Writer,
    summary: Summary,
    progress: Callable[[int], None] | None,
) -> None:
    for out in results:
        writer.write(out)
        summary.rows += out.num_rows
        for counted in pc.value_counts(out.column("verdict")).to_pylist():
            summary.verdicts[counted["values"]] += counted["counts"]
        if progress is not None:
            progress(out.num_rows)
