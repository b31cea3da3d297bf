"""Apache Spark adapter: one Spark task per input partition, whose Python worker reads the
partition with pyarrow, applies ``Engine.screen_batch`` to its record batches and writes the
verdicts into the chunk's staging folder itself; the task returns the file's name and row count.
No listing crosses between the JVM and Python: Spark schedules, retries and places the work, and
the engine's process does the engine's work. (The DataFrame path, ``spark.read.parquet`` ->
``mapInArrow`` -> ``write.parquet``, moved every row JVM -> Arrow -> Python and back, and cost
about twice the screening's CPU; it is kept for input only Hadoop reads, ``hdfs://``.)

The index is distributed as a file (``SparkContext.addFile``); each Python worker loads it once
and keeps the engine for its next tasks (``spark.python.worker.reuse``, on by default). Input and
output on object storage (``s3://``, ``s3a://`` read as ``s3://``, a Delta table's location) need
no ``hadoop-aws`` jar: the workers open both from their URIs and their own environment
(``AWS_*``). Imported only for ``--engine spark`` (extra ``ringfence[spark]``);
``spark_submit.py`` is the entry point for ``spark-submit`` on YARN or Kubernetes."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
from pyspark import SparkFiles
from pyspark.sql import SparkSession

from ringfence.screening.engine import OUTPUT_SCHEMA, Engine
from ringfence.screening.index import ScreeningData, content_version, load_index, write_index
from ringfence.screening.interfaces import ImageSources
from ringfence.screening.runners.dataset import Dataset, Staging, filesystem
from ringfence.screening.runners.local import DEFAULT_BATCH
from ringfence.screening.runners.partitions import screen_partition

# OUTPUT_SCHEMA in Spark's words.
SPARK_SCHEMA = (
    "listing_id string, verdict string, risk double, marks array<string>, "
    "reasons array<string>, evidence string"
)
# Spark declares every column nullable: the batches it gets back say so too.
_NULLABLE = pa.schema([f.with_nullable(True) for f in OUTPUT_SCHEMA])
_ENGINES: dict[str, Engine] = {}
# What the tasks return: one row per file written.
WRITTEN_SCHEMA = "file string, rows long"
# The JVM's options for a local session of its own (``local[N]``): the C1 compiler only.
JVM_OPTIONS = "-XX:TieredStopAtLevel=1"
# Input schemes only Hadoop reads here: these go through a DataFrame (``_screen_frame``).
HADOOP_ONLY = frozenset({"hdfs", "viewfs"})


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
    job: tuple[str, str, list[str], list[str], str, date, int, ImageSources | None],
) -> Iterator[pa.RecordBatch]:
    """The ``mapInArrow`` function over ``spark.range(partitions)``: each id ``n`` names a
    partition that this worker reads, screens and writes as ``<staging>/NNNN.parquet``."""
    source_uri, staging_uri, paths, columns, index_file, today, batch_size, sources = job
    source, target = _filesystem(source_uri), _filesystem(staging_uri)
    staging = filesystem(staging_uri)[1]
    engine = _engine(index_file, sources)
    for task in tasks:
        for n in task.column("id").to_pylist():
            out = f"{staging}/{n:04d}.parquet"
            rows = screen_partition(
                engine, source, paths[n], columns, target, out, batch_size=batch_size, today=today
            )
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
        through_hadoop: bool = False,
    ) -> None:
        self.today, self.chunk_size, self.batch_size = today, chunk_size, batch_size
        self.through_hadoop = through_hadoop  # the DataFrame path even where pyarrow reads
        self.sources = sources
        active = session or SparkSession.getActiveSession()
        self._owned = active is None
        if active is None:
            builder = SparkSession.builder.appName("ringfence-screen").config(
                "spark.ui.showConsoleProgress", "false"
            )
            if master:
                builder = builder.master(master)
            if master and master.startswith("local"):
                # The JVM only schedules (no row goes through it): C2's compilations would cost
                # it more CPU than the scheduling (docs/scaling.md). A cluster's own settings
                # are left alone.
                builder = builder.config("spark.driver.extraJavaOptions", JVM_OPTIONS)
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
        if self.through_hadoop or dataset.uri.split("://", 1)[0].lower() in HADOOP_ONLY:
            self._screen_frame(dataset, paths, columns, staging)
            return
        staging.fs.create_dir(staging.path, recursive=True)
        job = (
            dataset.uri,
            staging.path if staging.is_local else staging.uri,  # a path: no URI escaping
            paths,
            columns,
            self.index_file,
            self.today,
            self.batch_size,
            self.sources,
        )
        # One task per partition, made in the JVM (no Python RDD to serialise).
        written = (
            self.spark.range(len(paths), numPartitions=len(paths))
            .mapInArrow(lambda batches: screen_files(batches, job), WRITTEN_SCHEMA)
            .collect()
        )
        if len(written) != len(paths):
            raise OSError(f"{len(written)} files written for {len(paths)} partitions")

    def _screen_frame(
        self, dataset: Dataset, paths: list[str], columns: list[str], staging: Staging
    ) -> None:
        """Through Hadoop: the partitions as one DataFrame, ``mapInArrow``, written by Spark
        (into a directory every executor mounts)."""
        if not staging.is_local:
            raise OSError(f"{dataset.uri}: input only Hadoop reads needs a directory output")
        frame = self.spark.read.parquet(*(dataset.uri_of(p) for p in paths)).select(*columns)
        index_file, today, sources = self.index_file, self.today, self.sources
        screened = frame.mapInArrow(
            lambda batches: screen_arrow(batches, index_file, today, sources), SPARK_SCHEMA
        )
        # Not Path.as_uri(): Hadoop would keep its %-escapes ("[" as %5B) in the directory name.
        screened.write.mode("overwrite").parquet(f"file://{staging.path}")

    def close(self) -> None:
        if self._owned:
            self.spark.stop()
        self._tmp.cleanup()
