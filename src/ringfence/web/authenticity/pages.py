"""The licensee portal (my licences and what they cover, my products, requesting and
downloading code batches as CSV or a printable QR sheet) and the buyer's "report a fake" form
on the verify page. Reads and commands go through the services with the signed-in user's
principal; the report form opens a case through ``flows.reports.report_fake``."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from ringfence.authenticity import service
from ringfence.authenticity.labels import csv_lines, qr
from ringfence.authenticity.schemas import MAX_BATCH
from ringfence.core.security import Role
from ringfence.flows import reports
from ringfence.registry.service import list_licences
from ringfence.web.clients import client_address
from ringfence.web.deps import IndexDep
from ringfence.web.page import PageDep
from ringfence.web.ratelimit import RateLimiter

router = APIRouter(include_in_schema=False, tags=["pages"], default_response_class=HTMLResponse)

PORTAL = (Role.licensee, Role.admin)
SHEET_MAX = 200  # QR codes on one printable sheet


@router.get("/portal")
def portal(page: PageDep) -> Response:
    principal = page.require(*PORTAL)
    return page.render(
        "portal/licences.html",
        title=page._("My licences"),
        licences=list_licences(page.db, principal=principal),
    )


@router.get("/portal/products")
def products(page: PageDep) -> Response:
    principal = page.require(*PORTAL)
    return page.render(
        "portal/products.html",
        title=page._("My products"),
        products=service.list_products(page.db, principal=principal),
    )


@router.get("/portal/codes")
def codes(page: PageDep) -> Response:
    principal = page.require(*PORTAL)
    return page.render(
        "portal/codes.html",
        title=page._("Authenticity codes"),
        products=service.list_products(page.db, principal=principal),
        batches=list(reversed(service.list_batches(page.db, principal=principal))),
        max_batch=min(MAX_BATCH, 10_000),
    )


@router.post("/portal/codes")
def request_codes(
    page: PageDep,
    index: IndexDep,
    gtin: Annotated[str, Form(max_length=14)],
    count: Annotated[int, Form(ge=1, le=10_000)],
    lot: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    principal = page.require(*PORTAL)
    issued = service.issue_batch(
        page.db,
        principal=principal,
        index=index,
        secret=page.settings.secret_key.get_secret_value(),
        gtin=gtin,
        count=count,
        lot=lot.strip() or None,
    )
    return page.redirect(f"/portal/codes/{issued.batch.id}", done="issued")


@router.get("/portal/codes/{batch_id}")
def batch(page: PageDep, batch_id: str) -> Response:
    principal = page.require(*PORTAL)
    return page.render(
        "portal/batch.html",
        title=page._("Batch %(id)s") % {"id": batch_id},
        batch=service.get_batch(page.db, principal=principal, batch_id=batch_id),
        sheet_max=SHEET_MAX,
    )


@router.get("/portal/codes/{batch_id}/codes.csv")
def batch_csv(page: PageDep, batch_id: str) -> Response:
    principal = page.require(*PORTAL)
    codes = list(
        service.batch_codes(
            page.db,
            principal=principal,
            batch_id=batch_id,
            secret=page.settings.secret_key.get_secret_value(),
        )
    )
    return StreamingResponse(
        csv_lines(codes, page.settings.resolver_url),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{batch_id}.csv"'},
    )


@router.get("/portal/codes/{batch_id}/sheet")
def qr_sheet(page: PageDep, batch_id: str) -> Response:
    """A printable page of the batch's QR codes (the first SHEET_MAX; the CSV has them all),
    each an inline SVG image with its serial under it."""
    principal = page.require(*PORTAL)
    found = service.get_batch(page.db, principal=principal, batch_id=batch_id)
    secret = page.settings.secret_key.get_secret_value()
    labels = []
    for i, code in enumerate(
        service.batch_codes(page.db, principal=principal, batch_id=batch_id, secret=secret)
    ):
        if i >= SHEET_MAX:
            break
        svg = qr(code, page.settings.resolver_url, "svg", scale=3)
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
        labels.append((code.serial, uri, code.uri(page.settings.resolver_url)))
    response = page.render(
        "portal/sheet.html",
        title=page._("QR sheet of batch %(id)s") % {"id": batch_id},
        batch=found,
        labels=labels,
    )
    if page.request.query_params.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{batch_id}-qr.html"'
    return response


# ------------------------------------------------------------------ report a fake


@router.post("/verify/report")
def report_fake(
    page: PageDep,
    request: Request,
    gtin: Annotated[str, Form(max_length=14)],
    serial: Annotated[str, Form(max_length=20)],
    where: Annotated[str, Form(min_length=1, max_length=300)],
    seller: Annotated[str, Form(max_length=200)] = "",
    details: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A buyer's report of a fake opens a case for the owner of the product's marks (or the
    IOC when the code names no registered product)."""
    limiter: RateLimiter = request.app.state.verify_limiter
    limiter.hit(client_address(request))
    reports.report_fake(
        page.db,
        settings=page.settings,
        gtin=gtin,
        serial=serial,
        where=where,
        seller=seller,
        details=details,
        visitor=page.visitor,
    )
    return page.redirect("/verify", done="reported")
