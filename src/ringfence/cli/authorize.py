"""``ringfence authorize``: may a seller sell a product bearing a mark, there, then?"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, session_factory
from ringfence.cli.error_codes import ErrorCode
from ringfence.core.errors import InvalidInput


def register(app: typer.Typer) -> None:
    app.command("authorize")(authorize)


# ------------------------------------------------------------------ decision


def authorize(
    seller: Annotated[str, typer.Option(help="Party id of the seller.")],
    mark: Annotated[list[str], typer.Option(help="Mark id (repeat for several).")],
    category: Annotated[str, typer.Option(help="Product category id, e.g. apparel.headwear.")],
    territory: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 country of sale.")],
    channel: Annotated[str, typer.Option(help="official_store, marketplace, retail, wholesale.")],
    on: Annotated[
        str | None, typer.Option(help="Date of sale (YYYY-MM-DD); today if omitted.")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """May SELLER sell a CATEGORY product bearing MARK in TERRITORY through CHANNEL ON a date?"""
    import json

    from ringfence.registry.service import compile_index

    try:
        day = date.fromisoformat(on) if on else date.today()
    except ValueError:
        raise InvalidInput(
            f"--on: {on!r} is not a date (YYYY-MM-DD)", code=ErrorCode.INVALID_DATE
        ) from None
    with session_factory(database_url)() as session:
        index = compile_index(session)
    result = index.authorize_many(seller, mark, category, territory, channel, day)
    echo(
        json.dumps(
            {
                "allowed": result.allowed,
                "reasons": [r.value for r in result.reasons],
                "licences": list(result.licences),
                "marks": [
                    {
                        "mark": d.mark,
                        "allowed": d.allowed,
                        "reasons": [r.value for r in d.reasons],
                        "licence": d.licence,
                    }
                    for d in result.marks
                ],
            },
            indent=2,
        )
    )
    raise typer.Exit(0 if result.allowed else 1)
