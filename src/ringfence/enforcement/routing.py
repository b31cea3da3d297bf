"""Which rights holder a case goes to: the owners of the marks a listing's findings name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.enforcement._common import IOC
from ringfence.registry.archive import archived_edition_of
from ringfence.registry.enums import PartyKind
from ringfence.registry.models import Mark, Party

# --------------------------------------------------------------------------- routing


def route(
    session: Session,
    *,
    marks: Sequence[str],
    territories: Sequence[str],
    reporter: str | None = None,
) -> str | None:
    """The rights holder that owns the marks found: an NOC's mark goes to that NOC (the one
    whose territory the listing ships to first), else an edition's mark to its OCOG (unless the
    edition is archived), else the IOC. A rights holder reporting a listing that bears one of
    its own marks keeps the case. None when no mark is known to the registry."""
    if not marks:
        return None
    return _holder(
        _mark_owners(session, marks),
        marks,
        territories,
        reporter,
        lambda party: archived_edition_of(session, party) is not None,
    )


_Owner = tuple[str, PartyKind, str | None]  # the owner party of a mark: id, kind, territory


def _mark_owners(session: Session, marks: Iterable[str]) -> dict[str, _Owner]:
    rows = session.execute(
        select(Mark.id, Party.id, Party.kind, Party.territory)
        .join(Party, Party.id == Mark.owner_id)
        .where(Mark.id.in_(list(set(marks))))
    ).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _holder(
    owners: dict[str, _Owner],
    marks: Sequence[str],
    territories: Sequence[str],
    reporter: str | None,
    archived: Any,
) -> str | None:
    """``route`` given the marks' owners and ``archived(party)``: is it an archived OCOG."""
    rows = [(m, *owners[m]) for m in dict.fromkeys(marks) if m in owners]
    if not rows:
        return None
    if reporter is not None and any(r[1] == reporter for r in rows):
        return reporter
    nocs = sorted(
        (r for r in rows if r[2] is PartyKind.noc),
        key=lambda r: (r[3] not in territories, marks.index(r[0])),
    )
    if nocs:
        return str(nocs[0][1])
    # An archived edition's OCOG is read-only and no longer reviews cases: the IOC takes them.
    ocogs = sorted(
        (r for r in rows if r[2] is PartyKind.ocog and not archived(str(r[1]))),
        key=lambda r: marks.index(r[0]),
    )
    if ocogs:
        return str(ocogs[0][1])
    return IOC
