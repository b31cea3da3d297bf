"""Distributed batch screening: what the Ray and Spark adapters cost against the local runner,
in the same run, interleaved, on the same partitioned input.

Input: ``--rows`` listings of ``screen_throughput.generate`` (seeded; ~2% carry a mark) in
``--partitions`` Parquet files. Each engine screens the whole dataset into a fresh output
directory through ``screen_dataset`` (manifest, staging, atomic commit: the run as the CLI does
it). Measured for each engine:

- **start-up**, apart: the cluster's start (a local Ray with 2 CPUs, Spark ``local[2]``; none
  for the local runner) and a first run on one small partition (worker processes start, import
  ringfence and load the index), wall time and CPU;
- then ``--repeats`` rounds, the engines interleaved in each round: the **whole run's wall
  time** (the engine's per-run start, index shipped, inside it) and the **CPU per listing**: the
  CPU time (user + system, from ``/proc``) of this driver process plus every process of the
  engine's own tree (Ray: GCS, raylet, its agents and workers; Spark: the JVM, its Python daemon
  and workers; the local pool's workers are reaped children of the driver), over the run,
  divided by the listings. Ratio = the local runner's CPU per listing / the engine's: 1.0 means
  the engine spends no CPU beyond the engine's own work.

The machine has 2 cores shared with other work: wall-clock rates move with the load (printed),
CPU per listing much less so; the ratios measured in the same run are the figures to use.
Every engine's output is checked equal to the local runner's.

    .venv/bin/python benchmarks/scale.py [--rows 2000000] [--partitions 16] [--repeats 3]
        [--no-write]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from docs_section import publish
from ringfence.screening.index import builtin_data
from ringfence.screening.runners.dataset import read_output, screen_dataset
from ringfence.screening.runners.partitions import LocalPartitions
from screen_throughput import generate, machine, revision

TODAY = date(2026, 6, 1)
_TICK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------- CPU of process trees


def _processes() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds: user + system of its threads and reaped children)."""
    out: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                raw = handle.read().decode(errors="replace")
        except OSError:
            continue  # gone since the listing
        fields = raw[raw.rindex(")") + 2 :].split()
        # after the name: state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based
        ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
        out[int(entry)] = (int(fields[1]), ticks / _TICK)
    return out


def children() -> set[int]:
    return {pid for pid, (ppid, _) in _processes().items() if ppid == os.getpid()}


def tree_cpu(roots: set[int]) -> float:
    """CPU seconds of this process and of every process below ``roots`` (roots included)."""
    procs = _processes()
    below: dict[int, list[int]] = {}
    for pid, (ppid, _) in procs.items():
        below.setdefault(ppid, []).append(pid)
    seen, todo = set(), [os.getpid(), *roots]
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in procs:
            continue
        seen.add(pid)
        if pid != os.getpid():  # the driver's other children belong to other engines
            todo.extend(below.get(pid, []))
    return sum(procs[p][1] for p in seen)


# ---------------------------------------------------------------------- the runs


@dataclass
class Engine:
    name: str
    cores: int
    make: Callable[[], Any]
    roots: set[int] = field(default_factory=set)  # the engine's processes (children of this one)
    startup_wall: float = 0.0
    startup_cpu: float = 0.0
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return self.name.replace(" ", "_").replace(",", "").replace("[", "").replace("]", "")


def write_partitions(table: pa.Table, root: Path, partitions: int) -> None:
    size = -(-table.num_rows // partitions)
    for p in range(partitions):
        pq.write_table(table.slice(p * size, size), root / f"part-{p:04d}.parquet")


def run(engine: Engine, source: Path, out: Path, data: Any) -> tuple[float, float]:
    shutil.rmtree(out, ignore_errors=True)
    cpu, started = tree_cpu(engine.roots), time.perf_counter()
    screen_dataset(str(source), out, data=data, today=TODAY, engine=engine.make)
    return time.perf_counter() - started, tree_cpu(engine.roots) - cpu


def _rows(out: Path) -> dict[str, dict[str, Any]]:
    return {r["listing_id"]: r for r in read_output(out).to_pylist()}


def start_clusters(engines: dict[str, Engine], data: Any) -> tuple[Any, Any]:
    """Ray (2 CPUs) and Spark (``local[2]``) as a real cluster would already be running; each
    start timed and its processes noted (the children of this process it added)."""
    import ray  # noqa: PLC0415 - the benchmark's optional engines
    from pyspark.sql import SparkSession  # noqa: PLC0415

    from ringfence.screening.runners.ray_runner import RayPartitions  # noqa: PLC0415
    from ringfence.screening.runners.spark_runner import (  # noqa: PLC0415
        JVM_OPTIONS,
        SparkPartitions,
    )

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    ray_engine, spark_engine = engines["ray"], engines["spark"]
    before, cpu, started = children(), tree_cpu(set()), time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    ray_engine.roots = children() - before
    ray_engine.startup_wall = time.perf_counter() - started
    ray_engine.startup_cpu = tree_cpu(ray_engine.roots) - cpu
    before, cpu, started = children(), tree_cpu(set()), time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.driver.extraJavaOptions", JVM_OPTIONS)  # as SparkPartitions' own
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark_engine.roots = children() - before
    spark_engine.startup_wall = time.perf_counter() - started
    spark_engine.startup_cpu = tree_cpu(spark_engine.roots) - cpu
    ray_engine.make = lambda: RayPartitions(data, today=TODAY, chunk_size=1024)
    spark_engine.make = lambda: SparkPartitions(data, today=TODAY, chunk_size=1024, session=spark)
    return ray, spark


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    data = builtin_data()
    engines = {
        "local": Engine("local runner, 1 process", 1, lambda: LocalPartitions(data, today=TODAY)),
        "local2": Engine(
            "local runner, 2 processes", 2,
            lambda: LocalPartitions(data, today=TODAY, workers=2),
        ),
        "ray": Engine("Ray, 2 CPUs", 2, lambda: None),
        "spark": Engine("Spark local[2]", 2, lambda: None),
    }  # fmt: skip
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source, warm = root / "in", root / "warm"
        source.mkdir()
        warm.mkdir()
        table = generate(args.rows, data)
        write_partitions(table, source, args.partitions)
        write_partitions(table.slice(0, 20_000), warm, args.partitions)
        ray, spark = start_clusters(engines, data)
        try:
            for engine in engines.values():  # workers start, import, load the index
                wall, cpu = run(engine, warm, root / f"warm-{engine.folder}", data)
                engine.startup_wall += wall
                engine.startup_cpu += cpu
                print(f"{engine.name}: start-up {engine.startup_wall:.1f} s", flush=True)
            for _ in range(args.repeats):
                for engine in engines.values():
                    wall, cpu = run(engine, source, root / engine.folder, data)
                    engine.walls.append(wall)
                    engine.cpus.append(cpu)
                    engine.loads.append(os.getloadavg()[0])
                    print(
                        f"{engine.name}: {wall:.1f} s, CPU {cpu:.1f} s "
                        f"({cpu / args.rows * 1e6:.2f} µs a listing), load {engine.loads[-1]:.1f}",
                        flush=True,
                    )
            reference = _rows(root / engines["local"].folder)
            for engine in engines.values():
                rows = _rows(root / engine.folder)
                differ = [k for k, v in reference.items() if rows.get(k) != v]
                assert len(rows) == len(reference), engine.name
                assert not differ, (engine.name, len(differ))
        finally:
            spark.stop()
            ray.shutdown()
    load_end = os.getloadavg()[0]
    publish("scale", report(args, engines, load_start, load_end), write=not args.no_write)


def report(
    args: argparse.Namespace, engines: dict[str, Engine], load_start: float, load_end: float
) -> list[str]:
    def cpu(engine: Engine) -> float:  # µs a listing, median of the rounds
        return statistics.median(engine.cpus) / args.rows * 1e6

    def per_core(engine: Engine) -> float:  # listings/s a core, best round
        return args.rows / min(engine.walls) / engine.cores

    def ratio(base: Engine, engine: Engine) -> str:
        """The base's CPU per listing / the engine's, round by round (the engines of a round
        ran minutes apart, under about the same load): the median (range)."""
        each = sorted(b / e for b, e in zip(base.cpus, engine.cpus, strict=True))
        if len(each) == 1 or base is engine:
            return f"{statistics.median(each):.2f}"
        return f"{statistics.median(each):.2f} ({each[0]:.2f}-{each[-1]:.2f})"

    one, two = engines["local"], engines["local2"]
    loads = [x for e in engines.values() for x in e.loads]
    lines = [
        f"### Distributed batch screening (`benchmarks/scale.py`), {date.today().isoformat()}",
        "",
        f"{args.rows:,} generated listings (as `screen_throughput.py`) in {args.partitions} "
        "Parquet partitions, screened into a resumable output directory (manifest, staging, "
        "atomic commits) by each engine; output checked identical across engines. "
        f"{machine()}; {revision()}. {args.repeats} rounds, the engines interleaved in each. "
        "**Start-up apart**: the cluster's start (Ray local with 2 CPUs; Spark `local[2]`, its "
        "JVM with `-XX:TieredStopAtLevel=1`) and a first run on "
        f"{args.partitions} partitions of 20,000 "
        "listings in all (worker processes start, import ringfence, load the index; the JVM "
        "compiles its scheduling paths). **CPU** = user + system time, from `/proc`, of the "
        "driver and of every process of the engine's tree (Ray's GCS, raylet, agents and "
        "workers; Spark's JVM, Python daemon and workers; the local pool's workers) over the "
        "whole run, per listing. **The machine's 2 cores are shared with other engineers' "
        f"work** (load average {load_start:.1f} at the start, {min(loads):.1f}-{max(loads):.1f} "
        f"after the runs, {load_end:.1f} at the end): wall-clock rates move with it; the CPU "
        "per listing moves less, but moves too (the local runner's own from round to round); "
        "the figures to use are the ratios, taken round by round. Command: "
        f"`.venv/bin/python benchmarks/scale.py --rows {args.rows} --partitions "
        f"{args.partitions} --repeats {args.repeats}`.",
        "",
        "| engine | cores | start-up (cluster + first run) | whole run, best (median) | "
        "listings/s per core, best | per core vs local 1 / 2 processes | "
        "CPU per listing, median (range) | CPU vs local 1 / 2 processes, round by round: "
        "median (range) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for engine in engines.values():
        rounds = [c / args.rows * 1e6 for c in engine.cpus]
        lines.append(
            f"| {engine.name} | {engine.cores} | {engine.startup_wall:.1f} s "
            f"({engine.startup_cpu:.1f} s CPU) | {min(engine.walls):.1f} s "
            f"({statistics.median(engine.walls):.1f} s) | {per_core(engine):,.0f} | "
            f"{per_core(engine) / per_core(one):.2f} / {per_core(engine) / per_core(two):.2f} | "
            f"{cpu(engine):.2f} µs ({min(rounds):.2f}-{max(rounds):.2f}) | "
            f"{ratio(one, engine)} / {ratio(two, engine)} |"
        )
    return lines


if __name__ == "__main__":
    main()
