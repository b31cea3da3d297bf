"""``ringfence shop`` (scheduled upkeep) and ``ringfence royalties`` (statements)."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, existing_database, session_factory
from ringfence.cli.error_codes import ErrorCode
from ringfence.core import spreadsheet
from ringfence.core.errors import InvalidInput
from ringfence.core.files import atomic_write

shop_app = typer.Typer(help="The official shop's upkeep.", no_args_is_help=True)
royalties_app = typer.Typer(help="Royalty statements from the ledger.", no_args_is_help=True)


@shop_app.command("maintain")
def maintain(database_url: DatabaseOpt = None) -> None:
    """Reconcile payment intents with the payment provider (a payment taken but never recorded
    pays its order, or is refunded if the order stopped waiting), cancel unpaid orders whose
    reservation ran out (their stock goes back) and unpublish offers their licence no longer
    covers. Run it every minute or so (cron, a systemd timer)."""
    from ringfence.core.db import unit_of_work, utcnow
    from ringfence.registry.service import compile_index
    from ringfence.shop.payments import provider_for
    from ringfence.shop.service import expire_reservations, reconcile_intents, sweep_offers

    settings = existing_database(database_url)
    provider = provider_for(settings.payment_provider)
    with unit_of_work(session_factory(database_url)) as session:
        # Intents first: an order whose payment went through is paid, not expired.
        payments = reconcile_intents(session, provider=provider)
        expired = expire_reservations(session)
        unpublished = sweep_offers(session, index=compile_index(session), on=utcnow().date())
    echo(
        f"expired {expired} reservations; unpublished {unpublished} offers; payments: "
        f"{payments.paid} paid, {payments.refunded} refunded, {payments.failed} failed, "
        f"{payments.pending} pending"
    )


@royalties_app.command("statement")
def statement(
    licensor: Annotated[str, typer.Option(help="IOC, OCOG:<edition> or NOC:<code>.")],
    period: Annotated[str, typer.Option(help="YYYY, YYYY-Qn or YYYY-MM (UTC).")],
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File; stdout if omitted.")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """What each licensee owes the licensor for the period, per currency (sums to the ledger)."""
    from ringfence.core.security import SYSTEM
    from ringfence.shop.service import royalty_statement

    if fmt not in ("csv", "json"):
        raise InvalidInput("--format must be csv or json", code=ErrorCode.INVALID_OPTION)
    if out is not None and not out.parent.is_dir():
        raise InvalidInput(f"no directory {out.parent}", code=ErrorCode.NO_DIRECTORY, loc=("out",))
    with session_factory(database_url)() as session:
        result = royalty_statement(session, principal=SYSTEM, licensor=licensor, period=period)
    if fmt == "json":
        text = result.model_dump_json(indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = spreadsheet.Writer(buffer)
        writer.writerow(
            [
                "licensor",
                "period",
                "licensee",
                "currency",
                "sales_minor",
                "royalty_minor",
                "entries",
            ]
        )
        for line in result.lines:
            writer.writerow(
                [
                    licensor,
                    period,
                    line.licensee,
                    line.currency,
                    line.sales_minor,
                    line.royalty_minor,
                    line.entries,
                ]
            )
        text = buffer.getvalue()
    if out is None:
        sys.stdout.write(text)
        return
    atomic_write(out, [text])
    echo(f"wrote {out}")
