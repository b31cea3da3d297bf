"""``ringfence index``: the screening index file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, screening_data

index_app = typer.Typer(help="The screening index file.", no_args_is_help=True)


@index_app.command("build")
def index_build(
    out: Annotated[Path, typer.Option("--out", "-o", help="The index file to write.")],
    builtin: Annotated[
        bool, typer.Option("--builtin", help="From the built-in registry, not the database.")
    ] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Compile the registry and the screening data into one index file for `screen`."""
    from ringfence.screening.index import write_index

    data = screening_data(database_url, builtin)
    checksum = write_index(data, out)
    echo(
        f"wrote {out}: {len(data.registry.marks)} marks, {len(data.registry.licences)} licences, "
        f"checksum {checksum[:16]}"
    )
