"""``ringfence registry``: import, export and check registry files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, session_factory
from ringfence.core.errors import InvalidInput
from ringfence.core.files import atomic_write

registry_app = typer.Typer(help="Import, export and check registry files.", no_args_is_help=True)


# ------------------------------------------------------------------ registry


def _import_file(file: Path, database_url: str | None, *, commit: bool) -> str:
    """Parse FILE and import it in one transaction; commit it, or roll it back (a dry run).
    Every problem is reported as FILE:LINE."""
    from ringfence.registry.fileformat import locate, parse_document, read_text, with_lines
    from ringfence.registry.service import import_document

    text = read_text(file)
    doc = parse_document(text, source=str(file))
    with session_factory(database_url)() as session:
        try:
            summary = import_document(session, doc)
        except InvalidInput as exc:
            raise with_lines(exc, locate(text), str(file)) from None
        if commit:
            session.commit()
        else:
            session.rollback()
    return str(summary)


@registry_app.command("check")
def registry_check(
    file: Annotated[Path, typer.Argument(help="Registry file (YAML or JSON).")],
    file_only: Annotated[
        bool, typer.Option("--file-only", help="Check fields only; no database needed.")
    ] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Validate a registry file: fields, and (unless --file-only) every reference and right
    against the file plus the database, as an import would, changing nothing."""
    from ringfence.registry.fileformat import parse_document, read_text
    from ringfence.registry.service import ImportSummary

    if file_only:
        doc = parse_document(read_text(file), source=str(file))
        summary = str(ImportSummary.of(doc))
    else:
        summary = _import_file(file, database_url, commit=False)
    echo(f"{file}: valid ({summary})")


@registry_app.command("import")
def registry_import(
    file: Annotated[Path, typer.Argument(help="Registry file (YAML or JSON).")],
    database_url: DatabaseOpt = None,
) -> None:
    """Validate and load a registry file: all of it, or nothing."""
    echo(f"imported {file}: {_import_file(file, database_url, commit=True)}")


@registry_app.command("export")
def registry_export(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write; stdout if omitted.")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Write the whole registry as one YAML document."""
    from ringfence.registry.fileformat import dump_document
    from ringfence.registry.service import export_document

    with session_factory(database_url)() as session:
        text = dump_document(export_document(session))
    if out is None:
        sys.stdout.write(text)
        return
    atomic_write(out, [text])  # never a half-written file
    echo(f"wrote {out}")


@registry_app.command("builtin")
def registry_builtin(database_url: DatabaseOpt = None) -> None:
    """Load the built-in registry (IOC, 206 NOCs, editions, Olympic marks, categories)."""
    from ringfence.core.db import unit_of_work
    from ringfence.registry.builtin import builtin_document
    from ringfence.registry.service import import_document

    with unit_of_work(session_factory(database_url)) as session:
        summary = import_document(session, builtin_document())
    echo(f"loaded the built-in registry: {summary}")
