"""Console pages of enforcement: the dashboard, the review queue (matched spans highlighted,
keyboard shortcuts, bulk decisions), a case with its decision forms, and screening an uploaded
file of listings into cases. Every read and command goes through ``enforcement.service`` with
the signed-in user's principal: an NOC sees only its own cases."""

from __future__ import annotations

import base64
import csv
import io
from collections import Counter
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, UploadFile
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape
from pydantic import Field

from ringfence.core import jsontext, spreadsheet
from ringfence.core.db import utcnow
from ringfence.core.errors import InvalidInput
from ringfence.core.security import Role
from ringfence.enforcement import service
from ringfence.enforcement.enums import (
    APPEAL_REASONS,
    DECISION_REASONS,
    AppealStatus,
    CaseStatus,
    Decision,
    ReasonCode,
)
from ringfence.enforcement.schemas import (
    MAX_INT,
    CaseDetail,
    CaseOut,
    DecisionIn,
    ExceptionPreviewIn,
    ExceptionSpec,
)
from ringfence.flows import exceptions
from ringfence.registry.enums import ExceptionReason
from ringfence.web.charts import bars, columns
from ringfence.web.deps import EngineDep
from ringfence.web.error_codes import ErrorCode
from ringfence.web.page import PageDep

router = APIRouter(include_in_schema=False, tags=["pages"], default_response_class=HTMLResponse)

CaseId = Annotated[int, Path(ge=1, le=MAX_INT)]
ANALYSTS = (Role.admin, Role.rights_holder)
READERS = (Role.admin, Role.rights_holder, Role.marketplace)
QUEUE_PAGE = 50
DASHBOARD_CASES = 10_000  # the most recent cases the dashboard counts
MAX_UPLOAD = 5 * 1024 * 1024
MAX_ROWS = 1_000  # per upload, as POST /v1/screen
DAYS = 30
# The reason each one-key decision records (the case page offers every reason).
QUICK = {
    Decision.takedown: ReasonCode.unlicensed_use,
    Decision.dismiss: ReasonCode.false_positive,
    Decision.escalate: ReasonCode.legal_review,
}


OPEN_MARK, OPEN_EXCEPTED, CLOSE_MARK = (
    Markup("<mark>"),
    Markup('<mark class="excepted">'),
    Markup("</mark>"),
)


def highlight(text: str, findings: list[dict[str, Any]], field: str = "title") -> Markup:
    """``text`` with the spans the detectors matched in ``field`` wrapped in <mark> (excepted
    look-alikes in a lighter colour), everything escaped."""
    spans = sorted(
        (int(f["start"]), int(f["end"]), bool(f.get("exception")))
        for f in findings
        if f.get("field") == field and 0 <= int(f["start"]) < int(f["end"]) <= len(text)
    )
    out, at = [], 0
    for start, end, excepted in spans:
        if start < at:  # overlapping spans: keep the first
            continue
        out.append(escape(text[at:start]))
        out.append(OPEN_EXCEPTED if excepted else OPEN_MARK)
        out.append(escape(text[start:end]))
        out.append(CLOSE_MARK)
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def _findings(detail: CaseDetail) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for evidence in detail.evidence:
        if evidence.kind == "findings":
            found += list(evidence.data.get("findings", []))
    return found


def _exceptable(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings a dismissal may turn into an exception of their mark: once each."""
    seen, out = set(), []
    for f in findings:
        key = (f.get("mark"), f.get("text"))
        if f.get("mark") and not f.get("exception") and key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _regions(detail: CaseDetail) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for evidence in detail.evidence:
        if evidence.kind == "findings":
            found += list(evidence.data.get("regions", []))
    return found


# ------------------------------------------------------------------ dashboard


@router.get("/console")
def dashboard(page: PageDep) -> Response:
    principal = page.require(*ANALYSTS)
    cases = service.list_cases(page.db, principal=principal, limit=DASHBOARD_CASES)
    today = utcnow().date()
    days = [(today - timedelta(days=DAYS - 1 - i)).isoformat() for i in range(DAYS)]
    index = {d: i for i, d in enumerate(days)}
    opened = {"screening": [0] * DAYS, "reports": [0] * DAYS}
    decided = {d: [0] * DAYS for d in (Decision.takedown, Decision.dismiss, Decision.licensed)}
    marks: Counter[str] = Counter()
    sellers: Counter[str] = Counter()
    turnaround: list[float] = []
    for case in cases:
        day = index.get(case.created_at.date().isoformat())
        if day is not None:
            opened["screening" if case.source == "screening" else "reports"][day] += 1
        if case.decided_at is not None and case.decision in decided:
            dday = index.get(case.decided_at.date().isoformat())
            if dday is not None:
                decided[case.decision][dday] += 1
            if case.decision is Decision.takedown:
                turnaround.append((case.decided_at - case.created_at).total_seconds() / 3600)
        marks.update(case.marks)
        sellers[case.seller_id] += 1
    buckets = [
        (page._("under 1 hour"), sum(1 for h in turnaround if h < 1)),
        (page._("1 to 24 hours"), sum(1 for h in turnaround if 1 <= h < 24)),
        (page._("1 to 7 days"), sum(1 for h in turnaround if 24 <= h < 168)),
        (page._("over 7 days"), sum(1 for h in turnaround if h >= 168)),
    ]
    appeals = _appeal_outcomes(page, cases)
    charts = [
        (
            page._("Cases opened per day"),
            columns(
                page._("Cases opened per day"),
                days,
                [
                    (page._("screening"), opened["screening"]),
                    (page._("reports"), opened["reports"]),
                ],
            ),
        ),
        (
            page._("Decisions per day"),
            columns(
                page._("Decisions per day"),
                days,
                [
                    (page._("taken down"), decided[Decision.takedown]),
                    (page._("dismissed"), decided[Decision.dismiss]),
                    (page._("licensed"), decided[Decision.licensed]),
                ],
            ),
        ),
        (page._("Top marks"), bars(page._("Top marks"), marks.most_common(8))),
        (page._("Top sellers"), bars(page._("Top sellers"), sellers.most_common(8))),
        (page._("Takedown turnaround"), bars(page._("Takedown turnaround"), buckets)),
        (page._("Appeal outcomes"), bars(page._("Appeal outcomes"), appeals)),
    ]
    waiting = sum(1 for c in cases if c.status in (CaseStatus.open, CaseStatus.escalated))
    return page.render(
        "console/dashboard.html",
        title=page._("Dashboard"),
        charts=charts,
        total=len(cases),
        waiting=waiting,
    )


def _appeal_outcomes(page: Any, cases: list[CaseOut]) -> list[tuple[str, int]]:
    outcome: Counter[str] = Counter()
    for case in cases:
        if case.status in (
            CaseStatus.appealed,
            CaseStatus.reinstated,
            CaseStatus.closed_taken_down,
        ):
            detail = service.get_case(page.db, principal=page.principal, case_id=case.id)
            if detail.appeal is not None:
                outcome[detail.appeal.status.value] += 1
    labels = {
        "filed": page._("pending"),
        "upheld": page._("upheld"),
        "rejected": page._("rejected"),
        "withdrawn": page._("withdrawn"),
    }
    return [(labels[k], outcome[k]) for k in labels]


# ------------------------------------------------------------------ queue and cases


@router.get("/console/queue")
def queue(page: PageDep, offset: Annotated[int, Query(ge=0, le=10**6)] = 0) -> Response:
    principal = page.require(*READERS)
    cases = service.list_cases(
        page.db, principal=principal, queue=True, limit=QUEUE_PAGE, offset=offset
    )
    items = []
    for case in cases:
        detail = service.get_case(page.db, principal=principal, case_id=case.id)
        items.append((case, highlight(case.title, _findings(detail))))
    return page.render(
        "console/queue.html",
        title=page._("Review queue"),
        items=items,
        offset=offset,
        more=len(cases) == QUEUE_PAGE,
        quick=QUICK,
        reasons=DECISION_REASONS,
        can_decide=principal.role in ANALYSTS,
    )


@router.get("/console/cases/{case_id}")
def case_page(page: PageDep, case_id: CaseId) -> Response:
    principal = page.require(*READERS)
    detail = service.get_case(page.db, principal=principal, case_id=case_id)
    findings = _findings(detail)
    return page.render(
        "console/case.html",
        title=page._("Case %(id)s") % {"id": detail.id},
        case=detail,
        title_html=highlight(detail.title, findings),
        findings=findings,
        exceptable=list(enumerate(_exceptable(findings))),
        phrase=_suggested_phrase(detail.title, _exceptable(findings)),
        exception_reasons=list(ExceptionReason),
        made=service.case_exceptions(page.db, principal=principal, case_id=case_id),
        can_revoke=principal.role in ANALYSTS,
        regions=_regions(detail),
        reasons={d: _usual_first(d) for d in DECISION_REASONS},
        can_decide=principal.role in ANALYSTS
        and detail.status in (CaseStatus.open, CaseStatus.escalated),
        appeal_reasons={
            outcome: sorted(APPEAL_REASONS[outcome] - {ReasonCode.decision_deadline_passed})
            for outcome in (AppealStatus.upheld, AppealStatus.rejected)
        },
        can_decide_appeal=principal.role in ANALYSTS and detail.status is CaseStatus.appealed,
        can_confirm=principal.role in (Role.marketplace, Role.admin)
        and detail.status is CaseStatus.takedown_requested,
        events=service.case_events(page.db, principal=principal, case_id=case_id),
    )


def _usual_first(decision: Decision) -> list[ReasonCode]:
    """The decision's reasons, the one its one-key shortcut records first."""
    usual = QUICK.get(decision)
    return sorted(DECISION_REASONS[decision], key=lambda c: (c is not usual, c.value))


def _next_in_queue(page: Any, after: int) -> int | None:
    for case in service.list_cases(page.db, principal=page.principal, queue=True, limit=2):
        if case.id != after:
            return case.id
    return None


def _suggested_phrase(title: str, exceptable: list[dict[str, Any]]) -> str:
    """The first match in the title with a word either side: where an analyst starts the
    phrase an exception takes (a mark alone is refused)."""
    for f in exceptable:
        start, end = int(f["start"]), int(f["end"])
        if f.get("field") != "title" or not 0 <= start < end <= len(title):
            continue
        before = title[:start].split()
        after = title[end:].split()
        return " ".join([*before[-1:], title[start:end], *after[:1]])
    return ""


@router.post("/console/cases/{case_id}/decision")
def decide(
    page: PageDep,
    case_id: CaseId,
    decision: Annotated[Decision, Form()],
    reason_code: Annotated[ReasonCode, Form()],
    note: Annotated[str, Form(max_length=5000)] = "",
    then: Annotated[str, Form(max_length=10)] = "case",
    exception: Annotated[str, Form(max_length=6)] = "",
    exception_reason: Annotated[ExceptionReason, Form()] = ExceptionReason.other,
    exception_text: Annotated[str, Form(max_length=500)] = "",
    confirmed: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """Decide a case. A dismissal that makes an exception is shown first as a preview (the
    scoped exception, and what it would change in the kept listing verdicts); the preview's
    form, ``confirmed``, decides and saves it."""
    principal = page.require(*ANALYSTS)
    add = None
    if exception.isdigit() and decision is Decision.dismiss:
        # The finding chosen on the case page, read again from the case (not from the form).
        findings = _exceptable(
            _findings(service.get_case(page.db, principal=principal, case_id=case_id))
        )
        if int(exception) >= len(findings):
            raise InvalidInput("no such finding on this case", code=ErrorCode.UNKNOWN_FINDING)
        chosen = findings[int(exception)]
        text = " ".join(exception_text.split()) or chosen["text"]
        add = ExceptionSpec(mark=chosen["mark"], text=text, reason=exception_reason)
        if confirmed != "1":
            preview = exceptions.preview_exception(
                page.db,
                principal=principal,
                case_id=case_id,
                data=ExceptionPreviewIn.model_validate(add.model_dump()),
            )
            return page.render(
                "console/exception_preview.html",
                title=page._("Preview the exception"),
                case_id=case_id,
                preview=preview,
                form={
                    "decision": decision.value,
                    "reason_code": reason_code.value,
                    "note": note,
                    "then": then,
                    "exception": exception,
                    "exception_reason": exception_reason.value,
                    "exception_text": text,
                    "confirmed": "1",
                },
            )
    data = DecisionIn(
        decision=decision, reason_code=reason_code, note=note or None, add_exception=add
    )
    service.decide(page.db, principal=principal, case_id=case_id, data=data, settings=page.settings)
    if then == "next":  # decide-and-next: the next case of the queue, or the queue when empty
        following = _next_in_queue(page, case_id)
        if following is not None:
            return page.redirect(f"/console/cases/{following}", done="decided")
        return page.redirect("/console/queue", done="decided")
    if then == "queue":
        return page.redirect("/console/queue", done="decided")
    return page.redirect(f"/console/cases/{case_id}", done="decided")


@router.post("/console/exceptions/{exception_id}/revoke")
def revoke_exception(
    page: PageDep,
    exception_id: CaseId,
    then: Annotated[str, Form(max_length=10)] = "case",
) -> Response:
    """Revoke an exception (from its case's page or its mark's): the mark is protected again."""
    principal = page.require(*ANALYSTS)
    removed = service.revoke_exception(page.db, principal=principal, exception_id=exception_id)
    if then == "case" and removed.case is not None:
        return page.redirect(f"/console/cases/{removed.case}", done="revoked")
    return page.redirect(f"/console/marks/{quote(removed.mark, safe='')}", done="revoked")


@router.post("/console/cases/{case_id}/appeal")
def decide_appeal(
    page: PageDep,
    case_id: CaseId,
    outcome: Annotated[AppealStatus, Form()],
    reason_code: Annotated[ReasonCode, Form()],
) -> Response:
    """Uphold the seller's counter-notice (the listing goes back up) or reject it."""
    principal = page.require(*ANALYSTS)
    service.decide_appeal(
        page.db,
        principal=principal,
        case_id=case_id,
        outcome=outcome,
        reason_code=reason_code,
        settings=page.settings,
    )
    return page.redirect(f"/console/cases/{case_id}", done="decided")


@router.post("/console/cases/{case_id}/removal")
def confirm_removal(page: PageDep, case_id: CaseId) -> Response:
    """The marketplace took the listing down: the seller's counter-notice window opens."""
    principal = page.require(Role.marketplace, Role.admin)
    service.confirm_removal(page.db, principal=principal, case_id=case_id, settings=page.settings)
    return page.redirect(f"/console/cases/{case_id}", done="removed")


@router.post("/console/queue/bulk")
def bulk(
    page: PageDep,
    decision: Annotated[Decision, Form()],
    reason_code: Annotated[ReasonCode, Form()],
    case_ids: Annotated[list[Annotated[int, Field(ge=1, le=MAX_INT)]], Form(max_length=QUEUE_PAGE)],
) -> Response:
    """One decision over the ticked cases: per seller, all or nothing."""
    principal = page.require(*ANALYSTS)
    data = DecisionIn(decision=decision, reason_code=reason_code)
    by_seller: dict[str, list[int]] = {}
    for case_id in dict.fromkeys(case_ids):
        case = service.get_case(page.db, principal=principal, case_id=case_id)
        by_seller.setdefault(case.seller_id, []).append(case_id)
    for seller, ids in by_seller.items():
        service.bulk_decide(
            page.db,
            principal=principal,
            seller_id=seller,
            case_ids=ids,
            data=data,
            settings=page.settings,
        )
    return page.redirect("/console/queue", done="bulk_decided")


# ------------------------------------------------------------------ screening uploads


@router.get("/console/screen")
def screen_form(page: PageDep) -> Response:
    principal = page.require(*READERS)
    return page.render(
        "console/screen.html", title=page._("Screen listings"), principal=principal, results=None
    )


def _rows(name: str, content: bytes) -> list[dict[str, Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", code=ErrorCode.INVALID_FILE) from None
    if name.endswith((".jsonl", ".ndjson", ".json")):
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    row = jsontext.loads(line)
                except ValueError:
                    raise InvalidInput(
                        f"line {number} is not JSON",
                        code=ErrorCode.INVALID_FILE,
                        loc=("file", number),
                    ) from None
                if not isinstance(row, dict):
                    raise InvalidInput(
                        f"line {number} is not an object",
                        code=ErrorCode.INVALID_FILE,
                        loc=("file", number),
                    )
                rows.append(row)
        return rows
    return [dict(r) for r in csv.DictReader(io.StringIO(text))]


@router.post("/console/screen")
async def screen_upload(
    page: PageDep,
    engine: EngineDep,
    file: UploadFile,
    marketplace: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    principal = page.require(*READERS)
    content = await file.read(MAX_UPLOAD + 1)
    await file.close()
    if len(content) > MAX_UPLOAD:
        raise InvalidInput("the file is larger than 5 MB", code=ErrorCode.FILE_TOO_LARGE)
    rows = _rows((file.filename or "").lower(), content)
    if not rows or len(rows) > MAX_ROWS:
        raise InvalidInput(
            f"the file must hold 1 to {MAX_ROWS} listings", code=ErrorCode.INVALID_ROW_COUNT
        )
    market = principal.party_id if principal.role is Role.marketplace else marketplace.strip()
    if not market:
        raise InvalidInput(
            "name the marketplace the listings come from", code=ErrorCode.NO_MARKETPLACE
        )
    results = service.screen_and_open(
        page.db,
        principal=principal,
        engine=engine,
        marketplace=market or "",
        rows=rows,
        settings=page.settings,
    )
    out = io.StringIO()
    writer = spreadsheet.Writer(out)
    writer.writerow(("listing_id", "verdict", "case_id", "created", "reason"))
    for r in results:
        writer.writerow((r.listing_id or "", r.verdict, r.case_id or "", r.created, r.reason or ""))
    download = "data:text/csv;base64," + base64.b64encode(out.getvalue().encode()).decode()
    counts = Counter(r.verdict for r in results)
    return page.render(
        "console/screen.html",
        title=page._("Screen listings"),
        principal=principal,
        results=results,
        counts=sorted(counts.items()),
        download=download,
    )
