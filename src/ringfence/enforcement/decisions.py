"""Deciding cases: one or in bulk, the undo window, and the decided cases kept as sense
training examples."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.audit import AuditEvent
from ringfence.core.errors import Conflict, InvalidInput
from ringfence.core.security import Principal
from ringfence.core.settings import Settings
from ringfence.core.states import move
from ringfence.enforcement._common import (
    ANALYSTS,
    _actor,
    _analyst_case,
    _audit,
    _cases_query,
    _get_case,
    _new_notice,
    _now,
    _require,
)
from ringfence.enforcement.enums import (
    CASE,
    DECISION_REASONS,
    NOTICE,
    CaseStatus,
    CaseSubject,
    Decision,
    NoticeStatus,
    ReasonCode,
)
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.exceptions import _add_exception, _registry_engine, _scoped_exception
from ringfence.enforcement.models import Case, Notice
from ringfence.enforcement.schemas import CaseOut, DecisionIn
from ringfence.registry import service as registry

# --------------------------------------------------------------------------- decisions

# What a takedown asks of the marketplace: remove the listing, or act on the seller's account
# (a seller case: the repeat-infringer policy's seller-level action).
REMOVALS = ("takedown", "seller_suspension")


def _removal_action(case: Case) -> str:
    return "takedown" if case.subject is CaseSubject.listing else "seller_suspension"


_DECISION_STATUS = {
    Decision.takedown: CaseStatus.takedown_requested,
    Decision.dismiss: CaseStatus.dismissed,
    Decision.licensed: CaseStatus.licensed,
    Decision.escalate: CaseStatus.escalated,
}


def counter_notice_token(settings: Settings, case_id: int) -> str:
    """The seller's credential for one case: an HMAC of the case id under the server secret.
    Nothing is stored; it travels to the seller in the takedown notice."""
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"counter-notice:{case_id}".encode(), hashlib.sha256).hexdigest()


def decide(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    data: DecisionIn,
    settings: Settings,
    now: datetime | None = None,
    hold: timedelta | None = None,
) -> CaseOut:
    """Take down, dismiss, mark licensed or escalate, with a reason code of that decision.
    ``hold``: the decision's undo window (the console's); its takedown notice is not delivered
    before the window has passed (``dispatch_notices``), and ``undo_decision`` may reverse it."""
    case = _analyst_case(session, principal, case_id)
    now = _now(now)
    decided = _decide(session, principal, case, data, settings, now)
    if hold is not None and data.decision in UNDOABLE:
        for notice in session.scalars(
            select(Notice).where(Notice.case_id == case.id, Notice.status == NoticeStatus.pending)
        ):
            notice.hold_until = now + hold
        session.flush()
    return CaseOut.model_validate(decided)


# The decisions the console lets an analyst undo in their window, and how long it lasts.
UNDOABLE = frozenset({Decision.takedown, Decision.dismiss})
UNDO_WINDOW = timedelta(seconds=30)


def _last_decision(session: Session, case: Case) -> AuditEvent | None:
    return session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.rights_holder_id == case.rights_holder_id,
            AuditEvent.case_id == case.id,
            AuditEvent.kind == "case.decided",
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).one_or_none()


def undo_deadline(
    session: Session, *, principal: Principal, case_id: int, now: datetime | None = None
) -> datetime | None:
    """Until when the principal may still undo the case's decision (None: it may not): a take
    down or dismissal it made on the console less than ``UNDO_WINDOW`` ago whose notices have
    not left."""
    case = _get_case(session, principal, case_id)
    return _undo_deadline(session, principal, case, _now(now))


def _undo_deadline(
    session: Session, principal: Principal, case: Case, now: datetime
) -> datetime | None:
    if (
        principal.role not in ANALYSTS
        or case.decision not in UNDOABLE
        or case.decided_at is None
        or case.decided_by != _actor(principal)
        or case.status not in (CaseStatus.takedown_requested, CaseStatus.dismissed)
    ):
        return None
    until = case.decided_at + UNDO_WINDOW
    if now > until:
        return None
    notices = session.scalars(
        select(Notice).where(
            Notice.case_id == case.id,
            Notice.status != NoticeStatus.retracted,  # an earlier decision's, undone
        )
    )
    if any(n.status is not NoticeStatus.pending or n.hold_until is None for n in notices):
        return None  # a notice that is not held, or has left: too late
    return until


def undo_decision(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    now: datetime | None = None,
) -> CaseOut:
    """Undo the principal's own take down or dismissal within its undo window: the case goes
    back to the status it had (open or escalated) through the case machine, its held takedown
    notice is retracted unsent, and the audit trail records the undo. An exception the
    dismissal added stays (the case page lists it with Revoke)."""
    case = _analyst_case(session, principal, case_id)
    now = _now(now)
    if _undo_deadline(session, principal, case, now) is None:
        raise Conflict(
            "this decision can no longer be undone (its window has passed, its notice has "
            "left, or it is not yours)",
            code=ErrorCode.UNDO_EXPIRED,
        )
    last = _last_decision(session, case)
    previous = CaseStatus.open
    if last is not None:
        stated = json.loads(last.body).get("payload", {}).get("previous")
        if stated in (CaseStatus.open.value, CaseStatus.escalated.value):
            previous = CaseStatus(stated)
    undone = case.decision
    for notice in session.scalars(
        select(Notice).where(Notice.case_id == case.id, Notice.status == NoticeStatus.pending)
    ):
        move(notice, NOTICE, NoticeStatus.retracted)
        notice.hold_until = None
    move(case, CASE, previous)
    case.decision = case.reason_code = None
    case.decided_by = case.decided_at = None
    case.updated_at = now
    session.flush()
    _audit(
        session,
        case,
        "case.decision_undone",
        _actor(principal),
        now,
        decision=undone.value if undone else None,
        status=case.status.value,
    )
    return CaseOut.model_validate(case)


def _decide(
    session: Session,
    principal: Principal,
    case: Case,
    data: DecisionIn,
    settings: Settings,
    now: datetime,
) -> Case:
    if data.reason_code not in DECISION_REASONS[data.decision]:
        allowed = ", ".join(sorted(DECISION_REASONS[data.decision]))
        raise InvalidInput(
            f"{data.reason_code.value} is not a reason for {data.decision.value} ({allowed})",
            code=ErrorCode.INVALID_REASON_CODE,
            loc=("reason_code",),
        )
    if data.add_exception is not None and data.decision is not Decision.dismiss:
        raise InvalidInput(
            "add_exception goes with dismiss",
            code=ErrorCode.INVALID_COMBINATION,
            loc=("add_exception",),
        )
    if data.add_to_licence is not None and data.decision is not Decision.licensed:
        raise InvalidInput(
            "add_to_licence goes with licensed",
            code=ErrorCode.INVALID_COMBINATION,
            loc=("add_to_licence",),
        )
    scoped = None
    if data.add_exception is not None:  # checked before anything changes
        scoped = _scoped_exception(
            session, principal, case, data.add_exception, _registry_engine(session)
        )
    previous = case.status
    move(case, CASE, _DECISION_STATUS[data.decision])
    actor = _actor(principal)
    if data.decision is not Decision.escalate:
        case.decision, case.reason_code = data.decision, data.reason_code
        case.decided_by, case.decided_at = actor, now
    case.note = data.note or case.note
    case.updated_at = now
    session.flush()
    _audit(
        session,
        case,
        "case.decided",
        actor,
        now,
        decision=data.decision.value,
        reason=data.reason_code.value,
        note=data.note,
        previous=previous.value,
        status=case.status.value,
    )
    if scoped is not None:
        _add_exception(session, principal, case, *scoped, now)
    if data.add_to_licence is not None:
        _add_seller_to_licence(session, principal, case, data.add_to_licence, now)
    if data.decision is Decision.takedown:
        _new_notice(session, case, _removal_action(case), actor, now)
    return case


def _add_seller_to_licence(
    session: Session, principal: Principal, case: Case, licence_id: str, now: datetime
) -> None:
    lic = registry.get_licence(session, principal=principal, licence_id=licence_id)
    if case.seller_id not in lic.sellers:
        changed = lic.model_copy(update={"sellers": [*lic.sellers, case.seller_id]})
        registry.save_licence(session, principal=principal, data=changed, create=False)
    _audit(
        session,
        case,
        "registry.seller_licensed",
        _actor(principal),
        now,
        licence=licence_id,
        seller=case.seller_id,
    )


def bulk_decide(
    session: Session,
    *,
    principal: Principal,
    seller_id: str,
    case_ids: Sequence[int] | None,
    data: DecisionIn,
    settings: Settings,
    now: datetime | None = None,
) -> list[CaseOut]:
    """One decision over many listings of one seller: the given cases (all of that seller, or
    nothing changes), or every open and escalated case of the seller the principal sees."""
    _require(principal, ANALYSTS, "decide enforcement cases")
    now = _now(now)
    if case_ids is None:
        query = _cases_query(
            principal, [CaseStatus.open, CaseStatus.escalated], seller_id
        ).order_by(Case.id)
        cases = list(session.scalars(query.with_for_update()))
    else:
        cases = [_get_case(session, principal, cid, lock=True) for cid in dict.fromkeys(case_ids)]
        others = [c.id for c in cases if c.seller_id != seller_id]
        if others:
            raise InvalidInput(
                f"cases {others} are not of seller {seller_id!r}",
                code=ErrorCode.SELLER_MISMATCH,
                loc=("case_ids",),
            )
    return [
        CaseOut.model_validate(_decide(session, principal, c, data, settings, now)) for c in cases
    ]


# ------------------------------------------------------------------ sense training

# Dismissals that say the listing used a look-alike sense of the word, not the property
# ("legitimate_use" is not one: resale of genuine goods uses the property lawfully).
LOOKALIKE_REASONS = frozenset({ReasonCode.false_positive, ReasonCode.exception_applies})
CONFIRMED_TAKEDOWNS = frozenset({CaseStatus.taken_down, CaseStatus.closed_taken_down})


class DecisionExample(NamedTuple):
    """A listing's title and a mark, labelled by an analyst's decision on its case."""

    text: str
    mark: str
    label: str  # "olympic" or "other", as in training/sense/*.tsv
    case_id: int


def decision_examples(session: Session) -> list[DecisionExample]:
    """Labelled mentions from decided listing cases, for ``ringfence sense train
    --with-decisions``: a case dismissed as a false positive (or because an exception applies)
    makes each of its marks an ``other`` example of its title; a takedown the marketplace
    confirmed (taken down, or closed with the takedown standing) makes them ``olympic``. In
    case order, so training on the same database gives the same model."""
    lookalike = (Case.decision == Decision.dismiss) & Case.reason_code.in_(LOOKALIKE_REASONS)
    confirmed = (Case.decision == Decision.takedown) & Case.status.in_(CONFIRMED_TAKEDOWNS)
    rows = session.execute(
        select(Case.id, Case.title, Case.marks, Case.decision)
        .where(Case.subject == CaseSubject.listing, lookalike | confirmed)
        .order_by(Case.id)
    )
    out: list[DecisionExample] = []
    for case_id, title, marks, decision in rows:
        label = "other" if decision is Decision.dismiss else "olympic"
        out.extend(DecisionExample(title, mark, label, case_id) for mark in sorted(set(marks)))
    return out
