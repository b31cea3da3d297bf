"""Partitioned Parquet in, partitioned Parquet out, resumably, on any engine.

The input is a Parquet file or a directory of them (every ``*.parquet``/``*.pq`` below it, in
path order; names starting with ``_`` or ``.`` are skipped), on a local path or any pyarrow or
fsspec filesystem URI (``s3://``, ``gs://``, ``hdfs://``, ``memory://``...). The output is a
directory of Parquet files plus ``_manifest.json``, the run's record:

- the run's arguments: the input (its URI, its partitions' names and sizes), the index's content
  version and the screening date; a restart with other arguments is refused;
- the committed chunks: which input partitions went into which output files, with row counts.

An engine screens a chunk of partitions (one for the local engines, several for Ray and Spark)
into a fresh staging directory; the files are then renamed into the output directory and the
manifest, rewritten atomically, records the chunk. That rewrite is the commit: a run killed at
any point (SIGKILL included) leaves at most files no chunk names, which the next run with the
same arguments deletes before it screens the partitions no chunk holds. So the finished output
holds every input row exactly once, whatever was killed when.

Engines differ in where the function runs, never in what it computes: each applies
``Engine.screen_batch`` to the input's record batches (see ``local.py``, ``ray_runner.py``,
``spark_runner.py``)."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ringfence.core.errors import InvalidInput, RingfenceError
from ringfence.core.files import atomic_write
from ringfence.screening.engine import INPUT_COLUMNS, OUTPUT_SCHEMA
from ringfence.screening.error_codes import ErrorCode
from ringfence.screening.index import ScreeningData, content_version
from ringfence.screening.runners.local import (
    _guard,
    _require,
)

if TYPE_CHECKING:
    from ringfence.screening.runners.partitions import PartitionEngine

MANIFEST = "_manifest.json"
STAGING = "_staging"
LOCK = "_lock"
FORMAT = "ringfence-screening-run"
VERSION = 1
_SUFFIXES = (".parquet", ".pq")
_BUCKET_SCHEMES = frozenset({"s3", "s3a", "s3n", "gs", "gcs", "r2"})
_HADOOP_S3 = frozenset({"s3a", "s3n"})
_OUTPUT = re.compile(r"p\d{6}-\d{4}\.parquet")


# ---------------------------------------------------------------------- the input


@dataclass(frozen=True)
class Dataset:
    """A partitioned Parquet input: a filesystem, and the partitions' paths on it (sorted)."""

    uri: str
    fs: pafs.FileSystem
    root: str
    paths: tuple[str, ...]
    sizes: tuple[int, ...]

    def name(self, path: str) -> str:
        """A partition's name: its path below the dataset's root."""
        if path == self.root:
            return Path(path).name
        return path[len(self.root) :].lstrip("/")

    def uri_of(self, path: str) -> str:
        """A partition as a URI other engines open (Spark: ``file://``, ``s3a://``...)."""
        scheme = self.uri.split("://", 1)[0] if "://" in self.uri else "file"
        return f"{scheme}://{path}"

    def columns(self, path: str) -> list[str]:
        """The engine's input columns this partition has, after checking the required ones
        (reads the Parquet footer only)."""
        try:
            with self.fs.open_input_file(path) as handle:
                names = pq.read_schema(handle).names
        except (pa.ArrowInvalid, OSError) as exc:
            raise InvalidInput(
                f"{self.uri}: {self.name(path)}: not a readable Parquet file: {exc}",
                code=ErrorCode.INVALID_FILE,
            ) from None
        _require(f"{self.uri}: {self.name(path)}", names)
        return [c for c in INPUT_COLUMNS if c in names]

    def common_columns(self, paths: list[str]) -> list[str]:
        """The input columns of several partitions read as one, which must all have them (every
        footer is read before a distributed job starts)."""
        columns = self.columns(paths[0])
        for path in paths[1:]:
            if self.columns(path) != columns:
                raise InvalidInput(
                    f"{self.uri}: {self.name(path)} has other columns than {self.name(paths[0])}",
                    code=ErrorCode.SCHEMA_MISMATCH,
                )
        return columns

    def rows(self, path: str) -> int:
        """The partition's row count, from its footer."""
        try:
            with self.fs.open_input_file(path) as handle:
                return int(pq.ParquetFile(handle).metadata.num_rows)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InvalidInput(
                f"{self.uri}: {self.name(path)}: not a readable Parquet file: {exc}",
                code=ErrorCode.INVALID_FILE,
            ) from None

    def batches(self, path: str, batch_size: int) -> Iterator[pa.RecordBatch]:
        """The partition's record batches (its input columns only)."""
        where = f"{self.uri}: {self.name(path)}"
        columns = self.columns(path)
        try:
            reader = pq.ParquetFile(self.fs.open_input_file(path))
        except (pa.ArrowInvalid, OSError) as exc:
            raise InvalidInput(
                f"{where}: not a readable Parquet file: {exc}", code=ErrorCode.INVALID_FILE
            ) from None
        return _guard(where, reader.iter_batches(batch_size=batch_size, columns=columns))


def filesystem(source: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem of a local path or URI (pyarrow's, else fsspec's) and the path on it.
    Credentials and endpoints come from the environment (for S3: ``AWS_*``), so a worker given
    the same URI opens the same filesystem."""
    if "://" not in source:
        return pafs.LocalFileSystem(), str(Path(source).resolve())
    scheme, _, rest = source.partition("://")
    if scheme.lower() in _BUCKET_SCHEMES and not rest.split("/", 1)[0]:
        raise InvalidInput(f"{source}: no bucket in the URI", code=ErrorCode.INVALID_URI)
    if scheme.lower() in _HADOOP_S3:  # Hadoop's names for S3: the same objects
        source = f"s3://{rest}"
    try:
        fs, path = pafs.FileSystem.from_uri(source)
        return fs, str(path)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError, ValueError) as arrow_error:
        try:  # a scheme pyarrow does not know: fsspec's, when it is installed
            import fsspec  # noqa: PLC0415 - optional
        except ImportError:
            raise InvalidInput(
                f"{source}: not a usable filesystem URI: {arrow_error}", code=ErrorCode.INVALID_URI
            ) from None
        try:
            fs, path = fsspec.core.url_to_fs(source)
        except (ImportError, ValueError, OSError) as exc:
            raise InvalidInput(
                f"{source}: not a usable filesystem URI: {exc}", code=ErrorCode.INVALID_URI
            ) from None
        return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), str(path)


def open_dataset(source: str) -> Dataset:
    """A Parquet file or directory of Parquet files, local or behind a URI."""
    fs, root = filesystem(source)
    root = root.rstrip("/") or "/"
    try:
        info = fs.get_file_info(root)
        if info.type == pafs.FileType.NotFound:
            raise InvalidInput(
                f"{source}: no such file or directory", code=ErrorCode.FILE_NOT_FOUND
            )
        if info.type == pafs.FileType.File:
            infos = [info]
        else:
            infos = [
                i
                for i in fs.get_file_info(pafs.FileSelector(root, recursive=True))
                if i.type == pafs.FileType.File
                and i.path.lower().endswith(_SUFFIXES)
                and not any(p.startswith(("_", ".")) for p in i.path[len(root) :].split("/"))
            ]
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidInput(f"{source}: cannot list: {exc}", code=ErrorCode.INVALID_URI) from None
    if not infos:
        raise InvalidInput(
            f"{source}: no Parquet files (*.parquet, *.pq)", code=ErrorCode.EMPTY_DATASET
        )
    infos.sort(key=lambda i: i.path)
    return Dataset(
        uri=source,
        fs=fs,
        root=root,
        paths=tuple(i.path for i in infos),
        sizes=tuple(int(i.size or 0) for i in infos),
    )


def is_table_uri(out: str) -> bool:
    """``--out`` names a Delta table behind a filesystem URI (``s3://``, ``gs://``,
    ``file://``...) rather than a local directory."""
    return "://" in out


# ---------------------------------------------------------------------- the manifest


@dataclass
class Manifest:
    arguments: dict[str, Any]
    chunks: list[dict[str, Any]] = field(default_factory=list)
    attempt: int = 1
    complete: bool = False

    def done(self) -> set[str]:
        return {p for c in self.chunks for p in c["partitions"]}

    def files(self) -> set[str]:
        return {f for c in self.chunks for f in c["files"]}

    def rows(self) -> int:
        return sum(int(c["rows"]) for c in self.chunks)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "arguments": self.arguments,
            "attempt": self.attempt,
            "complete": self.complete,
            "rows": self.rows(),
            "chunks": self.chunks,
        }

    def save(self, target: Path) -> None:
        atomic_write(target / MANIFEST, [json.dumps(self.to_json(), indent=1) + "\n"])

    @classmethod
    def load(cls, target: Path) -> Manifest | None:
        path = target / MANIFEST
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT or raw.get("version") != VERSION:
                raise ValueError("not a manifest of this version")
            return cls(raw["arguments"], list(raw["chunks"]), int(raw["attempt"]), raw["complete"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidInput(
                f"{path}: not a ringfence run manifest ({exc}); use another --out",
                code=ErrorCode.INVALID_MANIFEST,
            ) from None


def run_arguments(dataset: Dataset, data: ScreeningData, today: date) -> dict[str, Any]:
    """What decides the output: a restart must bring the same (engine, workers and batch size
    do not change a single row, so they may differ)."""
    listing = "\n".join(
        f"{dataset.name(p)}\t{s}" for p, s in zip(dataset.paths, dataset.sizes, strict=True)
    )
    return {
        "source": dataset.uri,
        "partitions": len(dataset.paths),
        "partitions_sha256": hashlib.sha256(listing.encode()).hexdigest(),
        "index_version": content_version(data),
        "today": today.isoformat(),
    }


def refuse_changed(target: Path | str, old: dict[str, Any], new: dict[str, Any]) -> None:
    changed = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    if changed:
        what = ", ".join(f"{k} {old.get(k)!r} -> {new.get(k)!r}" for k in changed)
        raise InvalidInput(
            f"{target} holds a run with other arguments ({what}); resume it with the same "
            "arguments or use another --out",
            code=ErrorCode.RUN_ARGUMENTS_CHANGED,
        )


# ---------------------------------------------------------------------- engines


@dataclass(frozen=True)
class Staging:
    """Where an engine writes a chunk's Parquet files: a folder on a filesystem the driver and
    every worker reach (a local directory, or a prefix of the output table on object storage).
    ``uri`` opens it elsewhere (``filesystem(uri)``)."""

    fs: pafs.FileSystem
    path: str
    uri: str

    @classmethod
    def local(cls, folder: Path) -> Staging:
        return cls(pafs.LocalFileSystem(), str(folder), f"file://{folder}")

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, pafs.LocalFileSystem)


def missing_extra(engine: str) -> InvalidInput:
    return InvalidInput(
        f"--engine {engine} needs the optional extra: pip install 'ringfence[{engine}]'",
        code=ErrorCode.MISSING_EXTRA,
    )


# ---------------------------------------------------------------------- running


@dataclass
class RunSummary:
    partitions: int = 0
    skipped: int = 0  # done by an earlier attempt
    rows: int = 0  # written by this attempt
    seconds: float = 0.0
    attempt: int = 1

    def __str__(self) -> str:
        rate = self.rows / self.seconds if self.seconds else 0.0
        resumed = f", {self.skipped} done before (attempt {self.attempt})" if self.skipped else ""
        return (
            f"{self.partitions} partitions{resumed}: {self.rows} listings in "
            f"{self.seconds:.1f} s ({rate:,.0f}/s)"
        )


def screen_dataset(
    source: str,
    target: Path | str,
    *,
    data: ScreeningData,
    today: date,
    engine: Callable[[], PartitionEngine],
    progress: Callable[[int], None] | None = None,
) -> RunSummary:
    """Screen the dataset ``source`` into the directory ``target``, resuming the run recorded
    there (same arguments) or starting one; ``engine`` makes the engine once there is work.
    A relative ``target`` is taken from the current directory here, once: the engines'
    workers (and Hadoop's URIs) never see it relative. A URI ``target`` (``s3://bucket/out``)
    is a Delta Lake table committed without renames (``table.py``)."""
    dataset = open_dataset(source)
    if isinstance(target, str) and is_table_uri(target):
        from ringfence.screening.runners.table import screen_into_table  # noqa: PLC0415

        return screen_into_table(
            dataset, target, data=data, today=today, engine=engine, progress=progress
        )
    target = Path(target).absolute()
    if target.suffix.lower() in (*_SUFFIXES, ".csv", ".jsonl", ".json", ".ndjson"):
        raise InvalidInput(
            f"{target}: a partitioned run writes a directory; give --out a directory name",
            code=ErrorCode.OUT_NOT_DIRECTORY,
        )
    if target.exists() and not target.is_dir():
        raise InvalidInput(
            f"{target}: exists and is not a directory", code=ErrorCode.OUT_NOT_DIRECTORY
        )
    if not target.parent.is_dir():
        raise InvalidInput(
            f"{target}: no such directory {target.parent}", code=ErrorCode.NO_DIRECTORY
        )
    created = not target.exists()
    target.mkdir(exist_ok=True)
    with _locked(target):
        fresh = Manifest.load(target) is None
        try:
            return _run(dataset, target, data=data, today=today, engine=engine, progress=progress)
        except InvalidInput:
            if fresh:  # a refused new run leaves nothing that would block the corrected rerun
                _discard(target, created)
            raise


def _discard(target: Path, created: bool) -> None:
    """Remove what a refused new run wrote (its manifest, output and staging; the directory
    when the run made it). Nothing when it wrote no manifest: the files there are not its."""
    manifest = Manifest.load(target)
    if manifest is None:
        return
    _clean(target, Manifest(manifest.arguments))  # every output file is an orphan now
    (target / MANIFEST).unlink()
    (target / LOCK).unlink(missing_ok=True)
    if created and not any(target.iterdir()):
        target.rmdir()


class _Locked:
    """The run's lock: a POSIX record lock on ``_lock``, which belongs to this process alone
    (a forked pool worker does not inherit it) and goes with it, however it ends; the file
    names the pid that holds it."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.fd = -1

    def __enter__(self) -> None:
        self.fd = os.open(self.target / LOCK, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                os.close(self.fd)
                raise
            holder = os.pread(self.fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(self.fd)
            raise InvalidInput(
                f"{self.target}: another run (pid {holder}) is writing there",
                code=ErrorCode.RUN_IN_PROGRESS,
            ) from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)  # closing releases the lock (as this process's exit does)


def _locked(target: Path) -> _Locked:
    return _Locked(target)


def _run(
    dataset: Dataset,
    target: Path,
    *,
    data: ScreeningData,
    today: date,
    engine: Callable[[], PartitionEngine],
    progress: Callable[[int], None] | None,
) -> RunSummary:
    arguments = run_arguments(dataset, data, today)
    manifest = Manifest.load(target)
    if manifest is None:
        if any(p.name not in (LOCK, STAGING) for p in target.iterdir()):
            raise InvalidInput(
                f"{target}: not empty and holds no {MANIFEST}; use an empty or new directory",
                code=ErrorCode.OUT_NOT_EMPTY,
            )
        manifest = Manifest(arguments)
    else:
        refuse_changed(target, manifest.arguments, arguments)
        manifest.attempt += 1
    _clean(target, manifest)
    manifest.save(target)  # before any output: every later file is named by it, or an orphan
    done = manifest.done()
    todo = [p for p in dataset.paths if dataset.name(p) not in done]
    total = len(dataset.paths)
    summary = RunSummary(total, total - len(todo), 0, 0.0, manifest.attempt)
    started = time.perf_counter()
    if todo:
        runner = engine()
        try:
            size = max(1, runner.chunk_size)
            for start in range(0, len(todo), size):
                chunk = todo[start : start + size]
                rows = _commit_chunk(dataset, target, manifest, runner, chunk)
                summary.rows += rows
                if progress is not None:
                    progress(rows)
        except OSError as exc:
            raise InvalidInput(
                f"screening into {target} stopped: {exc}", code=ErrorCode.IO_ERROR
            ) from None
        finally:
            runner.close()
    shutil.rmtree(target / STAGING, ignore_errors=True)
    manifest.complete = True
    manifest.save(target)
    summary.seconds = time.perf_counter() - started
    return summary


def _commit_chunk(
    dataset: Dataset, target: Path, manifest: Manifest, runner: PartitionEngine, chunk: list[str]
) -> int:
    staging = target / STAGING / secrets.token_hex(6)
    staging.mkdir(parents=True)
    runner.screen(dataset, chunk, Staging.local(staging))
    produced = sorted(p for p in staging.rglob("*") if p.is_file() and p.suffix == ".parquet")
    rows = sum(int(pq.ParquetFile(p).metadata.num_rows) for p in produced)
    expected = sum(dataset.rows(p) for p in chunk)
    if rows != expected:  # one verdict per listing, or nothing is committed
        raise RingfenceError(
            f"screening {dataset.name(chunk[0])}…: {rows} verdicts for {expected} listings; "
            "nothing committed",
            code=ErrorCode.ROW_COUNT_MISMATCH,
        )
    first = dataset.paths.index(chunk[0])
    files = []
    for n, path in enumerate(produced):
        name = f"p{first:06d}-{n:04d}.parquet"
        path.replace(target / name)
        files.append(name)
    manifest.chunks.append(
        {"partitions": [dataset.name(p) for p in chunk], "files": files, "rows": rows}
    )
    manifest.save(target)  # the commit
    shutil.rmtree(staging, ignore_errors=True)
    return rows


def _clean(target: Path, manifest: Manifest) -> None:
    """Remove what a killed attempt left: staging, and output files no committed chunk names."""
    shutil.rmtree(target / STAGING, ignore_errors=True)
    keep = manifest.files()
    for path in target.iterdir():
        orphan = _OUTPUT.fullmatch(path.name) and path.name not in keep
        if orphan or (path.name.startswith(f".{MANIFEST}.") and path.name.endswith(".tmp")):
            path.unlink()


def read_output(target: Path | str) -> pa.Table:
    """A finished run's output as one table (the files its manifest names, or the Delta
    table's rows for a URI)."""
    if isinstance(target, str) and is_table_uri(target):
        from ringfence.screening.runners.table import read_table  # noqa: PLC0415

        return read_table(target)
    target = Path(target)
    manifest = Manifest.load(target)
    if manifest is None or not manifest.complete:
        raise InvalidInput(f"{target}: no finished run there", code=ErrorCode.RUN_NOT_FINISHED)
    # Cast: Spark writes every column nullable and names list items its own way.
    tables = [pq.read_table(target / f).cast(OUTPUT_SCHEMA) for f in sorted(manifest.files())]
    return pa.concat_tables(tables) if tables else OUTPUT_SCHEMA.empty_table()
