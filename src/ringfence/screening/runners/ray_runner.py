"""Ray Data adapter: the partitions read by ``ray.data.read_parquet`` (any pyarrow filesystem),
``map_batches`` with ``Engine.screen_batch`` in Ray tasks, written by ``write_parquet``. The
index goes to the object store once (``ray.put``); each worker process loads it once. (Tasks,
not an actor pool: actors holding every CPU would leave none for the read tasks.) Imported only
for ``--engine ray`` (extra ``ringfence[ray]``)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, cast

import pyarrow as pa
import ray
import ray.data

from ringfence.screening.engine import OUTPUT_SCHEMA, Engine
from ringfence.screening.index import ScreeningData, dump_index, load_index
from ringfence.screening.interfaces import ImageSources
from ringfence.screening.runners.dataset import Dataset, Staging
from ringfence.screening.runners.local import DEFAULT_BATCH

_ENGINES: dict[str, Engine] = {}


def _screen(
    table: pa.Table, index: list[Any], today: date, sources: ImageSources | None = None
) -> pa.Table:
    """``Engine.screen_batch`` over a block; the engine is loaded once per worker process from
    the object store (the reference is wrapped in a list so that Ray passes it as it is)."""
    key = f"{index[0].hex()}|{sources!r}"
    engine = _ENGINES.get(key)
    if engine is None:
        _ENGINES.clear()  # one index per worker: a new run's replaces the last
        engine = _ENGINES[key] = Engine(load_index(ray.get(index[0])), sources=sources)
    outs = [engine.screen_batch(b, today=today) for b in table.to_batches()]
    return pa.Table.from_batches(outs, schema=OUTPUT_SCHEMA)


class RayPartitions:
    """Chunks of ``chunk_size`` partitions per Ray Data job (each job's output is committed
    at once). Joins the cluster at ``address`` (``auto``, ``ray://head:10001``), or starts a
    local Ray when there is none and none is running in this process."""

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
            ray.data.DataContext.get_current().enable_progress_bars = False
        self.today, self.batch_size, self.chunk_size = today, batch_size, chunk_size
        self.sources = sources
        self._index = [ray.put(dump_index(data))]  # in a list: the actors get the reference

    def screen(self, dataset: Dataset, paths: list[str], staging: Staging) -> None:
        columns = dataset.common_columns(paths)
        screened = (
            ray.data.read_parquet(paths, filesystem=dataset.fs)
            .select_columns(columns)
            .map_batches(
                cast(Any, _screen),  # takes the index and date too (fn_args)
                fn_args=(self._index, self.today, self.sources),
                batch_format="pyarrow",
                batch_size=self.batch_size,
            )
        )
        screened.write_parquet(staging.path, filesystem=staging.fs)  # workers write there

    def close(self) -> None:
        if self._owned:
            ray.shutdown()
