"""Reporters: their record of upheld and dismissed reports, and who counts as trusted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringfence.core.errors import Forbidden, InvalidInput, NotFound
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement._common import OPENERS, _require
from ringfence.enforcement.enums import CaseStatus
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.models import Case
from ringfence.enforcement.schemas import ReporterOut
from ringfence.registry.models import Party

# --------------------------------------------------------------------------- reporters


@dataclass(frozen=True)
class _Record:
    reports: int
    decided: int
    upheld: int
    losses: int


def _reporter_record(session: Session, reporter: str) -> _Record:
    decided_statuses = [
        CaseStatus.takedown_requested,
        CaseStatus.taken_down,
        CaseStatus.appealed,
        CaseStatus.closed_taken_down,
        CaseStatus.reinstated,
        CaseStatus.dismissed,
        CaseStatus.licensed,
    ]
    upheld_statuses = [
        CaseStatus.takedown_requested,
        CaseStatus.taken_down,
        CaseStatus.appealed,
        CaseStatus.closed_taken_down,
    ]
    row = session.execute(
        select(
            func.count(),
            func.count().filter(Case.status.in_(decided_statuses)),
            func.count().filter(Case.status.in_(upheld_statuses)),
            func.count().filter(Case.status == CaseStatus.reinstated),
        ).where(Case.reporter_id == reporter)
    ).one()
    return _Record(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def _trusted(record: _Record, settings: Settings) -> bool:
    return (
        record.decided >= settings.trusted_reporter_min_reports
        and record.upheld / record.decided >= settings.trusted_reporter_share
    )


def reporter_stats(
    session: Session, *, principal: Principal, reporter: str, settings: Settings
) -> ReporterOut:
    """A reporter's share of upheld reports and counter-notice losses. The reporter itself, a
    marketplace for the reporters it forwards, and admins may look; rights holders see the
    record of their own reporting."""
    _require(principal, OPENERS, "see reporter records")
    forwarded = principal.role is Role.marketplace and session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.reporter_id == reporter, Case.marketplace_id == principal.party_id)
    )
    if not (principal.is_admin or reporter == principal.party_id or forwarded):
        raise NotFound(f"no reporter {reporter!r}", code=ErrorCode.REPORTER_NOT_FOUND)
    record = _reporter_record(session, reporter)
    return ReporterOut(
        reporter=reporter,
        reports=record.reports,
        decided=record.decided,
        upheld=record.upheld,
        counter_notice_losses=record.losses,
        upheld_share=round(record.upheld / record.decided, 4) if record.decided else None,
        trusted=_trusted(record, settings),
    )


def _reporter(session: Session, principal: Principal, given: str | None) -> str:
    """Who a report counts for: the authenticated caller. A marketplace (or the admin) may
    name a buyer it forwards (``buyer:123``), never a party: a reference that is another
    party's id is refused (422), so nobody moves another party's reporter accuracy."""
    own = principal.party_id or "system"
    if given is None or given == own:
        return own
    if principal.role is Role.rights_holder:
        raise Forbidden("a rights holder reports in its own name", code=ErrorCode.NOT_YOUR_PARTY)
    if session.get(Party, given) is not None:
        raise InvalidInput(
            f"the reporter is the caller ({own}); {given!r} is another party",
            code=ErrorCode.REPORTER_NOT_CALLER,
            loc=("reporter",),
        )
    return given
