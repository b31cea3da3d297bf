"""Counter-notices and appeals: the seller's side, the decision, and the deadlines that close
a takedown."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringfence.core.errors import InvalidInput, NotFound
from ringfence.core.security import Principal
from ringfence.core.settings import Settings
from ringfence.core.states import move
from ringfence.enforcement._common import _actor, _analyst_case, _audit, _new_notice, _now
from ringfence.enforcement.decisions import REMOVALS, counter_notice_token
from ringfence.enforcement.enums import (
    APPEAL,
    APPEAL_REASONS,
    CASE,
    CASE_FINAL,
    NOTICE,
    AppealStatus,
    CaseSource,
    CaseStatus,
    CaseSubject,
    NoticeStatus,
    ReasonCode,
)
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.evidence import _add_evidence, store_file
from ringfence.enforcement.models import Appeal, Case, Notice, Strike
from ringfence.enforcement.schemas import AppealOut, CaseOut, DeadlinesOut, EvidenceOut
from ringfence.enforcement.strikes import _strike_count

# --------------------------------------------------------------------------- appeals


def file_counter_notice(
    session: Session,
    *,
    case_id: int,
    token: str,
    statement: str,
    settings: Settings,
    now: datetime | None = None,
) -> AppealOut:
    """The seller answers a takedown, within the window, with the token of the case. A wrong
    token and an unknown case get the same NotFound."""
    now = _now(now)
    case = _seller_case(session, case_id, token, settings)
    if case.status is CaseStatus.taken_down:
        assert case.counter_notice_due is not None
        if now > case.counter_notice_due:
            raise InvalidInput(
                "the counter-notice window has closed",
                code=ErrorCode.COUNTER_NOTICE_DEADLINE_PASSED,
            )
    move(case, CASE, CaseStatus.appealed)
    case.updated_at = now
    appeal = Appeal(
        case_id=case.id,
        status=AppealStatus.filed,
        statement=statement,
        filed_at=now,
        decide_by=now + timedelta(days=settings.appeal_decision_days),
    )
    session.add(appeal)
    session.flush()
    actor = f"seller:{case.seller_id}"
    _audit(
        session,
        case,
        "appeal.filed",
        actor,
        now,
        appeal=appeal.id,
        statement_sha256=hashlib.sha256(statement.encode()).hexdigest(),
        decide_by=appeal.decide_by.isoformat(),
    )
    _add_evidence(
        session,
        case,
        kind="statement",
        data={"statement": statement},
        actor=actor,
        now=now,
        appeal_id=appeal.id,
    )
    return AppealOut.model_validate(appeal)


def withdraw_counter_notice(
    session: Session,
    *,
    case_id: int,
    token: str,
    settings: Settings,
    now: datetime | None = None,
) -> AppealOut:
    """The seller withdraws its counter-notice: the takedown stands (a strike if counterfeit)."""
    now = _now(now)
    case = _seller_case(session, case_id, token, settings)
    appeal = session.scalars(
        select(Appeal).where(Appeal.case_id == case.id).with_for_update()
    ).one_or_none()
    if appeal is None:
        raise InvalidInput("the case has no appeal", code=ErrorCode.NO_APPEAL)
    actor = f"seller:{case.seller_id}"
    move(appeal, APPEAL, AppealStatus.withdrawn)
    appeal.decided_at, appeal.decided_by = now, actor
    appeal.reason_code = ReasonCode.seller_withdrew
    move(case, CASE, CaseStatus.closed_taken_down)
    case.updated_at = now
    session.flush()
    _audit(session, case, "appeal.withdrawn", actor, now, appeal=appeal.id)
    _close_takedown(session, case, actor, settings, now)
    return AppealOut.model_validate(appeal)


def _seller_case(session: Session, case_id: int, token: str, settings: Settings) -> Case:
    """The case whose counter-notice token this is; a wrong token and an unknown case get the
    same NotFound, after the same constant-time comparison."""
    case = session.scalars(select(Case).where(Case.id == case_id).with_for_update()).one_or_none()
    expected = counter_notice_token(settings, case_id)
    if not hmac.compare_digest(expected.encode(), token.encode()) or case is None:
        raise NotFound(f"no case with id {case_id}", code=ErrorCode.CASE_NOT_FOUND)
    return case


def add_counter_notice_file(
    session: Session,
    *,
    case_id: int,
    token: str,
    content: bytes,
    content_type: str,
    filename: str,
    settings: Settings,
    now: datetime | None = None,
) -> EvidenceOut:
    """The seller's evidence for a filed appeal (a licence, an invoice)."""
    now = _now(now)
    case = _seller_case(session, case_id, token, settings)
    appeal = session.scalars(select(Appeal).where(Appeal.case_id == case.id)).one_or_none()
    if appeal is None or appeal.status is not AppealStatus.filed:
        raise InvalidInput("file the counter-notice first", code=ErrorCode.NO_OPEN_APPEAL)
    digest = store_file(settings, content, content_type)
    row = _add_evidence(
        session,
        case,
        kind="file",
        data={},
        actor=f"seller:{case.seller_id}",
        now=now,
        appeal_id=appeal.id,
        sha256=digest,
        filename=Path(filename).name[:255] or digest,
        content_type=content_type.split(";", maxsplit=1)[0].strip().lower(),
        size=len(content),
    )
    return EvidenceOut.model_validate(row)


def decide_appeal(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    outcome: AppealStatus,
    reason_code: ReasonCode,
    settings: Settings,
    now: datetime | None = None,
) -> CaseOut:
    case = _analyst_case(session, principal, case_id)
    return CaseOut.model_validate(
        _decide_appeal(session, case, outcome, reason_code, _actor(principal), settings, _now(now))
    )


def _decide_appeal(
    session: Session,
    case: Case,
    outcome: AppealStatus,
    reason_code: ReasonCode,
    actor: str,
    settings: Settings,
    now: datetime,
) -> Case:
    allowed = APPEAL_REASONS.get(outcome, frozenset())
    if reason_code not in allowed:
        raise InvalidInput(
            f"{reason_code.value} is not a reason for {outcome.value}",
            code=ErrorCode.INVALID_REASON_CODE,
            loc=("reason_code",),
        )
    appeal = session.scalars(
        select(Appeal).where(Appeal.case_id == case.id).with_for_update()
    ).one_or_none()
    if appeal is None:
        raise InvalidInput("the case has no appeal", code=ErrorCode.NO_APPEAL)
    move(appeal, APPEAL, outcome)
    target = (
        CaseStatus.reinstated if outcome is AppealStatus.upheld else CaseStatus.closed_taken_down
    )
    move(case, CASE, target)
    appeal.decided_at, appeal.decided_by, appeal.reason_code = now, actor, reason_code
    case.updated_at = now
    session.flush()
    _audit(
        session,
        case,
        "appeal.decided",
        actor,
        now,
        appeal=appeal.id,
        outcome=outcome.value,
        reason=reason_code.value,
        status=case.status.value,
    )
    if outcome is AppealStatus.upheld:
        retracted = []
        for notice in session.scalars(
            select(Notice).where(
                Notice.case_id == case.id,
                Notice.action.in_(REMOVALS),
                Notice.status.in_([NoticeStatus.sent, NoticeStatus.confirmed]),
            )
        ):
            move(notice, NOTICE, NoticeStatus.retracted)
            retracted.append(notice.id)
        session.flush()
        _audit(session, case, "notice.retracted", actor, now, notices=retracted)
        _new_notice(session, case, "reinstate", actor, now)
    else:
        _close_takedown(session, case, actor, settings, now)
    return case


def _close_takedown(
    session: Session, case: Case, actor: str, settings: Settings, now: datetime
) -> None:
    """A takedown stands: a counterfeit one is a strike on the seller; enough strikes in the
    window open a seller case (once while one is not final). A seller case's own action is the
    consequence of strikes, not one more."""
    if case.reason_code is not ReasonCode.counterfeit or case.subject is CaseSubject.seller:
        return
    session.add(
        Strike(
            seller_id=case.seller_id,
            case_id=case.id,
            rights_holder_id=case.rights_holder_id,
            at=now,
        )
    )
    session.flush()
    count = _strike_count(session, case.seller_id, settings, now)
    _audit(session, case, "strike.recorded", actor, now, seller=case.seller_id, strikes=count)
    if count < settings.strike_threshold:
        return
    pending = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(
            Case.seller_id == case.seller_id,
            Case.subject == CaseSubject.seller,
            Case.status.not_in(list(CASE_FINAL)),
        )
    )
    if pending:
        return
    seller_case = Case(
        rights_holder_id=case.rights_holder_id,
        subject=CaseSubject.seller,
        source=CaseSource.repeat_infringer,
        status=CaseStatus.open,
        marketplace_id=case.marketplace_id,
        listing_id=None,
        listing_version="",
        seller_id=case.seller_id,
        title=f"repeat infringer: {count} strikes in {settings.strike_window_days} days",
        marks=list(case.marks),
        territories=list(case.territories),
        risk=1.0,
        reach=case.reach,
        reporter_id="system:strike-policy",
        trusted=True,
        created_at=now,
        updated_at=now,
    )
    session.add(seller_case)
    session.flush()
    _audit(
        session,
        seller_case,
        "case.opened",
        "system",
        now,
        source=seller_case.source.value,
        subject=seller_case.subject.value,
        seller=case.seller_id,
        strikes=count,
        trigger=case.id,
    )


# --------------------------------------------------------------------------- deadlines


def run_deadlines(
    session: Session, *, settings: Settings, now: datetime | None = None
) -> DeadlinesOut:
    """The scheduler: a takedown with no counter-notice in its window is closed (a strike if
    counterfeit); an appeal the rights holder did not decide in its window is upheld by default
    and the listing reinstated. Idempotent: run it as often as you like."""
    now = _now(now)
    before = set(session.scalars(select(Case.id).where(Case.subject == CaseSubject.seller)))
    closed: list[int] = []
    for case in session.scalars(
        select(Case)
        .where(Case.status == CaseStatus.taken_down, Case.counter_notice_due < now)
        .order_by(Case.id)
        .with_for_update()
    ).all():
        move(case, CASE, CaseStatus.closed_taken_down)
        case.updated_at = now
        session.flush()
        _audit(session, case, "case.counter_notice_window_closed", "system:scheduler", now)
        _close_takedown(session, case, "system:scheduler", settings, now)
        closed.append(case.id)
    upheld: list[int] = []
    overdue = session.scalars(
        select(Case)
        .join(Appeal, Appeal.case_id == Case.id)
        .where(Appeal.status == AppealStatus.filed, Appeal.decide_by < now)
        .order_by(Case.id)
        .with_for_update()
    ).all()
    for case in overdue:
        _decide_appeal(
            session,
            case,
            AppealStatus.upheld,
            ReasonCode.decision_deadline_passed,
            "system:scheduler",
            settings,
            now,
        )
        upheld.append(case.id)
    after = session.scalars(select(Case.id).where(Case.subject == CaseSubject.seller))
    return DeadlinesOut(
        closed_without_appeal=closed,
        appeals_upheld_by_default=upheld,
        seller_cases_opened=sorted(set(after) - before),
    )
