"""Run Alembic from code (``ringfence db upgrade``), with the migrations shipped in the package."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from ringfence.core.db import make_engine


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "ringfence:migrations")
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    make_engine(database_url).dispose()  # creates the SQLite folder when needed
    command.upgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Raise if the models and the migrated database differ (a migration is missing)."""
    command.check(alembic_config(database_url))
