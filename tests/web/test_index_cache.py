"""The licence index cache looks at the registry revision without the SQLite write lock, so a
request that holds it (its session has begun) can still get the index."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from ringfence.core import db
from ringfence.core.migrate import upgrade
from ringfence.demo import load_demo
from ringfence.web.index_cache import IndexCache


def test_a_stale_index_refreshes_while_this_thread_holds_the_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    upgrade(url)
    monkeypatch.setattr(db, "SQLITE_BUSY_SECONDS", 0.2)  # a wait for the lock fails at once
    engine = db.make_engine(url, connect_args={"timeout": 0.2})
    factory = db.make_session_factory(engine)
    with db.unit_of_work(factory) as session:
        load_demo(session)
    cache = IndexCache(factory, refresh_seconds=0)  # every get() looks at the revision
    first = cache.get()
    with factory() as request_session:  # a request's session: BEGIN IMMEDIATE, lock held
        request_session.execute(text("SELECT 1"))
        assert cache.get() is first  # the same revision: the same compiled index
    engine.dispose()
