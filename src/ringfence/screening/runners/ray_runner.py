"""Ray adapter: one Ray task per input partition, which reads the partition, applies
``Engine.screen_batch`` to its record batches and writes the verdicts into the chunk's staging
folder itself (any pyarrow filesystem: a shared directory, an object store). Nothing but the
row count comes back to the driver, and no rows go through Ray's object store.

The index goes to the object store once per run (``ray.put``, about 300 KB); each worker process
builds the engine once per index content and keeps it for the next tasks and runs (Ray reuses
its worker processes). Why not Ray Data (``read_parquet`` -> ``map_batches`` ->
``write_parquet``): measured on 2 cores (docs/benchmarks.md, "Distributed batch screening"), its
read, block and write operators cost as much CPU again as the screening itself; the engine's
work is a map over whole files, which plain tasks do with nothing in between. (Tasks, not an
actor pool: a task per partition balances the load, and the worker keeps the engine anyway.)
Imported only for ``--engine ray`` (extra ``ringfence[ray]``)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pyarrow.fs as pafs
import ray

from ringfence.screening.engine import Engine
from ringfence.screening.index import ScreeningData, content_version, dump_index, load_index
from ringfence.screening.interfaces import ImageSources
from ringfence.screening.runners.dataset import Dataset, Staging
from ringfence.screening.runners.local import DEFAULT_BATCH
from ringfence.screening.runners.partitions import screen_partition

_ENGINES: dict[str, Engine] = {}


def _engine(version: str, index: list[Any], sources: ImageSources | None) -> Engine:
    """The worker's engine for this index content, built once (the reference is wrapped in a
    list so that Ray passes it as it is, and only a worker without the engine fetches it)."""
    key = f"{version}|{sources!r}"
    engine = _ENGINES.get(key)
    if engine is None:
        _ENGINES.clear()  # one index per worker: a new one replaces the last
        engine = _ENGINES[key] = Engine(load_index(ray.get(index[0])), sources=sources)
    return engine


@ray.remote(num_cpus=1)
def _screen_partition(
    job: tuple[str, list[Any], ImageSources | None, date, int, list[str]],
    source: pafs.FileSystem,
    path: str,
    target: pafs.FileSystem,
    out: str,
) -> int:
    version, index, sources, today, batch_size, columns = job
    engine = _engine(version, index, sources)
    return screen_partition(
        engine, source, path, columns, target, out, batch_size=batch_size, today=today
    )


class RayPartitions:
    """Chunks of ``chunk_size`` partitions per commit, one Ray task each. Joins the cluster at
    ``address`` (``auto``, ``ray://head:10001``), or starts a local Ray when there is none and
    none is running in this process."""

    def __init__(
        self,
        data: ScreeningData,
        *,
        today: date,
        address: str | None = None,
        batch_size: int = DEFAULT_BATCH,
        chunk_size: int = 64,
        sources: ImageSources | None = None,
    ) -> None:
        self._owned = not ray.is_initialized()
        if self._owned:
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        self.today, self.batch_size, self.chunk_size = today, batch_size, chunk_size
        self.sources = sources
        self._version = content_version(data)
        self._index = [ray.put(dump_index(data))]  # in a list: the tasks get the reference

    def screen(self, dataset: Dataset, paths: list[str], staging: Staging) -> None:
        columns = dataset.common_columns(paths)
        staging.fs.create_dir(staging.path, recursive=True)
        job = (self._version, self._index, self.sources, self.today, self.batch_size, columns)
        task: Any = _screen_partition
        written = ray.get(
            [
                task.remote(job, dataset.fs, path, staging.fs, f"{staging.path}/{n:04d}.parquet")
                for n, path in enumerate(paths)
            ]
        )
        if len(written) != len(paths):
            raise OSError(f"{len(written)} files written for {len(paths)} partitions")

    def close(self) -> None:
        if self._owned:
            ray.shutdown()
