"""The streaming worker: events/s through one `ringfence worker` process, and the latency from
publish to verdict at a steady load below that rate.

Set-up: a throwaway SQLite database (the tests') with the built-in registry, NATS JetStream at
``--nats`` (subjects under a fresh prefix, streams deleted afterwards), one `ringfence worker`
subprocess with the built-in index. Events: ``screen_throughput.generate`` listings (~2% carry
a mark, so about 2% open an enforcement case), one ``created`` event each.

1. Throughput: ``--backlog`` events published at once; the worker's rate is the events between
   its first and its last verdict over that time (as a verdict subscriber sees them).
2. Latency: ``--rate`` events/s (default: a third of the measured throughput) for
   ``--seconds``; for each verdict, receipt time minus the ``published_at`` its event carried
   (same machine, same clock); p50 and p99.

Baseline in the same run: a relay (``python benchmarks/streaming.py --relay URL PREFIX``, run
by the benchmark) on the same broker code (``NatsBroker``: the same fetch of 256, publish,
acknowledge) that answers each event with a fixed verdict event carrying its ``published_at``,
without parsing, screening or a database. Relay and worker runs alternate, ``--rounds`` each;
the figures are medians, and the worker's against the relay's is the ratio to read.

The machine has 2 cores shared with other engineers' work (and the worker shares them with the
publisher, the subscriber and NATS): figures are indicative of one worker process on one core.

    .venv/bin/python benchmarks/streaming.py [--backlog 10000] [--seconds 10] [--rounds 2]
                                             [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import nats
import nats.js.errors

from docs_section import publish
from harness import cpu_seconds, throwaway_database
from ringfence.core.migrate import upgrade
from ringfence.screening.index import builtin_data
from ringfence.streaming.interfaces import Delivery, Subjects
from ringfence.streaming.nats_broker import NatsBroker
from screen_throughput import generate, machine, revision

RINGFENCE = str(Path(sys.executable).with_name("ringfence"))
PROFILE = os.environ.get("STREAMING_PROFILE")  # a cProfile output file for the worker process


def events(n: int, mkt: str) -> list[dict[str, Any]]:
    table = generate(n, builtin_data())
    keep = ["seller_id", "title", "description", "category", "price", "currency", "ship_to"]
    rows = table.select([c for c in keep if c in table.column_names]).to_pylist()
    return [
        {"type": "created", "marketplace": mkt, "listing_id": f"B{i}", "version": "1",
         "listing": {k: v for k, v in row.items() if v is not None}}
        for i, row in enumerate(rows)
    ]  # fmt: skip


class Verdicts:
    """A subscriber on the verdict subject: arrival times and publish-to-verdict latencies."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.latencies: list[float] = []

    async def on(self, msg: Any) -> None:
        now = time.time()
        self.arrivals.append(now)
        sent = json.loads(msg.data).get("published_at")
        if sent is not None:
            self.latencies.append(now - sent)

    async def wait(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.arrivals) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)


async def relay(url: str, prefix: str) -> None:
    """The baseline: the worker's broker code, each event answered with a fixed verdict."""
    subjects = Subjects(prefix)
    broker = await NatsBroker.connect(url, subjects)

    async def settle(delivery: Delivery) -> None:  # as Worker._settle: publish, then ack
        sent = json.loads(delivery.data).get("published_at")
        answer = json.dumps({"verdict": "clean", "published_at": sent}).encode()
        await broker.publish(subjects.verdicts, answer)
        await delivery.ack()

    while True:
        deliveries = await broker.fetch(256, 0.5)
        await asyncio.gather(*(settle(d) for d in deliveries))


async def bench(
    url: str, db: str, backlog: int, seconds: float, rate: float | None, kind: str
) -> dict[str, Any]:
    subjects = Subjects(f"bench-{uuid.uuid4().hex[:8]}")
    mkt = f"MKT:{subjects.prefix}"
    env = os.environ | {"RINGFENCE_DATABASE_URL": db, "RINGFENCE_LOG_LEVEL": "WARNING"}
    nc = await nats.connect(url)
    js = nc.jetstream()
    profile = ["-m", "cProfile", "-o", PROFILE] if PROFILE and kind == "worker" else []
    command = (
        [
            sys.executable,
            *profile,
            RINGFENCE,
            "worker",
            "--broker-url",
            url,
            "--prefix",
            subjects.prefix,
        ]
        if kind == "worker"
        else [sys.executable, __file__, "--relay", url, subjects.prefix]
    )
    worker = subprocess.Popen(  # noqa: S603 - our own command
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(200):  # the worker creates the streams
            try:
                await js.stream_info(subjects.stream("verdicts"))
                break
            except nats.js.errors.NotFoundError:
                await asyncio.sleep(0.1)
        seen = Verdicts()
        await nc.subscribe(subjects.verdicts, cb=seen.on)
        bodies = events(backlog, mkt)
        pids = [worker.pid, *nats_pids()]
        cpu_before = cpu_seconds(pids)
        for body in bodies:
            body["published_at"] = time.time()
        for start in range(0, backlog, 1000):
            await asyncio.gather(*(js.publish(subjects.listings, json.dumps(b).encode())
                                   for b in bodies[start : start + 1000]))  # fmt: skip
        await seen.wait(backlog, timeout=600)
        cpu_after = cpu_seconds(pids)
        done = len(seen.arrivals)
        own = cpu_after.get(worker.pid, 0.0) - cpu_before.get(worker.pid, 0.0)
        broker_cpu = sum(cpu_after.get(p, 0.0) - cpu_before.get(p, 0.0) for p in pids[1:])
        throughput = (done - 1) / (seen.arrivals[-1] - seen.arrivals[0]) if done > 1 else 0.0
        steady = rate or max(1.0, throughput / 3)
        seen.arrivals.clear()
        seen.latencies.clear()
        steady_bodies = events(int(steady * seconds), mkt + "-steady")
        started = time.monotonic()
        for i, body in enumerate(steady_bodies):
            due = started + i / steady
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            body["published_at"] = time.time()
            await js.publish(subjects.listings, json.dumps(body).encode())
        await seen.wait(len(steady_bodies), timeout=120)
        lat = sorted(seen.latencies)
        return {
            "backlog": backlog, "done": done, "throughput": throughput, "rate": steady,
            "cpu_us": own / max(done, 1) * 1e6, "nats_cpu_us": broker_cpu / max(done, 1) * 1e6,
            "sent": len(steady_bodies), "received": len(lat),
            "p50": statistics.median(lat) * 1000 if lat else float("nan"),
            "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan"),
        }  # fmt: skip
    finally:
        worker.terminate()
        worker.wait(30)
        for what in ("listings", "verdicts", "dead"):
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await js.delete_stream(subjects.stream(what))
        await nc.close()


def nats_pids() -> list[int]:
    """The nats-server processes on this machine (their CPU per event is reported)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if stat.read_text().strip() == "nats-server":
                found.append(int(stat.parent.name))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=None, help="steady events/s")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--relay", nargs=2, metavar=("URL", "PREFIX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.relay:
        asyncio.run(relay(*args.relay))
        return
    with tempfile.TemporaryDirectory() as tmp, throwaway_database("sqlite", Path(tmp)) as db:
        upgrade(db)
        subprocess.run([RINGFENCE, "registry", "builtin"], check=True, capture_output=True,  # noqa: S603
                       env=os.environ | {"RINGFENCE_DATABASE_URL": db})  # fmt: skip
        runs: dict[str, list[dict[str, Any]]] = {"relay": [], "worker": []}
        for round_ in range(args.rounds):
            for kind, done in runs.items():
                r = asyncio.run(bench(args.nats, db, args.backlog, args.seconds, args.rate, kind))
                done.append(r)
                print(f"round {round_ + 1} {kind}: {r['throughput']:,.0f} events/s, "
                      f"p50 {r['p50']:,.1f} ms, p99 {r['p99']:,.1f} ms at {r['rate']:,.0f}/s; "
                      f"CPU {r['cpu_us']:,.0f} us/event (NATS {r['nats_cpu_us']:,.0f})",
                      flush=True)  # fmt: skip
    m = {
        kind: {
            k: statistics.median(r[k] for r in rs)
            for k in ("throughput", "p50", "p99", "rate", "cpu_us", "nats_cpu_us")
        }
        for kind, rs in runs.items()
    }
    w, b = m["worker"], m["relay"]
    lines = [
        f"### Streaming worker (`benchmarks/streaming.py`), {date.today().isoformat()}",
        "",
        f"One `ringfence worker` process (batches of 256, SQLite, built-in index) on NATS "
        f"JetStream 127.0.0.1:4222; generated listings (~2% carry a mark and open a case). "
        f"Baseline: the same broker code relaying each event to a fixed verdict, without "
        f"screening or a database, in the same run; {args.rounds} rounds each, alternating, "
        f"medians; backlog {args.backlog:,} events; steady load at a third of each one's "
        f"throughput for {args.seconds:.0f} s. {machine()}; {revision()}; load average "
        f"{os.getloadavg()[0]:.1f} at the end. **2 cores shared by the worker, the publisher, "
        "the subscriber, NATS and other engineers' work: read the ratio.**",
        "",
        "| measure | worker | relay (baseline) | worker / relay |",
        "|---|---:|---:|---:|",
        f"| throughput, events/s | **{w['throughput']:,.0f}** | {b['throughput']:,.0f} | "
        f"**{w['throughput'] / b['throughput']:.2f}** |",
        f"| steady load, events/s | {w['rate']:,.0f} | {b['rate']:,.0f} | |",
        f"| publish → verdict, p50 ms | {w['p50']:,.1f} | {b['p50']:,.1f} | |",
        f"| publish → verdict, p99 ms | **{w['p99']:,.1f}** | {b['p99']:,.1f} | |",
        f"| process CPU per event, µs (backlog) | {w['cpu_us']:,.0f} | {b['cpu_us']:,.0f} | "
        f"{b['cpu_us'] / w['cpu_us']:.2f} |",
        f"| nats-server CPU per event, µs (backlog) | {w['nats_cpu_us']:,.0f} | "
        f"{b['nats_cpu_us']:,.0f} | |",
        "",
        "The worker overlaps its work with the broker's round trips (the next batch is screened "
        "and written while the last one's verdicts are stored), so its throughput ratio is above "
        "its CPU ratio; on a machine with no idle core the throughput ratio falls towards the "
        "CPU ratio. The CPU row is each process's own user + system time over the backlog.",
        "",
        "Command: `.venv/bin/python benchmarks/streaming.py` (NATS from `--nats`).",
    ]
    publish("streaming", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
