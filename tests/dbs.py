"""Test databases: a fresh SQLite file always, and a fresh PostgreSQL database on the server
named by RINGFENCE_TEST_DATABASE_URL when it is set. Each is built by the real migrations."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from ringfence.core.db import make_engine
from ringfence.core.settings import Settings

PG_ENV = "RINGFENCE_TEST_DATABASE_URL"


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


@contextmanager
def fresh_database(backend: str, tmp: Path, server: str | None = None) -> Iterator[str]:
    """Yield the URL of a new, empty database: a SQLite file in ``tmp``, or a database created
    on (and dropped from) the PostgreSQL server ``server`` (default: RINGFENCE_TEST_DATABASE_URL).
    The benchmarks use it too."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / f'ringfence-{uuid.uuid4().hex[:8]}.db'}"
        return
    server_url = Settings(database_url=server or os.environ[PG_ENV]).database_url
    name = f"rf_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
