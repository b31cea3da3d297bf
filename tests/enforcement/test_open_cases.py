"""``open_cases`` (the streaming worker's batch of cases) against ``open_case`` called for each
item in turn: the same cases, evidence and audit events, the same answer per item, on both
databases."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core import audit
from ringfence.core.audit import AuditEvent
from ringfence.core.errors import Forbidden, RingfenceError
from ringfence.core.settings import Settings
from ringfence.enforcement import service
from ringfence.enforcement.enums import CaseSubject
from ringfence.enforcement.models import Case, Evidence
from ringfence.enforcement.schemas import CaseIn
from tests.enforcement.conftest import FRA_MARK, T0, TMALL, case_in

Outcome = tuple[bool, str] | str  # (created, listing) or the error's class


def _items() -> list[CaseIn]:
    return [
        case_in(listing_id="B-1"),
        case_in(listing_id="B-2", marks=[FRA_MARK], territories=["FR"]),
        case_in(listing_id="B-1", title="the same version again"),  # reported again
        case_in(listing_id="B-0"),  # opened before: reported again
        case_in(subject=CaseSubject.seller, listing_id=None),
        case_in(listing_id="B-3", marketplace="MKT:amazon"),  # not the caller's marketplace
        case_in(listing_id="B-4", findings=[], marks=[]),  # no evidence, no owner: the IOC
        case_in(listing_id="B-5", marks=["no-such-mark", FRA_MARK], territories=["NL"]),
    ]


def _outcome(session: Session, result: tuple[int, bool] | RingfenceError) -> Outcome:
    if isinstance(result, RingfenceError):
        return type(result).__name__
    case = session.get(Case, result[0])
    assert case is not None
    return result[1], f"{case.listing_id}/{case.rights_holder_id}"


def _state(session: Session, since: int) -> dict[str, Any]:
    """What the openings wrote, without ids (PostgreSQL does not give rolled-back ids again)."""
    cases = session.scalars(select(Case).where(Case.id > since).order_by(Case.id)).all()
    ids = {c.id: f"{c.subject.value}:{c.listing_id}" for c in cases}  # ids differ, keys do not
    skip = {"id", "created_at", "updated_at"}
    evidence = session.scalars(
        select(Evidence).where(Evidence.case_id > since).order_by(Evidence.id)
    ).all()
    audit = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id > since).order_by(AuditEvent.id)
    ).all()

    def payload(e: AuditEvent) -> dict[str, Any]:
        body = json.loads(e.body)["payload"]
        return {k: v for k, v in body.items() if k != "evidence"}

    return {
        "cases": [
            {col.key: getattr(c, col.key) for col in Case.__table__.columns if col.key not in skip}
            for c in cases
        ],
        "evidence": [(ids[e.case_id], e.kind, e.data, e.added_by) for e in evidence],
        "audit": [
            (e.rights_holder_id, e.kind, ids.get(e.case_id), e.actor, payload(e)) for e in audit
        ],
    }


def test_open_cases_writes_what_open_case_writes_one_by_one(
    session: Session, settings: Settings
) -> None:
    service.open_case(session, principal=TMALL, data=case_in(listing_id="B-0"),
                      settings=settings, now=T0)  # fmt: skip
    since = session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) or 0
    items = _items()

    one_by_one: list[Outcome] = []
    with session.begin_nested() as savepoint:
        for data in items:
            try:
                with session.begin_nested():
                    out, created = service.open_case(
                        session, principal=TMALL, data=data, settings=settings, now=T0
                    )
            except RingfenceError as exc:
                one_by_one.append(type(exc).__name__)
            else:
                one_by_one.append(_outcome(session, (out.id, created)))
        expected = _state(session, since)
        savepoint.rollback()
    # SQLite gives the rolled-back ids again: no object of the rolled-back rows may linger in
    # the identity map until the garbage collector's next pass (a flaky SAWarning otherwise).
    session.expunge_all()

    results = service.open_cases(session, principal=TMALL, data=items, settings=settings, now=T0)
    together = [_outcome(session, r) for r in results]

    assert together == one_by_one
    assert together[0] == (True, "B-1/NOC:NED")
    assert together[2] == (False, "B-1/NOC:NED")
    assert together[5] == Forbidden.__name__
    assert together[6] == (True, "B-4/IOC")
    got = _state(session, since)
    # The batch opens the new cases first and the one-by-one ones (reported again) after.
    assert sorted(map(repr, got["cases"])) == sorted(map(repr, expected["cases"]))
    assert len(got["cases"]) == 5
    assert sorted(map(repr, got["audit"])) == sorted(map(repr, expected["audit"]))
    assert len(got["evidence"]) == len(expected["evidence"])
    assert audit.verify(session) == []
