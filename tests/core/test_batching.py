"""The batcher: concurrent jobs share a batch, each lane commits on its own, and a failing
lane fails only its own jobs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from ringfence.core.batching import Batcher
from ringfence.core.db import make_engine, make_session_factory
from ringfence.core.errors import Conflict


def test_lanes_batch_commit_and_fail_on_their_own(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    factory = make_session_factory(engine)
    sizes: list[int] = []

    def store(session: Session, jobs: Sequence[int]) -> list[Any]:
        sizes.append(len(jobs))
        for n in jobs:
            session.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})
        # A job may be refused on its own: the others of its batch go through.
        return [Conflict("odd", code="odd") if n % 2 else n * 10 for n in jobs]

    def broken(session: Session, jobs: Sequence[int]) -> list[Any]:
        session.execute(text("INSERT INTO t (n) VALUES (-1)"))
        raise RuntimeError("the database went away")

    gate = threading.Event()

    def wait(session: Session, jobs: Sequence[int]) -> list[Any]:
        gate.wait()  # holds the thread until every other job is queued
        return list(jobs)

    lanes = {"wait": wait, "store": store, "broken": broken}
    batcher = Batcher(factory, lanes, name="test", max_batch=8)

    async def run() -> list[Any]:
        first = asyncio.ensure_future(batcher.submit("wait", 0))
        jobs = [asyncio.ensure_future(batcher.submit("store", n)) for n in range(20)]
        jobs.append(asyncio.ensure_future(batcher.submit("broken", 99)))
        while batcher._jobs.qsize() < 21:  # the other 21 are queued behind the gate
            await asyncio.sleep(0)
        gate.set()
        await first
        return await asyncio.gather(*jobs, return_exceptions=True)

    try:
        results = asyncio.run(run())
        with pytest.raises(ValueError, match="no lane"):
            asyncio.run(batcher.submit("nowhere", 1))
    finally:
        batcher.stop()
    stored = results[:20]
    assert [r for r in stored if not isinstance(r, Conflict)] == [n * 10 for n in range(0, 20, 2)]
    assert all(isinstance(stored[n], Conflict) for n in range(1, 20, 2))
    assert isinstance(results[20], RuntimeError)
    assert sum(sizes) == 20
    assert max(sizes) <= 8
    assert len(sizes) <= 4  # 20 jobs in batches of at most 8, some perhaps beside the gate
    with factory() as session:  # the store lane committed, the broken one rolled back
        rows = sorted(session.execute(text("SELECT n FROM t")).scalars())
    assert rows == list(range(20))
    engine.dispose()
