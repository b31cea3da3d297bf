"""``ringfence edition``: the lifecycle of a Games edition, hand-over to the next organising
committee, and bundles of one edition's data. The CLI acts as the IOC's platform team (admin)
under the actor ``cli``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, session_factory, settings_for
from ringfence.cli.error_codes import ErrorCode
from ringfence.core.errors import InvalidInput
from ringfence.core.security import Principal, Role

app = typer.Typer(
    help="Editions: lifecycle, hand-over, export and import of bundles.", no_args_is_help=True
)

EditionArg = Annotated[str, typer.Argument(help="The edition id, e.g. la28.")]


def _cli() -> Principal:
    return Principal(Role.admin, party_id="IOC", key_id="cli")


@app.command("list")
def list_editions(database_url: DatabaseOpt = None) -> None:
    """Every edition with its lifecycle state."""
    from sqlalchemy import select

    from ringfence.registry.models import Edition

    with session_factory(database_url)() as session:
        for e in session.scalars(select(Edition).order_by(Edition.year, Edition.id)):
            echo(f"{e.id}\t{e.status.value}\t{e.name}")


@app.command("advance")
def advance(
    edition: EditionArg,
    to: Annotated[
        str | None, typer.Option("--to", help="The next state (checked); the next one if omitted.")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Move an edition one step: planned -> preparing -> live -> closing -> archived."""
    from ringfence.core.db import unit_of_work
    from ringfence.editions import service
    from ringfence.registry.enums import EditionStatus

    target = None
    if to is not None:
        try:
            target = EditionStatus(to)
        except ValueError:
            raise InvalidInput(
                f"--to must be one of {', '.join(s.value for s in EditionStatus)}",
                code=ErrorCode.INVALID_OPTION,
            ) from None
    with unit_of_work(session_factory(database_url)) as session:
        before = service.get_edition(session, edition).status
        after = service.advance(session, principal=_cli(), edition_id=edition, to=target).status
    echo(f"{edition}: {before.value} -> {after.value}")


@app.command("archive")
def archive(edition: EditionArg, database_url: DatabaseOpt = None) -> None:
    """Archive a closing edition: its OCOG's data becomes read-only and its store closes."""
    from ringfence.core.db import unit_of_work
    from ringfence.editions import service
    from ringfence.registry.enums import EditionStatus

    with unit_of_work(session_factory(database_url)) as session:
        service.advance(session, principal=_cli(), edition_id=edition, to=EditionStatus.archived)
    echo(f"{edition}: archived")


@app.command("handover")
def handover(
    source: Annotated[str, typer.Option("--from", help="The edition handing over.")],
    target: Annotated[str, typer.Option("--to", help="The edition taking over.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be carried; change nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The plan as JSON.")] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Carry the reusable parts of one OCOG to the next (docs/handover.md)."""
    from ringfence.core.db import unit_of_work
    from ringfence.editions import service

    with unit_of_work(session_factory(database_url)) as session:
        plan = service.handover(
            session, principal=_cli(), source=source, target=target, dry_run=dry_run
        )
        if dry_run:
            session.rollback()
    if as_json:
        echo(json.dumps(plan.as_dict(), indent=2))
        return
    echo(f"hand-over {source} -> {target}{' (dry run: nothing changed)' if dry_run else ''}")
    verbs = {"carried": "would carry" if dry_run else "carried", "shared": "shared"}
    for part in plan.parts:
        verb = verbs.get(part.action, "not carried")
        shown = ", ".join(part.items[:10]) + (" ..." if len(part.items) > 10 else "")
        echo(f"  {verb:<12} {part.part}: {shown or '-'}  ({part.why})")


@app.command("export")
def export(
    edition: Annotated[str, typer.Option("--edition", help="The edition id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The bundle file (.tar.zst).")],
    database_url: DatabaseOpt = None,
) -> None:
    """Write a signed bundle of one edition's data."""
    from ringfence.editions import bundle

    if not out.parent.is_dir():
        raise InvalidInput(f"no directory {out.parent}", code=ErrorCode.NO_DIRECTORY, loc=("out",))
    secret = settings_for(database_url).secret_key.get_secret_value()
    with session_factory(database_url)() as session:
        exported = bundle.export_bundle(session, edition_id=edition, secret=secret)
    out.write_bytes(exported.data)
    rows = sum(t["rows"] for t in exported.manifest["tables"].values())
    echo(f"wrote {out}: {edition}, {rows} rows, schema {exported.manifest['schema_version']}")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="The bundle file (.tar.zst).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what the merge would do; change nothing.")
    ] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Verify a bundle and merge it into this deployment, in one transaction: refused with
    every conflicting row named, or done (docs/handover.md, "Merging into a deployment")."""
    from ringfence.core.db import unit_of_work
    from ringfence.editions import bundle

    if not path.is_file():
        raise InvalidInput(f"no file {path}", code=ErrorCode.NO_FILE)
    secret = settings_for(database_url).secret_key.get_secret_value()
    with unit_of_work(session_factory(database_url)) as session:
        result = bundle.import_bundle(
            session, data=path.read_bytes(), secret=secret, dry_run=dry_run
        )
    upgraded = f" (upgraded from schema {result.schema_version})" if result.upgraded else ""
    verb, added = ("would import", "to add") if dry_run else ("imported", "added")
    moved = "".join(
        f", {sum(counts.values())} {what}"
        for what, counts in (("moved on", result.updated), ("renumbered", result.renumbered))
        if counts
    )
    echo(
        f"{verb} {result.edition}{upgraded}: {sum(result.inserted.values())} rows {added}"
        f"{moved}, {sum(result.present.values())} already here"
    )
