"""Enforcement's steps are recorded by its own events, not by a second, generic one
(docs/audit.md, "One change, one event")."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.audit import AuditEvent
from ringfence.core.settings import Settings
from tests.enforcement.conftest import open_one
from tests.enforcement.test_service import decide


def test_a_decision_writes_case_decided_and_no_status_event(
    session: Session, settings: Settings
) -> None:
    case = open_one(session, settings)
    session.flush()
    since = max(session.scalars(select(AuditEvent.id)), default=0)
    decide(session, settings, case.id)
    session.flush()
    kinds = list(session.scalars(select(AuditEvent.kind).where(AuditEvent.id > since)))
    assert "case.decided" in kinds
    assert [k for k in kinds if k.endswith(".status")] == []
