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

A bulk statement that writes many rows at once checks each step with :meth:`Machine.check` and
writes the statuses it returns. ``tests/core/test_states.py`` scans ``src`` for any other
assignment to a ``status`` attribute and checks that every ``status`` column of the schema has
a machine, so the rule cannot quietly erode. docs/architecture.md ("State machines") lists the
tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from ringfence.core.errors import Conflict, RingfenceError

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
        object.__setattr__(self, "states", states)
        MACHINES[self.column] = self

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


def move(row: Any, machine: Machine[S], to: S) -> S:
    """Move ``row`` (anything with ``status`` and ``id``) to ``to`` along ``machine``; an
    illegal move raises and changes nothing. Returns ``to``."""
    row.status = machine.check(row.status, to, getattr(row, "id", None))
    return to


def declare(row: Any, machine: Machine[S], status: S) -> S:
    """Set ``row``'s status from an authoritative document (an import): any status of the
    machine, whatever the row held before (or a new row's first one)."""
    if status not in machine.states:
        raise ValueError(f"{status!r} is not a status of {machine.column}")
    row.status = status
    return status
