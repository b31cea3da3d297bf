"""POST /v1/screen under load (issue 21): listings per second, and listings per second of the
server's own CPU (one core), for batches of 100 listings over 8 connections.

One `ringfence serve` (SQLite, demo data; tests/web/served.py, the load tests' launcher and
client). The listings are ordinary titles with 1 in 100 naming an Olympic property, the share a
marketplace feed has. Baselines in the same run, interleaved with the measured points:
- GET /healthz on the same server and connections (requests/s: the floor of any request);
- the same listings screened in this process by `screening.rows.screen_rows` (the function
  the route calls), as listings per CPU second: what the engine costs without HTTP and JSON.
`per server core` is listings over the server process's CPU seconds (Linux /proc), which the
load client's cost does not enter; the target (issue 21) is >= 50,000 listings/s per core. On
a shared machine the wall-clock rates follow the other work; the per-core figures much less
(each round's is reported, with the load average before and after).

    .venv/bin/python benchmarks/http_screen.py [--requests 400] [--rounds 3] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' launcher and client

import httpx2 as httpx
from tests.web.served import LOAD_KEEP_ALIVE, load, served

from docs_section import publish
from harness import cpu_seconds
from ringfence.screening.engine import Engine
from ringfence.screening.rows import screen_rows

BATCH = 100
CONNECTIONS = 8
TARGET_PER_CORE = 50_000
WORDS = [
    "cotton",
    "hoodie",
    "running",
    "shoes",
    "blue",
    "red",
    "black",
    "kitchen",
    "knife",
    "set",
    "phone",
    "case",
    "leather",
    "wallet",
    "usb",
    "cable",
    "desk",
    "lamp",
    "wireless",
    "earbuds",
    "yoga",
    "mat",
    "water",
    "bottle",
    "kids",
    "backpack",
    "ceramic",
    "mug",
    "wool",
    "scarf",
    "garden",
    "hose",
    "cordless",
    "drill",
    "rain",
    "jacket",
]


def listings(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        title = " ".join(rng.choices(WORDS, k=rng.randint(3, 8)))
        if i % 100 == 0:
            title = f"Olympic rings {title}"
        out.append(
            {
                "listing_id": f"L{seed}-{i}",
                "seller_id": f"SELLER:s{i % 50}",
                "title": title,
                "category": "apparel",
                "price": round(rng.uniform(3, 200), 2),
                "currency": "EUR",
                "ship_to": ["FR", "DE"],
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=400, help="per point and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    bodies = [
        {"on": "2026-06-01", "listings": listings(BATCH, seed)} for seed in range(args.requests)
    ]
    engine = Engine.builtin()
    rates: dict[str, list[float]] = {}
    start = time.perf_counter()
    load_before = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory() as tmp,
        served("sqlite", Path(tmp), keep_alive_seconds=LOAD_KEEP_ALIVE) as server,
    ):
        headers = {"Authorization": f"Bearer {server.keys['marketplace']}"}
        pid = server.process.pid

        async def healthz(client: httpx.AsyncClient, _i: int) -> Any:
            return await client.get("/healthz")

        async def screen(client: httpx.AsyncClient, i: int) -> Any:
            return await client.post("/v1/screen", json=bodies[i], headers=headers)

        def over_http(request: Any, unit: int) -> tuple[float, float]:
            cpu = cpu_seconds([pid])[pid]
            began = time.perf_counter()
            statuses = asyncio.run(
                load(server.base, request, connections=CONNECTIONS, requests=args.requests)
            )
            elapsed = time.perf_counter() - began
            assert statuses == {200: args.requests}, statuses
            return args.requests * unit / elapsed, args.requests * unit / (
                cpu_seconds([pid])[pid] - cpu
            )

        def in_process() -> float:
            began = time.process_time()
            for body in bodies:
                screen_rows(engine, body["listings"], today=date(2026, 6, 1))
            return args.requests * BATCH / (time.process_time() - began)

        over_http(screen, BATCH)  # warm-up: imports, the index, the kernel
        in_process()
        for round_ in range(args.rounds):
            for name, run in (
                ("healthz", lambda: over_http(healthz, 1)),
                ("screen", lambda: over_http(screen, BATCH)),
                ("in_process", lambda: (in_process(), 0.0)),
            ):
                rate, per_core = run()
                rates.setdefault(name, []).append(rate)
                rates.setdefault(f"{name}_core", []).append(per_core)
                print(
                    f"round {round_ + 1} {name}: {rate:,.0f}/s, {per_core:,.0f}/s per server core"
                )
    median = {k: statistics.median(v) for k, v in rates.items()}
    today = datetime.now(UTC).date().isoformat()
    rounds = ", ".join(f"{r:,.0f}" for r in rates["screen_core"])
    screen_ms = BATCH / median["screen_core"] * 1000
    floor_ms = 1000 / median["healthz_core"]
    rest_ms = screen_ms - floor_ms - BATCH / median["in_process"] * 1000
    lines = [
        f"## POST /v1/screen under load (`benchmarks/http_screen.py`), {today}",
        "",
        f"One `ringfence serve` process (SQLite, demo data) on loopback; {args.requests} "
        f"requests of {BATCH} listings per point (1 in 100 names an Olympic property), "
        f"{CONNECTIONS} connections, {args.rounds} interleaved rounds, medians. Load client: "
        f"Python httpx/asyncio on the same machine ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}; load average "
        f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after, other work "
        f"included). Whole run {(time.perf_counter() - start) / 60:.1f} min. Command: "
        f"`.venv/bin/python benchmarks/http_screen.py --requests {args.requests} "
        f"--rounds {args.rounds}`.",
        "",
        "| measure | figure |",
        "|---|---:|",
        f"| POST /v1/screen, listings/s (whole machine) | {median['screen']:,.0f} |",
        f"| POST /v1/screen, listings/s per server core | **{median['screen_core']:,.0f}** |",
        f"| the same, each round | {rounds} |",
        f"| GET /healthz, requests/s, same connections (floor) | {median['healthz']:,.0f} |",
        f"| `screen_rows` in process, listings per CPU second (baseline) | "
        f"{median['in_process']:,.0f} |",
        f"| server CPU per request, POST /v1/screen (ms) | {screen_ms:.2f} |",
        f"| server CPU per request, GET /healthz (ms, the framework's floor) | {floor_ms:.2f} |",
        "",
        f"- Of the {screen_ms:.2f} ms of server CPU a screening request costs, "
        f"{floor_ms:.2f} ms is what any request costs this server (uvicorn, middleware, "
        f"routing: /healthz) and {BATCH / median['in_process'] * 1000:.2f} ms screening its "
        f"{BATCH} listings in process; the rest, {rest_ms:.2f} ms, is the request's body, "
        "its validation, the key and the answer.",
        f"- Per server core against the target of {TARGET_PER_CORE:,}: "
        f"{median['screen_core'] / TARGET_PER_CORE:.2f}x; against the engine in process "
        f"(the same function without HTTP and JSON): "
        f"{median['screen_core'] / median['in_process']:.2f}x.",
        f"- Requests of {BATCH} listings against /healthz requests: "
        f"{median['screen'] / BATCH / median['healthz']:.2f}x in requests/s, "
        f"{median['screen_core'] / BATCH / median['healthz_core']:.2f}x in requests per "
        "server CPU second.",
    ]
    publish("http_screen", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
