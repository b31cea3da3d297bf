"""What an edition's hand-over (``editions/service.py``) asks of enforcement, as public
commands: the editions domain reads and moves cases only through these, and each move is written
to both rights holders' audit chains."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.enforcement import events
from ringfence.enforcement.enums import CaseStatus
from ringfence.enforcement.models import Case

# Cases that still need a decision or a follow-up; the others are final and stay where they are.
FINAL_CASES = frozenset(
    {
        CaseStatus.closed_taken_down,
        CaseStatus.reinstated,
        CaseStatus.dismissed,
        CaseStatus.licensed,
    }
)


@dataclass(frozen=True)
class HeldCase:
    id: int
    open: bool  # still needs a decision or a follow-up
    marks: tuple[str, ...]


def cases_held_by(session: Session, rights_holder_id: str, *, lock: bool) -> list[HeldCase]:
    """Every case of ``rights_holder_id``, by id; ``lock`` holds them (SELECT ... FOR UPDATE on
    PostgreSQL) until the transaction ends, for a hand-over that will move some."""
    query = select(Case).where(Case.rights_holder_id == rights_holder_id).order_by(Case.id)
    cases = session.scalars(query.with_for_update() if lock else query)
    return [HeldCase(c.id, c.status not in FINAL_CASES, tuple(c.marks)) for c in cases]


def hand_over_cases(
    session: Session,
    case_ids: Iterable[int],
    *,
    source: tuple[str, str],
    target: tuple[str, str],
    actor: str,
    at: datetime,
) -> None:
    """Move the cases from the ``source`` rights holder to the ``target`` one, each a
    ``(party id, edition id)``: ``case.handed_over`` in the source's chain, ``case.received`` in
    the target's."""
    (source_party, source_edition), (target_party, target_edition) = source, target
    for case_id in case_ids:
        case = session.get_one(Case, case_id)
        events.record(
            session,
            rights_holder_id=source_party,
            kind="case.handed_over",
            actor=actor,
            at=at,
            case_id=case.id,
            payload={"to": target_party, "edition": target_edition},
        )
        case.rights_holder_id = target_party
        events.record(
            session,
            rights_holder_id=target_party,
            kind="case.received",
            actor=actor,
            at=at,
            case_id=case.id,
            payload={"from": source_party, "edition": source_edition},
        )
