"""One state machine per status column: a transition table and the one way a row changes state.

Each domain declares a :class:`Machine` for each of its status columns (in its ``enums.py``):
the column, the table (status -> the statuses it may become) and, where the domain has its own
wording, the error an illegal move raises. A row then changes state in one of two ways:

- :func:`move`: a step of the workflow, checked against the table; an illegal step raises the
  machine's error (a :class:`~ringfence.core.errors.Conflict` by default) and leaves the row as
  it was;
- :func:`declare`: an authoritative document replaces the row (a registry import writes the
  status a file states), so only membership is checked; the call still names the machine so
  that every change of state has one place to be recorded.

A bulk statement that writes many rows at once checks each step with :meth:`Machine.check`,
writes the statuses it returns and records them with :func:`moved`.

Every change is audited (``core.audit``): a machine names the chain of its rows (``chain``: the
rights holder whose hash chain records them, or the registry's), and ``move``/``declare`` stage
a ``<name>.status`` event (payload ``id``, ``from``, ``to``) that is written right after the
session's next flush, in the same transaction. A machine whose domain writes a richer event
for each of its steps in the same command (enforcement's ``case.decided``, ``notice.delivered``,
...) says so in ``recorded_by`` instead, and gets no second event: one change, one event.

``tests/core/test_states.py`` scans ``src`` for any other assignment to a ``status`` attribute
and checks that every ``status`` column of the schema has a machine, so the rule cannot quietly
erode. docs/architecture.md ("State machines") lists the tables; docs/audit.md the events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ringfence.core.errors import Conflict, RingfenceError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

S = TypeVar("S", bound=StrEnum)

# subject (the row's id, when known), current status, wanted status -> the error to raise
Illegal = Callable[[Any, Any, Any], RingfenceError]

MACHINES: dict[str, Machine[Any]] = {}
"""Every machine, by the column it guards (``"orders.status"``)."""


def illegal_move(name: str) -> Illegal:
    """The default error: Conflict ``illegal_<name>_transition`` at ``status``."""

    def build(subject: Any, current: StrEnum, to: StrEnum) -> RingfenceError:
        return Conflict(
            f"a {name} cannot go from {current.value} to {to.value}",
            code=f"illegal_{name}_transition",
            loc=("status",),
        )

    return build


@dataclass(frozen=True, eq=False)
class Machine(Generic[S]):
    """The transition table of one status column; ``name`` is the row's kind in messages."""

    column: str
    name: str
    table: Mapping[S, frozenset[S]]
    illegal: Illegal | None = None
    # The chain that records a row's changes: the rights holder the row belongs to.
    chain: Callable[[Any], str] | None = None
    # Instead of ``chain``: who records this column's changes with events of its own.
    recorded_by: str | None = None
    states: frozenset[S] = field(init=False)

    def __post_init__(self) -> None:
        states = frozenset(self.table)
        kinds = {type(s) for s in states}
        if len(kinds) != 1:
            raise ValueError(f"{self.column}: one enum per table, got {kinds}")
        (kind,) = kinds
        if states != frozenset(kind):
            missing = sorted(s.value for s in frozenset(kind) - states)
            raise ValueError(f"{self.column}: every status needs a row; missing {missing}")
        for status, following in self.table.items():
            if not following <= states:
                raise ValueError(f"{self.column}: {status.value} leads outside the table")
        if self.column in MACHINES:
            raise ValueError(f"{self.column} already has a machine")
        if (self.chain is None) == (self.recorded_by is None):
            raise ValueError(f"{self.column}: a chain for its events, or who records them")
        object.__setattr__(self, "states", states)
        MACHINES[self.column] = self

    @property
    def event_kind(self) -> str:
        """The kind of this column's audit events (declared by the machine: ``core.audit``
        reads :data:`MACHINES`)."""
        return f"{self.name}.status"

    def audited(self, session: Session | None, row: Any, previous: Any, to: S) -> None:
        """Stage the event of ``row``'s change (a machine with ``recorded_by`` writes none)."""
        if self.chain is None or session is None:
            # No session: the row is not stored (a new row's status is its birth, not a
            # change, unless the caller names the session it will join).
            return
        # Imported here: the screening engine imports the machines and loads no SQLAlchemy.
        from ringfence.core import audit  # noqa: PLC0415 - see above
        from ringfence.core.db import utcnow  # noqa: PLC0415 - see above

        entry = audit.Entry(
            kind=self.event_kind,
            actor=audit.actor_of(session),
            at=utcnow(),
            case_id=None,
            payload={"id": row.id, "from": _value(previous), "to": to.value},
        )
        audit.stage(session, self.chain(row), entry)

    @property
    def final(self) -> frozenset[S]:
        """The statuses nothing follows."""
        return frozenset(s for s, following in self.table.items() if not following)

    def allows(self, current: S, to: S) -> bool:
        return to in self.table[current]

    def check(self, current: S, to: S, subject: Any = None) -> S:
        """``to`` when the table allows ``current -> to``; else the machine's error."""
        if to not in self.table[current]:
            raise (self.illegal or illegal_move(self.name))(subject, current, to)
        return to


def _session_of(row: Any) -> Session | None:
    state = getattr(row, "_sa_instance_state", None)  # an ORM row's; None for anything else
    return state.session if state is not None else None


def _value(status: Any) -> Any:
    return status.value if isinstance(status, StrEnum) else status


def move(row: Any, machine: Machine[S], to: S, *, session: Session | None = None) -> S:
    """Move ``row`` (anything with ``status`` and ``id``) to ``to`` along ``machine``; an
    illegal move raises and changes nothing. The change's audit event is staged in ``row``'s
    session (or ``session``). Returns ``to``."""
    previous = row.status
    row.status = machine.check(previous, to, getattr(row, "id", None))
    machine.audited(session or _session_of(row), row, previous, to)
    return to


def declare(row: Any, machine: Machine[S], status: S, *, session: Session | None = None) -> S:
    """Set ``row``'s status from an authoritative document (an import): any status of the
    machine, whatever the row held before (or a new row's first one). A change is audited as a
    move is (a new row's first status too); a status stated again changes nothing and writes
    nothing."""
    if status not in machine.states:
        raise ValueError(f"{status!r} is not a status of {machine.column}")
    previous = row.status
    row.status = status
    if previous != status:
        machine.audited(session or _session_of(row), row, previous, status)
    return status


def moved(
    session: Session, machine: Machine[S], steps: Iterable[tuple[Any, S]], *, at: datetime
) -> None:
    """Record the steps a bulk statement wrote (each checked with :meth:`Machine.check`):
    ``(row as it was, status written)``, rows read by the statement (anything with ``id``,
    ``status`` and the chain's column). The events are appended at once, a chain's head locked
    once for all its rows."""
    if machine.chain is None:
        return
    from ringfence.core import audit  # noqa: PLC0415 - see Machine.audited

    actor = audit.actor_of(session)
    chains: dict[str, list[audit.Entry]] = {}
    for row, to in steps:
        payload = {"id": row.id, "from": _value(row.status), "to": to.value}
        entry = audit.Entry(machine.event_kind, actor, at, None, payload)
        chains.setdefault(machine.chain(row), []).append(entry)
    audit.record_bulk(session, chains)
