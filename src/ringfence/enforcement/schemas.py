"""Enforcement API shapes (Pydantic), separate from the ORM rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ringfence.core.schemas import RowOut, column
from ringfence.enforcement.enums import (
    AppealStatus,
    CaseSource,
    CaseStatus,
    CaseSubject,
    Decision,
    NoticeStatus,
    ReasonCode,
)
from ringfence.registry.enums import ExceptionReason

MAX_INT = 2_147_483_647  # integer columns are 32-bit on PostgreSQL
REF_PATTERN = r"^[^\x00-\x1f\x7f]+$"  # no control characters (PostgreSQL refuses NUL)
Ref = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=REF_PATTERN)]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Plain = Annotated[str, AfterValidator(_no_nul)]
Territory = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FindingIn(_Model):
    """A screening finding, as the engine reports it (``Finding.as_json``)."""

    detector: Plain = Field(max_length=50)
    rule: Plain = Field(max_length=200)
    score: float = Field(ge=0, le=1)
    field: Plain = Field(max_length=50)
    text: Plain = Field(max_length=2000)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    mark: Plain | None = Field(default=None, max_length=100)
    exception: Plain | None = Field(default=None, max_length=500)
    weak: bool = False
    sense: float | None = Field(
        default=None, ge=0, le=1, description="The sense model's P(olympic)."
    )
    context: list[Plain] = Field(
        default_factory=list, max_length=10, description="The context words that decided the sense."
    )
    # the evasion the mention was written with ("spaced", "multi_letter"...; issue 16)
    evasion: Plain | None = Field(default=None, max_length=50)
    # image findings (issue 19: a screened listing's image findings open cases too)
    image: Plain | None = Field(default=None, max_length=2000, description="The image, as listed.")
    box: list[int] | None = Field(
        default=None, min_length=4, max_length=4, description="x0, y0, x1, y1 in its pixels."
    )
    licence: Plain | None = Field(default=None, max_length=200)


class RegionIn(_Model):
    """A region of a listing image (pixels), e.g. where the rings were seen."""

    image: Plain = Field(max_length=2000, description="Image URL or sha256 of an uploaded file.")
    x: int = Field(ge=0)
    y: int = Field(ge=0)
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    label: Plain | None = Field(default=None, max_length=200)


Link = Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://[^\s\x00-\x1f]+$")]


class ListingIn(_Model):
    """What the listing showed when it was screened or reported, kept with its findings: the
    case page shows it beside the seller's licences."""

    url: Link | None = Field(default=None, description="The listing's page on the marketplace.")
    description: Plain | None = Field(default=None, max_length=5000)
    price: float | None = Field(default=None, ge=0)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    images: list[Annotated[Plain, Field(max_length=2000)]] = Field(
        default_factory=list, max_length=20, description="Image URLs or paths, as listed."
    )
    listed_at: date | None = None


class CaseIn(_Model):
    source: CaseSource
    subject: CaseSubject = CaseSubject.listing
    marketplace: Ref = Field(description="The marketplace's party id, e.g. MKT:tmall.")
    listing_id: Ref | None = Field(default=None, description="Required for a listing case.")
    listing_version: Plain = Field(default="", max_length=100)
    seller_id: Ref
    title: Plain = Field(default="", max_length=2000)
    marks: list[Annotated[Plain, Field(max_length=100)]] = Field(default_factory=list)
    territories: list[Territory] = Field(default_factory=list)
    category: Plain | None = Field(
        default=None, max_length=100, description="The listing's category, as screened."
    )
    risk: float = Field(default=0.0, ge=0, le=1)
    reach: int = Field(
        default=0, ge=0, le=MAX_INT, description="Views, sales or followers: how far it goes."
    )
    reporter: Ref | None = Field(
        default=None,
        description="Who reported (a buyer's reference); your own party id if omitted.",
    )
    findings: list[FindingIn] = Field(default_factory=list, max_length=200)
    regions: list[RegionIn] = Field(default_factory=list, max_length=200)
    note: Plain | None = Field(default=None, max_length=5000)
    listing: ListingIn | None = Field(
        default=None, description="The listing as seen: link, price, images (kept as evidence)."
    )
    verdict: Annotated[str, Field(pattern=r"^(infringing|review)$")] | None = Field(
        default=None, description="Screening's verdict, when a verdict opened the case."
    )
    reasons: list[Annotated[Plain, Field(max_length=200)]] = Field(
        default_factory=list, max_length=50, description="Screening's reasons for that verdict."
    )


class ScreenCasesIn(_Model):
    marketplace: Ref
    listings: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=1000,
        description="Listings as POST /v1/screen takes them, plus listing_version and reach.",
    )
    on: date | None = Field(default=None, description="Date for listings without listed_at.")


class ScreenedOut(BaseModel):
    listing_id: str | None
    verdict: str
    case_id: int | None = None
    created: bool | None = None
    reason: str | None = None


class EvidenceOut(RowOut):
    id: int
    kind: str
    data: dict[str, Any]
    sha256: str | None
    filename: str | None
    content_type: str | None
    size: int | None
    added_by: str
    created_at: datetime


class NoticeOut(RowOut):
    id: int
    action: str
    marketplace: str = column("marketplace_id")
    status: NoticeStatus
    idempotency_key: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    confirmed_at: datetime | None


class NoticeTask(BaseModel):
    """A notice on a marketplace's to-do list, with its case's listing and its deadline."""

    notice: int
    action: str
    status: NoticeStatus
    marketplace: str
    created_at: datetime
    sent_at: datetime | None
    confirmed_at: datetime | None
    deadline: datetime
    overdue: bool
    case: int
    case_status: CaseStatus
    rights_holder: str
    listing_id: str | None
    seller_id: str
    title: str
    marks: list[str]
    can_confirm: bool


class DeliveryOut(BaseModel):
    notice: int
    attempt: int
    at: datetime
    ok: bool
    status_code: int | None
    error: str | None
    waited: float


class AppealOut(RowOut):
    id: int
    status: AppealStatus
    statement: str
    filed_at: datetime
    decide_by: datetime
    decided_at: datetime | None
    reason_code: ReasonCode | None


class CaseOut(RowOut):
    id: int
    rights_holder: str = column("rights_holder_id")
    subject: CaseSubject
    source: CaseSource
    status: CaseStatus
    marketplace: str = column("marketplace_id")
    listing_id: str | None
    listing_version: str
    seller_id: str
    title: str
    marks: list[str]
    territories: list[str]
    category: str | None = None
    risk: float
    reach: int
    reporter: str | None = column("reporter_id")
    trusted_reporter: bool = column("trusted")
    decision: Decision | None
    reason_code: ReasonCode | None
    decided_by: str | None
    decided_at: datetime | None
    counter_notice_due: datetime | None
    created_at: datetime
    assignee: int | None = column("assignee_id")


class CaseDetail(CaseOut):
    evidence: list[EvidenceOut]
    notices: list[NoticeOut]
    appeal: AppealOut | None


class OpenedCase(BaseModel):
    created: bool = Field(description="False when the listing version already had a case.")
    case: CaseOut


class ExceptionSpec(_Model):
    """Added to a mark of yours when dismissing, so the listing is not flagged again. It is
    scoped: ``text`` is the listing's phrase around the mark (never the mark alone), and it
    applies only where the listing ships to and in its category (docs/enforcement.md)."""

    mark: Plain = Field(max_length=100)
    text: Plain = Field(
        min_length=1, max_length=500, description="A phrase of the listing's title with the mark."
    )
    reason: ExceptionReason
    note: Plain | None = Field(default=None, max_length=2000)
    territories: list[Territory] | None = Field(
        default=None,
        max_length=300,
        description="Some of the case's territories; all of them if omitted.",
    )


class ExceptionPreviewIn(ExceptionSpec):
    days: int = Field(
        default=30, ge=1, le=366, description="The kept listing verdicts of the last days."
    )


class ScopedException(BaseModel):
    """An exception as it would be (or was) saved: its mark, phrase and scope."""

    id: int | None = None
    mark: str
    text: str
    reason: ExceptionReason
    territories: list[str]
    category: str | None
    case: int | None
    created_by: str | None


class PreviewExample(BaseModel):
    case_id: int
    listing_id: str
    title: str
    before: str
    after: str


class ExceptionPreviewOut(BaseModel):
    exception: ScopedException
    since: datetime
    screened: int = Field(description="Listing verdicts kept since then.")
    flagged: int = Field(description="Of them, infringing or review (each holds a case).")
    rescreened: int = Field(description="Flagged listings screened again, the newest first.")
    changed: int = Field(description="Of them, listings whose verdict the exception changes.")
    changes: dict[str, int] = Field(description='Counts by "before->after" verdicts.')
    examples: list[PreviewExample] = Field(description="Some changed listings you may see.")


class DecisionIn(_Model):
    decision: Decision
    reason_code: ReasonCode
    note: Plain | None = Field(default=None, max_length=5000)
    add_exception: ExceptionSpec | None = Field(default=None, description="With dismiss only.")
    add_to_licence: Plain | None = Field(
        default=None,
        max_length=100,
        description="With licensed only: add the seller as an authorised seller of this licence.",
    )


class BulkDecisionIn(DecisionIn):
    seller_id: Ref
    case_ids: list[Annotated[int, Field(ge=1, le=MAX_INT)]] | None = Field(
        default=None,
        max_length=1000,
        description="Cases of that seller; every open or escalated one if omitted.",
    )


class BulkDecisionOut(BaseModel):
    decided: list[CaseOut]


class CounterNoticeIn(_Model):
    statement: Plain = Field(min_length=1, max_length=20000)


class AppealDecisionIn(_Model):
    outcome: AppealStatus
    reason_code: ReasonCode
    note: Plain | None = Field(default=None, max_length=5000)


class DispatchOut(BaseModel):
    delivered: int
    failed: int


class DeadlinesOut(BaseModel):
    closed_without_appeal: list[int]
    appeals_upheld_by_default: list[int]
    seller_cases_opened: list[int]


class StrikesOut(BaseModel):
    seller_id: str
    strikes: int
    window_days: int
    threshold: int
    repeat_infringer: bool


class ReporterOut(BaseModel):
    reporter: str
    reports: int
    decided: int
    upheld: int
    counter_notice_losses: int
    upheld_share: float | None
    trusted: bool


class AuditEventOut(BaseModel):
    seq: int
    kind: str
    case_id: int | None
    actor: str
    at: datetime
    hash: str
    prev_hash: str


class AuditVerifyOut(BaseModel):
    intact: bool
    problems: list[str]
