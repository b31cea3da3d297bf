"""The ``ringfence`` command. Sub-apps are registered explicitly; heavy imports happen inside
commands. Every RingfenceError becomes one line on stderr and exit code 2 (a missing database:
3, as every database failure), here and only here.

This module assembles the app: each command group lives in its own module (``cli/<group>.py``:
a Typer sub-app, or a ``register(app)`` for top-level commands), and what several groups share is
in ``cli/common.py``. The order of registration below is the order of ``ringfence --help``."""

from __future__ import annotations

import sys

import typer

from ringfence.cli import (
    audit,
    authorize,
    bank,
    codes,
    db,
    editions,
    enforcement,
    index,
    keys,
    registry,
    screen,
    sense,
    serve,
    shop,
    users,
    vision,
    worker,
)
from ringfence.core.errors import DatabaseMissing, RingfenceError

app = typer.Typer(
    name="ringfence",
    help="Rights registry and licence decisions for Olympic merchandise.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.db_app, name="db")
app.add_typer(index.index_app, name="index")
app.add_typer(registry.registry_app, name="registry")
app.add_typer(keys.keys_app, name="keys")
app.add_typer(users.users_app, name="users")
app.add_typer(codes.app, name="codes")
app.add_typer(bank.app, name="bank")
app.add_typer(shop.shop_app, name="shop")
app.add_typer(shop.royalties_app, name="royalties")
app.add_typer(editions.app, name="edition")
app.add_typer(sense.app, name="sense")
app.add_typer(vision.app, name="vision")
enforcement.register(app)
app.add_typer(audit.app, name="audit")
worker.register(app)
authorize.register(app)
screen.register(app)
serve.register(app)


def run() -> None:
    """Entry point. Exit codes: 0 done (or allowed), 1 denied by `authorize` or aborted,
    2 bad input or a file that cannot be read or written (one line on stderr), 3 the database
    is missing or failed, or the migrations failed (one line)."""
    try:
        code = app(standalone_mode=False)
    except DatabaseMissing as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(3)
    except RingfenceError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors: unknown command, bad option value...
        format_message = getattr(exc, "format_message", None)
        message = format_message() if callable(format_message) else str(exc)
        typer.echo(f"error: {message}", err=True)
        sys.exit(2)
    except OSError as exc:  # a file or directory the command cannot read or write
        typer.echo(f"error: {_file_error(exc)}", err=True)
        sys.exit(2)
    except Exception as exc:
        message = _operational_error(exc)
        if message is None:
            raise  # a bug: keep the traceback
        typer.echo(f"error: {message}", err=True)
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)


def _file_error(exc: OSError) -> str:
    """One line for an operating system refusal: the path and the reason, with a code."""
    reason = (exc.strerror or type(exc).__name__).lower()
    where = f"{exc.filename}: " if exc.filename is not None else ""
    return f"{where}{reason} [file_error]"


def _operational_error(exc: Exception) -> str | None:
    """One line for failures of the database or the migration tool, None for anything else."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, CommandError):
        return f"migrations: {exc}"
    if isinstance(exc, SQLAlchemyError):
        cause = getattr(exc, "orig", None) or exc
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        return f"database: {first}"
    return None
