"""Enforcement's audit writers: the kinds of event it records in a rights holder's chain (each
with the keys of its payload), written through the trail of ``core.audit``.

A case's, a notice's and an appeal's steps are recorded by these events, written by the command
that makes the step (``core.states`` writes no ``case.status`` beside them: the machines say
``recorded_by``). The writer's names are re-exported for enforcement's modules, which write
``events.record(...)``; the chain, its tables and its check live in ``core.audit`` alone.
"""

from __future__ import annotations

from ringfence.core.audit import (
    GENESIS,
    Break,
    Entry,
    canonical_json,
    kind,
    record,
    record_many,
    verify,
)

__all__ = ["GENESIS", "Break", "Entry", "canonical_json", "record", "record_many", "verify"]

_P = "enforcement"

kind(
    "case.opened",
    _P,
    "a case opened (a report, a verdict, a seller's strikes)",
    (
        "source",
        "subject",
        "marketplace",
        "listing",
        "version",
        "seller",
        "marks",
        "reporter",
        "trusted",
        "strikes",
        "trigger",
    ),
)
kind("case.reported_again", _P, "a listing already in a case reported again", ("reporter",))
kind(
    "evidence.added",
    _P,
    "evidence added to a case (its digest)",
    ("evidence", "evidence_kind", "sha256", "digest"),
)
kind(
    "case.decided",
    _P,
    "a decision: the case's status moves (open/escalated -> takedown_requested, dismissed, ...)",
    ("decision", "reason", "note", "previous", "status"),
)
kind(
    "case.decision_undone",
    _P,
    "a decision undone in its undo window: the case goes back, its unsent notices are retracted",
    ("decision", "status"),
)
kind(
    "registry.exception_added",
    _P,
    "a dismissal added a scoped exception to a mark",
    ("mark", "text", "reason", "exception", "territories", "category"),
)
kind(
    "registry.exception_revoked",
    _P,
    "a scoped exception made from a case revoked",
    ("exception", "mark", "text", "territories", "category"),
)
kind(
    "registry.seller_licensed",
    _P,
    "a licensed decision added the seller to a licence",
    ("licence", "seller"),
)
kind(
    "notice.created",
    _P,
    "a notice to the marketplace made (status pending)",
    ("notice", "action", "idempotency_key"),
)
kind(
    "notice.delivered",
    _P,
    "a notice delivered (pending/failed -> sent)",
    ("notice", "attempts", "status_codes"),
)
kind(
    "notice.delivery_failed",
    _P,
    "a notice's delivery failed (-> failed)",
    ("notice", "attempts", "status_codes"),
)
kind("notice.retracted", _P, "notices retracted (-> retracted)", ("notices",))
kind(
    "case.removal_confirmed",
    _P,
    "the marketplace confirmed a removal (case -> taken_down, notice -> confirmed)",
    ("notice", "counter_notice_due"),
)
kind(
    "case.reinstatement_confirmed",
    _P,
    "the marketplace confirmed a listing is back up (reinstate notice -> confirmed)",
    ("notice",),
)
kind(
    "appeal.filed",
    _P,
    "a seller's counter-notice (appeal filed, case -> appealed)",
    ("appeal", "statement_sha256", "decide_by"),
)
kind(
    "appeal.withdrawn",
    _P,
    "an appeal withdrawn (appeal -> withdrawn, case -> closed_taken_down)",
    ("appeal",),
)
kind(
    "appeal.decided",
    _P,
    "an appeal decided (upheld/rejected; case -> reinstated/closed_taken_down)",
    ("appeal", "outcome", "reason", "status"),
)
kind("strike.recorded", _P, "a strike against a seller", ("seller", "strikes"))
kind(
    "case.counter_notice_window_closed",
    _P,
    "no appeal in the counter-notice window (case -> closed_taken_down)",
)
kind("case.handed_over", _P, "a case handed to the next organising committee", ("to", "edition"))
kind("case.received", _P, "a case received from the previous committee", ("from", "edition"))
kind(
    "case.assigned",
    _P,
    "a case assigned to a team member",
    ("assignee", "assignee_email", "previous"),
)
kind("case.unassigned", _P, "a case's assignee removed", ("assignee", "assignee_email", "previous"))
kind("case.commented", _P, "a comment on a case (with its mentions)", ("comment", "mentions"))
