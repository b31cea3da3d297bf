"""A real ``ringfence serve`` on a free loopback port over a fresh database of either backend
(SQLite file or a new PostgreSQL database), with the demo data and its API keys; and a bounded
async load client. Used by the load and graceful-stop tests (and benchmarks/http_load.py)."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx

from tests.dbs import fresh_database

COMMAND = [sys.executable, "-m", "ringfence"]


@dataclass
class Served:
    base: str
    process: subprocess.Popen[bytes]
    keys: dict[str, str]  # role -> demo API key
    log: Path
    env: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(backend: str, tmp: Path, **settings: str) -> Iterator[Served]:
    """The demo on ``backend``, served until the block ends; ``settings`` are RINGFENCE_*."""
    with fresh_database(backend, tmp) as url:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "RINGFENCE_DATABASE_URL": url,
            "RINGFENCE_RESOLVER_URL": f"{base}/v",
            "RINGFENCE_EVIDENCE_DIR": str(tmp / "evidence"),
            "RINGFENCE_LOG_LEVEL": "WARNING",
            **{f"RINGFENCE_{name.upper()}": value for name, value in settings.items()},
        }
        demo = subprocess.run(  # noqa: S603 - our own command, fixed arguments
            [*COMMAND, "demo", "--no-serve"], env=env, check=True, capture_output=True, text=True
        )
        keys = dict(re.findall(r"demo key, (\w+) for \S+: KEY=(\S+)", demo.stdout))
        log = tmp / f"server-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
                [*COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_ready(base, process, log)
            yield Served(base, process, keys, log, env)
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(1200):
        if process.poll() is not None:
            raise AssertionError(f"ringfence serve exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("ringfence serve did not get ready")


Request = Callable[[httpx.AsyncClient, int], Any]  # (client, i) -> awaitable response

AUTHORIZE = {
    "seller": "SELLER:tmall-4711",
    "marks": ["symbol-olympic-rings"],
    "category": "apparel.clothing.tops",
    "territory": "CN",
    "channel": "marketplace",
}


# For the load client: longer than its safety timeout, so that the server never closes an idle
# keep-alive connection just as the client sends on it (HTTP/1.1's race: the client would see
# the connection dropped with no answer, a RemoteProtocolError, and count it as a failure).
LOAD_KEEP_ALIVE = "600"


def database_routes(server: Served) -> dict[str, Request]:
    """The routes the load test and benchmarks/http_load.py drive: a read through POST
    (authorize), a read (a party) and a write (the stock of NOC:NED's first offer, set to the
    request's number)."""
    admin = {"Authorization": f"Bearer {server.keys['admin']}"}
    noc = {"Authorization": f"Bearer {server.keys['rights_holder']}"}
    offers = httpx.get(f"{server.base}/v1/shop/offers", params={"store": "NOC:NED"}).json()
    offer = offers[0]["id"]

    async def authorize(client: httpx.AsyncClient, _i: int) -> Any:
        return await client.post("/v1/authorize", json=AUTHORIZE, headers=admin)

    async def party(client: httpx.AsyncClient, _i: int) -> Any:
        return await client.get("/v1/parties/NOC:NED", headers=admin)

    async def stock(client: httpx.AsyncClient, i: int) -> Any:
        return await client.put(f"/v1/shop/offers/{offer}/stock", json={"stock": i}, headers=noc)

    return {
        "POST /v1/authorize": authorize,
        "GET /v1/parties/NOC:NED": party,
        "PUT /v1/shop/offers/{id}/stock": stock,
    }


async def load(
    base: str,
    request: Request,
    *,
    connections: int,
    requests: int,
    timeout: float = 300.0,
    latencies: list[float] | None = None,
) -> Counter[int | str]:
    """Send ``requests`` requests over ``connections`` concurrent connections; count the
    answers by status (and failures by exception name). Bounded in requests; the timeout is
    a safety net for a server that stops answering, never a measurement. ``latencies``, when
    given, gets each request's seconds from send to answer (or failure)."""
    statuses: Counter[int | str] = Counter()
    numbers = iter(range(requests))
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:

        async def one_connection() -> None:
            for i in numbers:
                start = time.perf_counter()
                try:
                    response = await request(client, i)
                    statuses[response.status_code] += 1
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1
                if latencies is not None:
                    latencies.append(time.perf_counter() - start)

        await asyncio.gather(*(one_connection() for _ in range(connections)))
    return statuses
