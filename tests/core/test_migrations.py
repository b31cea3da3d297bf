"""Migrations build the schema the models describe, on SQLite and PostgreSQL, both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from ringfence.core.db import Base, make_engine
from ringfence.core.migrate import alembic_config, check, upgrade
from tests.dbs import backends, fresh_database


@pytest.mark.parametrize("backend", backends())
def test_upgrade_check_downgrade_upgrade(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        upgrade(url)
        check(url)  # raises when a model change has no migration
        engine = make_engine(url)
        try:
            tables = set(inspect(engine).get_table_names())
            assert set(Base.metadata.tables) <= tables
            command.downgrade(alembic_config(url), "base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
            upgrade(url)
            assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
