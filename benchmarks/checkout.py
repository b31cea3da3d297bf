"""Checkout under a sales peak: orders per second and latency at 200 concurrent buyers against
`ringfence serve` on PostgreSQL on loopback.

Every request is a guest checkout with its own Idempotency-Key: stock reserved by a
conditional UPDATE, order placed and committed, sandbox payment authorised and captured, order
paid and its royalty posted to the ledger (two transactions). Load: wrk, 2 threads, 200
connections. Baselines on the same server, in the same run: GET /healthz (the framework's
floor) and the public offer search (a read). Afterwards the database must hold exactly as many
paid orders as wrk saw 201s, and the stock must have fallen by exactly that many units.

    .venv/bin/python benchmarks/checkout.py [--postgres URL] [--seconds 15] [--workers 2]
                                            [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from docs_section import publish
from harness import cpu_seconds, have_wrk, served, server_pids, throwaway_database, wrk
from ringfence.core.db import make_engine, make_session_factory, unit_of_work
from ringfence.core.migrate import upgrade
from ringfence.demo import demo_shop, load_demo
from ringfence.shop.enums import OrderStatus
from ringfence.shop.models import OfferStock, Order

STOCK = 100_000_000
ADDRESS = {
    "name": "A. Fan",
    "line1": "1 Rue de Rivoli",
    "city": "Paris",
    "postal_code": "75001",
    "country": "FR",
}
CONNECTIONS = 200


def lua(offer: int, run: str) -> str:
    body = json.dumps(
        {
            "lines": [{"offer": offer, "quantity": 1}],
            "email": "fan@example.org",
            "ship_to": ADDRESS,
            "payment_token": "tok_visa",
        }
    )
    return f"""
-- every wrk thread has its own Lua state: number the threads so keys never repeat
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  counter = 0
end
wrk.method = "POST"
wrk.body = '{body}'
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = string.format("{run}-%d-%d", id, counter)
  return wrk.format(nil, "/v1/shop/stores/IOC/orders")
end
"""


def backends(engine: Engine) -> list[int]:
    """The PostgreSQL server processes serving the benchmark's database (but this one)."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
        )


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", default=os.environ.get("RINGFENCE_TEST_DATABASE_URL"))
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not args.postgres:
        parser.error("needs PostgreSQL: --postgres URL or RINGFENCE_TEST_DATABASE_URL")
    if not have_wrk():
        parser.error("needs wrk (apt-get install wrk)")
    with (
        tempfile.TemporaryDirectory() as tmp_dir,
        throwaway_database("postgresql", Path(tmp_dir), args.postgres) as url,
    ):
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            load_demo(session)
            offer = demo_shop(session, stock=STOCK)
        warm_up, script = Path(tmp_dir) / "warm-up.lua", Path(tmp_dir) / "checkout.lua"
        warm_up.write_text(lua(offer, "warm-up"))
        script.write_text(lua(offer, "bench"))
        with served(url, workers=args.workers) as base:
            floor = wrk(f"{base}/healthz", seconds=args.seconds, connections=CONNECTIONS, threads=2)
            reads = wrk(
                f"{base}/v1/shop/offers?store=IOC",
                seconds=args.seconds,
                connections=CONNECTIONS,
                threads=2,
            )
            # Warm-up: each worker compiles the licence index and its routes on first use.
            warm = wrk(base, seconds=3, connections=CONNECTIONS, threads=2, script=warm_up)
            server = server_pids(base)
            server_before, db_before = cpu_seconds(server), cpu_seconds(backends(engine))
            orders = wrk(
                base, seconds=args.seconds, connections=CONNECTIONS, threads=2, script=script
            )
            server_cpu = spent(server_before, cpu_seconds(server))
            db_cpu = spent(db_before, cpu_seconds(backends(engine)))
        with factory() as session:
            paid = session.scalar(
                select(func.count()).select_from(Order).where(Order.status == OrderStatus.paid)
            )
            left = session.get_one(OfferStock, offer).stock
        engine.dispose()
    created = orders.requests - orders.non_2xx + warm.requests - warm.non_2xx
    server_ms, db_ms = 1000 * server_cpu / orders.requests, 1000 * db_cpu / orders.requests
    # Requests cut off when the run ends may still have committed: never fewer orders than
    # answers, and the stock must match the orders exactly (nothing oversold or lost).
    consistent = paid >= created and STOCK - left == paid
    lines = [
        "## Checkout under load",
        "",
        f"Measured {date.today()} on this machine ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, PostgreSQL on "
        f"loopback). Command: `.venv/bin/python benchmarks/checkout.py` "
        f"(`ringfence serve --workers {args.workers}`; wrk, 2 threads, {CONNECTIONS} connections, "
        f"{args.seconds} s per run, on the same two cores as the server and the database).",
        "",
        "| run | requests/s | p50 | p99 | errors |",
        "|---|---:|---:|---:|---|",
        f"| **checkout** (reserve, place, pay, post royalty) | **{orders.rate:,.0f}** | "
        f"{orders.p50_ms:,.0f} ms | {orders.p99_ms:,.0f} ms | {orders.errors()} |",
        f"| offer search (a read) | {reads.rate:,.0f} | {reads.p50_ms:,.0f} ms | "
        f"{reads.p99_ms:,.0f} ms | {reads.errors()} |",
        f"| /healthz (the framework's floor) | {floor.rate:,.0f} | {floor.p50_ms:,.0f} ms | "
        f"{floor.p99_ms:,.0f} ms | {floor.errors()} |",
        "",
        f"CPU per checkout during the measured run: **{server_ms:.1f} ms** in the server's "
        f"processes and **{db_ms:.1f} ms** in PostgreSQL's (server processes of this database; "
        f"from /proc): {server_ms + db_ms:.1f} ms an order, so the two cores could place at most "
        f"{2000 / (server_ms + db_ms):,.0f} orders/s if nothing else ran on them (wrk, here, "
        "takes its share).",
        "",
        f"Checkout runs at {orders.rate / floor.rate:.0%} of the floor. Afterwards the database "
        f"held {paid:,} paid orders for {created:,} successful responses, warm-up included "
        f"(requests still in flight when wrk stops may commit after it), and the stock had "
        f"fallen by "
        f"{STOCK - left:,}: " + ("consistent." if consistent else "**INCONSISTENT**."),
    ]
    publish("checkout", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
