"""Verdicts on object storage: a partitioned run committed into a Delta Lake table, with no
rename and no shared filesystem (``--out s3://bucket/verdicts/``, or any URI).

The same run as a directory run (``dataset.py``), with Delta's transaction log as the
manifest. Every commit is one new log entry ``_delta_log/NNNNNNNNNNNNNNNNNNNN.json``, written
by delta-rs with a conditional PUT (``If-None-Match: *``): of two writers of the same version one
wins, the other re-reads the log and is refused if it conflicts. Ringfence records its run in
the log:

- ``ringfence:attempt`` -> the attempt number, a Delta *application transaction* (``txn``
  action, the log's own idempotent-write marker, kept through checkpoints). Each attempt starts
  by committing the next number; each chunk commit names it again, so an older attempt still
  running (a driver thought dead) conflicts at its next commit, or sees the newer number first,
  and stops: one writer, without a lock file;
- ``ringfence.partitions``: the input partitions a chunk commit holds, in its ``commitInfo``.
  The resume reads them from the log's history, once (``delta.enableExpiredLogCleanup`` is off
  for these tables, so no commit is dropped);
- ``ringfence:complete`` -> 1, committed (with no data) when every partition is in.

The run's arguments (as a directory run's manifest has them) are the table property
``ringfence.run``, set when the table is created. Workers write the chunk's Parquet files
straight into the table's location, under a folder of the attempt (``a0002-<random>/``); the
driver checks their row counts and commits them as ``add`` actions. Files no commit names (a
killed attempt's) are invisible to every Delta reader and are deleted by the next attempt.

Readers need no ringfence: ``deltalake.DeltaTable(uri).to_pyarrow_table()``, DuckDB's
``delta_scan``, pandas through deltalake, Spark with Delta Lake. Credentials, region and
endpoint come from the standard AWS environment (``AWS_ACCESS_KEY_ID``, ``AWS_ENDPOINT_URL``...),
which delta-rs and pyarrow both read."""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ringfence.core.errors import InvalidInput, RingfenceError
from ringfence.screening.engine import OUTPUT_SCHEMA
from ringfence.screening.error_codes import ErrorCode
from ringfence.screening.index import ScreeningData
from ringfence.screening.runners.dataset import (
    Dataset,
    RunSummary,
    Staging,
    filesystem,
    refuse_changed,
    run_arguments,
)
from ringfence.screening.runners.partitions import PartitionEngine

if TYPE_CHECKING:
    from deltalake import DeltaTable

LOG = "_delta_log"
RUN_PROPERTY = "ringfence.run"
ATTEMPT = "ringfence:attempt"
COMPLETE = "ringfence:complete"
PARTITIONS = "ringfence.partitions"


def storage_options() -> dict[str, str]:
    """delta-rs options beyond what it reads from the AWS environment itself: plain HTTP when
    the endpoint is one (a loopback or in-cluster S3-compatible server)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or ""
    return {"AWS_ALLOW_HTTP": "true"} if endpoint.startswith("http://") else {}


def _deltalake() -> Any:
    try:
        import deltalake  # noqa: PLC0415 - optional extra
    except ImportError:
        raise InvalidInput(
            "--out URI: a table on object storage needs the optional extra: "
            "pip install 'ringfence[s3]'",
            code=ErrorCode.MISSING_EXTRA,
        ) from None
    return deltalake


class _Store:
    """The table's location: delta-rs for the log, pyarrow (or fsspec) for the data files."""

    def __init__(self, uri: str) -> None:
        self.uri = uri.rstrip("/")
        self.fs, root = filesystem(self.uri)
        self.root = root.rstrip("/")
        self.options = storage_options()

    def check_location(self) -> None:
        """The bucket (or parent directory) exists; the location is not a file."""
        bucket = self.root.split("/", 1)[0] if "/" in self.root else self.root
        parent = self.root.rsplit("/", 1)[0] if self.uri.startswith("file://") else bucket
        try:
            where = self.fs.get_file_info(parent)
            here = self.fs.get_file_info(self.root)
        except (OSError, pa.ArrowException) as exc:
            raise InvalidInput(
                f"{self.uri}: cannot reach: {_first_line(exc)}", code=ErrorCode.INVALID_URI
            ) from None
        if where.type == pafs.FileType.NotFound:
            raise InvalidInput(
                f"{self.uri}: no such bucket or directory {parent!r}", code=ErrorCode.NO_BUCKET
            )
        if here.type == pafs.FileType.File:
            raise InvalidInput(
                f"{self.uri}: exists and is not a table", code=ErrorCode.OUT_NOT_DIRECTORY
            )

    def files(self) -> list[pafs.FileInfo]:
        """Every file below the location (the log included)."""
        if self.fs.get_file_info(self.root).type == pafs.FileType.NotFound:
            return []
        selector = pafs.FileSelector(self.root, recursive=True, allow_not_found=True)
        return [i for i in self.fs.get_file_info(selector) if i.type == pafs.FileType.File]

    def relative(self, path: str) -> str:
        return path[len(self.root) :].lstrip("/")

    def load(self) -> DeltaTable | None:
        deltalake = _deltalake()
        try:
            if not deltalake.DeltaTable.is_deltatable(self.uri, storage_options=self.options):
                return None
            table: DeltaTable = deltalake.DeltaTable(self.uri, storage_options=self.options)
        except (deltalake.exceptions.DeltaError, OSError) as exc:
            raise InvalidInput(
                f"{self.uri}: cannot read the table: {_first_line(exc)}", code=ErrorCode.IO_ERROR
            ) from None
        return table


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _commit(
    table: DeltaTable,
    actions: list[Any],
    txns: dict[str, int],
    what: str,
    partitions: list[str] | None = None,
) -> None:
    """One commit: the add actions, the application transactions and the input partitions the
    data holds (in the commit's ``commitInfo``), or a refusal when another writer committed a
    conflicting one (a newer attempt) since ``table`` was read."""
    from deltalake.exceptions import CommitFailedError, DeltaError  # noqa: PLC0415 - optional
    from deltalake.transaction import CommitProperties, Transaction  # noqa: PLC0415

    properties = CommitProperties(
        app_transactions=[Transaction(app_id, version) for app_id, version in txns.items()],
        custom_metadata={PARTITIONS: json.dumps(partitions)} if partitions else None,
    )
    try:
        table.create_write_transaction(
            actions, mode="append", schema=OUTPUT_SCHEMA, commit_properties=properties
        )
    except CommitFailedError as exc:
        raise InvalidInput(
            f"{table.table_uri}: {what} refused: another run committed to this table meanwhile "
            f"({_first_line(exc)})",
            code=ErrorCode.RUN_IN_PROGRESS,
        ) from None
    except (DeltaError, OSError) as exc:  # the store refused or could not be reached
        raise InvalidInput(
            f"{table.table_uri}: {what} failed: {_first_line(exc)}", code=ErrorCode.IO_ERROR
        ) from None


def screen_into_table(
    dataset: Dataset,
    out: str,
    *,
    data: ScreeningData,
    today: date,
    engine: Callable[[], PartitionEngine],
    progress: Callable[[int], None] | None = None,
) -> RunSummary:
    """Screen ``dataset`` into the Delta table at ``out``, resuming the run recorded there
    (same arguments) or starting one."""
    deltalake = _deltalake()
    store = _Store(out)
    store.check_location()
    arguments = run_arguments(dataset, data, today)
    table = store.load()
    fresh = table is None
    if table is None:
        if store.files():
            raise InvalidInput(
                f"{store.uri}: not empty and holds no Delta table; use an empty or new location",
                code=ErrorCode.OUT_NOT_EMPTY,
            )
        try:
            table = deltalake.DeltaTable.create(
                store.uri,
                OUTPUT_SCHEMA,
                mode="error",
                name="ringfence_verdicts",
                description="Screening verdicts written by ringfence screen",
                configuration={
                    RUN_PROPERTY: json.dumps(arguments, sort_keys=True),
                    # Measured (benchmarks/object_store_commit.py): a checkpoint every 10
                    # commits keeps a commit at ~50 ms on loopback, every 100 (the default)
                    # lets it grow to ~150 ms on average and 1 s at the checkpoint.
                    "delta.checkpointInterval": "10",
                    # The commits name the partitions they hold: keep them for the resume.
                    "delta.enableExpiredLogCleanup": "false",
                },
                storage_options=store.options,
                raise_if_key_not_exists=False,
            )
        except (deltalake.exceptions.DeltaError, OSError) as exc:  # one made meanwhile, say
            raise InvalidInput(
                f"{store.uri}: cannot create the table: {_first_line(exc)}", code=ErrorCode.IO_ERROR
            ) from None
    else:
        _refuse_changed_table(store.uri, table, arguments)
    try:
        return _run(dataset, store, table, engine=engine, progress=progress)
    except InvalidInput as exc:
        # A refused new run leaves nothing that would block the corrected rerun; one that
        # another run overtook leaves the table to that run.
        if fresh and exc.code != "run_in_progress":
            for info in store.files():
                store.fs.delete_file(info.path)
        raise


def _refuse_changed_table(uri: str, table: DeltaTable, arguments: dict[str, Any]) -> None:
    recorded = table.metadata().configuration.get(RUN_PROPERTY)
    try:
        old = json.loads(recorded) if recorded else None
    except ValueError:
        old = None
    if not isinstance(old, dict):
        raise InvalidInput(
            f"{uri}: a Delta table that no ringfence run made (no {RUN_PROPERTY} property); "
            "use another --out",
            code=ErrorCode.INVALID_MANIFEST,
        )
    refuse_changed(uri, old, arguments)


def _run(
    dataset: Dataset,
    store: _Store,
    table: DeltaTable,
    *,
    engine: Callable[[], PartitionEngine],
    progress: Callable[[int], None] | None,
) -> RunSummary:
    attempt = (table.transaction_version(ATTEMPT) or 0) + 1
    _commit(table, [], {ATTEMPT: attempt}, f"attempt {attempt}")  # older attempts stop now
    table.update_incremental()
    _clean(store, table)
    done = committed_partitions(table)
    todo = [p for p in dataset.paths if dataset.name(p) not in done]
    total = len(dataset.paths)
    summary = RunSummary(total, total - len(todo), 0, 0.0, attempt)
    started = time.perf_counter()
    if todo:
        runner = engine()
        try:
            size = max(1, runner.chunk_size)
            for start in range(0, len(todo), size):
                chunk = todo[start : start + size]
                rows = _commit_chunk(dataset, store, table, runner, chunk, attempt)
                summary.rows += rows
                if progress is not None:
                    progress(rows)
        except OSError as exc:
            raise InvalidInput(
                f"screening into {store.uri} stopped: {_first_line(exc)}", code=ErrorCode.IO_ERROR
            ) from None
        finally:
            runner.close()
    table.update_incremental()
    if table.transaction_version(COMPLETE) is None:
        _check_attempt(store, table, attempt)
        _commit(table, [], {ATTEMPT: attempt, COMPLETE: 1}, "completion")
    summary.seconds = time.perf_counter() - started
    return summary


def committed_partitions(table: DeltaTable) -> set[str]:
    """The input partitions every commit so far holds, from the commits' ``commitInfo`` (one
    read of the log; a lookup per partition would read it once each)."""
    done: set[str] = set()
    for commit in table.history():
        names = commit.get(PARTITIONS)
        if names:
            done.update(json.loads(names) if isinstance(names, str) else names)
    return done


def _commit_chunk(
    dataset: Dataset,
    store: _Store,
    table: DeltaTable,
    runner: PartitionEngine,
    chunk: list[str],
    attempt: int,
) -> int:
    from deltalake.transaction import AddAction  # noqa: PLC0415 - optional extra

    folder = f"a{attempt:04d}-{secrets.token_hex(6)}"
    staging = Staging(store.fs, f"{store.root}/{folder}", f"{store.uri}/{folder}")
    runner.screen(dataset, chunk, staging)
    selector = pafs.FileSelector(staging.path, recursive=True, allow_not_found=True)
    produced = sorted(
        (i for i in store.fs.get_file_info(selector) if i.type == pafs.FileType.File),
        key=lambda i: i.path,
    )
    actions, rows = [], 0
    for info in produced:
        if not info.path.endswith(".parquet"):
            continue
        with store.fs.open_input_file(info.path) as handle:
            count = int(pq.ParquetFile(handle).metadata.num_rows)
        rows += count
        modified = info.mtime_ns // 1_000_000 if info.mtime_ns else int(time.time() * 1000)
        stats = json.dumps({"numRecords": count})
        actions.append(
            AddAction(store.relative(info.path), int(info.size or 0), {}, modified, True, stats)
        )
    expected = sum(dataset.rows(p) for p in chunk)
    if rows != expected:  # one verdict per listing, or nothing is committed
        raise RingfenceError(
            f"screening {dataset.name(chunk[0])}…: {rows} verdicts for {expected} listings; "
            "nothing committed",
            code=ErrorCode.ROW_COUNT_MISMATCH,
        )
    table.update_incremental()
    _check_attempt(store, table, attempt)
    names = [dataset.name(p) for p in chunk]
    _commit(table, actions, {ATTEMPT: attempt}, f"the chunk from {names[0]}", names)  # the commit
    return rows


def _check_attempt(store: _Store, table: DeltaTable, attempt: int) -> None:
    """Refuse when a newer attempt started (on the snapshot the next commit is made against:
    one that starts after it conflicts with that commit instead)."""
    newest = table.transaction_version(ATTEMPT) or 0
    if newest > attempt:
        raise InvalidInput(
            f"{store.uri}: attempt {newest} took this run over; this one (attempt {attempt}) stops",
            code=ErrorCode.RUN_IN_PROGRESS,
        )


def _clean(store: _Store, table: DeltaTable) -> None:
    """Delete the data files no commit names (what killed attempts wrote). Only this attempt
    runs now: it committed its number, so an older one still writing stops at its next commit
    before naming any file deleted here."""
    keep = {str(p) for p in table.get_add_actions(flatten=True).column("path").to_pylist()}
    for info in store.files():
        name = store.relative(info.path)
        if name.startswith(f"{LOG}/") or name in keep:
            continue
        store.fs.delete_file(info.path)


def read_table(out: str) -> pa.Table:
    """A finished table run's verdicts (what any Delta reader sees, cast to the output schema)."""
    store = _Store(out)
    table = store.load()
    if table is None or table.transaction_version(COMPLETE) is None:
        raise InvalidInput(f"{out}: no finished run there", code=ErrorCode.RUN_NOT_FINISHED)
    return table.to_pyarrow_table().cast(OUTPUT_SCHEMA)
