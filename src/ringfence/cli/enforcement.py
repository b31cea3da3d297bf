"""``ringfence cases | appeals | notices | scheduler | audit``: enforcement from the command line.

The CLI is an operator's tool with database access: it acts as the IOC's platform team (admin),
and every change is written to the audit trail under the actor ``cli``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ringfence.cli.common import DatabaseOpt, echo, screening_data, session_factory, settings_for
from ringfence.cli.error_codes import ErrorCode
from ringfence.core import jsontext
from ringfence.core.errors import InvalidInput
from ringfence.core.security import Principal, Role

cases_app = typer.Typer(
    help="Enforcement cases: open, review, decide, export.", no_args_is_help=True
)
appeals_app = typer.Typer(help="Counter-notices and their decisions.", no_args_is_help=True)
notices_app = typer.Typer(help="Notices to marketplaces.", no_args_is_help=True)
scheduler_app = typer.Typer(help="Deadlines of takedowns and appeals.", no_args_is_help=True)

CaseArg = Annotated[int, typer.Argument(min=1, max=2_147_483_647, help="The case id.")]
NowOpt = Annotated[
    str | None,
    typer.Option("--now", help="The time to act at (ISO 8601, UTC if no zone); now if omitted."),
]


def _cli_principal() -> Principal:
    return Principal(Role.admin, party_id="IOC", key_id="cli")


def _when(now: str | None) -> datetime | None:
    if now is None:
        return None
    try:
        value = datetime.fromisoformat(now)
    except ValueError:
        raise InvalidInput(
            f"--now: {now!r} is not an ISO 8601 time", code=ErrorCode.INVALID_TIME
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _print(value: object) -> None:
    echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _write(out: Path, data: bytes) -> None:
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)  # never a half-written file


# ------------------------------------------------------------------ cases


@cases_app.command("open")
def cases_open(
    file: Annotated[Path, typer.Argument(help="JSON Lines: one case (as POST /v1/cases) a line.")],
    database_url: DatabaseOpt = None,
) -> None:
    """Open cases from a file, all in one transaction (the same listing twice opens one case)."""
    from pydantic import ValidationError

    from ringfence.core.db import unit_of_work
    from ringfence.enforcement.schemas import CaseIn
    from ringfence.enforcement.service import open_case

    settings = settings_for(database_url)
    items: list[CaseIn] = []
    for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(CaseIn.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InvalidInput(
                f"{file}:{n}: {where}: {first['msg']}", code=ErrorCode.INVALID_CASE
            ) from None
    created = existing = 0
    with unit_of_work(session_factory(database_url)) as session:
        for item in items:
            _, new = open_case(session, principal=_cli_principal(), data=item, settings=settings)
            created, existing = created + new, existing + (not new)
    echo(f"{file}: {created} cases opened, {existing} already open")


@cases_app.command("screen")
def cases_screen(
    file: Annotated[
        Path, typer.Argument(help="JSON Lines: one listing a line (as POST /v1/screen takes).")
    ],
    marketplace: Annotated[
        str, typer.Option(help="The marketplace: its party id (MKT:tmall) or name (Tmall).")
    ],
    database_url: DatabaseOpt = None,
) -> None:
    """Screen listings against the registry in the database and open a case for each
    infringing or review verdict (a batch of screening results becomes cases). The
    marketplace must be one of the registry's; a listing already under an undecided case
    there opens no other (counted as already open), as the API and the console do."""
    from ringfence.core.db import unit_of_work
    from ringfence.enforcement.uploads import screen_upload
    from ringfence.screening.engine import Engine

    settings = settings_for(database_url)
    rows = []
    for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = jsontext.loads(line)
        except ValueError:
            raise InvalidInput(f"{file}:{n}: not JSON", code=ErrorCode.INVALID_JSON) from None
        if not isinstance(row, dict):
            raise InvalidInput(f"{file}:{n}: not a JSON object", code=ErrorCode.INVALID_JSON)
        rows.append(row)
    engine = Engine(screening_data(database_url, False))
    with unit_of_work(session_factory(database_url)) as session:
        screened = screen_upload(
            session,
            principal=_cli_principal(),
            engine=engine,
            marketplace=marketplace,
            rows=rows,
            settings=settings,
        )
    results = [s.out for s in screened]
    opened = sum(1 for r in results if r.created)
    known = sum(1 for r in results if r.created is False)
    errors = sum(1 for r in results if r.created is None and r.reason)
    echo(
        f"{file}: {len(results)} listings, {opened} cases opened, {known} already open, "
        f"{errors} not screened"
    )


@cases_app.command("list")
def cases_list(
    status: Annotated[list[str] | None, typer.Option(help="Status (repeat for several).")] = None,
    seller: Annotated[str | None, typer.Option(help="Seller id.")] = None,
    queue: Annotated[bool, typer.Option("--queue", help="The review queue order.")] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Cases as JSON."""
    from ringfence.enforcement.enums import CaseStatus
    from ringfence.enforcement.service import list_cases

    try:
        statuses = [CaseStatus(s) for s in status or []]
    except ValueError as exc:
        raise InvalidInput(f"--status: {exc}", code=ErrorCode.INVALID_STATUS) from None
    with session_factory(database_url)() as session:
        out = list_cases(
            session,
            principal=_cli_principal(),
            status=statuses,
            seller_id=seller,
            queue=queue,
            limit=100_000,
        )
    _print([c.model_dump(mode="json") for c in out])


@cases_app.command("show")
def cases_show(case_id: CaseArg, database_url: DatabaseOpt = None) -> None:
    """One case with its evidence, notices and appeal."""
    from ringfence.enforcement.service import get_case

    with session_factory(database_url)() as session:
        _print(
            get_case(session, principal=_cli_principal(), case_id=case_id).model_dump(mode="json")
        )


@cases_app.command("decide")
def cases_decide(
    case_id: CaseArg,
    decision: Annotated[str, typer.Option(help="takedown, dismiss, licensed or escalate.")],
    reason: Annotated[str, typer.Option(help="A reason code of that decision.")],
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    except_mark: Annotated[
        str | None, typer.Option(help="With dismiss: make an exception of this mark.")
    ] = None,
    except_text: Annotated[
        str | None,
        typer.Option(help="The listing's phrase around the mark (never the mark alone)."),
    ] = None,
    except_reason: Annotated[
        str, typer.Option(help="Why the phrase is legitimate (an exception reason).")
    ] = "other",
    preview: Annotated[
        bool,
        typer.Option("--preview", help="Print what the exception would change; decide nothing."),
    ] = False,
    days: Annotated[
        int, typer.Option(min=1, max=366, help="The preview's kept listing verdicts: days.")
    ] = 30,
    now: NowOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Decide a case (a takedown's notice is sent by `notices dispatch`). A dismissal may
    make a scoped exception (--except-mark and --except-text), previewed with --preview."""
    from pydantic import ValidationError

    from ringfence.core.db import unit_of_work
    from ringfence.enforcement.schemas import DecisionIn, ExceptionPreviewIn
    from ringfence.enforcement.service import decide
    from ringfence.flows.exceptions import preview_exception

    if (except_mark is None) != (except_text is None):
        raise InvalidInput(
            "--except-mark and --except-text go together", code=ErrorCode.INVALID_DECISION
        )
    if preview and except_mark is None:
        raise InvalidInput(
            "--preview needs --except-mark and --except-text", code=ErrorCode.INVALID_DECISION
        )
    add = (
        {"mark": except_mark, "text": except_text, "reason": except_reason}
        if except_mark is not None
        else None
    )
    try:
        data = DecisionIn.model_validate(
            {"decision": decision, "reason_code": reason, "note": note, "add_exception": add}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        for field, option in (
            ("reason_code", "reason"),
            ("add_exception.reason", "except-reason"),
            ("add_exception.text", "except-text"),
            ("add_exception.mark", "except-mark"),
        ):
            where = where.replace(field, option)
        raise InvalidInput(f"--{where}: {first['msg']}", code=ErrorCode.INVALID_DECISION) from None
    settings = settings_for(database_url)
    if preview:
        assert data.add_exception is not None
        spec = ExceptionPreviewIn.model_validate(data.add_exception.model_dump() | {"days": days})
        with session_factory(database_url)() as session:
            shown = preview_exception(
                session, principal=_cli_principal(), case_id=case_id, data=spec, now=_when(now)
            )
        _print(shown.model_dump(mode="json"))
        return
    with unit_of_work(session_factory(database_url)) as session:
        out = decide(
            session,
            principal=_cli_principal(),
            case_id=case_id,
            data=data,
            settings=settings,
            now=_when(now),
        )
    echo(f"case {case_id}: {out.status.value}")


@cases_app.command("exceptions")
def cases_exceptions(case_id: CaseArg, database_url: DatabaseOpt = None) -> None:
    """The exceptions made from a case that are still in the registry."""
    from ringfence.enforcement.service import case_exceptions

    with session_factory(database_url)() as session:
        made = case_exceptions(session, principal=_cli_principal(), case_id=case_id)
    _print([x.model_dump(mode="json") for x in made])


@cases_app.command("revoke-exception")
def cases_revoke_exception(
    exception_id: Annotated[
        int, typer.Argument(min=1, max=2_147_483_647, help="The exception id.")
    ],
    now: NowOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Revoke an exception: its mark is protected again where it applied."""
    from ringfence.core.db import unit_of_work
    from ringfence.enforcement.service import revoke_exception

    with unit_of_work(session_factory(database_url)) as session:
        out = revoke_exception(
            session, principal=_cli_principal(), exception_id=exception_id, now=_when(now)
        )
    echo(f"exception {exception_id} revoked: {out.mark} {out.text!r}")


@cases_app.command("export-csv")
def cases_export_csv(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File; stdout if omitted.")
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Every case as CSV."""
    from ringfence.enforcement.service import export_csv

    with session_factory(database_url)() as session:
        text = export_csv(session, principal=_cli_principal())
    if out is None:
        sys.stdout.write(text)
        return
    _write(out, text.encode())
    echo(f"wrote {out}")


@cases_app.command("export-pack")
def cases_export_pack(
    case_id: CaseArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="The zip file to write.")],
    database_url: DatabaseOpt = None,
) -> None:
    """The evidence pack of a case (case.json + files/) for customs or a court."""
    from ringfence.enforcement.service import evidence_pack

    settings = settings_for(database_url)
    with session_factory(database_url)() as session:
        data = evidence_pack(
            session, principal=_cli_principal(), case_id=case_id, settings=settings
        )
    _write(out, data)
    echo(f"wrote {out}")


@cases_app.command("strikes")
def cases_strikes(seller: str, now: NowOpt = None, database_url: DatabaseOpt = None) -> None:
    """A seller's strikes in the policy window."""
    from ringfence.enforcement.service import strikes

    settings = settings_for(database_url)
    with session_factory(database_url)() as session:
        out = strikes(
            session, principal=_cli_principal(), seller_id=seller, settings=settings, now=_when(now)
        )
    _print(out.model_dump(mode="json"))


@cases_app.command("reporter")
def cases_reporter(reporter: str, database_url: DatabaseOpt = None) -> None:
    """A reporter's accuracy: upheld share, counter-notice losses, trusted lane."""
    from ringfence.enforcement.service import reporter_stats

    settings = settings_for(database_url)
    with session_factory(database_url)() as session:
        out = reporter_stats(
            session, principal=_cli_principal(), reporter=reporter, settings=settings
        )
    _print(out.model_dump(mode="json"))


# ------------------------------------------------------------------ appeals


@appeals_app.command("decide")
def appeals_decide(
    case_id: CaseArg,
    outcome: Annotated[str, typer.Option(help="upheld (reinstate) or rejected.")],
    reason: Annotated[str, typer.Option(help="A reason code of that outcome.")],
    now: NowOpt = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Decide the seller's counter-notice."""
    from ringfence.core.db import unit_of_work
    from ringfence.enforcement.enums import AppealStatus, ReasonCode
    from ringfence.enforcement.service import decide_appeal

    try:
        outcome_value, reason_value = AppealStatus(outcome), ReasonCode(reason)
    except ValueError as exc:
        raise InvalidInput(str(exc), code=ErrorCode.INVALID_APPEAL_DECISION) from None
    settings = settings_for(database_url)
    with unit_of_work(session_factory(database_url)) as session:
        out = decide_appeal(
            session,
            principal=_cli_principal(),
            case_id=case_id,
            outcome=outcome_value,
            reason_code=reason_value,
            settings=settings,
            now=_when(now),
        )
    echo(f"case {case_id}: {out.status.value}")


# ------------------------------------------------------------------ notices, scheduler


@notices_app.command("dispatch")
def notices_dispatch(database_url: DatabaseOpt = None) -> None:
    """Deliver every pending or failed notice with the configured connector."""
    from ringfence.core.db import unit_of_work
    from ringfence.enforcement.interfaces import connector_from_settings
    from ringfence.enforcement.service import dispatch_notices

    settings = settings_for(database_url)
    connector = connector_from_settings(settings)
    with unit_of_work(session_factory(database_url)) as session:
        delivered, failed = dispatch_notices(session, connector=connector, settings=settings)
    echo(f"notices: {delivered} delivered, {failed} failed")
    if failed:
        raise typer.Exit(1)


@scheduler_app.command("run")
def scheduler_run(now: NowOpt = None, database_url: DatabaseOpt = None) -> None:
    """Enforce the deadlines once (run it from cron): close takedowns whose counter-notice
    window passed, uphold appeals the rights holder left undecided."""
    from ringfence.core.db import unit_of_work
    from ringfence.enforcement.service import run_deadlines

    settings = settings_for(database_url)
    with unit_of_work(session_factory(database_url)) as session:
        out = run_deadlines(session, settings=settings, now=_when(now))
    _print(out.model_dump(mode="json"))


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
    app.add_typer(appeals_app, name="appeals")
    app.add_typer(notices_app, name="notices")
    app.add_typer(scheduler_app, name="scheduler")
