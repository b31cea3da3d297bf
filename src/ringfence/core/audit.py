"""The audit trail of every domain: append-only events, hash-chained per rights holder, written
in the same transaction as the change they record, and the check that finds any edited, deleted
or reordered event.

Kinds are typed: each is declared once (:func:`kind`, by the package that writes it, or by a
:class:`~ringfence.core.states.Machine` for its ``<name>.status`` events) with the keys its
payload may hold, and an event of an undeclared kind, or with a key its kind does not declare,
is refused. docs/audit.md lists them; a test compares that table with :data:`KINDS`.

Two ways in:

- :func:`record` / :func:`record_many`: append now; enforcement writes its case events so,
  and :func:`record_bulk` a bulk statement's steps;
- :func:`stage`: append right after the session's next flush (or at its commit), with every
  other event staged for that flush, the head of each chain locked once: ``core.states.move``
  and ``declare`` stage their ``<name>.status`` events so, as :func:`track` does a tracked row's.

Writing a chain is three Core statements whatever the number of events: lock the head (SELECT
... FOR UPDATE), insert the events, move the head on.

The actor is the unit of work's: :func:`act_as` names it on a session (the web's principal),
:data:`ACTOR` is the fallback for the process or task (``cli``, the worker, the scheduler),
``system`` when nobody said.

The body of an event is canonical JSON of ``actor, at, case, kind, payload, prev,
rights_holder, seq``; the format has not changed since the trail lived in enforcement, so a
chain written then still verifies byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import String, Table, Text, UniqueConstraint, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column, sessionmaker

from ringfence.core.db import Base
from ringfence.core.security import Principal
from ringfence.core.states import MACHINES

GENESIS = "0" * 64


class AuditEvent(Base):
    """Append-only, hash-chained per rights holder. ``body`` is the canonical JSON that was
    hashed (it repeats seq, kind, actor, time, case and the previous hash); ``hash`` is its
    SHA-256."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("rights_holder_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rights_holder_id: Mapped[str] = mapped_column(String(100), index=True)
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last sequence number and hash of each chain: locked while appending (one writer per
    chain), and what makes a deleted last event visible."""

    __tablename__ = "audit_heads"

    rights_holder_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


# --------------------------------------------------------------------------- kinds


@dataclass(frozen=True)
class Kind:
    """One kind of event: its name (``<subject>.<what>``), the package that writes it, what it
    records, and the keys its payload may hold."""

    name: str
    package: str
    summary: str
    payload: frozenset[str]


KINDS: dict[str, Kind] = {}
"""Every declared kind, by name."""


class UndeclaredKind(ValueError):
    """An event of a kind nobody declared, or with a payload key its kind does not name: a
    programming error, refused before anything is written."""


def kind(name: str, package: str, summary: str, payload: tuple[str, ...] = ()) -> Kind:
    """Declare a kind of event (once: a second declaration of a name raises; a
    ``<name>.status`` kind is its machine's)."""
    if name in KINDS or name.endswith(".status"):
        raise ValueError(f"audit kind {name} is declared twice")
    if len(name) > 64 or "." not in name:
        raise ValueError(f"audit kind {name!r}: <subject>.<what>, at most 64 characters")
    declared = Kind(name, package, summary, frozenset(payload))
    KINDS[name] = declared
    return declared


def declared() -> dict[str, Kind]:
    """Every kind: those declared with :func:`kind` and the ``<name>.status`` kind of every
    machine that has a chain (``core.states``)."""
    out = dict(KINDS)
    for machine in MACHINES.values():
        if machine.chain is not None:
            name = machine.event_kind
            package = type(next(iter(machine.states))).__module__.split(".")[1]
            summary = f"the {machine.name}'s status changed (`{machine.column}`)"
            out[name] = Kind(name, package, summary, STATUS_PAYLOAD)
    return out


STATUS_PAYLOAD = frozenset({"id", "from", "to"})


def _checked(entry: Entry) -> None:
    found = KINDS.get(entry.kind)
    if found is not None:
        allowed = found.payload
    elif any(m.chain is not None and m.event_kind == entry.kind for m in MACHINES.values()):
        allowed = STATUS_PAYLOAD
    else:
        raise UndeclaredKind(f"audit kind {entry.kind!r} is not declared")
    extra = set(entry.payload) - allowed
    if extra:
        raise UndeclaredKind(f"audit kind {entry.kind}: undeclared payload keys {sorted(extra)}")


# --------------------------------------------------------------------------- actor

ACTOR: ContextVar[str] = ContextVar("ringfence_audit_actor", default="system")
"""Who acts, for the process or task (``cli``, ``worker``, ``system:scheduler``)."""

_ACTOR_KEY = "ringfence_audit_actor"
_STAGED_KEY = "ringfence_audit_staged"


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Name the actor of what this task does inside the block."""
    token = ACTOR.set(actor)
    try:
        yield
    finally:
        ACTOR.reset(token)


def act_as(session: Session, actor: str) -> None:
    """Name the actor of this unit of work (the web sets the request's principal)."""
    session.info[_ACTOR_KEY] = actor


def sessions_acting_as(factory: sessionmaker[Session], actor: str) -> sessionmaker[Session]:
    """Name the actor of every session ``factory`` makes (the CLI's, the worker's)."""
    factory.configure(info={_ACTOR_KEY: actor})
    return factory


def actor_of(session: Session | None) -> str:
    """The actor of ``session``'s unit of work, else the task's, else ``system``."""
    if session is not None and (named := session.info.get(_ACTOR_KEY)) is not None:
        return str(named)
    return ACTOR.get()


def principal_actor(principal: Principal) -> str:
    """How a principal is named in the trail: its party, and its key when it used one."""
    who = principal.party_id or "system"
    return f"{who} (key {principal.key_id})" if principal.key_id else who


# --------------------------------------------------------------------------- writing


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 as is: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One event to append (``record_many``, ``stage``)."""

    kind: str
    actor: str
    at: datetime
    case_id: int | None
    payload: dict[str, Any]


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


def record_many(
    session: Session, *, rights_holder_id: str, entries: list[Entry]
) -> list[AuditEvent]:
    """Append events to the rights holder's chain in this order, the head locked once: the
    same events as ``record`` called for each in turn. Events staged before are written
    first (they happened first)."""
    if not entries:
        return []
    for entry in entries:
        _checked(entry)
    _write_staged(session)  # what was staged happened first
    return _append(session, rights_holder_id, entries)


def record_bulk(session: Session, chains: dict[str, list[Entry]]) -> None:
    """Append many chains' events at once, each chain's head locked once and its events
    inserted in one statement (a bulk statement's steps: ``core.states.moved``)."""
    for entries in chains.values():
        for entry in entries:
            _checked(entry)
    _write_staged(session)
    with session.no_autoflush:
        for holder in sorted(chains):  # one order of locks for every writer
            _insert(session, holder, chains[holder])


def stage(session: Session, rights_holder_id: str, entry: Entry) -> None:
    """Append ``entry`` to the chain at the session's next flush, in the same transaction."""
    _checked(entry)
    session.info.setdefault(_STAGED_KEY, []).append((rights_holder_id, entry))


def staged(session: Session) -> int:
    """How many events wait for the next flush."""
    return len(session.info.get(_STAGED_KEY, ()))


# --------------------------------------------------------------------------- rows tracked


@dataclass(frozen=True)
class Tracked:
    """A model whose rows' creation, changes and deletion are audited (``<subject>.created``,
    ``.updated`` with the names of the columns that changed, ``.deleted``)."""

    subject: str
    chain: Callable[[Any], str]
    on: frozenset[str]
    ignore: frozenset[str]


TRACKED: dict[type[Any], Tracked] = {}

_QUIET = frozenset({"status", "created_at", "updated_at"})  # status: its machine records it


def track(
    model: type[Any],
    subject: str,
    chain: Callable[[Any], str],
    *,
    on: tuple[str, ...] = ("created", "updated", "deleted"),
    ignore: tuple[str, ...] = (),
) -> None:
    """Audit ``model``'s rows: each change named in ``on`` writes ``<subject>.<change>`` in the
    chain ``chain(row)`` names, at the flush that writes it (payload: the row's ``id`` and, for
    an update, the attributes that ``changed``; ``status`` is its machine's business)."""
    if model in TRACKED:
        raise ValueError(f"{model.__name__} is tracked twice")
    for change in on:
        payload = ("id", "changed") if change == "updated" else ("id",)
        kind(
            f"{subject}.{change}",
            model.__module__.split(".")[1],
            f"the {subject} was {change}",
            payload,
        )
    TRACKED[model] = Tracked(subject, chain, frozenset(on), _QUIET | frozenset(ignore))


def _captured(session: Session) -> list[tuple[str, Entry]]:
    """The tracked rows this flush writes, as entries (pre-flush lists, ids assigned)."""
    out: list[tuple[str, Entry]] = []
    if not TRACKED:
        return out
    actor, at = actor_of(session), datetime.now(UTC)
    for change, rows in (
        ("created", session.new),
        ("updated", session.dirty),
        ("deleted", session.deleted),
    ):
        for row in rows:
            spec = TRACKED.get(type(row))
            if spec is None or change not in spec.on:
                continue
            payload: dict[str, Any] = {"id": _identity(row)}
            if change == "updated":
                state = inspect(row)
                changed = sorted(
                    a.key
                    for a in state.attrs
                    if a.key not in spec.ignore and a.history.has_changes()
                )
                if not changed:
                    continue
                payload["changed"] = changed
            entry = Entry(f"{spec.subject}.{change}", actor, at, None, payload)
            out.append((spec.chain(row), entry))
    return out


def _identity(row: Any) -> Any:
    # From the attributes: in after_flush a new row's key is not registered yet, but its
    # columns (a generated id too) are written.
    key = inspect(row).mapper.primary_key_from_instance(row)
    return key[0] if len(key) == 1 else list(key)


# --------------------------------------------------------------------------- the hooks
# One set of listeners on SQLAlchemy's Session class, registered when this module is imported
# (core.states imports it on the first change of state): a session with nothing to audit pays a
# dictionary look-up per flush.


def _after_flush(session: Session, _context: Any) -> None:
    captured = _captured(session)
    if captured:
        staged_ = session.info.setdefault(_STAGED_KEY, [])
        staged_[:0] = captured  # a row's creation before the changes staged since the last flush


def _after_flush_postexec(session: Session, _context: Any) -> None:
    # Right after the flush that wrote the changes, in its transaction (Core statements).
    _write_staged(session)


def _before_commit(session: Session) -> None:
    _write_staged(session)  # staged, and nothing else to flush


def _write_staged(session: Session) -> None:
    pending: list[tuple[str, Entry]] = session.info.pop(_STAGED_KEY, None) or []
    if not pending:
        return
    chains: dict[str, list[Entry]] = {}
    for holder, entry in pending:
        chains.setdefault(holder, []).append(entry)
    with session.no_autoflush:
        for holder in sorted(chains):  # one order of locks for every writer
            _insert(session, holder, chains[holder])


def _end_of_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the unit of work is over (a close without a commit too)
        session.info.pop(_STAGED_KEY, None)


def _forget_staged(session: Session, _previous: Any) -> None:
    # What was staged since the last flush belongs to the work rolled back (a savepoint's too).
    session.info.pop(_STAGED_KEY, None)


event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "after_flush_postexec", _after_flush_postexec)
event.listen(Session, "before_commit", _before_commit)
event.listen(Session, "after_soft_rollback", _forget_staged)
event.listen(Session, "after_transaction_end", _end_of_transaction)


def _append(session: Session, rights_holder_id: str, entries: list[Entry]) -> list[AuditEvent]:
    """Chain ``entries`` onto the head (locked) and insert them; the rows written, as
    (transient) AuditEvent objects."""
    rows = _chained(session, rights_holder_id, entries)
    return [AuditEvent(**row) for row in rows]


def _insert(session: Session, rights_holder_id: str, entries: list[Entry]) -> None:
    _chained(session, rights_holder_id, entries)


_HEADS = cast(Table, AuditHead.__table__)
_EVENTS = cast(Table, AuditEvent.__table__)


def _chained(session: Session, rights_holder_id: str, entries: list[Entry]) -> list[dict[str, Any]]:
    """Chain ``entries`` onto the chain's head: lock the head, insert the events in one
    statement, move the head on. Core statements, three for any number of events: no ORM rows
    to flush (this runs inside a flush too), and a head that is never stale in the session."""
    seq, prev = _locked_head(session, rights_holder_id)
    rows = []
    for entry in entries:
        at = entry.at.astimezone(UTC)
        seq += 1
        body = canonical_json(
            {
                "actor": entry.actor,
                "at": at.isoformat(),
                "case": entry.case_id,
                "kind": entry.kind,
                "payload": entry.payload,
                "prev": prev,
                "rights_holder": rights_holder_id,
                "seq": seq,
            }
        )
        digest = _digest(body)
        rows.append(
            {
                "rights_holder_id": rights_holder_id,
                "seq": seq,
                "kind": entry.kind,
                "case_id": entry.case_id,
                "actor": entry.actor,
                "at": at,
                "body": body,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    session.execute(_EVENTS.insert(), rows)
    session.execute(
        _HEADS.update()
        .where(_HEADS.c.rights_holder_id == rights_holder_id)
        .values(seq=seq, hash=prev)
    )
    return rows


def _locked_head(session: Session, rights_holder_id: str) -> tuple[int, str]:
    """The chain's head (sequence number, hash), locked; created at the genesis when the chain
    is new. The head is inserted unless it exists (ON CONFLICT DO NOTHING: of two writers
    creating the same head at once, the second waits for the first and inserts nothing), then
    locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer anyway)."""
    query = (
        select(_HEADS.c.seq, _HEADS.c.hash)
        .where(_HEADS.c.rights_holder_id == rights_holder_id)
        .with_for_update()
    )
    head = session.execute(query).one_or_none()
    if head is None:
        dialect = session.get_bind().dialect.name
        maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = maker(_HEADS).on_conflict_do_nothing()
        session.execute(statement.values(rights_holder_id=rights_holder_id, seq=0, hash=GENESIS))
        head = session.execute(query).one()
    return int(head.seq), str(head.hash)


# --------------------------------------------------------------------------- checking


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
    for row in events:
        seq = row.seq
        if seq != expected_seq:
            what = "missing" if seq > expected_seq else "duplicate or out of order"
            out.append(Break(holder, seq, f"expected #{expected_seq} here ({what})"))
        if _digest(row.body) != row.hash:
            out.append(Break(holder, seq, "edited: the hash does not match the stored body"))
        try:
            body = json.loads(row.body)
        except ValueError:
            body = {}
        columns = {
            "seq": row.seq,
            "kind": row.kind,
            "actor": row.actor,
            "case": row.case_id,
            "rights_holder": row.rights_holder_id,
            "prev": row.prev_hash,
            "at": row.at.isoformat(),
        }
        changed = sorted(k for k, v in columns.items() if body.get(k) != v)
        if changed:
            out.append(Break(holder, seq, f"edited: {', '.join(changed)} differ from the body"))
        if row.prev_hash != prev_hash:
            out.append(
                Break(holder, seq, "chain broken: the previous hash is not the event before's")
            )
        prev_hash, expected_seq = row.hash, seq + 1
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


def describe() -> list[Kind]:
    """The declared kinds in name order (the table of docs/audit.md)."""
    kinds = declared()
    return [kinds[name] for name in sorted(kinds)]
