"""Apache Spark adapter: the partitions read as one DataFrame, ``mapInArrow`` with
``Engine.screen_batch``, written as Parquet. The index is distributed as a file
(``SparkContext.addFile``); each Python worker loads it once (``SparkFiles.get``). Imported only
for ``--engine spark`` (extra ``ringfence[spark]``); ``spark_submit.py`` is the entry point for
``spark-submit`` on YARN or Kubernetes.

Input or output on object storage (``s3://``, a Delta table's location) goes around Hadoop,
whose S3A connector needs the ``hadoop-aws`` jar and its AWS SDK, which PySpark does not ship:
one Spark task per partition, whose Python worker reads the partition and writes its verdicts
with pyarrow (or fsspec) straight to the store, opening both from their URIs and the worker's
own environment (``AWS_*``)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from pyspark import SparkFiles
from pyspark.sql import SparkSession

from ringfence.screening.engine import OUTPUT_SCHEMA, Engine
from ringfence.screening.index import ScreeningData, content_version, load_index, write_index
from ringfence.screening.interfaces import ImageSources
from ringfence.screening.runners.dataset import Dataset, Staging, filesystem
from ringfence.screening.runners.local import DEFAULT_BATCH

# OUTPUT_SCHEMA in Spark's words.
SPARK_SCHEMA = (
    "listing_id string, verdict string, risk double, marks array<string>, "
    "reasons array<string>, evidence string"
)
# Spark declares every column nullable: the batches it gets back say so too.
_NULLABLE = pa.schema([f.with_nullable(True) for f in OUTPUT_SCHEMA])
_ENGINES: dict[str, Engine] = {}
# What the object-storage tasks return: one row per file written.
WRITTEN_SCHEMA = "file string, rows long"


def _engine(index_file: str, sources: ImageSources | None) -> Engine:
    key = f"{index_file}|{sources!r}"
    engine = _ENGINES.get(key)
    if engine is None:
        _ENGINES.clear()
        index = load_index(Path(SparkFiles.get(index_file)))
        engine = _ENGINES[key] = Engine(index, sources=sources)
    return engine


def screen_arrow(
    batches: Iterator[pa.RecordBatch],
    index_file: str,
    today: date,
    sources: ImageSources | None = None,
) -> Iterator[pa.RecordBatch]:
    """The ``mapInArrow`` function: ``Engine.screen_batch`` on each batch of a partition."""
    engine = _engine(index_file, sources)
    for batch in batches:
        out = engine.screen_batch(batch, today=today)
        yield pa.RecordBatch.from_arrays(out.columns, schema=_NULLABLE)


@cache
def _filesystem(uri: str) -> pafs.FileSystem:
    return filesystem(uri)[0]


def screen_files(
    tasks: Iterator[pa.RecordBatch],
    job: tuple[str, str, list[str], str, date, int, ImageSources | None],
) -> Iterator[pa.RecordBatch]:
    """The ``mapInArrow`` function of an object-storage job: each task row names a partition
    (``n``, ``path``) that this worker reads, screens and writes as ``<staging>/NNNN.parquet``."""
    source_uri, staging_uri, columns, index_file, today, batch_size, sources = job
    source, target = _filesystem(source_uri), _filesystem(staging_uri)
    staging = filesystem(staging_uri)[1]
    engine = _engine(index_file, sources)
    for task in tasks:
        for n, path in zip(
            task.column("n").to_pylist(), task.column("path").to_pylist(), strict=True
        ):
            out, rows = f"{staging}/{n:04d}.parquet", 0
            with (
                source.open_input_file(path) as handle,
                pq.ParquetWriter(out, OUTPUT_SCHEMA, filesystem=target) as writer,
            ):
                for batch in pq.ParquetFile(handle).iter_batches(batch_size, columns=columns):
                    writer.write_batch(engine.screen_batch(batch, today=today))
                    rows += batch.num_rows
            yield pa.RecordBatch.from_pydict({"file": [out], "rows": [rows]})


class SparkPartitions:
    """Chunks of ``chunk_size`` partitions per Spark job. Uses the active session (as under
    ``spark-submit``) or builds one on ``master`` (``local[2]``, ``yarn``, ``k8s://...``)."""

    def __init__(
        self,
        data: ScreeningData,
        *,
        today: date,
        master: str | None = None,
        batch_size: int = DEFAULT_BATCH,
        chunk_size: int = 256,
        session: SparkSession | None = None,
        sources: ImageSources | None = None,
    ) -> None:
        self.today, self.chunk_size, self.batch_size = today, chunk_size, batch_size
        self.sources = sources
        active = session or SparkSession.getActiveSession()
        self._owned = active is None
        if active is None:
            builder = SparkSession.builder.appName("ringfence-screen").config(
                "spark.ui.showConsoleProgress", "false"
            )
            if master:
                builder = builder.master(master)
            active = builder.getOrCreate()
        self.spark: SparkSession = active
        self.spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_size))
        self._tmp = tempfile.TemporaryDirectory(prefix="ringfence-index-")
        # One file name per index content: a session reused for another index adds another file.
        self.index_file = f"index-{content_version(data)[:16]}.rfi"
        path = Path(self._tmp.name) / self.index_file
        write_index(data, path)
        self.spark.sparkContext.addFile(str(path))

    def screen(self, dataset: Dataset, paths: list[str], staging: Staging) -> None:
        columns = dataset.common_columns(paths)
        if not (staging.is_local and isinstance(dataset.fs, pafs.LocalFileSystem)):
            self._screen_on_store(dataset, paths, columns, staging)
            return
        frame = self.spark.read.parquet(*(dataset.uri_of(p) for p in paths)).select(*columns)
        index_file, today, sources = self.index_file, self.today, self.sources
        screened = frame.mapInArrow(
            lambda batches: screen_arrow(batches, index_file, today, sources), SPARK_SCHEMA
        )
        # Not Path.as_uri(): Hadoop would keep its %-escapes ("[" as %5B) in the directory name.
        screened.write.mode("overwrite").parquet(f"file://{staging.path}")

    def _screen_on_store(
        self, dataset: Dataset, paths: list[str], columns: list[str], staging: Staging
    ) -> None:
        """One task per partition; the workers read and write the store themselves."""
        job = (
            dataset.uri,
            staging.uri,
            columns,
            self.index_file,
            self.today,
            self.batch_size,
            self.sources,
        )
        tasks = self.spark.sparkContext.parallelize(list(enumerate(paths)), len(paths))
        written = (
            self.spark.createDataFrame(tasks, "n int, path string")
            .mapInArrow(lambda batches: screen_files(batches, job), WRITTEN_SCHEMA)
            .collect()
        )
        if len(written) != len(paths):
            raise OSError(f"{len(written)} files written for {len(paths)} partitions")

    def close(self) -> None:
        if self._owned:
            self.spark.stop()
        self._tmp.cleanup()
