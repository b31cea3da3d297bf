"""Enforcement vocabulary: case, notice and appeal states with their transition tables, sources,
decisions and reason codes. Every status is a StrEnum stored by value."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from ringfence.core.states import Machine


class CaseSource(StrEnum):
    screening = "screening"  # a non-clean verdict: batch, API or stream
    buyer_report = "buyer_report"
    authenticity_scan = "authenticity_scan"  # a suspicious scan (wired by the authenticity domain)
    rights_holder_report = "rights_holder_report"
    repeat_infringer = "repeat_infringer"  # opened by the strike policy on a seller


class CaseSubject(StrEnum):
    listing = "listing"
    seller = "seller"


class CaseStatus(StrEnum):
    open = "open"  # waiting in the review queue
    escalated = "escalated"  # needs a senior (legal) look before a decision
    takedown_requested = "takedown_requested"  # decided: a notice goes to the marketplace
    taken_down = "taken_down"  # the marketplace confirmed the removal
    appealed = "appealed"  # the seller counter-notified
    closed_taken_down = "closed_taken_down"  # final: the takedown stands (strike counted)
    reinstated = "reinstated"  # final: the appeal was upheld, the listing goes back up
    dismissed = "dismissed"  # final: legitimate
    licensed = "licensed"  # final: the seller is licensed


class NoticeStatus(StrEnum):
    pending = "pending"  # written, not delivered yet
    sent = "sent"  # the marketplace acknowledged the delivery
    failed = "failed"  # every attempt failed; dispatched again later
    confirmed = "confirmed"  # the marketplace confirmed the removal
    retracted = "retracted"  # the takedown was withdrawn (appeal upheld): reinstate


class AppealStatus(StrEnum):
    filed = "filed"
    upheld = "upheld"  # the seller wins: the listing is reinstated
    rejected = "rejected"  # the takedown stands
    withdrawn = "withdrawn"


class Decision(StrEnum):
    takedown = "takedown"
    dismiss = "dismiss"
    licensed = "licensed"
    escalate = "escalate"


class ReasonCode(StrEnum):
    # takedown
    counterfeit = "counterfeit"  # fake goods bearing the marks: counts as a strike
    unlicensed_use = "unlicensed_use"  # genuine-looking goods, no licence
    ambush_marketing = "ambush_marketing"
    repeat_infringer = "repeat_infringer"  # a seller case: the seller-level action
    # dismiss
    legitimate_use = "legitimate_use"  # descriptive, editorial, resale of genuine goods
    exception_applies = "exception_applies"  # place name, grandfathered brand...
    insufficient_evidence = "insufficient_evidence"
    false_positive = "false_positive"
    # licensed
    licence_in_force = "licence_in_force"
    # escalate
    legal_review = "legal_review"
    high_reach = "high_reach"
    repeat_seller = "repeat_seller"
    # appeals
    licence_shown = "licence_shown"
    misidentified = "misidentified"
    counter_notice_unsupported = "counter_notice_unsupported"
    evidence_confirms_infringement = "evidence_confirms_infringement"
    decision_deadline_passed = "decision_deadline_passed"  # set by the scheduler
    seller_withdrew = "seller_withdrew"


DECISION_REASONS: dict[Decision, frozenset[ReasonCode]] = {
    Decision.takedown: frozenset(
        {
            ReasonCode.counterfeit,
            ReasonCode.unlicensed_use,
            ReasonCode.ambush_marketing,
            ReasonCode.repeat_infringer,
        }
    ),
    Decision.dismiss: frozenset(
        {
            ReasonCode.legitimate_use,
            ReasonCode.exception_applies,
            ReasonCode.insufficient_evidence,
            ReasonCode.false_positive,
        }
    ),
    Decision.licensed: frozenset({ReasonCode.licence_in_force}),
    Decision.escalate: frozenset(
        {ReasonCode.legal_review, ReasonCode.high_reach, ReasonCode.repeat_seller}
    ),
}

APPEAL_REASONS: dict[AppealStatus, frozenset[ReasonCode]] = {
    AppealStatus.upheld: frozenset(
        {
            ReasonCode.licence_shown,
            ReasonCode.misidentified,
            ReasonCode.legitimate_use,
            ReasonCode.decision_deadline_passed,
        }
    ),
    AppealStatus.rejected: frozenset(
        {ReasonCode.counter_notice_unsupported, ReasonCode.evidence_confirms_infringement}
    ),
    AppealStatus.withdrawn: frozenset({ReasonCode.seller_withdrew}),
}


# ------------------------------------------------------------------ state machines

# Every step of a case, a notice or an appeal is one command of enforcement.service, which
# writes the case's event (case.decided, case.removal_confirmed, notice.delivered,
# appeal.decided, ...: docs/audit.md) with the reason and the actor in the same transaction; a
# second, generic "<name>.status" event would record the same change twice.
_RECORDED_BY = "enforcement (its case events: docs/audit.md)"

_C = CaseStatus
CASE = Machine(
    "enforcement_cases.status",
    "case",
    {
        _C.open: frozenset({_C.escalated, _C.takedown_requested, _C.dismissed, _C.licensed}),
        _C.escalated: frozenset({_C.takedown_requested, _C.dismissed, _C.licensed}),
        # back to where it was: the decision undone in its undo window (service.undo_decision)
        _C.takedown_requested: frozenset({_C.taken_down, _C.open, _C.escalated}),
        _C.taken_down: frozenset({_C.appealed, _C.closed_taken_down}),
        _C.appealed: frozenset({_C.reinstated, _C.closed_taken_down}),
        _C.closed_taken_down: frozenset(),
        _C.reinstated: frozenset(),
        _C.dismissed: frozenset({_C.open, _C.escalated}),  # undone in its undo window
        _C.licensed: frozenset(),
    },
    recorded_by=_RECORDED_BY,
)
CASE_TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = CASE.table
# Final once the undo window of a dismissal has passed (the machine lets a dismissal be undone).
CASE_FINAL = CASE.final | {CaseStatus.dismissed}

_N = NoticeStatus
NOTICE = Machine(
    "enforcement_notices.status",
    "notice",
    {
        _N.pending: frozenset({_N.sent, _N.failed, _N.retracted}),  # retracted: undone, unsent
        _N.failed: frozenset({_N.sent, _N.failed}),
        _N.sent: frozenset({_N.confirmed, _N.retracted}),
        _N.confirmed: frozenset({_N.retracted}),
        _N.retracted: frozenset(),
    },
    recorded_by=_RECORDED_BY,
)
NOTICE_TRANSITIONS: Mapping[NoticeStatus, frozenset[NoticeStatus]] = NOTICE.table

_A = AppealStatus
APPEAL = Machine(
    "enforcement_appeals.status",
    "appeal",
    {
        _A.filed: frozenset({_A.upheld, _A.rejected, _A.withdrawn}),
        _A.upheld: frozenset(),
        _A.rejected: frozenset(),
        _A.withdrawn: frozenset(),
    },
    recorded_by=_RECORDED_BY,
)
APPEAL_TRANSITIONS: Mapping[AppealStatus, frozenset[AppealStatus]] = APPEAL.table


def case_transition(current: CaseStatus, target: CaseStatus) -> CaseStatus:
    """Check one step of a case (``core.states.move(case, CASE, to)`` applies it)."""
    return CASE.check(current, target)


def notice_transition(current: NoticeStatus, target: NoticeStatus) -> NoticeStatus:
    return NOTICE.check(current, target)


def appeal_transition(current: AppealStatus, target: AppealStatus) -> AppealStatus:
    return APPEAL.check(current, target)
