"""Alembic environment: the URL comes from `-x url=...`, else the Alembic config (set by
`ringfence db upgrade`), else settings (RINGFENCE_DATABASE_URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

# Every module that defines tables, so that the metadata is complete. They all bind the name
# `ringfence`, so ruff reports (and `--fix` deletes!) them through the last one: keep the noqa
# on whichever import sorts last.
import ringfence.auth.models
import ringfence.authenticity.models
import ringfence.core.audit
import ringfence.editions.models
import ringfence.enforcement.models
import ringfence.registry.models
import ringfence.registry.service
import ringfence.shop.models
import ringfence.streaming.models  # noqa: F401
from ringfence.core.db import Base, make_engine
from ringfence.core.settings import load_settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    """-x url=... first, then the URL set by code (ringfence db upgrade), then settings."""
    given = context.get_x_argument(as_dictionary=True).get("url")
    return given or config.get_main_option("sqlalchemy.url") or load_settings().database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copy-and-move
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
