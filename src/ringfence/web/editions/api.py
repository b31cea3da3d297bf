"""Edition API: lifecycle (the IOC, or the edition's OCOG short of archiving) and hand-over
(the IOC)."""

from __future__ import annotations

from fastapi import APIRouter

from ringfence.editions import service
from ringfence.editions.schemas import (
    AdvanceIn,
    EditionStateOut,
    EventOut,
    HandoverIn,
    HandoverOut,
    PartOut,
)
from ringfence.registry.models import Edition
from ringfence.web.deps import CurrentPrincipal, SessionDep

router = APIRouter(prefix="/v1/editions", tags=["editions"])


def _out(e: Edition) -> EditionStateOut:
    return EditionStateOut(
        id=e.id,
        name=e.name,
        status=e.status,
        ocog=service.ocog_id(e.id),
        starts_on=e.starts_on,
        ends_on=e.ends_on,
    )


@router.get("/{edition_id}", response_model=EditionStateOut)
def get_edition(
    edition_id: str, principal: CurrentPrincipal, session: SessionDep
) -> EditionStateOut:
    return _out(service.get_edition(session, edition_id))


@router.get("/{edition_id}/history", response_model=list[EventOut])
def edition_history(
    edition_id: str, principal: CurrentPrincipal, session: SessionDep
) -> list[EventOut]:
    return [
        EventOut(kind=e.kind, actor=e.actor, at=e.at, detail=e.detail)
        for e in service.history(session, edition_id)
    ]


@router.post("/{edition_id}/advance", response_model=EditionStateOut)
def advance(
    edition_id: str, body: AdvanceIn, principal: CurrentPrincipal, session: SessionDep
) -> EditionStateOut:
    """One step along planned -> preparing -> live -> closing -> archived; 409
    `illegal_transition` for any other move."""
    edition = service.advance(session, principal=principal, edition_id=edition_id, to=body.to)
    return _out(edition)


@router.post("/handover", response_model=HandoverOut, response_model_by_alias=True)
def handover(body: HandoverIn, principal: CurrentPrincipal, session: SessionDep) -> HandoverOut:
    """Carry the reusable parts of one OCOG to the next (the IOC only); `dry_run` reports."""
    plan = service.handover(
        session,
        principal=principal,
        source=body.source,
        target=body.target,
        dry_run=body.dry_run,
    )
    if body.dry_run:
        session.rollback()  # nothing of a dry run is committed
    return HandoverOut(
        source=plan.source,
        target=plan.target,
        dry_run=plan.dry_run,
        parts=[PartOut(part=p.part, action=p.action, why=p.why, items=p.items) for p in plan.parts],
    )
