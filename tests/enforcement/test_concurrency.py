"""Deduplication and the audit chain under real concurrency (PostgreSQL): reports of the same
listing racing each other open one case, and appends racing on a new chain keep it intact."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core import audit
from ringfence.core.audit import AuditEvent
from ringfence.core.db import make_engine, make_session_factory, unit_of_work
from ringfence.core.migrate import upgrade
from ringfence.core.settings import Settings
from ringfence.enforcement import service
from ringfence.enforcement.models import Case
from ringfence.registry.enums import PartyKind
from ringfence.registry.models import Party
from tests.dbs import backends, fresh_database
from tests.enforcement.conftest import T0, TMALL, case_in

WORKERS = 6


@pytest.fixture(params=backends())
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Concurrent writers on a fresh database of each backend (SQLite queues them on its one
    write lock: BEGIN IMMEDIATE)."""
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url, pool_size=WORKERS)
        made = make_session_factory(engine)
        with unit_of_work(made) as session:
            # A Core insert: no party.created event, so the IOC chain holds only the race's.
            session.execute(insert(Party).values(id="IOC", kind=PartyKind.ioc, name="IOC"))
        try:
            yield made
        finally:
            engine.dispose()


def _race(factory: sessionmaker[Session], settings: Settings, listing_ids: list[str]) -> list[bool]:
    barrier = threading.Barrier(len(listing_ids))

    def report(listing_id: str) -> bool:
        with unit_of_work(factory) as session:
            barrier.wait()
            _, created = service.open_case(
                session,
                principal=TMALL,
                data=case_in(listing_id=listing_id, marks=[], findings=[]),
                settings=settings,
                now=T0,
            )
            return created

    with ThreadPoolExecutor(len(listing_ids)) as pool:
        return list(pool.map(report, listing_ids))


def test_racing_reports_of_one_listing_open_one_case(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    created = _race(factory, settings, ["same"] * WORKERS)
    assert sorted(created) == [False] * (WORKERS - 1) + [True]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
        assert audit.verify(session) == []


def test_racing_appends_to_a_new_chain_keep_it_intact(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    created = _race(factory, settings, [f"listing-{n}" for n in range(WORKERS)])
    assert created == [True] * WORKERS
    with factory() as session:
        assert audit.verify(session) == []
        seqs = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq))
        assert list(seqs) == list(range(1, WORKERS + 1))
