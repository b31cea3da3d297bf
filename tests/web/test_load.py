"""Load on a real server past the connection pool (issue 18, r0): at 64 and 256 concurrent
connections, on SQLite and PostgreSQL, read and write routes answer every request. The
counts and statuses are asserted, never a time: a server that deadlocks shows up as requests
that never answer (the client's safety timeout), then 503s."""

from __future__ import annotations

import asyncio
import http.client
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.dbs import backends
from tests.web.served import LOAD_KEEP_ALIVE, Served, database_routes, load, served


@pytest.fixture(scope="module", params=backends())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp(f"load-{request.param}")
    # Next to no refill of the verify rate limit: its burst is all a client gets (s7 test).
    with served(
        request.param, tmp, verify_rate_per_minute="0.001", keep_alive_seconds=LOAD_KEEP_ALIVE
    ) as s:
        yield s


@pytest.mark.parametrize("connections", [64, 256])
def test_h18_r0_reads_and_writes_answer_past_the_pool_size(
    server: Served, connections: int
) -> None:
    authorize, read, write = database_routes(server).values()
    offers = httpx.get(f"{server.base}/v1/shop/offers", params={"store": "NOC:NED"}).json()
    offer = offers[0]["id"]  # the one database_routes writes

    async def mixed(client: httpx.AsyncClient, i: int) -> Any:
        return await (authorize, read, write)[i % 3](client, i)

    requests = 2 * connections
    for name, route in (
        ("authorize", authorize),
        ("read", read),
        ("write", write),
        ("mixed", mixed),
    ):
        statuses = asyncio.run(load(server.base, route, connections=connections, requests=requests))
        assert statuses == {200: requests}, (name, statuses)
    # The writes took effect: the stock is one of the values written.
    after = httpx.get(f"{server.base}/v1/shop/offers", params={"store": "NOC:NED"}).json()
    assert next(o for o in after if o["id"] == offer)["stock"] in range(requests)


def test_h18_r0_keep_alive_setting_reaches_the_server(server: Served) -> None:
    """RINGFENCE_KEEP_ALIVE_SECONDS is uvicorn's keep-alive: a connection left idle for longer
    than uvicorn's default (5 s) still answers a second request."""
    host, port = server.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        for pause in (6, 0):
            conn.request("GET", "/healthz")
            answer = conn.getresponse()
            assert (answer.status, answer.read()) == (200, b'{"status":"ok"}')
            time.sleep(pause)  # idle past uvicorn's default keep-alive
    finally:
        conn.close()


def test_h18_r0_served_log_has_no_errors(server: Served) -> None:
    """Nothing above made the server log an error (a pool timeout, a locked database)."""
    text = Path(server.log).read_text()
    assert "Traceback" not in text
    assert "QueuePool limit" not in text
    assert "database is locked" not in text


def test_h18_s7_serve_ignores_forwarded_for_from_localhost(server: Served) -> None:
    """`ringfence serve` believes no X-Forwarded-For by default, not even from loopback
    (uvicorn's own default): made-up addresses share the caller's rate limit."""
    statuses = [
        httpx.get(
            f"{server.base}/v/01/05901234123457/21/NOSUCHSERIAL",
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(30)
    ]
    assert 429 in statuses
    assert statuses[:20] == [200] * 20
