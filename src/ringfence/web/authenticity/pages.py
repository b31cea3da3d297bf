"""The licensee portal (my licences and what they cover, my products, requesting and
downloading code batches as CSV or a printable QR sheet), the verify form (what a label
prints, or its link) and the buyer's "report a fake" form on the verify page. Reads and
commands go through the services with the signed-in user's principal; the report form opens
a case through ``flows.reports.report_fake``."""

from __future__ import annotations

import base64
import hashlib
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from markupsafe import Markup

from ringfence.authenticity import service
from ringfence.authenticity.codes import parse_printed
from ringfence.authenticity.labels import csv_lines, qr
from ringfence.authenticity.schemas import MAX_BATCH
from ringfence.core.errors import InvalidInput
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


def _sheet_css() -> tuple[Markup, str]:
    """The QR sheet's stylesheet, inlined into the page (a downloaded sheet prints from disk
    as it shows here), and its CSP source: the page allows that one inline style by hash."""
    css = resources.files("ringfence.web").joinpath("static/sheet.css").read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return Markup(css), f"'sha256-{digest}'"  # noqa: S704 - the package's own file


SHEET_CSS, SHEET_STYLE_SRC = _sheet_css()


@router.get("/portal/codes/{batch_id}/sheet")
def qr_sheet(page: PageDep, batch_id: str) -> Response:
    """A printable page of the batch's labels (the first SHEET_MAX; the CSV has them all):
    each an inline SVG QR code with the product, GTIN · serial and lot under it. The page
    stands alone: its style inlined, no navigation, no form and so no CSRF token; a
    downloaded copy opens and prints from disk the same."""
    principal = page.require(*PORTAL)
    found = service.get_batch(page.db, principal=principal, batch_id=batch_id)
    product = service.get_product(page.db, principal=principal, gtin=found.gtin)
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
        product=product.name,
        labels=labels,
        sheet_css=SHEET_CSS,
    )
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; img-src 'self' data:; style-src {SHEET_STYLE_SRC}; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    if page.request.query_params.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{batch_id}-qr.html"'
    return response


# ------------------------------------------------------------------ the verify form


@router.get("/verify")
def verify_form(
    page: PageDep, request: Request, code: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    """Type what the label prints, or paste or scan the QR code's link: the result page is
    the code's own link. The GTIN and serial printed under a QR code (``GTIN · serial``, with
    or without the dot, spaces anywhere), a GS1 element string (``(01)…(21)…``) and the link
    are all accepted; printed text is completed into the link of the code it names
    (``authenticity.service.printed_code``), rate limited like a scan."""
    if not code:
        return page.render("verify_form.html", title=page._("Verify a code"), code="")
    try:
        unit = parse_printed(code)
    except InvalidInput as exc:
        return page.render(
            "verify_form.html",
            status_code=422,
            title=page._("Verify a code"),
            code=code,
            error=page._(
                "This is not an authenticity code. Type the numbers and letters printed next to "
                "the QR code (for example 05901234123457 · 7KQ2M4XW9TB3HJ6P), or paste its link."
            ),
            error_code=exc.code,
        )
    if unit.signature is None:
        limiter: RateLimiter = request.app.state.verify_limiter
        limiter.hit(client_address(request))
        unit = service.printed_code(
            page.db, code=unit, secret=page.settings.secret_key.get_secret_value()
        )
    return page.redirect(unit.uri("/v"))  # browsers ask for HTML: the result page


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
