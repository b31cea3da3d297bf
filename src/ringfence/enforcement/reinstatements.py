"""The marketplace puts a listing back: an upheld appeal (or one upheld by default) retracts the
takedown and writes a ``reinstate`` notice; the marketplace confirms it acted on it, from its
to-do list (``/console/notices``) or the API (``POST /v1/cases/{id}/reinstatement-confirmation``),
as it confirms a removal. The notice moves along the notice machine (``enums.NOTICE``):
pending or failed -> sent (the marketplace got it, by whatever channel) -> confirmed; the case
stays ``reinstated`` (final). The confirmation writes its audit event in the same transaction;
nothing here commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.errors import Forbidden, InvalidInput
from ringfence.core.security import Principal, Role
from ringfence.core.states import move
from ringfence.enforcement._common import _actor, _audit, _get_case, _now
from ringfence.enforcement.enums import NOTICE, CaseStatus, NoticeStatus
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.models import Notice
from ringfence.enforcement.notices import OUTSTANDING
from ringfence.enforcement.schemas import CaseOut, NoticeTask

REINSTATE = "reinstate"


def can_confirm_reinstatement(task: NoticeTask) -> bool:
    """A ``reinstate`` notice still to act on, of a reinstated case."""
    return (
        task.action == REINSTATE
        and task.status in OUTSTANDING
        and task.case_status is CaseStatus.reinstated
    )


def confirm_reinstatement(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    now: datetime | None = None,
) -> CaseOut:
    """The marketplace put the listing back up: its ``reinstate`` notice is confirmed. Only
    the marketplace of the case (or the admin); InvalidInput ``no_notice`` when the case has
    no reinstatement to confirm (none written, or confirmed already)."""
    case = _get_case(session, principal, case_id, lock=True)
    if principal.role is not Role.marketplace and not principal.is_admin:
        raise Forbidden(
            "only the marketplace confirms a reinstatement", code=ErrorCode.FORBIDDEN_ROLE
        )
    now = _now(now)
    notice = session.scalars(
        select(Notice)
        .where(
            Notice.case_id == case.id,
            Notice.action == REINSTATE,
            Notice.status.in_(OUTSTANDING),
        )
        .order_by(Notice.id.desc())
        .with_for_update()
    ).first()
    if notice is None or case.status is not CaseStatus.reinstated:
        raise InvalidInput(
            "the case has no reinstatement to confirm", code=ErrorCode.NO_NOTICE, loc=("case_id",)
        )
    if notice.status is not NoticeStatus.sent:
        # The marketplace acted on it (another channel, a delivery whose answer was lost).
        move(notice, NOTICE, NoticeStatus.sent)
        notice.sent_at = now
    move(notice, NOTICE, NoticeStatus.confirmed)
    notice.confirmed_at = now
    case.updated_at = now
    session.flush()
    _audit(session, case, "case.reinstatement_confirmed", _actor(principal), now, notice=notice.id)
    return CaseOut.model_validate(case)
