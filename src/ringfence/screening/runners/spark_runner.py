"""Apache Spark adapter: the partitions read as one DataFrame, ``mapInArrow`` with
``Engine.screen_batch``, written as Parquet. The index is distributed as a file
(``SparkContext.addFile``); each Python worker loads it once (``SparkFiles.get``). Imported only
for ``--engine spark`` (extra ``ringfence[spark]``); ``spark_submit.py`` is the entry point for
``spark-submit`` on YARN or Kubernetes."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
from pyspark import SparkFiles
from pyspark.sql import SparkSession

from ringfence.screening.engine import OUTPUT_SCHEMA, Engine
from ringfence.screening.index import ScreeningData, content_version, load_index, write_index
from ringfence.screening.runners.dataset import Dataset
from ringfence.screening.runners.local import DEFAULT_BATCH

# OUTPUT_SCHEMA in Spark's words.
SPARK_SCHEMA = (
    "listing_id string, verdict string, risk double, marks array<string>, "
    "reasons array<string>, evidence string"
)
# Spark declares every column nullable: the batches it gets back say so too.
_NULLABLE = pa.schema([f.with_nullable(True) for f in OUTPUT_SCHEMA])
_ENGINES: dict[str, Engine] = {}


def screen_arrow(
    batches: Iterator[pa.RecordBatch], index_file: str, today: date
) -> Iterator[pa.RecordBatch]:
    """The ``mapInArrow`` function: ``Engine.screen_batch`` on each batch of a partition."""
    engine = _ENGINES.get(index_file)
    if engine is None:
        _ENGINES.clear()
        engine = _ENGINES[index_file] = Engine(load_index(Path(SparkFiles.get(index_file))))
    for batch in batches:
        out = engine.screen_batch(batch, today=today)
        yield pa.RecordBatch.from_arrays(out.columns, schema=_NULLABLE)


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
    ) -> None:
        self.today, self.chunk_size = today, chunk_size
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

    def screen(self, dataset: Dataset, paths: list[str], staging: Path) -> None:
        columns = dataset.common_columns(paths)
        frame = self.spark.read.parquet(*(dataset.uri_of(p) for p in paths)).select(*columns)
        index_file, today = self.index_file, self.today
        screened = frame.mapInArrow(
            lambda batches: screen_arrow(batches, index_file, today), SPARK_SCHEMA
        )
        # Not Path.as_uri(): Hadoop would keep its %-escapes ("[" as %5B) in the directory name.
        screened.write.mode("overwrite").parquet(f"file://{staging}")

    def close(self) -> None:
        if self._owned:
            self.spark.stop()
        self._tmp.cleanup()
