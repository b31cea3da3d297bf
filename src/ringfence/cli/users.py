"""``ringfence users``: web sign-in users."""

from __future__ import annotations

from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, role_option, session_factory

users_app = typer.Typer(help="Web sign-in users.", no_args_is_help=True)


# ------------------------------------------------------------------ users


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="The e-mail address the user signs in with.")],
    party: Annotated[str, typer.Option(help="Party id, e.g. NOC:NED or LIC:oranje-fanwear.")],
    role: Annotated[str, typer.Option(help="admin, rights_holder, licensee or marketplace.")],
    name: Annotated[str, typer.Option(help="The user's name.")] = "",
    password: Annotated[
        str | None,
        typer.Option(
            envvar="RINGFENCE_NEW_USER_PASSWORD",
            help="At least 10 characters; asked for (hidden) when omitted.",
        ),
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Create a user who signs in to the web pages (the password is stored argon2-hashed)."""
    from ringfence.auth.service import create_user
    from ringfence.core.db import unit_of_work

    role_value = role_option(role)
    secret = password or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with unit_of_work(session_factory(database_url)) as session:
        user = create_user(
            session, email=email, name=name, party_id=party, role=role_value, password=secret
        )
        echo(f"created user {user.email} ({user.role.value} for {user.party_id})")
