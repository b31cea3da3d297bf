"""Ray Data adapter: the partitions read by ``ray.data.read_parquet`` (any pyarrow filesystem),
``map_batches`` with ``Engine.screen_batch`` in a pool of actors, written by
``write_parquet``. The index goes to the object store once (``ray.put``); each actor loads it
when it starts. Imported only for ``--engine ray`` (extra ``ringfence[ray]``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from ringfence.screening.engine import OUTPUT_SCHEMA, Engine
from ringfence.screening.index import ScreeningData, dump_index, load_index
from ringfence.screening.runners.dataset import Dataset, missing_extra
from ringfence.screening.runners.local import DEFAULT_BATCH

try:
    import ray
    import ray.data
except ImportError:  # the extra is not installed
    ray = None


_ENGINES: dict[str, Engine] = {}


def _screen(table: pa.Table, index: list[Any], today: date) -> pa.Table:
    """``Engine.screen_batch`` over a block; the engine is loaded once per worker process from
    the object store (the reference is wrapped in a list so that Ray passes it as it is)."""
    assert ray is not None
    key = index[0].hex()
    engine = _ENGINES.get(key)
    if engine is None:
        _ENGINES.clear()  # one index per worker: a new run's replaces the last
        engine = _ENGINES[key] = Engine(load_index(ray.get(index[0])))
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
    ) -> None:
        if ray is None:
            raise missing_extra("ray")
        self._owned = not ray.is_initialized()
        if self._owned:
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                logging_level="WARNING",
            )
            ray.data.DataContext.get_current().enable_progress_bars = False
        self.today, self.batch_size, self.chunk_size = today, batch_size, chunk_size
        self._index = [ray.put(dump_index(data))]  # in a list: the actors get the reference

    def screen(self, dataset: Dataset, paths: list[str], staging: Path) -> None:
        assert ray is not None
        columns = dataset.columns(paths[0])
        for path in paths[1:]:
            if dataset.columns(path) != columns:  # checks every footer before the job starts
                raise _schema_differs(dataset, paths[0], path)
        screened = ray.data.read_parquet(
            paths, filesystem=dataset.fs, columns=columns
        ).map_batches(
            _screen,
            fn_args=(self._index, self.today),
            batch_format="pyarrow",
            batch_size=self.batch_size,
        )
        screened.write_parquet(str(staging))

    def close(self) -> None:
        if self._owned and ray is not None:
            ray.shutdown()


def _schema_differs(dataset: Dataset, first: str, other: str) -> Exception:
    from ringfence.core.errors import InvalidInput

    return InvalidInput(
        f"{dataset.uri}: {dataset.name(other)} has other columns than {dataset.name(first)}",
        code="schema_mismatch",
    )
