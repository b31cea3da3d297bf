"""The audit chain: intact after real work; any edited, deleted or reordered event is found."""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ringfence.core import audit
from ringfence.core.audit import AuditEvent, AuditHead
from ringfence.core.settings import Settings
from ringfence.enforcement import service
from ringfence.enforcement.enums import Decision, ReasonCode
from ringfence.enforcement.schemas import DecisionIn
from tests.enforcement.conftest import NED, T0, open_one

HOLDER = "NOC:NED"


@pytest.fixture
def chain(session: Session, settings: Settings) -> list[AuditEvent]:
    """A chain of several events for NOC:NED (opened, evidence, decided, notice...)."""
    case = open_one(session, settings)
    open_one(session, settings, listing_id="L-2")
    service.decide(
        session,
        principal=NED,
        case_id=case.id,
        data=DecisionIn(decision=Decision.takedown, reason_code=ReasonCode.counterfeit),
        settings=settings,
        now=T0,
    )
    session.flush()
    rows = list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.rights_holder_id == HOLDER).order_by(AuditEvent.seq)
        )
    )
    assert len(rows) >= 6
    return rows


def _breaks(session: Session) -> list[audit.Break]:
    session.expire_all()
    return audit.verify(session, rights_holder_id=HOLDER)


def test_intact_chain_verifies(session: Session, chain: list[AuditEvent]) -> None:
    assert _breaks(session) == []
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    head = session.get_one(AuditHead, HOLDER)
    assert (head.seq, head.hash) == (chain[-1].seq, chain[-1].hash)


def test_chains_are_per_rights_holder(session: Session, settings: Settings) -> None:
    open_one(session, settings)
    open_one(session, settings, listing_id="F-1", marks=["emblem-noc-fra"], territories=["FR"])
    fra = session.scalars(select(AuditEvent).where(AuditEvent.rights_holder_id == "NOC:FRA")).all()
    assert fra[0].seq == 1
    assert fra[0].prev_hash == audit.GENESIS
    assert audit.verify(session) == []


def _index_params(n: int = 6) -> list[int]:
    return list(range(n))


@pytest.mark.parametrize("index", _index_params())
def test_edited_payload_is_detected(session: Session, chain: list[AuditEvent], index: int) -> None:
    event = chain[index]
    body = json.loads(event.body)
    body["payload"]["tampered"] = True
    session.execute(
        update(AuditEvent).where(AuditEvent.id == event.id).values(body=audit.canonical_json(body))
    )
    found = _breaks(session)
    assert any(b.seq == event.seq and "edited" in b.problem for b in found)


@pytest.mark.parametrize("index", _index_params())
def test_edited_column_is_detected(session: Session, chain: list[AuditEvent], index: int) -> None:
    event = chain[index]
    session.execute(update(AuditEvent).where(AuditEvent.id == event.id).values(actor="someone"))
    found = _breaks(session)
    assert any(b.seq == event.seq and "actor" in b.problem for b in found)


@pytest.mark.parametrize("index", _index_params())
def test_rehashed_edit_is_detected(session: Session, chain: list[AuditEvent], index: int) -> None:
    """An editor who recomputes the hash of the event they changed still breaks the chain
    (the next event's previous hash, or the head)."""
    event = chain[index]
    body = json.loads(event.body)
    body["actor"] = "forger"
    text = audit.canonical_json(body)
    session.execute(
        update(AuditEvent)
        .where(AuditEvent.id == event.id)
        .values(body=text, actor="forger", hash=audit._digest(text))
    )
    assert _breaks(session) != []


@pytest.mark.parametrize("index", _index_params())
def test_deleted_event_is_detected(session: Session, chain: list[AuditEvent], index: int) -> None:
    session.execute(delete(AuditEvent).where(AuditEvent.id == chain[index].id))
    assert _breaks(session) != []


def test_deleted_last_event_is_detected_by_the_head(
    session: Session, chain: list[AuditEvent]
) -> None:
    session.execute(delete(AuditEvent).where(AuditEvent.id == chain[-1].id))
    found = _breaks(session)
    assert len(found) == 1
    assert "head" in found[0].problem


@pytest.mark.parametrize(("i", "j"), [(0, 1), (1, 2), (2, 4), (0, 5)])
def test_reordered_events_are_detected(
    session: Session, chain: list[AuditEvent], i: int, j: int
) -> None:
    (a_id, a_seq), (b_id, b_seq) = (chain[i].id, chain[i].seq), (chain[j].id, chain[j].seq)
    session.execute(update(AuditEvent).where(AuditEvent.id == a_id).values(seq=-1))
    session.execute(update(AuditEvent).where(AuditEvent.id == b_id).values(seq=a_seq))
    session.execute(update(AuditEvent).where(AuditEvent.id == a_id).values(seq=b_seq))
    assert _breaks(session) != []


def test_deleted_whole_chain_is_detected_by_the_head(
    session: Session, chain: list[AuditEvent]
) -> None:
    session.execute(delete(AuditEvent).where(AuditEvent.rights_holder_id == HOLDER))
    assert _breaks(session) != []
