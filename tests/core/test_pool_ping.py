"""PostgreSQL connections are pinged only after sitting idle, and a dead one is replaced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from ringfence.core import db
from tests.dbs import PG_ENV, fresh_database

pytestmark = pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} is not set")


def _backend(engine: Engine) -> int:
    with engine.connect() as conn:
        pid: int = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        return pid


def test_idle_connections_are_pinged_and_dead_ones_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        engine = db.make_engine(url, pool_size=1, max_overflow=0)
        pings = []
        real_ping = engine.dialect.do_ping
        monkeypatch.setattr(
            engine.dialect, "do_ping", lambda dbapi: pings.append(1) or real_ping(dbapi)
        )
        try:
            first = _backend(engine)
            assert _backend(engine) == first  # in steady use: the same connection, no ping
            assert pings == []

            admin = db.make_engine(url)
            with admin.connect() as conn:  # the server drops our connection
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            admin.dispose()
            monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # as if it sat idle for long

            replaced = _backend(engine)  # no error: the ping found it dead, the pool replaced it
            assert pings == [1]
            assert replaced != first
        finally:
            engine.dispose()
