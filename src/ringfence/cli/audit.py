"""``ringfence audit``: check every domain's hash chains, and print their heads."""

from __future__ import annotations

from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, session_factory

app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)


@app.command("verify")
def audit_verify(
    rights_holder: Annotated[
        str | None, typer.Option(help="One chain (a party id); every chain if omitted.")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Check the audit chains (every domain's events). Exit 0 when intact, 1 with one line per
    break."""
    from ringfence.core.audit import verify

    with session_factory(database_url)() as session:
        breaks = verify(session, rights_holder_id=rights_holder)
    if not breaks:
        echo("audit trail intact")
        return
    for b in breaks:
        typer.echo(f"broken: {b}", err=True)
    raise typer.Exit(1)


@app.command("head")
def audit_head(database_url: DatabaseOpt = None) -> None:
    """The last sequence number and hash of each chain: keep a copy elsewhere (an anchor)."""
    from sqlalchemy import select

    from ringfence.core.audit import AuditHead

    with session_factory(database_url)() as session:
        heads = session.scalars(select(AuditHead).order_by(AuditHead.rights_holder_id)).all()
        for head in heads:
            echo(f"{head.rights_holder_id}\t{head.seq}\t{head.hash}")
