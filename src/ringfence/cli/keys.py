"""``ringfence keys``: API keys."""

from __future__ import annotations

from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, role_option, session_factory

keys_app = typer.Typer(help="API keys.", no_args_is_help=True)


# ------------------------------------------------------------------ keys


@keys_app.command("create")
def keys_create(
    party: Annotated[str, typer.Option(help="Party id, e.g. NOC:NED or IOC.")],
    role: Annotated[str, typer.Option(help="admin, rights_holder, licensee or marketplace.")],
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
    database_url: DatabaseOpt = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from ringfence.auth.service import create_key
    from ringfence.core.db import unit_of_work

    role_value = role_option(role)
    with unit_of_work(session_factory(database_url)) as session:
        created = create_key(session, party_id=party, role=role_value, name=name)
    typer.echo(
        f"key id {created.id} ({created.role.value} for {created.party_id}); "
        "store the key now, it is not shown again:",
        err=True,
    )
    typer.echo(created.key)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id.")], database_url: DatabaseOpt = None
) -> None:
    """Revoke an API key at once."""
    from ringfence.auth.service import revoke_key
    from ringfence.core.db import unit_of_work

    with unit_of_work(session_factory(database_url)) as session:
        revoke_key(session, key_id=key_id)
    echo(f"revoked key {key_id}")
