"""The marketplace's to-do list: the notices addressed to it (take a listing down, act on a
seller's account, put a listing back) with their deadlines and status, and the confirmation
of a removal, or of a reinstatement (``enforcement.reinstatements``), from the list. Reads
and the confirmations go through the enforcement services with the signed-in user's
principal: a marketplace sees only its own notices."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from ringfence.core.db import utcnow
from ringfence.core.security import Role
from ringfence.enforcement import reinstatements, service
from ringfence.enforcement.schemas import MAX_INT
from ringfence.web.page import PageDep

router = APIRouter(include_in_schema=False, tags=["pages"], default_response_class=HTMLResponse)

ACTORS = (Role.marketplace, Role.admin)
LIST_MAX = 200  # notices on the page, each list


@router.get("/console/notices")
def notices(page: PageDep, show: Annotated[Literal["todo", "done"], Query()] = "todo") -> Response:
    """Outstanding notices by deadline (the earliest first), or (``?show=done``) those
    confirmed or retracted, the latest first."""
    principal = page.require(*ACTORS)
    now = utcnow()
    done = show == "done"
    tasks = service.marketplace_notices(
        page.db,
        principal=principal,
        settings=page.settings,
        done=done,
        limit=LIST_MAX,
        now=now,
    )
    return page.render(
        "console/notices.html",
        title=page._("Notices done") if done else page._("Notices to act on"),
        tasks=tasks,
        reinstatable={t.notice for t in tasks if reinstatements.can_confirm_reinstatement(t)},
        done=done,
        hours=page.settings.removal_hours,
        overdue=sum(1 for t in tasks if t.overdue),
        now=now,
    )


@router.post("/console/notices/removal")
def confirm_removal(
    page: PageDep,
    case_id: Annotated[int, Form(ge=1, le=MAX_INT)],
) -> Response:
    """The marketplace took the listing down (confirmed from the list): the seller's
    counter-notice window opens. The service checks the role, the marketplace and the case's
    status."""
    principal = page.require(*ACTORS)
    service.confirm_removal(page.db, principal=principal, case_id=case_id, settings=page.settings)
    return page.redirect("/console/notices", done="removed")


@router.post("/console/notices/reinstatement")
def confirm_reinstatement(
    page: PageDep,
    case_id: Annotated[int, Form(ge=1, le=MAX_INT)],
) -> Response:
    """The marketplace put the listing back up (an appeal was upheld): its reinstate notice
    is confirmed. The service checks the role, the marketplace and the notice's status."""
    principal = page.require(*ACTORS)
    reinstatements.confirm_reinstatement(page.db, principal=principal, case_id=case_id)
    return page.redirect("/console/notices", done="reinstated")
