"""Console pages of the registry: marks (with their variants and exceptions), licences and
licensees, each read through ``registry.service`` with the signed-in user's principal, so an NOC
sees its own marks and licences and no other NOC's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ringfence.core.errors import InvalidInput
from ringfence.core.security import Role
from ringfence.registry import service
from ringfence.registry.enums import ExceptionReason, PartyKind
from ringfence.registry.schemas import ExceptionIn
from ringfence.web.error_codes import ErrorCode
from ringfence.web.page import PageDep

router = APIRouter(include_in_schema=False, tags=["pages"], default_response_class=HTMLResponse)

READERS = (Role.admin, Role.rights_holder)
PAGE = 100


@router.get("/console/marks")
def marks(
    page: PageDep,
    q: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> Response:
    principal = page.require(*READERS)
    rows = service.list_marks(page.db, principal=principal)
    if q:
        needle = q.casefold()
        rows = [
            m
            for m in rows
            if needle in m.id.casefold()
            or needle in m.name.casefold()
            or any(needle in v.text.casefold() for v in m.variants)
        ]
    return page.render(
        "console/marks.html",
        title=page._("Marks"),
        marks=rows[offset : offset + PAGE],
        total=len(rows),
        q=q,
        offset=offset,
        more=len(rows) > offset + PAGE,
    )


@router.get("/console/marks/{mark_id}")
def mark(page: PageDep, mark_id: str) -> Response:
    principal = page.require(*READERS)
    found = service.get_mark(page.db, principal=principal, mark_id=mark_id)
    return page.render(
        "console/mark.html",
        title=found.name,
        mark=found,
        can_edit=principal.is_admin or principal.party_id == found.owner,
        reasons=list(ExceptionReason),
    )


@router.post("/console/marks/{mark_id}/exceptions")
def add_exception(
    page: PageDep,
    mark_id: str,
    text: Annotated[str, Form(min_length=1, max_length=500)],
    reason: Annotated[ExceptionReason, Form()],
    territories: Annotated[str, Form(max_length=2000)] = "*",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A legitimate look-alike the screening keeps as excepted evidence from now on."""
    principal = page.require(*READERS)
    found = service.get_mark(page.db, principal=principal, mark_id=mark_id)
    try:
        exception = ExceptionIn(
            text=text.strip(),
            reason=reason,
            territories=[t.strip().upper() for t in territories.split(",") if t.strip()] or ["*"],
            note=note.strip() or None,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(str(first["msg"]), code=ErrorCode.INVALID_EXCEPTION) from None
    changed = found.model_copy(update={"exceptions": [*found.exceptions, exception]})
    service.save_mark(page.db, principal=principal, data=changed, create=False)
    return page.redirect(f"/console/marks/{mark_id}", done="exception_added")


@router.get("/console/licences")
def licences(page: PageDep) -> Response:
    principal = page.require(*READERS)
    return page.render(
        "console/licences.html",
        title=page._("Licences"),
        licences=service.list_licences(page.db, principal=principal),
    )


@router.get("/console/licensees")
def licensees(page: PageDep) -> Response:
    principal = page.require(*READERS)
    parties = service.list_parties(page.db, principal=principal, kind=PartyKind.licensee)
    held: dict[str, list[str]] = {}
    for lic in service.list_licences(page.db, principal=principal):
        held.setdefault(lic.licensee, []).append(lic.id)
    return page.render(
        "console/licensees.html", title=page._("Licensees"), parties=parties, held=held
    )
