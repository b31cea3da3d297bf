"""The API under concurrent load past its database connection pool (issue 18, r0): requests per
second, p50/p99 latency and non-200 answers at 8, 15, 64 and 256 concurrent connections.

One `ringfence serve` (one uvicorn process, the defaults: SQLAlchemy pool of 5 + 10 overflow =
15 connections, 500 concurrent requests before 503) per backend, on loopback, over a fresh
database with the demo data (tests/web/served.py, the load tests' own launcher and client).
SQLite always; PostgreSQL when RINGFENCE_TEST_DATABASE_URL (or --postgres) is set. Routes:
- POST /v1/authorize (a read through POST), GET /v1/parties/NOC:NED (a read);
- PUT /v1/shop/offers/{id}/stock (a write; every request writes the same row);
- GET /healthz, the same server's floor, measured in the same rounds.
Every point is a fixed number of requests (bounded: no point runs for a set time). The points
are interleaved (each round visits every concurrency and route in turn) and repeated; the
figures are the median of the rounds, the spread their min-max. The load client is Python
(httpx, asyncio) in this process, on the same machine: the ratios are what to read (each
route's rate at 64 and 256 connections against its rate at 8, and against /healthz at the same
concurrency), not the absolute figures.

    .venv/bin/python benchmarks/http_load.py [--requests 800] [--rounds 2] [--postgres URL]
                                             [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' launcher and client

import httpx2 as httpx
from tests.web.served import LOAD_KEEP_ALIVE, Request, Served, database_routes, load, served

from docs_section import publish
from harness import cpu_seconds

CONNECTIONS = [8, 15, 64, 256]
POOL = 15  # SQLAlchemy's QueuePool default: pool_size 5 + max_overflow 10
LOG_ERRORS = ("Traceback", "QueuePool limit", "database is locked")


def routes(server: Served) -> dict[str, Request]:
    async def healthz(client: httpx.AsyncClient, _i: int) -> Any:
        return await client.get("/healthz")

    return {"GET /healthz (floor)": healthz, **database_routes(server)}


@dataclass(frozen=True)
class Run:
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    non_200: int
    server_cpu_ms: float  # the server process's CPU time per request
    statuses: Counter[int | str]


def measure(server: Served, request: Request, connections: int, requests: int) -> Run:
    latencies: list[float] = []
    pid = server.process.pid
    cpu = cpu_seconds([pid])[pid]
    start = time.perf_counter()
    statuses = asyncio.run(
        load(server.base, request, connections=connections, requests=requests, latencies=latencies)
    )
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds([pid])[pid] - cpu
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Run(
        requests / elapsed,
        cuts[49] * 1000,
        cuts[98] * 1000,
        requests - statuses[200],
        cpu * 1000 / requests,
        statuses,
    )


@dataclass(frozen=True)
class Point:
    runs: list[Run]

    @property
    def rate(self) -> float:
        return statistics.median(r.rate for r in self.runs)

    @property
    def spread(self) -> str:
        rates = [r.rate for r in self.runs]
        return f"{min(rates):,.0f}-{max(rates):,.0f}"

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.runs)

    @property
    def server_cpu_ms(self) -> float:
        return statistics.median(r.server_cpu_ms for r in self.runs)

    @property
    def non_200(self) -> int:
        return sum(r.non_200 for r in self.runs)


def bench_backend(
    backend: str, tmp: Path, requests: int, rounds: int, progress: Callable[[str], None]
) -> tuple[dict[tuple[str, int], Point], list[str]]:
    runs: dict[tuple[str, int], list[Run]] = {}
    with served(backend, tmp, keep_alive_seconds=LOAD_KEEP_ALIVE) as server:
        table = routes(server)
        for request in table.values():  # warm-up: imports, caches, pool, the index
            measure(server, request, 8, min(requests, 200))
        for round_ in range(rounds):
            for connections in CONNECTIONS:
                for name, request in table.items():
                    run = measure(server, request, connections, requests)
                    runs.setdefault((name, connections), []).append(run)
                    progress(
                        f"{backend} round {round_ + 1} {connections:>3} {name}: "
                        f"{run.rate:,.0f}/s p99 {run.p99_ms:,.0f} ms "
                        f"server {run.server_cpu_ms:.2f} ms CPU/req {dict(run.statuses)}"
                    )
        log = server.log.read_text(errors="replace")
    found = [f"{word!r} x{log.count(word)}" for word in LOG_ERRORS if word in log]
    return {key: Point(value) for key, value in runs.items()}, found


def past_pool(points: dict[tuple[str, int], Point], route: str) -> list[float]:
    """The route's rate at each concurrency past the pool size, against its rate at 8."""
    at_8 = points[(route, CONNECTIONS[0])].rate
    return [points[(route, c)].rate / at_8 for c in CONNECTIONS if c > POOL]


def section(
    results: dict[str, tuple[dict[tuple[str, int], Point], list[str]]],
    requests: int,
    rounds: int,
    seconds: float,
) -> list[str]:
    today = datetime.now(UTC).date().isoformat()
    lines = [
        f"## HTTP load past the connection pool (`benchmarks/http_load.py`), {today}",
        "",
        f"One `ringfence serve` process per backend on loopback (defaults: database pool "
        f"{POOL} connections, 500 concurrent requests before 503), demo data; {requests:,} "
        f"requests per point, {rounds} interleaved rounds, median shown (spread: min-max of "
        f"the rounds' rates; non-200: all rounds). Load client: Python httpx/asyncio in one "
        f"process on the same machine ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}; load average "
        f"{os.getloadavg()[0]:.1f} at the end of the run, other work included): absolute "
        f"rates are noisy, the ratios within a run are what to read. Whole run "
        f"{seconds / 60:.1f} min. Command: "
        "`.venv/bin/python benchmarks/http_load.py` (PostgreSQL from `--postgres` or "
        "RINGFENCE_TEST_DATABASE_URL).",
        "",
        "Columns: `x@8` is the route's rate against its own rate at 8 connections (the claim, "
        "issue 18 r0: flat or rising past the pool size, i.e. about 1.0 or more at 64 and 256); "
        "`/healthz` is the route's rate against the same server's /healthz at the same "
        "concurrency (both pay the same client and connection costs); `server CPU ms/req` is "
        "the server process's own CPU time per request (Linux /proc), which the client's "
        "cost does not enter. At 256 connections a point is only a few requests per "
        "connection, so connection set-up is in the time: read it against /healthz.",
    ]
    verdicts = []
    for backend, (points, found) in results.items():
        names = list(dict.fromkeys(name for name, _ in points))
        lines += [
            "",
            f"### {backend}",
            "",
            "| route | conns | req/s | spread | p50 ms | p99 ms | non-200 | x@8 | /healthz "
            "| server CPU ms/req |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name in names:
            base = points[(name, CONNECTIONS[0])].rate
            for connections in CONNECTIONS:
                p = points[(name, connections)]
                floor = points[(names[0], connections)].rate
                lines.append(
                    f"| {name if connections == CONNECTIONS[0] else ''} | {connections} | "
                    f"{p.rate:,.0f} | {p.spread} | {p.p50_ms:,.1f} | {p.p99_ms:,.0f} | "
                    f"{p.non_200} | {p.rate / base:.2f} | {p.rate / floor:.2f} | "
                    f"{p.server_cpu_ms:.2f} |"
                )
        routes_past = [x for name in names[1:] for x in past_pool(points, name)]
        cpu = [
            points[(name, CONNECTIONS[-1])].server_cpu_ms
            / points[(name, CONNECTIONS[0])].server_cpu_ms
            for name in names[1:]
        ]
        floor_past = past_pool(points, names[0])
        failures = sum(p.non_200 for p in points.values())
        verdicts.append(
            f"- {backend}: past the pool size (64 and 256 connections) the database routes ran "
            f"at {min(routes_past):.2f}-{max(routes_past):.2f}x their rate at 8 connections, "
            f"/healthz (no database) at {min(floor_past):.2f}-{max(floor_past):.2f}x; "
            f"server CPU per request at {CONNECTIONS[-1]} against 8 connections: "
            f"{min(cpu):.2f}-{max(cpu):.2f}x; {failures} non-200 answers in "
            f"{len(points) * rounds * requests:,} requests; server log: "
            + (", ".join(found) if found else "no tracebacks, pool timeouts or locked database")
            + "."
        )
    return [*lines, "", *verdicts]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", default=os.environ.get("RINGFENCE_TEST_DATABASE_URL"))
    parser.add_argument("--requests", type=int, default=800, help="per point and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.postgres:
        os.environ["RINGFENCE_TEST_DATABASE_URL"] = args.postgres  # served() reads it
    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    start = time.perf_counter()
    results = {}
    with tempfile.TemporaryDirectory() as tmp_dir:
        for backend in backends:
            tmp = Path(tmp_dir) / backend
            tmp.mkdir()
            results[backend] = bench_backend(
                backend, tmp, args.requests, args.rounds, lambda line: print(line, flush=True)
            )
    lines = section(results, args.requests, args.rounds, time.perf_counter() - start)
    publish("http_load", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
