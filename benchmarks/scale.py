"""Distributed batch screening: per-core throughput of the Ray Data and Spark adapters against
the local runner, in the same run, on the same partitioned input.

Input: ``--rows`` listings of ``screen_throughput.generate`` (seeded; ~2% carry a mark) in
``--partitions`` Parquet files. Each engine screens the whole dataset into a fresh output
directory through ``screen_dataset`` (manifest, staging, atomic commit: the run as the CLI does
it); the cluster (a local Ray with 2 CPUs, Spark ``local[2]``) is started before the clock, as
a real cluster would already be running, while each run's engine start (index shipped and
loaded on the workers) is timed. Per core = listings/s divided by the cores the engine used.
Every engine's output is checked equal to the local runner's. Best of ``--repeats``.

The machine has 2 cores shared with other work: the ratios to the local runner measured in the
same run are the figures to use; absolute rates move with the load.

    .venv/bin/python benchmarks/scale.py [--rows 400000] [--partitions 16] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import ray
from pyspark.sql import SparkSession

from docs_section import publish
from ringfence.screening.index import builtin_data
from ringfence.screening.runners.dataset import LocalPartitions, read_output, screen_dataset
from ringfence.screening.runners.ray_runner import RayPartitions
from ringfence.screening.runners.spark_runner import SparkPartitions
from screen_throughput import generate, machine, revision

TODAY = date(2026, 6, 1)


def write_partitions(table: pa.Table, root: Path, partitions: int) -> None:
    size = -(-table.num_rows // partitions)
    for p in range(partitions):
        pq.write_table(table.slice(p * size, size), root / f"part-{p:04d}.parquet")


def timed(source: Path, out: Path, make: Callable[[], Any], data: Any) -> float:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    screen_dataset(str(source), out, data=data, today=TODAY, engine=make)
    return time.perf_counter() - started


def _rows(out: Path) -> dict[str, dict[str, Any]]:
    return {r["listing_id"]: r for r in read_output(out).to_pylist()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    data = builtin_data()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "in"
        source.mkdir()
        write_partitions(generate(args.rows, data), source, args.partitions)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        ray.data.DataContext.get_current().enable_progress_bars = False
        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        engines: dict[str, tuple[int, Callable[[], Any]]] = {
            "local runner, 1 process": (1, lambda: LocalPartitions(data, today=TODAY)),
            "local runner, 2 processes": (
                2, lambda: LocalPartitions(data, today=TODAY, workers=2)
            ),
            "Ray Data, 2 CPUs": (2, lambda: RayPartitions(data, today=TODAY, chunk_size=1024)),
            "Spark local[2]": (
                2, lambda: SparkPartitions(data, today=TODAY, chunk_size=1024, session=spark)
            ),
        }  # fmt: skip
        best: dict[str, float] = {}
        for _ in range(args.repeats):
            for name, (_cores, make) in engines.items():
                seconds = timed(source, root / name.replace(" ", "_"), make, data)
                best[name] = min(best.get(name, seconds), seconds)
                print(f"{name}: {seconds:.1f} s", flush=True)
        reference = _rows(root / "local_runner,_1_process")
        for name in engines:
            rows = _rows(root / name.replace(" ", "_"))
            differ = [k for k, v in reference.items() if rows.get(k) != v]
            assert len(rows) == len(reference), name
            assert not differ, (name, len(differ), reference[differ[0]], rows.get(differ[0]))
        spark.stop()
        ray.shutdown()
    base = args.rows / best["local runner, 1 process"]
    lines = [
        f"### Distributed batch screening (`benchmarks/scale.py`), {date.today().isoformat()}",
        "",
        f"{args.rows:,} generated listings (as `screen_throughput.py`) in {args.partitions} "
        f"Parquet partitions, screened into a resumable output directory (manifest, staging, "
        f"atomic commits) by each engine; output checked identical across engines. "
        f"{machine()}; {revision()}. Best of {args.repeats}. **The machine's 2 cores are "
        "shared with other engineers' work while this runs: read the ratios, measured in the "
        "same run, not the absolute rates.** Clusters started before the clock (Ray local, "
        "2 CPUs; Spark `local[2]`); each run's engine start (index shipped to and loaded by "
        "the workers) is timed. Command: `.venv/bin/python benchmarks/scale.py "
        f"--rows {args.rows} --partitions {args.partitions} --repeats {args.repeats}`.",
        "",
        "| engine | cores | listings/s | listings/s per core | per core vs local runner |",
        "|---|---|---|---|---|",
    ]
    for name, (cores, _make) in engines.items():
        rate = args.rows / best[name]
        lines.append(
            f"| {name} | {cores} | {rate:,.0f} | {rate / cores:,.0f} | {rate / cores / base:.2f} |"
        )
    publish("scale", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
