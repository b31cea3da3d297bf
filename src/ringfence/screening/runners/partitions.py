"""What screens the partitions of a run (``dataset.screen_dataset`` drives it): the
:class:`PartitionEngine` protocol every engine implements, the local one (this process or a
pool of worker processes), and :func:`screen_partition`, what a distributed worker (Ray's task,
Spark's Python worker) does with one partition."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Protocol

import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ringfence.screening.engine import OUTPUT_SCHEMA, Engine
from ringfence.screening.index import ScreeningData, dump_index
from ringfence.screening.interfaces import ImageSources
from ringfence.screening.runners.local import DEFAULT_BATCH, _bounded_map, _init_worker, worker_args

if TYPE_CHECKING:
    from ringfence.screening.runners.dataset import Dataset, Staging


class PartitionEngine(Protocol):
    """Screens chunks of partitions into Parquet files in a staging folder."""

    chunk_size: int  # partitions per commit

    def screen(self, dataset: Dataset, paths: list[str], staging: Staging) -> None: ...

    def close(self) -> None: ...


class LocalPartitions:
    """This process, or a pool of worker processes (``workers`` > 1): one partition per
    chunk, batch by batch, memory flat."""

    chunk_size = 1

    def __init__(
        self,
        data: ScreeningData,
        *,
        today: date,
        workers: int = 1,
        batch_size: int = DEFAULT_BATCH,
        compiled: bool = True,
        sources: ImageSources | None = None,
    ) -> None:
        self.today, self.workers, self.batch_size = today, workers, batch_size
        self._engine = Engine(data, compiled=compiled, sources=sources) if workers <= 1 else None
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                initializer=_init_worker,
                initargs=worker_args(dump_index(data), compiled, sources),
            )

    def screen(self, dataset: Dataset, paths: list[str], staging: Staging) -> None:
        staging.fs.create_dir(staging.path, recursive=True)
        for n, path in enumerate(paths):
            batches = dataset.batches(path, self.batch_size)
            if self._pool is not None:
                results = _bounded_map(self._pool, batches, self.today, 2 * self.workers)
            else:
                engine = self._engine
                assert engine is not None
                results = (engine.screen_batch(b, today=self.today) for b in batches)
            out = f"{staging.path}/{n:04d}.parquet"
            with pq.ParquetWriter(out, OUTPUT_SCHEMA, filesystem=staging.fs) as writer:
                for out in results:
                    writer.write_batch(out)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def screen_partition(
    engine: Engine,
    source: pafs.FileSystem,
    path: str,
    columns: list[str],
    target: pafs.FileSystem,
    out: str,
    *,
    batch_size: int,
    today: date,
) -> int:
    """What a distributed worker does with one partition, as the local engine does it: read
    its record batches, screen each, and write the verdicts to ``out`` itself (no rows travel
    back to the driver). Returns the rows written."""
    rows = 0
    with (
        source.open_input_file(path) as handle,
        pq.ParquetWriter(out, OUTPUT_SCHEMA, filesystem=target) as writer,
    ):
        for batch in pq.ParquetFile(handle).iter_batches(batch_size, columns=columns):
            writer.write_batch(engine.screen_batch(batch, today=today))
            rows += batch.num_rows
    return rows
