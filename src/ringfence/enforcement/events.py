"""The audit trail: append-only events, hash-chained per rights holder, written in the same
transaction as the change they record, and the check that finds any edited, deleted or
reordered event."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringfence.enforcement.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    session: Session,
    *,
    rights_holder_id: str,
    kind: str,
    actor: str,
    at: datetime,
    case_id: int | None,
    payload: dict[str, Any],
) -> AuditEvent:
    """Append one event to the rights holder's chain. The chain's head row is locked (SELECT
    ... FOR UPDATE on PostgreSQL; SQLite has one writer anyway), so appends never interleave."""
    entry = Entry(kind=kind, actor=actor, at=at, case_id=case_id, payload=payload)
    return record_many(session, rights_holder_id=rights_holder_id, entries=[entry])[0]


@dataclass(frozen=True)
class Entry:
    """One event to append (``record_many``)."""

    kind: str
    actor: str
    at: datetime
    case_id: int | None
    payload: dict[str, Any]


def record_many(
    session: Session, *, rights_holder_id: str, entries: list[Entry]
) -> list[AuditEvent]:
    """Append events to the rights holder's chain in this order, the head locked once: the
    same events as ``record`` called for each in turn."""
    if not entries:
        return []
    head = _locked_head(session, rights_holder_id)
    written = []
    for entry in entries:
        at = entry.at.astimezone(UTC)
        seq = head.seq + 1
        body = canonical_json(
            {
                "actor": entry.actor,
                "at": at.isoformat(),
                "case": entry.case_id,
                "kind": entry.kind,
                "payload": entry.payload,
                "prev": head.hash,
                "rights_holder": rights_holder_id,
                "seq": seq,
            }
        )
        event = AuditEvent(
            rights_holder_id=rights_holder_id,
            seq=seq,
            kind=entry.kind,
            case_id=entry.case_id,
            actor=entry.actor,
            at=at,
            body=body,
            prev_hash=head.hash,
            hash=_digest(body),
        )
        written.append(event)
        head.seq, head.hash = seq, event.hash
    session.add_all(written)
    session.flush()
    return written


def _locked_head(session: Session, rights_holder_id: str) -> AuditHead:
    """The chain's head, locked; created at the genesis when the chain is new. Two writers
    creating the same head at once: the loser's insert fails on the primary key inside a
    savepoint, and it then locks the winner's row."""
    query = (
        select(AuditHead).where(AuditHead.rights_holder_id == rights_holder_id).with_for_update()
    )
    head = session.scalars(query).one_or_none()
    if head is not None:
        return head
    try:
        with session.begin_nested():
            head = AuditHead(rights_holder_id=rights_holder_id, seq=0, hash=GENESIS)
            session.add(head)
            session.flush()
    except IntegrityError:
        return session.scalars(query).one()
    return head


@dataclass(frozen=True)
class Break:
    rights_holder_id: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"{self.rights_holder_id} #{self.seq}: {self.problem}"


def verify(session: Session, *, rights_holder_id: str | None = None) -> list[Break]:
    """Every break in the chains (one rights holder's, or all): an event whose hash does not
    match its body, whose columns differ from its body, whose previous hash is not the hash of
    the event before it, a gap in the sequence numbers, or a head that does not match the last
    event. An empty list means intact."""
    heads = select(AuditHead).order_by(AuditHead.rights_holder_id)
    chains = select(AuditEvent.rights_holder_id).distinct()
    if rights_holder_id is not None:
        heads = heads.where(AuditHead.rights_holder_id == rights_holder_id)
        chains = chains.where(AuditEvent.rights_holder_id == rights_holder_id)
    head_of = {h.rights_holder_id: h for h in session.scalars(heads)}
    holders = sorted(set(head_of) | set(session.scalars(chains)))
    breaks: list[Break] = []
    for holder in holders:
        breaks.extend(_verify_chain(session, holder, head_of.get(holder)))
    return breaks


def _verify_chain(session: Session, holder: str, head: AuditHead | None) -> list[Break]:
    out: list[Break] = []
    prev_hash, expected_seq = GENESIS, 1
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.rights_holder_id == holder)
        .order_by(AuditEvent.seq, AuditEvent.id)
    )
    for event in events:
        seq = event.seq
        if seq != expected_seq:
            what = "missing" if seq > expected_seq else "duplicate or out of order"
            out.append(Break(holder, seq, f"expected #{expected_seq} here ({what})"))
        if _digest(event.body) != event.hash:
            out.append(Break(holder, seq, "edited: the hash does not match the stored body"))
        try:
            body = json.loads(event.body)
        except ValueError:
            body = {}
        columns = {
            "seq": event.seq,
            "kind": event.kind,
            "actor": event.actor,
            "case": event.case_id,
            "rights_holder": event.rights_holder_id,
            "prev": event.prev_hash,
            "at": event.at.isoformat(),
        }
        changed = sorted(k for k, v in columns.items() if body.get(k) != v)
        if changed:
            out.append(Break(holder, seq, f"edited: {', '.join(changed)} differ from the body"))
        if event.prev_hash != prev_hash:
            out.append(
                Break(holder, seq, "chain broken: the previous hash is not the event before's")
            )
        prev_hash, expected_seq = event.hash, seq + 1
    last_seq = expected_seq - 1
    if head is None:
        out.append(Break(holder, last_seq, "the chain has no head"))
    elif head.seq != last_seq or head.hash != prev_hash:
        out.append(
            Break(
                holder,
                head.seq,
                f"the head is at #{head.seq} but the last event is #{last_seq} "
                "(events deleted or the head edited)",
            )
        )
    return out
