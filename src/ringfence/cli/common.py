"""What every command module shares: the database option, settings, sessions, output, the
screening data, a redacted database URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ringfence.cli.error_codes import ErrorCode
from ringfence.core.errors import DatabaseMissing, InvalidInput
from ringfence.core.security import Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from ringfence.core.settings import Settings

DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database-url", envvar="RINGFENCE_DATABASE_URL", help="SQLAlchemy URL."),
]


def settings_for(database_url: str | None = None) -> Settings:
    from ringfence.core.settings import load_settings

    overrides: dict[str, object] = {}
    if database_url:
        overrides["database_url"] = database_url
    return load_settings(**overrides)


def existing_database(database_url: str | None = None) -> Settings:
    """Settings for a database that must exist: a missing SQLite file is an error, never
    created empty (only `db upgrade` and `demo` create one): exit code 3, as for a PostgreSQL
    database that does not exist."""
    settings = settings_for(database_url)
    path = settings.sqlite_path()
    if path is not None and not path.is_file():
        raise DatabaseMissing(
            f"no database at {path}: run `ringfence db upgrade` first", code=ErrorCode.NO_DATABASE
        )
    return settings


def session_factory(database_url: str | None) -> sessionmaker[Session]:
    from ringfence.core.audit import sessions_acting_as
    from ringfence.core.db import make_engine, make_session_factory

    factory = make_session_factory(make_engine(existing_database(database_url).database_url))
    return sessions_acting_as(factory, "cli")


def echo(message: str) -> None:
    typer.echo(message)


def role_option(role: str) -> Role:
    """A --role value as a Role, or exit 2 naming the roles there are."""
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(
            f"--role: {role!r} is not one of {allowed}", code=ErrorCode.INVALID_ROLE
        ) from None


def redact(url: str) -> str:
    """A database URL with its password hidden, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def screening_data(database_url: str | None, builtin: bool):  # type: ignore[no-untyped-def]
    """The registry and screening data: the built-in registry, or the database's."""
    from ringfence.registry.service import export_document
    from ringfence.screening.index import builtin_data

    if builtin:
        return builtin_data()
    with session_factory(database_url)() as session:
        return builtin_data(export_document(session))
