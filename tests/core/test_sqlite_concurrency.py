"""The embedded SQLite default under concurrent writers: transactions that read and then write
wait for the write lock instead of failing with "database is locked"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, insert, select

from ringfence.core.db import make_engine, make_session_factory
from ringfence.core.migrate import upgrade
from ringfence.registry.models import Category


def test_concurrent_read_then_write_transactions_all_commit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'concurrent.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)

    def work(worker: int) -> None:
        for i in range(25):
            with factory() as session:
                session.scalar(select(func.count()).select_from(Category))  # read first...
                session.execute(insert(Category).values(id=f"c{worker}-{i}", name="x"))
                session.commit()  # ...then write: a deferred BEGIN fails here under contention

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Category)) == 200
    engine.dispose()
