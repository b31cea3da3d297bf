"""What every enforcement module shares: the roles that may act, the clock, the actor, the audit
writer, the visibility rule and the loaders that apply it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from ringfence.core.db import utcnow
from ringfence.core.errors import Forbidden, NotFound
from ringfence.core.security import Principal, Role
from ringfence.enforcement import events
from ringfence.enforcement.enums import CaseStatus, NoticeStatus
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.models import Case, Notice

IOC = "IOC"
OPENERS = frozenset({Role.admin, Role.rights_holder, Role.marketplace})
ANALYSTS = frozenset({Role.admin, Role.rights_holder})
ACTIONABLE_VERDICTS = frozenset({"infringing", "review"})
# Magic bytes of the file types accepted as evidence; text/plain must be UTF-8.
FILE_TYPES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
    "text/plain": (),
}


# --------------------------------------------------------------------------- helpers


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def _actor(principal: Principal) -> str:
    who = principal.party_id or "system"
    return f"{who} (key {principal.key_id})" if principal.key_id else who


def _audit(
    session: Session,
    case: Case,
    kind: str,
    actor: str,
    now: datetime,
    **payload: Any,
) -> None:
    events.record(
        session,
        rights_holder_id=case.rights_holder_id,
        kind=kind,
        actor=actor,
        at=now,
        case_id=case.id,
        payload=payload,
    )


# --------------------------------------------------------------------------- scoping


def _visible(principal: Principal) -> ColumnElement[bool]:
    if principal.is_admin:
        return true()
    if principal.role is Role.rights_holder:
        return Case.rights_holder_id == principal.party_id
    if principal.role is Role.marketplace:
        return Case.marketplace_id == principal.party_id
    return false()


def _can_see(principal: Principal, case: Case) -> bool:
    """The same rule as ``_visible``, for a row already loaded."""
    if principal.is_admin:
        return True
    if principal.role is Role.rights_holder:
        return case.rights_holder_id == principal.party_id
    if principal.role is Role.marketplace:
        return case.marketplace_id == principal.party_id
    return False


def _require(principal: Principal, roles: frozenset[Role], what: str) -> None:
    if principal.role not in roles:
        raise Forbidden(
            f"the {principal.role.value} role may not {what}", code=ErrorCode.FORBIDDEN_ROLE
        )


def _get_case(session: Session, principal: Principal, case_id: int, *, lock: bool = False) -> Case:
    """A case the principal may see (NotFound otherwise); ``lock`` for a command that changes
    it (SELECT ... FOR UPDATE: two decisions on one case never interleave)."""
    _require(principal, OPENERS, "see enforcement cases")
    query = select(Case).where(Case.id == case_id, _visible(principal))
    case = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if case is None:
        raise NotFound(f"no case with id {case_id}", code=ErrorCode.CASE_NOT_FOUND)
    return case


def _analyst_case(session: Session, principal: Principal, case_id: int) -> Case:
    case = _get_case(session, principal, case_id, lock=True)
    _require(principal, ANALYSTS, "decide enforcement cases")
    return case


def _cases_query(
    principal: Principal, status: Sequence[CaseStatus], seller_id: str | None
) -> Select[Case]:
    query = select(Case).where(_visible(principal))
    if status:
        query = query.where(Case.status.in_(list(status)))
    if seller_id is not None:
        query = query.where(Case.seller_id == seller_id)
    return query


def _new_notice(session: Session, case: Case, action: str, actor: str, now: datetime) -> Notice:
    notice = Notice(
        case_id=case.id,
        marketplace_id=case.marketplace_id,
        action=action,
        status=NoticeStatus.pending,
        idempotency_key=f"rf-{action}-{case.id}-{uuid.uuid4().hex[:16]}",
        attempts=0,
        created_at=now,
    )
    session.add(notice)
    session.flush()
    _audit(
        session,
        case,
        "notice.created",
        actor,
        now,
        notice=notice.id,
        action=action,
        idempotency_key=notice.idempotency_key,
    )
    return notice
