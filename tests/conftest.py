from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ringfence.auth.service import create_key
from ringfence.core.db import make_engine, unit_of_work
from ringfence.core.migrate import upgrade
from ringfence.core.security import Role
from ringfence.core.settings import Settings
from ringfence.demo import load_demo
from ringfence.web.app import create_app
from tests.dbs import backends, fresh_database


@pytest.fixture(scope="session", params=backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database holding the built-in registry and the demo data, per backend."""
    tmp: Path = tmp_path_factory.mktemp(request.param)
    with fresh_database(request.param, tmp) as url:
        upgrade(url)
        engine = make_engine(url)
        with unit_of_work(sessionmaker(bind=engine)) as session:
            load_demo(session)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Every session of one test shares one outer transaction, rolled back at the end; a
    commit inside the test (or the app) only releases a savepoint."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture
def app_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, index_refresh_seconds=0, evidence_dir=tmp_path / "evidence"
    )


@pytest.fixture
def client(app_settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app = create_app(app_settings, session_factory=session_factory)
    with TestClient(app) as c:
        yield c


class Keys:
    """API keys per (party, role), created inside the test's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __call__(self, party: str, role: Role) -> dict[str, str]:
        created = create_key(self._session, party_id=party, role=role)
        self._session.commit()
        return {"Authorization": f"Bearer {created.key}"}


@pytest.fixture
def keys(session: Session) -> Keys:
    return Keys(session)
