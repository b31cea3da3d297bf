"""JSON API of enforcement: cases, decisions, evidence, notices, counter-notices, appeals,
strikes, reporter accuracy, exports and the audit check. Scoping is the service's job."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from ringfence.core import audit
from ringfence.core.errors import Forbidden, InvalidInput
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement import reinstatements, service, uploads
from ringfence.enforcement.enums import CaseStatus
from ringfence.enforcement.interfaces import NoticeConnector, connector_from_settings
from ringfence.enforcement.schemas import (
    MAX_INT,
    REF_PATTERN,
    AppealDecisionIn,
    AppealOut,
    AuditEventOut,
    AuditVerifyOut,
    BulkDecisionIn,
    BulkDecisionOut,
    CaseDetail,
    CaseIn,
    CaseOut,
    CounterNoticeIn,
    DeadlinesOut,
    DecisionIn,
    DeliveryOut,
    DispatchOut,
    EvidenceOut,
    ExceptionPreviewIn,
    ExceptionPreviewOut,
    OpenedCase,
    ReporterOut,
    ScopedException,
    ScreenCasesIn,
    ScreenedOut,
    StrikesOut,
)
from ringfence.flows import exceptions, notices
from ringfence.screening.engine import Engine
from ringfence.web.bodies import JsonBody
from ringfence.web.deps import (
    CurrentPrincipal,
    EngineDep,
    SessionDep,
    SettingsDep,
)
from ringfence.web.error_codes import ErrorCode

router = APIRouter(prefix="/v1", tags=["enforcement"])
CaseId = Annotated[int, Path(ge=1, le=MAX_INT)]
TokenHeader = Annotated[
    str,
    Header(
        alias="X-Counter-Notice-Token",
        max_length=200,
        description="The case's counter-notice token, from the takedown notice.",
    ),
]
FilenameHeader = Annotated[
    str, Header(alias="X-Filename", min_length=1, max_length=255, pattern=REF_PATTERN)
]
ContentTypeHeader = Annotated[str, Header(alias="Content-Type", max_length=100)]


def get_notice_connector(request: Request, settings: SettingsDep) -> NoticeConnector:
    """One connector per app, from settings (tests override this dependency)."""
    connector: NoticeConnector | None = getattr(request.app.state, "notice_connector", None)
    if connector is None:
        connector = connector_from_settings(settings)
        request.app.state.notice_connector = connector
    return connector


ConnectorDep = Annotated[NoticeConnector, Depends(get_notice_connector)]


async def _upload(request: Request) -> bytes:
    """The raw request body, refused as soon as it passes the evidence size limit."""
    limit = request.app.state.settings.evidence_max_bytes
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise InvalidInput(
                f"the file is larger than {limit} bytes", code=ErrorCode.FILE_TOO_LARGE
            )
    return bytes(received)


UploadDep = Annotated[bytes, Depends(_upload)]


def _admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden("admins only", code=ErrorCode.FORBIDDEN_ROLE)


# ------------------------------------------------------------------ cases


@router.post("/cases", response_model=OpenedCase, status_code=status.HTTP_201_CREATED)
def open_case(
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    body: CaseIn,
    response: Response,
) -> OpenedCase:
    """Open a case on a listing (or a seller). The same listing version again returns the
    existing case with ``created: false`` (200) and adds the new findings to it."""
    case, created = service.open_case(session, principal=principal, data=body, settings=settings)
    if not created:
        response.status_code = status.HTTP_200_OK
    return OpenedCase(created=created, case=case)


CASES_SCREEN_BODY = JsonBody(ScreenCasesIn, ScreenCasesIn)
_SCREENED = TypeAdapter(list[ScreenedOut])


@router.post("/cases/screen", include_in_schema=False)
async def screen_and_open_fast(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    engine: EngineDep,
) -> Response:
    """The route that answers ``POST /v1/cases/screen`` (``screen_and_open`` below describes
    it in the OpenAPI document): the body validated from its bytes in one pass (web/bodies.py),
    the work (screening, the cases it opens) in a worker thread, the answer written by
    pydantic-core without validating the rows again."""
    body: ScreenCasesIn = await CASES_SCREEN_BODY.read(request)
    screened = await run_in_threadpool(_screen_upload, session, principal, settings, engine, body)
    return Response(_SCREENED.dump_json(screened), media_type="application/json")


@router.post(
    "/cases/screen",
    response_model=list[ScreenedOut],
    operation_id="screen_and_open_v1_cases_screen_post",  # as when it was the one route
)
def screen_and_open(
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    engine: EngineDep,
    body: ScreenCasesIn,
) -> list[ScreenedOut]:
    """Screen up to 1,000 listings and open a case for each infringing or review verdict. The
    marketplace is one of the registry's (422 ``unknown_marketplace`` otherwise), and a
    listing already under an undecided case there opens no other (``already_under_case``);
    the console's upload and ``ringfence cases screen`` check the same (enforcement.uploads)."""
    # The OpenAPI description of POST /v1/cases/screen, with the same answer by FastAPI's own
    # body parsing; requests reach ``screen_and_open_fast``, registered first (a test holds it).
    return _screen_upload(session, principal, settings, engine, body)


def _screen_upload(
    session: Session, principal: Principal, settings: Settings, engine: Engine, body: ScreenCasesIn
) -> list[ScreenedOut]:
    screened = uploads.screen_upload(
        session,
        principal=principal,
        engine=engine,
        marketplace=body.marketplace,
        rows=body.listings,
        settings=settings,
        today=body.on,
    )
    return [s.out for s in screened]


@router.get("/cases", response_model=list[CaseOut])
def list_cases(
    session: SessionDep,
    principal: CurrentPrincipal,
    status_: Annotated[list[CaseStatus] | None, Query(alias="status")] = None,
    seller_id: Annotated[str | None, Query(max_length=200, pattern=REF_PATTERN)] = None,
    queue: Annotated[
        bool, Query(description="The review queue: open and escalated, by risk and reach.")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> list[CaseOut]:
    return service.list_cases(
        session,
        principal=principal,
        status=status_ or (),
        seller_id=seller_id,
        queue=queue,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/cases/export.csv",
    response_class=Response,
    response_model=None,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per case."}},
)
def export_cases(
    session: SessionDep,
    principal: CurrentPrincipal,
    status_: Annotated[list[CaseStatus] | None, Query(alias="status")] = None,
) -> Response:
    """Every case you see, as CSV."""
    text = service.export_csv(session, principal=principal, status=status_ or ())
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"'},
    )


@router.post("/cases/bulk-decision", response_model=BulkDecisionOut)
def bulk_decision(
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    connector: ConnectorDep,
    body: BulkDecisionIn,
) -> BulkDecisionOut:
    """One decision over many listings of one seller."""
    decision = DecisionIn.model_validate(body.model_dump(exclude={"seller_id", "case_ids"}))
    decided = service.bulk_decide(
        session,
        principal=principal,
        seller_id=body.seller_id,
        case_ids=body.case_ids,
        data=decision,
        settings=settings,
    )
    notices.deliver_after_commit(
        session, connector=connector, settings=settings, case_ids=[c.id for c in decided]
    )
    return BulkDecisionOut(decided=decided)


@router.get("/cases/{case_id}", response_model=CaseDetail)
def get_case(session: SessionDep, principal: CurrentPrincipal, case_id: CaseId) -> CaseDetail:
    return service.get_case(session, principal=principal, case_id=case_id)


@router.post("/cases/{case_id}/decision", response_model=CaseOut)
def decide(
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    connector: ConnectorDep,
    case_id: CaseId,
    body: DecisionIn,
) -> CaseOut:
    """Take down, dismiss, mark licensed or escalate. A takedown's notice is sent at once; a
    failed delivery is retried by ``ringfence notices dispatch``."""
    out = service.decide(
        session, principal=principal, case_id=case_id, data=body, settings=settings
    )
    notices.deliver_after_commit(
        session, connector=connector, settings=settings, case_ids=[case_id]
    )
    return out


@router.post("/cases/{case_id}/exception-preview", response_model=ExceptionPreviewOut)
def preview_exception(
    session: SessionDep, principal: CurrentPrincipal, case_id: CaseId, body: ExceptionPreviewIn
) -> ExceptionPreviewOut:
    """What dismissing the case with this exception (``add_exception`` of a decision) would
    change, before it is saved: the scoped exception, and how many flagged listings of the kept
    listing verdicts would change verdict, with examples. Nothing is written."""
    return exceptions.preview_exception(session, principal=principal, case_id=case_id, data=body)


@router.get("/cases/{case_id}/exceptions", response_model=list[ScopedException])
def case_exceptions(
    session: SessionDep, principal: CurrentPrincipal, case_id: CaseId
) -> list[ScopedException]:
    """The exceptions made from this case that are still in the registry."""
    return service.case_exceptions(session, principal=principal, case_id=case_id)


def _revoke(session: SessionDep, principal: Principal, exception_id: int) -> ScopedException:
    return service.revoke_exception(session, principal=principal, exception_id=exception_id)


@router.delete("/exceptions/{exception_id}", response_model=ScopedException)
def revoke_exception(
    session: SessionDep, principal: CurrentPrincipal, exception_id: CaseId
) -> ScopedException:
    """Revoke an exception of a mark of yours: the mark is protected again where it applied."""
    return _revoke(session, principal, exception_id)


@router.post("/exceptions/{exception_id}/revoke", response_model=ScopedException)
def revoke_exception_post(
    session: SessionDep, principal: CurrentPrincipal, exception_id: CaseId
) -> ScopedException:
    """The same as ``DELETE /v1/exceptions/{exception_id}``, for clients without DELETE."""
    return _revoke(session, principal, exception_id)


@router.post(
    "/cases/{case_id}/evidence", response_model=EvidenceOut, status_code=status.HTTP_201_CREATED
)
def add_evidence(
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    case_id: CaseId,
    content: UploadDep,
    content_type: ContentTypeHeader,
    filename: FilenameHeader,
) -> EvidenceOut:
    """Upload a screenshot or document as the raw body (Content-Type: image/png, image/jpeg,
    image/webp, application/pdf or text/plain; X-Filename: its name)."""
    return service.add_file(
        session,
        principal=principal,
        case_id=case_id,
        content=content,
        content_type=content_type,
        filename=filename,
        settings=settings,
    )


@router.post("/cases/{case_id}/removal-confirmation", response_model=CaseOut)
def confirm_removal(
    session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep, case_id: CaseId
) -> CaseOut:
    """The marketplace confirms it removed the listing; the counter-notice window starts."""
    return service.confirm_removal(session, principal=principal, case_id=case_id, settings=settings)


@router.post("/cases/{case_id}/reinstatement-confirmation", response_model=CaseOut)
def confirm_reinstatement(
    session: SessionDep, principal: CurrentPrincipal, case_id: CaseId
) -> CaseOut:
    """The marketplace confirms it put the listing back up (an appeal was upheld)."""
    return reinstatements.confirm_reinstatement(session, principal=principal, case_id=case_id)


@router.post(
    "/cases/{case_id}/counter-notice",
    response_model=AppealOut,
    status_code=status.HTTP_201_CREATED,
)
def counter_notice(
    session: SessionDep,
    settings: SettingsDep,
    case_id: CaseId,
    token: TokenHeader,
    body: CounterNoticeIn,
) -> AppealOut:
    """For the seller (no API key): counter-notify within the window with the case's token."""
    return service.file_counter_notice(
        session, case_id=case_id, token=token, statement=body.statement, settings=settings
    )


@router.post("/cases/{case_id}/counter-notice/withdrawal", response_model=AppealOut)
def withdraw_counter_notice(
    session: SessionDep, settings: SettingsDep, case_id: CaseId, token: TokenHeader
) -> AppealOut:
    """For the seller: withdraw the counter-notice; the takedown stands."""
    return service.withdraw_counter_notice(session, case_id=case_id, token=token, settings=settings)


@router.post(
    "/cases/{case_id}/counter-notice/evidence",
    response_model=EvidenceOut,
    status_code=status.HTTP_201_CREATED,
)
def counter_notice_evidence(
    session: SessionDep,
    settings: SettingsDep,
    case_id: CaseId,
    token: TokenHeader,
    content: UploadDep,
    content_type: ContentTypeHeader,
    filename: FilenameHeader,
) -> EvidenceOut:
    """For the seller: a file supporting the counter-notice (raw body, as for evidence)."""
    return service.add_counter_notice_file(
        session,
        case_id=case_id,
        token=token,
        content=content,
        content_type=content_type,
        filename=filename,
        settings=settings,
    )


@router.post("/cases/{case_id}/appeal-decision", response_model=CaseOut)
def appeal_decision(
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    connector: ConnectorDep,
    case_id: CaseId,
    body: AppealDecisionIn,
) -> CaseOut:
    """Uphold the appeal (reinstate: a notice goes to the marketplace) or reject it."""
    out = service.decide_appeal(
        session,
        principal=principal,
        case_id=case_id,
        outcome=body.outcome,
        reason_code=body.reason_code,
        settings=settings,
    )
    notices.deliver_after_commit(
        session, connector=connector, settings=settings, case_ids=[case_id]
    )
    return out


@router.get("/cases/{case_id}/events", response_model=list[AuditEventOut])
def case_events(
    session: SessionDep, principal: CurrentPrincipal, case_id: CaseId
) -> list[AuditEventOut]:
    return [
        AuditEventOut(
            seq=e.seq,
            kind=e.kind,
            case_id=e.case_id,
            actor=e.actor,
            at=e.at,
            hash=e.hash,
            prev_hash=e.prev_hash,
        )
        for e in service.case_events(session, principal=principal, case_id=case_id)
    ]


@router.get("/cases/{case_id}/deliveries", response_model=list[DeliveryOut])
def case_deliveries(
    session: SessionDep, principal: CurrentPrincipal, case_id: CaseId
) -> list[DeliveryOut]:
    """The delivery log of the case's notices: one row per attempt."""
    return [
        DeliveryOut(
            notice=d.notice_id,
            attempt=d.attempt,
            at=d.at,
            ok=d.ok,
            status_code=d.status_code,
            error=d.error,
            waited=d.waited,
        )
        for d in service.deliveries(session, principal=principal, case_id=case_id)
    ]


@router.get(
    "/cases/{case_id}/evidence-pack",
    response_class=Response,
    response_model=None,
    responses={200: {"content": {"application/zip": {}}, "description": "case.json + files/"}},
)
def evidence_pack(
    session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep, case_id: CaseId
) -> Response:
    """A zip for customs or a court: the case, evidence, notices, audit events and files."""
    data = service.evidence_pack(session, principal=principal, case_id=case_id, settings=settings)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}.zip"'},
    )


# ------------------------------------------------------------------ sellers, reporters


@router.get("/sellers/{seller_id}/strikes", response_model=StrikesOut)
def seller_strikes(
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    seller_id: Annotated[str, Path(max_length=200, pattern=REF_PATTERN)],
) -> StrikesOut:
    return service.strikes(session, principal=principal, seller_id=seller_id, settings=settings)


@router.get("/reporters/{reporter}/accuracy", response_model=ReporterOut)
def reporter_accuracy(
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    reporter: Annotated[str, Path(max_length=200, pattern=REF_PATTERN)],
) -> ReporterOut:
    return service.reporter_stats(
        session, principal=principal, reporter=reporter, settings=settings
    )


# ------------------------------------------------------------------ operations


@router.get("/audit/verify", response_model=AuditVerifyOut)
def audit_verify(session: SessionDep, principal: CurrentPrincipal) -> AuditVerifyOut:
    """Check the audit chains: all of them (admin) or your own (rights holder)."""
    if principal.role is Role.rights_holder:
        breaks = audit.verify(session, rights_holder_id=principal.party_id)
    else:
        _admin(principal)
        breaks = audit.verify(session)
    return AuditVerifyOut(intact=not breaks, problems=[str(b) for b in breaks])


@router.post("/notices/dispatch", response_model=DispatchOut)
def dispatch(
    session: SessionDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    connector: ConnectorDep,
) -> DispatchOut:
    """Deliver every pending or failed notice (admin)."""
    _admin(principal)
    delivered, failed = service.dispatch_notices(session, connector=connector, settings=settings)
    return DispatchOut(delivered=delivered, failed=failed)


@router.post("/enforcement/deadlines", response_model=DeadlinesOut)
def deadlines(
    session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep
) -> DeadlinesOut:
    """Run the deadline scheduler now (admin); ``ringfence scheduler run`` does the same."""
    _admin(principal)
    return service.run_deadlines(session, settings=settings)
