"""Console pages of enforcement: the dashboard, the review queue (matched spans highlighted,
keyboard shortcuts, bulk decisions), a case with its decision forms, and screening an uploaded
file of listings into cases. Every read and command goes through ``enforcement.service`` with
the signed-in user's principal: an NOC sees only its own cases."""

from __future__ import annotations

import base64
import csv
import io
import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Path, Query, UploadFile
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape
from pydantic import Field

from ringfence.core import jsontext, spreadsheet
from ringfence.core.db import utcnow
from ringfence.core.errors import InvalidInput, RingfenceError
from ringfence.core.money import MINOR_UNITS
from ringfence.core.security import Principal, Role
from ringfence.enforcement import context, search, service, team, uploads
from ringfence.enforcement.enums import (
    APPEAL_REASONS,
    DECISION_REASONS,
    AppealStatus,
    CaseSource,
    CaseStatus,
    Decision,
    ReasonCode,
)
from ringfence.enforcement.schemas import (
    MAX_INT,
    CaseDetail,
    DecisionIn,
    ExceptionPreviewIn,
    ExceptionSpec,
)
from ringfence.flows import exceptions
from ringfence.registry.enums import ExceptionReason, PartyKind
from ringfence.registry.service import list_parties
from ringfence.screening.engine import INPUT_COLUMNS, REQUIRED_COLUMNS
from ringfence.web.charts import bars, columns
from ringfence.web.deps import EngineDep
from ringfence.web.error_codes import ErrorCode
from ringfence.web.i18n import N_
from ringfence.web.page import Page, PageDep

router = APIRouter(include_in_schema=False, tags=["pages"], default_response_class=HTMLResponse)

CaseId = Annotated[int, Path(ge=1, le=MAX_INT)]
ANALYSTS = (Role.admin, Role.rights_holder)
READERS = (Role.admin, Role.rights_holder, Role.marketplace)
QUEUE_PAGE = 50
DASHBOARD_CASES = 10_000  # the most recent cases the dashboard counts
MAX_UPLOAD = 5 * 1024 * 1024
MAX_ROWS = 1_000  # per upload, as POST /v1/screen
DAYS = 30
MAX_DAYS = 366  # the longest range the dashboard draws
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
def dashboard(
    page: PageDep,
    start: Annotated[str, Query(alias="from", max_length=20)] = "",
    end: Annotated[str, Query(alias="to", max_length=20)] = "",
) -> Response:
    """The dashboard over a date range (UTC days, ``from`` and ``to``; the last 30 days by
    default, at most MAX_DAYS): every chart's bars and columns link to the search of the cases
    they count."""
    principal = page.require(*ANALYSTS)
    error = None
    try:
        first, last = _date_range(start, end)
    except InvalidInput as bad:  # the form again, with the message, over the default range
        error = bad
        first, last = _date_range("", "")
    cases = search.cases_between(
        page.db, principal=principal, start=first, end=last, limit=DASHBOARD_CASES
    )
    span = (last - first).days + 1
    days = [(first + timedelta(days=i)).isoformat() for i in range(span)]
    index = {d: i for i, d in enumerate(days)}
    opened = {"screening": [0] * span, "reports": [0] * span}
    decided = {d: [0] * span for d in (Decision.takedown, Decision.dismiss, Decision.licensed)}
    marks: Counter[str] = Counter()
    sellers: Counter[str] = Counter()
    turnaround: list[float] = []
    total = waiting = 0
    for case in cases:
        day = index.get(case.created_at.date().isoformat())
        if day is not None:
            total += 1
            waiting += case.status in (CaseStatus.open, CaseStatus.escalated)
            opened["screening" if case.source == "screening" else "reports"][day] += 1
            marks.update(case.marks)
            sellers[case.seller_id] += 1
        if case.decided_at is not None and case.decision in decided:
            dday = index.get(case.decided_at.date().isoformat())
            if dday is not None:
                decided[case.decision][dday] += 1
                if case.decision is Decision.takedown:
                    turnaround.append((case.decided_at - case.created_at).total_seconds() / 3600)
    opened_in = {"opened_from": first.isoformat(), "opened_to": last.isoformat()}
    decided_in = {"decided_from": first.isoformat(), "decided_to": last.isoformat()}

    def find(**filters: Any) -> str:
        pairs: list[tuple[str, str]] = []
        for key, value in filters.items():
            values = value if isinstance(value, list | tuple) else [value]
            pairs += [(key, str(v)) for v in values]
        return "/console/search?" + urlencode(pairs)

    reports = [s.value for s in CaseSource if s is not CaseSource.screening]
    buckets = [
        (page._("under 1 hour"), "under_1h", sum(1 for h in turnaround if h < 1)),
        (page._("1 to 24 hours"), "1h_to_24h", sum(1 for h in turnaround if 1 <= h < 24)),
        (page._("1 to 7 days"), "1d_to_7d", sum(1 for h in turnaround if 24 <= h < 168)),
        (page._("over 7 days"), "over_7d", sum(1 for h in turnaround if h >= 168)),
    ]
    appeals = [
        (
            label,
            search.count_cases(
                page.db,
                principal=principal,
                query=search.CaseQuery(appeal=outcome, opened_from=first, opened_to=last),
            ),
            outcome,
        )
        for outcome, label in (
            (AppealStatus.filed, page._("pending")),
            (AppealStatus.upheld, page._("upheld")),
            (AppealStatus.rejected, page._("rejected")),
            (AppealStatus.withdrawn, page._("withdrawn")),
        )
    ]
    top_marks = marks.most_common(8)
    top_sellers = sellers.most_common(8)
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
                links=[
                    [find(source="screening", opened_from=d, opened_to=d) for d in days],
                    [find(source=reports, opened_from=d, opened_to=d) for d in days],
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
                links=[
                    [find(decision=k.value, decided_from=d, decided_to=d) for d in days]
                    for k in (Decision.takedown, Decision.dismiss, Decision.licensed)
                ],
            ),
        ),
        (
            page._("Top marks"),
            bars(
                page._("Top marks"),
                top_marks,
                links=[find(mark=m, **opened_in) for m, _ in top_marks],
            ),
        ),
        (
            page._("Top sellers"),
            bars(
                page._("Top sellers"),
                top_sellers,
                links=[find(seller=s, **opened_in) for s, _ in top_sellers],
            ),
        ),
        (
            page._("Takedown turnaround"),
            bars(
                page._("Takedown turnaround"),
                [(label, n) for label, _, n in buckets],
                links=[
                    find(decision="takedown", turnaround=key, **decided_in) for _, key, _ in buckets
                ],
            ),
        ),
        (
            page._("Appeal outcomes"),
            bars(
                page._("Appeal outcomes"),
                [(label, n) for label, n, _ in appeals],
                links=[find(appeal=outcome.value, **opened_in) for _, _, outcome in appeals],
            ),
        ),
    ]
    presets = [
        (n, (last - timedelta(days=n - 1)).isoformat(), last.isoformat()) for n in (7, 30, 90, 365)
    ]
    return page.render(
        "console/dashboard.html",
        status_code=422 if error else 200,
        error=error,
        title=page._("Dashboard"),
        charts=charts,
        total=total,
        waiting=waiting,
        first=first.isoformat(),
        last=last.isoformat(),
        presets=presets,
        capped=len(cases) >= DASHBOARD_CASES,
        all_link=find(**opened_in),
        waiting_link=find(status=["open", "escalated"], **opened_in),
    )


def _date_range(start: str, end: str) -> tuple[date, date]:
    """The dashboard's days: ``to`` (today by default) and ``from`` (DAYS - 1 days before it by
    default), checked: ISO dates, in order, at most MAX_DAYS days."""
    try:
        last = date.fromisoformat(end) if end.strip() else utcnow().date()
    except ValueError:
        raise InvalidInput(
            f"to: {end!r} is not a date (YYYY-MM-DD)",
            code=ErrorCode.INVALID_DATE,
            loc=("query", "to"),
        ) from None
    try:
        first = date.fromisoformat(start) if start.strip() else last - timedelta(days=DAYS - 1)
    except ValueError:
        raise InvalidInput(
            f"from: {start!r} is not a date (YYYY-MM-DD)",
            code=ErrorCode.INVALID_DATE,
            loc=("query", "from"),
        ) from None
    if first > last:
        raise InvalidInput(
            "from: the range starts after it ends",
            code=ErrorCode.INVALID_DATE_RANGE,
            loc=("query", "from"),
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(
            f"a range is at most {MAX_DAYS} days",
            code=ErrorCode.INVALID_DATE_RANGE,
            loc=("query", "from"),
        )
    return first, last


# ------------------------------------------------------------------ queue and cases


UndoParam = Annotated[int | None, Query(ge=1, le=MAX_INT)]


@router.get("/console/queue")
def queue(
    page: PageDep,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
    undo: UndoParam = None,
) -> Response:
    return _queue(page, offset, undo=undo)


def _queue(
    page: Page,
    offset: int = 0,
    *,
    undo: int | None = None,
    error: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    """The queue page; with ``error``, a bulk decision refused (422), the form as it was sent."""
    principal = page.require(*READERS)
    cases = service.list_cases(
        page.db, principal=principal, queue=True, limit=QUEUE_PAGE, offset=offset
    )
    items = []
    for case in cases:
        detail = service.get_case(page.db, principal=principal, case_id=case.id)
        items.append((case, highlight(case.title, _findings(detail))))
    mine = None
    if principal.role in ANALYSTS and page.user is not None:
        work = team.my_work(page.db, principal=principal, user_id=page.user.user_id)
        mine = (len(work.assigned), len(work.mentions))
    return page.render(
        "console/queue.html",
        status_code=422 if error else 200,
        title=page._("Review queue"),
        items=items,
        offset=offset,
        more=len(cases) == QUEUE_PAGE,
        quick=QUICK,
        reasons=DECISION_REASONS,
        can_decide=principal.role in ANALYSTS,
        undo=_undo_offer(page, undo),
        error=error,
        form=form or {},
        mine=mine,
    )


def _undo_offer(page: Page, case_id: int | None) -> dict[str, Any] | None:
    """The undo banner for the decision just made on ``case_id``, while it may be undone."""
    if case_id is None:
        return None
    try:
        case = service.get_case(page.db, principal=page.principal, case_id=case_id)
        until = service.undo_deadline(page.db, principal=page.principal, case_id=case_id)
    except RingfenceError:
        return None
    if until is None or case.decision is None:
        return None
    seconds = max(0, int((until - utcnow()).total_seconds()))
    return {"case": case, "until": until, "seconds": seconds}


# Audit event kinds as the case page names them (others show as recorded).
EVENT_LABELS = {
    "case.opened": N_("opened the case"),
    "case.reported_again": N_("reported the listing again"),
    "evidence.added": N_("added evidence"),
    "case.decided": N_("decided"),
    "case.decision_undone": N_("undid the decision"),
    "case.assigned": N_("assigned the case"),
    "case.unassigned": N_("unassigned the case"),
    "case.commented": N_("commented"),
    "notice.created": N_("wrote a notice to the marketplace"),
    "notice.delivered": N_("delivered the notice"),
    "notice.delivery_failed": N_("failed to deliver the notice"),
    "notice.confirmed": N_("confirmed the removal"),
    "registry.exception_added": N_("added an exception"),
    "registry.exception_revoked": N_("revoked an exception"),
    "registry.seller_licensed": N_("added the seller to a licence"),
}
USER_ACTOR = re.compile(r"\(key user(\d+)\)$")


def _trail(page: Page, events: list[Any]) -> list[dict[str, Any]]:
    """The case's audit trail as the page shows it: when, who (the user's name where a web
    user acted), what, and the decision or reason it recorded."""
    ids = {int(m.group(1)) for e in events if (m := USER_ACTOR.search(e.actor))}
    users = team.names(page.db, ids)
    out = []
    for e in events:
        who = e.actor
        match = USER_ACTOR.search(e.actor)
        if match and int(match.group(1)) in users:
            member = users[int(match.group(1))]
            who = f"{member.name} ({member.email})"
        payload = jsontext.loads(e.body).get("payload", {}) if e.body else {}
        label = EVENT_LABELS.get(e.kind)
        out.append(
            {
                "at": e.at,
                "who": who,
                "what": page._(label) if label else e.kind,
                "kind": e.kind,
                "payload": payload if isinstance(payload, dict) else {},
                "seq": e.seq,
                "hash": e.hash,
            }
        )
    return out


def _price(listing: dict[str, Any]) -> tuple[int, str] | None:
    """The listing's price in minor units and its currency, when both were screened."""
    price, currency = listing.get("price"), listing.get("currency")
    if not isinstance(price, int | float) or not isinstance(currency, str):
        return None
    units = MINOR_UNITS.get(currency, 2)
    return int((Decimal(str(price)).scaleb(units)).to_integral_value()), currency


def _who(page: Page, actor: str | None) -> str:
    """An actor as recorded ("IOC (key user3)"), with the web user's name where it is one."""
    if not actor:
        return ""
    match = USER_ACTOR.search(actor)
    if match:
        member = team.names(page.db, {int(match.group(1))}).get(int(match.group(1)))
        if member is not None:
            return f"{member.name} ({member.email})"
    return actor


@router.get("/console/cases/{case_id}")
def case_page(page: PageDep, case_id: CaseId, undo: UndoParam = None) -> Response:
    principal = page.require(*READERS)
    detail = service.get_case(page.db, principal=principal, case_id=case_id)
    findings = _findings(detail)
    scopes = context.seller_licences(page.db, principal=principal, case_id=case_id)
    screened = context.screening(page.db, principal=principal, case_id=case_id)
    is_analyst = principal.role in ANALYSTS
    members = team.team(page.db, principal=principal, case_id=case_id) if is_analyst else []
    assignee = (
        team.names(page.db, {detail.assignee}).get(detail.assignee) if detail.assignee else None
    )
    return page.render(
        "console/case.html",
        title=page._("Case %(id)s") % {"id": detail.id},
        case=detail,
        screened=screened,
        scopes=scopes,
        licensed=context.seller_is_licensed(scopes, screened.reasons),
        files=[e for e in detail.evidence if e.kind == "file"],
        image_files=[
            e
            for e in detail.evidence
            if e.kind == "file" and (e.content_type or "").startswith("image/")
        ],
        price=_price(screened.listing),
        description_html=highlight(
            str(screened.listing.get("description") or ""), findings, "description"
        ),
        decided_by=_who(page, detail.decided_by),
        statements=[e for e in detail.evidence if e.kind == "statement"],
        undo=_undo_offer(page, undo if undo is not None else case_id),
        members=members,
        assignee=assignee,
        comments=team.comments(page.db, principal=principal, case_id=case_id),
        can_team=is_analyst,
        trail=_trail(page, service.case_events(page.db, principal=principal, case_id=case_id)),
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
    service.decide(
        page.db,
        principal=principal,
        case_id=case_id,
        data=data,
        settings=page.settings,
        hold=service.UNDO_WINDOW,  # T and D may be undone for 30 s; the notice waits for it
    )
    done: dict[str, str | int] = {"done": "decided"}
    if decision in service.UNDOABLE:
        done["undo"] = case_id
    if then == "next":  # decide-and-next: the next case of the queue, or the queue when empty
        following = _next_in_queue(page, case_id)
        if following is not None:
            return page.redirect(f"/console/cases/{following}", **done)
        return page.redirect("/console/queue", **done)
    if then == "queue":
        return page.redirect("/console/queue", **done)
    return page.redirect(f"/console/cases/{case_id}", **done)


@router.post("/console/cases/{case_id}/undo")
def undo_decision(
    page: PageDep, case_id: CaseId, then: Annotated[str, Form(max_length=10)] = "case"
) -> Response:
    """Undo one's own take down or dismissal within its window: the case is back in the queue
    and its notice, never sent, is retracted."""
    principal = page.require(*ANALYSTS)
    service.undo_decision(page.db, principal=principal, case_id=case_id)
    if then == "queue":
        return page.redirect("/console/queue", done="undone")
    return page.redirect(f"/console/cases/{case_id}", done="undone")


@router.post("/console/cases/{case_id}/assign")
def assign(
    page: PageDep,
    case_id: CaseId,
    user_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Assign the case to a colleague (or to nobody: an empty choice)."""
    principal = page.require(*ANALYSTS)
    chosen = None
    if user_id.strip():
        if not user_id.strip().isdigit() or int(user_id) > MAX_INT:
            raise InvalidInput(
                "choose a user from the list", code=ErrorCode.INVALID_USER, loc=("user_id",)
            )
        chosen = int(user_id)
    team.assign(page.db, principal=principal, case_id=case_id, user_id=chosen)
    return page.redirect(
        f"/console/cases/{case_id}", done="assigned" if chosen is not None else "unassigned"
    )


@router.post("/console/cases/{case_id}/comments")
def add_comment(
    page: PageDep,
    case_id: CaseId,
    body: Annotated[str, Form(max_length=team.MAX_COMMENT + 100)] = "",
) -> Response:
    """Comment on the case; @name tells a colleague (it shows in their mentions)."""
    principal = page.require(*ANALYSTS)
    user = page.user
    team.comment(
        page.db,
        principal=principal,
        case_id=case_id,
        author_id=user.user_id if user else None,
        author=user.name if user else "",
        body=body,
    )
    return page.redirect(f"/console/cases/{case_id}?done=commented#comments")


@router.post("/console/cases/{case_id}/evidence")
async def upload_evidence(page: PageDep, case_id: CaseId, file: UploadFile) -> Response:
    """Add a screenshot or document to the case (PNG, JPEG, WebP, PDF or UTF-8 text, checked
    by its content as the API does)."""
    principal = page.require(*READERS)
    content = await file.read(page.settings.evidence_max_bytes + 1)
    await file.close()
    service.add_file(
        page.db,
        principal=principal,
        case_id=case_id,
        content=content,
        content_type=file.content_type or "application/octet-stream",
        filename=file.filename or "",
        settings=page.settings,
    )
    return page.redirect(f"/console/cases/{case_id}?done=evidence_added#evidence-heading")


@router.get("/console/cases/{case_id}/evidence/{evidence_id}")
def evidence_file(page: PageDep, case_id: CaseId, evidence_id: CaseId) -> Response:
    """An uploaded evidence file (a screenshot, a document) of a case one may see: images and
    PDFs open in the browser, other files download."""
    principal = page.require(*READERS)
    row, path = context.evidence_file(
        page.db,
        principal=principal,
        case_id=case_id,
        evidence_id=evidence_id,
        settings=page.settings,
    )
    kind = row.content_type or "application/octet-stream"
    inline = kind in ("image/png", "image/jpeg", "image/webp", "application/pdf")
    name = quote(row.filename or row.sha256 or "evidence", safe="")
    return Response(
        path.read_bytes(),
        media_type="text/plain; charset=utf-8" if kind == "text/plain" else kind,
        headers={
            "Content-Disposition": f"{'inline' if inline else 'attachment'}; "
            f"filename*=UTF-8''{name}",
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/console/mine")
def my_work(page: PageDep) -> Response:
    """The signed-in analyst's cases and the comments that mention them."""
    principal = page.require(*ANALYSTS)
    user = page.user
    assert user is not None  # require() signed someone in
    work = team.my_work(page.db, principal=principal, user_id=user.user_id)
    return page.render(
        "console/mine.html",
        title=page._("Assigned to me and mentions"),
        assigned=work.assigned,
        mentions=work.mentions,
    )


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
    decision: Annotated[str, Form(max_length=20)] = "",
    reason_code: Annotated[str, Form(max_length=50)] = "",
    case_ids: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_INT)]], Form(max_length=QUEUE_PAGE)
    ] = [],  # noqa: B006 - FastAPI copies a form default
) -> Response:
    """One decision over the ticked cases: per seller, all or nothing. Nothing ticked, no
    reason chosen or a reason of another decision: the queue again, saying what to fix."""
    principal = page.require(*ANALYSTS)
    form = {"decision": decision, "reason_code": reason_code, "case_ids": list(case_ids)}
    chosen = next((d for d in DECISION_REASONS if d.value == decision), None)
    reason = next((r for r in ReasonCode if r.value == reason_code), None)
    # The queue page says which (queue.html words each code).
    if not case_ids:
        return _queue(page, error="nothing_ticked", form=form)
    if chosen is None:
        return _queue(page, error="no_decision", form=form)
    if reason is None:
        return _queue(page, error="no_reason", form=form)
    if reason not in DECISION_REASONS[chosen]:
        return _queue(page, error="reason_mismatch", form=form)
    data = DecisionIn(decision=chosen, reason_code=reason)
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
    return _screen_page(page, principal)


def _screen_page(
    page: Page, principal: Principal, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """The upload form (with the registry's marketplaces to choose from), and what an upload
    gave or why it was refused."""
    markets: list[tuple[str, str]] = []
    if principal.role is not Role.marketplace:
        markets = [
            (p.id, p.name)
            for p in list_parties(page.db, principal=principal, kind=PartyKind.marketplace)
        ]
    values: dict[str, Any] = {"results": None, "error": None, "chosen": "MKT:tmall"} | context
    return page.render(
        "console/screen.html",
        status_code=status_code,
        title=page._("Screen listings"),
        principal=principal,
        markets=markets,
        columns=INPUT_COLUMNS,
        required=REQUIRED_COLUMNS,
        **values,
    )


# The columns an upload may have: the listing's (screening.engine.INPUT_COLUMNS) and the two
# the case takes (POST /v1/cases/screen).
KNOWN_COLUMNS = (*INPUT_COLUMNS, "listing_version", "reach")


class BadColumns(InvalidInput):
    """A file whose columns are not the listing's: the form says which are missing or unknown."""

    def __init__(self, missing: list[str], unknown: list[str]) -> None:
        parts = []
        if missing:
            parts.append("missing columns: " + ", ".join(missing))
        if unknown:
            parts.append("unknown columns: " + ", ".join(unknown))
        super().__init__(
            "the file's columns do not fit (" + "; ".join(parts) + ")",
            code=ErrorCode.INVALID_COLUMNS,
            loc=("file",),
        )
        self.missing, self.unknown = missing, unknown


def _check_columns(names: list[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    unknown = [c for c in dict.fromkeys(names) if c not in KNOWN_COLUMNS]
    if missing or unknown:
        raise BadColumns(missing, unknown)


def _rows(name: str, content: bytes) -> list[dict[str, Any]]:
    """The listings of an uploaded CSV or JSON Lines file; a file whose columns (a CSV's
    header, a JSON line's keys) miss a required one or name an unknown one is refused
    (``invalid_columns``). Column names are read trimmed and in lower case."""
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
                row = {str(k).strip().lower(): v for k, v in row.items()}
                _check_columns(list(row))
                rows.append(row)
        return rows
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return []
    names = [h.strip().lower() for h in header]
    _check_columns(names)
    return [dict(zip(names, r, strict=False)) for r in reader if any(c.strip() for c in r)]


@router.post("/console/screen")
async def screen_upload(
    page: PageDep,
    engine: EngineDep,
    file: UploadFile,
    marketplace: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Screen an uploaded file into cases. The marketplace is one of the registry's (a
    marketplace user's own); a listing already under an undecided case on it opens no other.
    A file refused (columns, size, rows) or an unknown marketplace answers the form again,
    422, saying why."""
    principal = page.require(*READERS)
    content = await file.read(MAX_UPLOAD + 1)
    await file.close()
    try:
        market = uploads.upload_marketplace(page.db, principal=principal, given=marketplace)
        if len(content) > MAX_UPLOAD:
            raise InvalidInput("the file is larger than 5 MB", code=ErrorCode.FILE_TOO_LARGE)
        rows = _rows((file.filename or "").lower(), content)
        if not rows or len(rows) > MAX_ROWS:
            raise InvalidInput(
                f"the file must hold 1 to {MAX_ROWS} listings", code=ErrorCode.INVALID_ROW_COUNT
            )
    except InvalidInput as refused:
        return _screen_page(
            page,
            principal,
            status_code=422,
            error=_refusal(page, refused),
            code=refused.code,
            chosen=marketplace,
        )
    results = uploads.screen_upload(
        page.db,
        principal=principal,
        engine=engine,
        marketplace=market,
        rows=rows,
        settings=page.settings,
    )
    out = io.StringIO()
    writer = spreadsheet.Writer(out)
    writer.writerow(("listing_id", "verdict", "case_id", "created", "reason"))
    for r in results:
        o = r.out
        writer.writerow((o.listing_id or "", o.verdict, o.case_id or "", o.created, o.reason or ""))
    download = "data:text/csv;base64," + base64.b64encode(out.getvalue().encode()).decode()
    counts = Counter(r.out.verdict for r in results)
    holders = {r.rights_holder for r in results if r.rights_holder}
    names = {p.id: p.name for p in _parties(page, principal, holders)}
    shown = [
        (r, highlight(r.title, list(r.findings)), names.get(r.rights_holder or "", r.rights_holder))
        for r in results
    ]
    return _screen_page(
        page,
        principal,
        results=shown,
        counts=sorted(counts.items()),
        opened=sum(1 for r in results if r.out.created),
        hidden=sum(1 for r in results if r.out.case_id and not r.visible),
        download=download,
        chosen=market,
    )


def _parties(page: Page, principal: Principal, ids: set[str]) -> list[Any]:
    """The parties the cases went to, for their names (the directory: IOC, NOCs, OCOGs)."""
    if not ids or principal.role is Role.marketplace:
        return []
    return [p for p in list_parties(page.db, principal=principal) if p.id in ids]


def _refusal(page: Page, refused: InvalidInput) -> str:
    """Why an upload was refused, in the page's language."""
    if isinstance(refused, BadColumns):
        parts = []
        if refused.missing:
            parts.append(page._("missing: %(names)s") % {"names": ", ".join(refused.missing)})
        if refused.unknown:
            parts.append(page._("unknown: %(names)s") % {"names": ", ".join(refused.unknown)})
        return str(
            page._("The file's columns do not fit (%(parts)s). Expected: %(known)s.")
            % {"parts": "; ".join(parts), "known": ", ".join(KNOWN_COLUMNS)}
        )
    messages = {
        "unknown_marketplace": page._("Choose one of the registry's marketplaces."),
        "file_too_large": page._("The file is larger than 5 MB."),
        "invalid_row_count": page._("The file must hold 1 to 1,000 listings."),
        "invalid_file": page._("The file is not UTF-8 CSV or JSON Lines: %(why)s.")
        % {"why": refused.msg},
    }
    return str(messages.get(refused.code, refused.msg))
