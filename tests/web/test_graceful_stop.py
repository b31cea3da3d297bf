"""A server under load stops on SIGTERM within its bound (issue 18, r5): requests in flight
get RINGFENCE_SHUTDOWN_SECONDS, then are cancelled, the batchers are stopped within the same
bound, and the process ends by the signal it got (uvicorn re-raises it after its shutdown). The wait is bounded generously; no time is asserted."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx2 as httpx

from tests.web.served import load, served

SHUTDOWN = 2
MARGIN = 60  # a loaded CI machine; the bug this guards against never exited at all


def test_h18_r5_a_server_under_load_stops_on_sigterm(tmp_path: Path) -> None:
    with served("sqlite", tmp_path, shutdown_seconds=str(SHUTDOWN)) as server:
        key = {"Authorization": f"Bearer {server.keys['admin']}"}
        offers = httpx.get(f"{server.base}/v1/shop/offers", params={"store": "NOC:NED"}).json()
        noc = {"Authorization": f"Bearer {server.keys['rights_holder']}"}

        async def mixed(client: httpx.AsyncClient, i: int) -> Any:
            if i % 2:
                return await client.get("/v1/parties/NOC:NED", headers=key)
            path = f"/v1/shop/offers/{offers[0]['id']}/stock"
            return await client.put(path, json={"stock": i}, headers=noc)

        async def scenario() -> Any:
            running = asyncio.create_task(
                load(server.base, mixed, connections=128, requests=2_000, timeout=30)
            )
            await asyncio.sleep(3)  # load under way (not a measurement)
            server.process.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(server.process.wait, SHUTDOWN + MARGIN)
            return code, await running

        try:
            code, statuses = asyncio.run(scenario())
        except subprocess.TimeoutExpired:
            raise AssertionError("the server did not stop after SIGTERM") from None
        assert code == -signal.SIGTERM  # uvicorn stops gracefully, then re-raises the signal
        assert statuses[200] > 0  # it was under load
        assert 500 not in statuses
        log = server.log.read_text()
        assert "Traceback" not in log
