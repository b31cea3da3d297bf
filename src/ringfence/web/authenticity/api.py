"""Authenticity API: products, signing keys, issuance, recalls, sales, and the public
verification endpoint that printed codes point at."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from ringfence.authenticity import service
from ringfence.authenticity.codes import parse_uri, unit_code
from ringfence.authenticity.enums import ScanStatus
from ringfence.authenticity.labels import csv_lines, qr
from ringfence.authenticity.schemas import (
    BatchOut,
    BulkVerifyIn,
    IssueIn,
    JwksOut,
    KeyOut,
    ProductIn,
    ProductOut,
    RecallIn,
    RevokeKeyIn,
    ScanOut,
    SoldIn,
    VerifyOut,
)
from ringfence.core.batching import Batcher
from ringfence.core.errors import InvalidInput
from ringfence.core.settings import Settings
from ringfence.flows import scans as scan_flow
from ringfence.registry.schemas import iso_territories
from ringfence.web.clients import CountryLookup, client_address, device_of, network_prefix
from ringfence.web.deps import CurrentPrincipal, IndexDep, SessionDep, SettingsDep
from ringfence.web.error_codes import ErrorCode
from ringfence.web.page import get_page
from ringfence.web.ratelimit import RateLimiter

router = APIRouter(tags=["authenticity"])
public = APIRouter(tags=["verification"])

TITLES = {
    ScanStatus.genuine: "Genuine",
    ScanStatus.not_genuine: "Not genuine",
    ScanStatus.revoked: "Withdrawn",
    ScanStatus.suspicious: "Suspicious",
}


def _secret(settings: Settings) -> str:
    return settings.secret_key.get_secret_value()


# ------------------------------------------------------------------ keys


@public.get("/.well-known/ringfence-keys.json", response_model=JwksOut)
def published_keys(session: SessionDep) -> JwksOut:
    """Every licensor's public signing keys (JWK Set, RFC 8037), revoked ones marked, for
    verifying printed codes offline."""
    return JwksOut(keys=service.published_keys(session))


@router.get("/v1/codes/keys", response_model=list[KeyOut])
def list_keys(principal: CurrentPrincipal, session: SessionDep) -> list[KeyOut]:
    return service.list_keys(session, principal=principal)


@router.post("/v1/codes/keys/{party_id}/rotate", response_model=KeyOut, status_code=201)
def rotate_key(
    party_id: str, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> KeyOut:
    """A new active key for the party; the previous one is retired (its codes stay valid)."""
    return service.rotate_key(
        session, principal=principal, party_id=party_id, secret=_secret(settings)
    )


@router.post("/v1/codes/keys/{key_id}/revoke", response_model=KeyOut)
def revoke_key(
    key_id: str, body: RevokeKeyIn, principal: CurrentPrincipal, session: SessionDep
) -> KeyOut:
    """Every code the key signed answers revoked from now on."""
    return service.revoke_key(session, principal=principal, key_id=key_id, reason=body.reason)


# ------------------------------------------------------------------ products


@router.post("/v1/products", response_model=ProductOut, status_code=201)
def register_product(
    body: ProductIn, principal: CurrentPrincipal, session: SessionDep
) -> ProductOut:
    return service.register_product(session, principal=principal, data=body)


@router.get("/v1/products", response_model=list[ProductOut])
def list_products(principal: CurrentPrincipal, session: SessionDep) -> list[ProductOut]:
    return service.list_products(session, principal=principal)


@router.get("/v1/products/{gtin}", response_model=ProductOut)
def get_product(gtin: str, principal: CurrentPrincipal, session: SessionDep) -> ProductOut:
    return service.get_product(session, principal=principal, gtin=gtin)


# ------------------------------------------------------------------ batches


@router.post("/v1/codes/batches", response_model=BatchOut, status_code=201)
def issue_batch(
    body: IssueIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    index: IndexDep,
    settings: SettingsDep,
) -> BatchOut:
    """Issue signed unit codes for a product (refused, 403 ``licence_does_not_cover``, unless a
    licence in force covers it). Fetch them from ``.../codes.csv`` or as QR codes."""
    issued = service.issue_batch(
        session,
        principal=principal,
        index=index,
        secret=_secret(settings),
        gtin=body.gtin,
        count=body.count,
        lot=body.lot,
    )
    return issued.batch


@router.get("/v1/codes/batches", response_model=list[BatchOut])
def list_batches(
    principal: CurrentPrincipal, session: SessionDep, gtin: str | None = None
) -> list[BatchOut]:
    return service.list_batches(session, principal=principal, gtin=gtin)


@router.get("/v1/codes/batches/{batch_id}", response_model=BatchOut)
def get_batch(batch_id: str, principal: CurrentPrincipal, session: SessionDep) -> BatchOut:
    return service.get_batch(session, principal=principal, batch_id=batch_id)


@router.get(
    "/v1/codes/batches/{batch_id}/codes.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def batch_csv(
    batch_id: str, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> StreamingResponse:
    """The batch's codes as CSV: gtin, lot, serial, uri (the text to put in the QR code)."""
    codes = list(
        service.batch_codes(
            session, principal=principal, batch_id=batch_id, secret=_secret(settings)
        )
    )
    return StreamingResponse(
        csv_lines(codes, settings.resolver_url),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{batch_id}.csv"'},
    )


@router.get(
    "/v1/codes/batches/{batch_id}/units/{serial}/qr.{kind}",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
)
def unit_qr(
    batch_id: str,
    serial: str,
    kind: Literal["svg", "png"],
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    scale: Annotated[int, Query(ge=1, le=40)] = 4,
) -> Response:
    """One unit's QR code, print-ready."""
    code = service.batch_code(
        session, principal=principal, batch_id=batch_id, serial=serial, secret=_secret(settings)
    )
    media = "image/svg+xml" if kind == "svg" else "image/png"
    return Response(qr(code, settings.resolver_url, kind, scale=scale), media_type=media)


@router.post("/v1/codes/batches/{batch_id}/recall", response_model=BatchOut)
def recall_batch(
    batch_id: str, body: RecallIn, principal: CurrentPrincipal, session: SessionDep
) -> BatchOut:
    """Every code of the batch answers revoked from now on."""
    return service.recall_batch(session, principal=principal, batch_id=batch_id, reason=body.reason)


@router.post("/v1/codes/units/{gtin}/{serial}/sold", status_code=204)
def mark_sold(
    gtin: str, serial: str, body: SoldIn, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Record the unit's sale; later scans from other countries count towards clone detection."""
    service.mark_sold(
        session, principal=principal, gtin=gtin, serial=serial, country=body.country, at=body.at
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/v1/codes/units/{gtin}/{serial}/scans", response_model=list[ScanOut])
def unit_scans(
    gtin: str, serial: str, principal: CurrentPrincipal, session: SessionDep
) -> list[ScanOut]:
    scans = service.unit_scans(session, principal=principal, gtin=gtin, serial=serial)
    return [
        ScanOut(
            scanned_at=s.scanned_at,
            status=s.status,
            reason=s.reason,
            country=s.country,
            ip_prefix=s.ip_prefix,
            device=s.device,
        )
        for s in scans
    ]


# ------------------------------------------------------------------ public verification


async def _rate_limit(request: Request) -> None:
    limiter: RateLimiter = request.app.state.verify_limiter
    limiter.hit(client_address(request))


Serial = Annotated[str, Path(max_length=20)]
Signature = Annotated[str | None, Query(max_length=200, description="<key id>.<signature>")]
Country = Annotated[
    str | None,
    Query(
        min_length=2,
        max_length=2,
        description="ISO 3166-1 alpha-2 the client claims; checked, never counted: the server "
        "derives the scan's country from the client address.",
    ),
]
Device = Annotated[
    str | None,
    Query(
        max_length=64,
        description="An app's device id; accepted, never counted: the server derives the "
        "scan's device from the client's network and platform.",
    ),
]
Format = Annotated[
    Literal["json", "html"] | None, Query(description="Default: HTML for browsers, else JSON.")
]


async def _verify(
    request: Request,
    session: Session,
    gtin: str,
    lot: str | None,
    serial: str,
    s: str | None,
    country: str | None,
    format: str | None,
) -> Response | VerifyOut:
    if country is not None:
        country = country.upper()
        if country not in iso_territories():
            raise InvalidInput(
                f"{country!r} is not an ISO 3166-1 alpha-2 country code",
                code=ErrorCode.INVALID_COUNTRY,
                loc=("query", "country"),
            )
    code = unit_code(gtin, serial, lot, s)
    # What counts toward the clone rules is what the server sees (web/clients.py): the client's
    # claimed ``country`` and ``device`` are checked and left out, or anyone holding a code
    # could turn a genuine item suspicious from one address (issue 18, s6).
    address = client_address(request)
    lookup: CountryLookup = request.app.state.country_lookup
    scan = service.ScanRequest(
        code, lookup.country(address), network_prefix(address), device_of(request)
    )
    batcher: Batcher = request.app.state.scan_batcher
    out: VerifyOut = await batcher.submit("scan", scan)
    wants_html = format == "html" or (
        format is None and "text/html" in request.headers.get("accept", "")
    )
    if wants_html:
        return await run_in_threadpool(_verify_page, request, session, out)
    return out


def _verify_page(request: Request, session: Session, out: VerifyOut) -> Response:
    page = get_page(request, session, None)
    return page.render("verify.html", title=page._(TITLES[out.status]), result=out)


def scan_batcher(factory: sessionmaker[Session], settings: Settings) -> Batcher:
    """Public scans of concurrent requests answered, logged and committed together
    (core/batching.py): a printed code's scan is three statements and a commit, cheaper by far
    in batches (docs/authenticity.md)."""

    def work(session: Session, scans: Sequence[service.ScanRequest]) -> list[VerifyOut]:
        return scan_flow.answer(session, settings, list(scans))

    return Batcher(factory, {"scan": work}, name="scans")


@router.post("/v1/codes/verify", response_model=list[VerifyOut])
def verify_many(
    body: BulkVerifyIn, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> list[VerifyOut]:
    """Check up to 1,000 printed codes at once (a marketplace vetting a seller's stock, a
    customs officer's scanner): one transaction, logged as scans from the caller's party.
    Any role with a key; a malformed code is 422 naming its position."""
    scans = []
    for i, uri in enumerate(body.codes):
        try:
            code = parse_uri(uri)
        except InvalidInput as exc:
            raise InvalidInput(exc.msg, code=exc.code, loc=("codes", i)) from None
        scans.append(service.ScanRequest(code, body.country, None, f"party:{principal.party_id}"))
    return scan_flow.answer(session, settings, scans)


_VERIFY_DOC = {
    "response_model": VerifyOut,
    "dependencies": [Depends(_rate_limit)],
    "responses": {200: {"content": {"text/html": {}}}},  # 429 and the rest: app-wide errors
}


@public.get("/v/01/{gtin}/21/{serial}", **_VERIFY_DOC)  # type: ignore[arg-type]
async def verify(
    request: Request,
    session: SessionDep,
    gtin: str,
    serial: Serial,
    s: Signature = None,
    country: Country = None,
    device: Device = None,
    format: Format = None,
) -> Response | VerifyOut:
    """Is this item genuine? The URI printed in its QR code (GS1 Digital Link). Public; the
    same answer for unknown and forged codes; every check is logged."""
    return await _verify(request, session, gtin, None, serial, s, country, format)


# `{lot:path}`: a lot may hold `/` (GS1 character set 82), printed as %2F, which the router
# sees decoded; serials never hold one, so the last `/21/` ends the lot.
@public.get("/v/01/{gtin}/10/{lot:path}/21/{serial}", **_VERIFY_DOC)  # type: ignore[arg-type]
async def verify_with_lot(
    request: Request,
    session: SessionDep,
    gtin: str,
    lot: Annotated[str, Path(max_length=20)],
    serial: Serial,
    s: Signature = None,
    country: Country = None,
    device: Device = None,
    format: Format = None,
) -> Response | VerifyOut:
    """The same, for codes that carry a batch/lot (AI 10)."""
    return await _verify(request, session, gtin, lot, serial, s, country, format)
