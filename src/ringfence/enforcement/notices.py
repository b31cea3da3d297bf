"""Takedown notices: sending them through the connector, the marketplace's view and its
confirmations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ringfence.core.errors import Forbidden, InvalidInput
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.core.states import move
from ringfence.enforcement._common import _actor, _audit, _get_case, _now
from ringfence.enforcement.decisions import REMOVALS, counter_notice_token
from ringfence.enforcement.enums import CASE, NOTICE, CaseStatus, NoticeStatus
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.interfaces import NoticeConnector, NoticeMessage
from ringfence.enforcement.models import Case, Delivery, Notice
from ringfence.enforcement.schemas import CaseOut, NoticeTask


def _message(case: Case, notice: Notice, settings: Settings) -> NoticeMessage:
    payload: dict[str, Any] = {
        "case": case.id,
        "rights_holder": case.rights_holder_id,
        "listing_id": case.listing_id,
        "listing_version": case.listing_version,
        "seller_id": case.seller_id,
        "marks": list(case.marks),
        "reason_code": case.reason_code.value if case.reason_code else None,
    }
    if notice.action in REMOVALS:
        payload["counter_notice"] = {
            "token": counter_notice_token(settings, case.id),
            "path": f"/v1/cases/{case.id}/counter-notice",
            "days_after_removal": settings.counter_notice_days,
        }
    return NoticeMessage(
        notice.id, notice.idempotency_key, notice.action, case.marketplace_id, payload
    )


def dispatch_notices(
    session: Session,
    *,
    connector: NoticeConnector,
    settings: Settings,
    case_id: int | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Deliver pending and failed notices (of one case, or all); log every attempt. Returns
    (delivered, failed). Runs as the system: callers scope it (the API passes a case it has
    shown the principal)."""
    now = _now(now)
    query = select(Notice).where(
        Notice.status.in_([NoticeStatus.pending, NoticeStatus.failed]),
        or_(Notice.hold_until.is_(None), Notice.hold_until <= now),  # undo windows passed
    )
    if case_id is not None:
        query = query.where(Notice.case_id == case_id)
    delivered = failed = 0
    # skip_locked: two dispatchers at once (cron and an API call) never deliver one notice twice.
    locked = query.order_by(Notice.id).with_for_update(skip_locked=True)
    for notice in list(session.scalars(locked)):
        case = session.get_one(Case, notice.case_id)
        report = connector.deliver(_message(case, notice, settings))
        first = notice.attempts
        for attempt in report.attempts:
            session.add(
                Delivery(
                    notice_id=notice.id,
                    attempt=first + attempt.attempt,
                    at=attempt.at,
                    ok=attempt.ok,
                    status_code=attempt.status_code,
                    error=attempt.error,
                    waited=attempt.waited,
                )
            )
        notice.attempts = first + len(report.attempts)
        target = NoticeStatus.sent if report.delivered else NoticeStatus.failed
        move(notice, NOTICE, target)
        last = report.attempts[-1] if report.attempts else None
        notice.last_error = None if report.delivered else (last.error if last else "not sent")
        if report.delivered:
            notice.sent_at = now
            delivered += 1
        else:
            failed += 1
        session.flush()
        _audit(
            session,
            case,
            "notice.delivered" if report.delivered else "notice.delivery_failed",
            "system",
            now,
            notice=notice.id,
            attempts=len(report.attempts),
            status_codes=[a.status_code for a in report.attempts],
        )
    return delivered, failed


def deliveries(session: Session, *, principal: Principal, case_id: int) -> list[Delivery]:
    case = _get_case(session, principal, case_id)
    return list(
        session.scalars(
            select(Delivery)
            .join(Notice, Notice.id == Delivery.notice_id)
            .where(Notice.case_id == case.id)
            .order_by(Delivery.id)
        )
    )


def confirm_removal(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    settings: Settings,
    now: datetime | None = None,
) -> CaseOut:
    """The marketplace took the listing down: the counter-notice window starts now."""
    case = _get_case(session, principal, case_id, lock=True)
    if principal.role is not Role.marketplace and not principal.is_admin:
        raise Forbidden("only the marketplace confirms a removal", code=ErrorCode.FORBIDDEN_ROLE)
    now = _now(now)
    notice = session.scalars(
        select(Notice)
        .where(Notice.case_id == case.id, Notice.action.in_(REMOVALS))
        .order_by(Notice.id.desc())
        .with_for_update()
    ).first()
    if notice is None:
        raise InvalidInput("the case has no takedown notice", code=ErrorCode.NO_NOTICE)
    move(case, CASE, CaseStatus.taken_down)
    if notice.status is NoticeStatus.pending or notice.status is NoticeStatus.failed:
        # The marketplace acted on it (another channel, a delivery whose answer was lost).
        move(notice, NOTICE, NoticeStatus.sent)
        notice.sent_at = now
    move(notice, NOTICE, NoticeStatus.confirmed)
    notice.confirmed_at = now
    case.counter_notice_due = now + timedelta(days=settings.counter_notice_days)
    case.updated_at = now
    session.flush()
    _audit(
        session,
        case,
        "case.removal_confirmed",
        _actor(principal),
        now,
        notice=notice.id,
        counter_notice_due=case.counter_notice_due.isoformat(),
    )
    return CaseOut.model_validate(case)


# What a marketplace still has to do: the notices not yet confirmed (or retracted).
OUTSTANDING = (NoticeStatus.pending, NoticeStatus.sent, NoticeStatus.failed)


def marketplace_notices(
    session: Session,
    *,
    principal: Principal,
    settings: Settings,
    done: bool = False,
    limit: int = 200,
    now: datetime | None = None,
) -> list[NoticeTask]:
    """The notices addressed to the marketplace (the admin: to every marketplace) with their
    case's listing and deadline (``removal_hours`` after the notice was written). Outstanding
    ones (pending, sent, failed) by deadline, the earliest first; ``done``: the confirmed and
    retracted ones, the latest first. A removal notice whose case waits for the removal can
    be confirmed (``confirm_removal``)."""
    if principal.role is not Role.marketplace and not principal.is_admin:
        raise Forbidden("only a marketplace has notices to act on", code=ErrorCode.FORBIDDEN_ROLE)
    now = _now(now)
    query = select(Notice, Case).join(Case, Case.id == Notice.case_id)
    if not principal.is_admin:
        query = query.where(Notice.marketplace_id == principal.party_id)
    if done:
        query = query.where(Notice.status.not_in(OUTSTANDING)).order_by(Notice.id.desc())
    else:
        query = query.where(Notice.status.in_(OUTSTANDING)).order_by(Notice.id)
    window = timedelta(hours=settings.removal_hours)
    out = []
    for notice, case in session.execute(query.limit(limit)):
        deadline = notice.created_at + window
        waiting = notice.status in OUTSTANDING
        out.append(
            NoticeTask(
                notice=notice.id,
                action=notice.action,
                status=notice.status,
                marketplace=notice.marketplace_id,
                created_at=notice.created_at,
                sent_at=notice.sent_at,
                confirmed_at=notice.confirmed_at,
                deadline=deadline,
                overdue=waiting and deadline < now,
                case=case.id,
                case_status=case.status,
                rights_holder=case.rights_holder_id,
                listing_id=case.listing_id,
                seller_id=case.seller_id,
                title=case.title,
                marks=list(case.marks),
                can_confirm=waiting
                and notice.action in REMOVALS
                and case.status is CaseStatus.takedown_requested,
            )
        )
    if not done:
        out.sort(key=lambda t: (t.deadline, t.notice))
    return out
