"""Finding things, for analysts: the case search (every filter in a GET form, so it works
without JavaScript), its CSV export, saved views, seller profiles, and a case's evidence pack
as a download. Every read goes through ``enforcement.search`` / ``enforcement.sellers`` /
``enforcement.service`` with the signed-in user's principal: an NOC finds only its own cases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from ringfence.core.db import utcnow
from ringfence.core.errors import InvalidInput
from ringfence.core.security import Role
from ringfence.enforcement import search, sellers, service
from ringfence.enforcement.enums import AppealStatus, CaseSource, CaseStatus, Decision
from ringfence.enforcement.schemas import MAX_INT
from ringfence.registry.service import list_marks
from ringfence.web.error_codes import ErrorCode
from ringfence.web.page import Page, PageDep

router = APIRouter(include_in_schema=False, tags=["pages"], default_response_class=HTMLResponse)

ANALYSTS = (Role.admin, Role.rights_holder)
READERS = (Role.admin, Role.rights_holder, Role.marketplace)
MAX_PAIRS = 100  # query parameters a search reads
MAX_SUGGESTIONS = 500  # mark ids offered to the form's mark field
RowId = Annotated[int, Path(ge=1, le=MAX_INT)]
SellerId = Annotated[str, Path(min_length=1, max_length=200)]


def _user_id(page: Page) -> int:
    if page.user is None:  # page.require has already refused an anonymous visitor
        raise InvalidInput("sign in first", code=ErrorCode.SIGN_IN_REQUIRED)
    return page.user.user_id


def _query(page: Page) -> search.CaseQuery:
    pairs = page.request.query_params.multi_items()
    if len(pairs) > MAX_PAIRS:
        raise InvalidInput(
            f"a search takes at most {MAX_PAIRS} parameters", code=ErrorCode.INVALID_FILTER
        )
    return search.parse_query(pairs)


@router.get("/console/search")
def search_page(page: PageDep) -> Response:
    """The search form, one page of results, and the user's saved views. A bad filter shows
    the form again with the message (422), never a bare error page."""
    principal = page.require(*ANALYSTS)
    views = search.list_views(page.db, principal=principal, user_id=_user_id(page))
    error = None
    try:
        query = _query(page)
    except InvalidInput as bad:
        error, query, results = bad, search.CaseQuery(), None
    else:
        results = search.search_cases(page.db, principal=principal, query=query)
    raw = dict(page.request.query_params) if error else {}
    return page.render(
        "console/search.html",
        status_code=422 if error else 200,
        title=page._("Search cases"),
        query=query,
        raw=raw,
        error=error,
        results=results,
        views=views,
        mark_ids=[m.id for m in list_marks(page.db, principal=principal)][:MAX_SUGGESTIONS],
        marketplaces=search.marketplaces(page.db, principal=principal),
        statuses=list(CaseStatus),
        sources=list(CaseSource),
        decisions=list(Decision),
        appeals=list(AppealStatus),
        bands=list(search.BANDS),
        sorts=search.SORTS,
        sizes=search.PAGE_SIZES,
        max_export=search.MAX_EXPORT,
        done=page.request.query_params.get("done", ""),
    )


@router.get("/console/search/export.csv")
def export_csv(page: PageDep) -> Response:
    """The current search's cases as CSV (the CLI export's columns, at most MAX_EXPORT rows in
    the search's order), sent in chunks."""
    principal = page.require(*ANALYSTS)
    query = _query(page)
    rows = search.export_rows(page.db, principal=principal, query=query)
    name = f"cases-{utcnow():%Y%m%d-%H%M%S}.csv"

    def chunks() -> Iterator[bytes]:
        for text in search.csv_chunks(rows):
            yield text.encode()

    return page._finish(
        StreamingResponse(
            chunks(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )


@router.post("/console/search/views")
def save_view(
    page: PageDep,
    name: Annotated[str, Form(max_length=search.MAX_VIEW_NAME * 2)],
    query: Annotated[str, Form(max_length=search.MAX_QUERY)] = "",
) -> Response:
    """Save the current filters (the page's canonical query string, read again here) under a
    name; the same name again replaces that view."""
    principal = page.require(*ANALYSTS)
    parsed = search.parse_query_string(query)
    view = search.save_view(
        page.db, principal=principal, user_id=_user_id(page), name=name, query=parsed
    )
    return page.redirect(f"/console/search?{view.query}", done="view_saved")


@router.get("/console/search/views/{view_id}")
def open_view(page: PageDep, view_id: RowId) -> Response:
    principal = page.require(*ANALYSTS)
    view = search.get_view(page.db, principal=principal, user_id=_user_id(page), view_id=view_id)
    return page.redirect(f"/console/search?{view.query}")


@router.post("/console/search/views/{view_id}/delete")
def delete_view(page: PageDep, view_id: RowId) -> Response:
    principal = page.require(*ANALYSTS)
    search.delete_view(page.db, principal=principal, user_id=_user_id(page), view_id=view_id)
    return page.redirect("/console/search", done="view_deleted")


@router.get("/console/sellers/{seller_id:path}")
def seller_page(page: PageDep, seller_id: SellerId) -> Response:
    """A seller across marketplaces: listings, cases, strikes, appeals, decisions, and the
    repeat-infringer standing."""
    principal = page.require(*READERS)
    profile = sellers.seller_profile(
        page.db, principal=principal, seller_id=seller_id, settings=page.settings
    )
    return page.render(
        "console/seller.html",
        title=page._("Seller %(id)s") % {"id": seller_id},
        profile=profile,
        search_link="/console/search?" + search.CaseQuery(seller=seller_id).query_string(),
        can_search=principal.role in ANALYSTS,
        max_cases=sellers.MAX_CASES,
    )


@router.get("/console/cases/{case_id}/evidence-pack")
def evidence_pack(page: PageDep, case_id: RowId) -> Response:
    """The case's evidence pack (the zip of ``ringfence cases export-pack``) as a download."""
    principal = page.require(*READERS)
    data = service.evidence_pack(
        page.db, principal=principal, case_id=case_id, settings=page.settings
    )
    return page._finish(
        Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="case-{case_id}-evidence.zip"'},
        )
    )
