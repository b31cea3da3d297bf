"""Load on a real server past the connection pool (issue 18, r0): at 64 and 256 concurrent
connections, on SQLite and PostgreSQL, read and write routes answer every request. The
counts and statuses are asserted, never a time: a server that deadlocks shows up as requests
that never answer (the client's safety timeout), then 503s."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.dbs import backends
from tests.web.served import Served, database_routes, load, served


@pytest.fixture(scope="module", params=backends())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp(f"load-{request.param}")
    # Next to no refill of the verify rate limit: its burst is all a client gets (s7 test).
    with served(request.param, tmp, verify_rate_per_minute="0.001") as s:
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
