"""Enforcement commands and queries, scoped to the principal asking.

Services take the session keyword-only and never commit. Every change writes its audit event in
the same transaction (``events.record``). Every command takes ``now`` so that deadlines can be
tested with an injected clock.

Who may do what:
- admin: everything, every rights holder's cases;
- rights_holder: the cases routed to it (another holder's cases are invisible: 404);
  decides cases and appeals;
- marketplace: opens cases (screening verdicts, buyer reports), sees and confirms the cases on
  its own marketplace;
- licensee: nothing here;
- a seller has no key: it proves itself with the counter-notice token of the case (an HMAC of
  the case id under the server secret, sent in the takedown notice, compared in constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from pydantic import ValidationError
from sqlalchemy import ColumnElement, Select, false, func, or_, select, true, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringfence.core import spreadsheet
from ringfence.core.audit import AuditEvent
from ringfence.core.db import utcnow
from ringfence.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RingfenceError
from ringfence.core.files import atomic_write
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.core.states import move
from ringfence.enforcement import events
from ringfence.enforcement.enums import (
    APPEAL,
    APPEAL_REASONS,
    CASE,
    CASE_FINAL,
    DECISION_REASONS,
    NOTICE,
    AppealStatus,
    CaseSource,
    CaseStatus,
    CaseSubject,
    Decision,
    NoticeStatus,
    ReasonCode,
)
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.interfaces import NoticeConnector, NoticeMessage
from ringfence.enforcement.models import (
    Appeal,
    Case,
    Delivery,
    Evidence,
    Notice,
    Strike,
)
from ringfence.enforcement.schemas import (
    AppealOut,
    CaseDetail,
    CaseIn,
    CaseOut,
    DeadlinesOut,
    DecisionIn,
    EvidenceOut,
    ExceptionPreviewIn,
    ExceptionPreviewOut,
    ExceptionSpec,
    ListingIn,
    NoticeOut,
    NoticeTask,
    PreviewExample,
    ReporterOut,
    ScopedException,
    ScreenedOut,
    StrikesOut,
)
from ringfence.registry import service as registry
from ringfence.registry.archive import archived_edition_of
from ringfence.registry.enums import WORLDWIDE, PartyKind
from ringfence.registry.models import Mark, MarkException, Party
from ringfence.registry.schemas import ExceptionIn, MarkIn
from ringfence.screening.engine import ERROR, Engine, Listing, listing_from_row
from ringfence.screening.index import builtin_data
from ringfence.screening.normalize import normalize
from ringfence.screening.rows import screen_rows

IOC = "IOC"
OPENERS = frozenset({Role.admin, Role.rights_holder, Role.marketplace})
ANALYSTS = frozenset({Role.admin, Role.rights_holder})
ACTIONABLE_VERDICTS = frozenset({"infringing", "review"})
# Magic bytes of the file types accepted as evidence; text/plain must be UTF-8.
FILE_TYPES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
    "text/plain": (),
}


# --------------------------------------------------------------------------- helpers


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def _actor(principal: Principal) -> str:
    who = principal.party_id or "system"
    return f"{who} (key {principal.key_id})" if principal.key_id else who


def _audit(
    session: Session,
    case: Case,
    kind: str,
    actor: str,
    now: datetime,
    **payload: Any,
) -> None:
    events.record(
        session,
        rights_holder_id=case.rights_holder_id,
        kind=kind,
        actor=actor,
        at=now,
        case_id=case.id,
        payload=payload,
    )


# --------------------------------------------------------------------------- scoping


def _visible(principal: Principal) -> ColumnElement[bool]:
    if principal.is_admin:
        return true()
    if principal.role is Role.rights_holder:
        return Case.rights_holder_id == principal.party_id
    if principal.role is Role.marketplace:
        return Case.marketplace_id == principal.party_id
    return false()


def _can_see(principal: Principal, case: Case) -> bool:
    """The same rule as ``_visible``, for a row already loaded."""
    if principal.is_admin:
        return True
    if principal.role is Role.rights_holder:
        return case.rights_holder_id == principal.party_id
    if principal.role is Role.marketplace:
        return case.marketplace_id == principal.party_id
    return False


def _require(principal: Principal, roles: frozenset[Role], what: str) -> None:
    if principal.role not in roles:
        raise Forbidden(
            f"the {principal.role.value} role may not {what}", code=ErrorCode.FORBIDDEN_ROLE
        )


def _get_case(session: Session, principal: Principal, case_id: int, *, lock: bool = False) -> Case:
    """A case the principal may see (NotFound otherwise); ``lock`` for a command that changes
    it (SELECT ... FOR UPDATE: two decisions on one case never interleave)."""
    _require(principal, OPENERS, "see enforcement cases")
    query = select(Case).where(Case.id == case_id, _visible(principal))
    case = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if case is None:
        raise NotFound(f"no case with id {case_id}", code=ErrorCode.CASE_NOT_FOUND)
    return case


def _analyst_case(session: Session, principal: Principal, case_id: int) -> Case:
    case = _get_case(session, principal, case_id, lock=True)
    _require(principal, ANALYSTS, "decide enforcement cases")
    return case


# --------------------------------------------------------------------------- routing


def route(
    session: Session,
    *,
    marks: Sequence[str],
    territories: Sequence[str],
    reporter: str | None = None,
) -> str | None:
    """The rights holder that owns the marks found: an NOC's mark goes to that NOC (the one
    whose territory the listing ships to first), else an edition's mark to its OCOG (unless the
    edition is archived), else the IOC. A rights holder reporting a listing that bears one of
    its own marks keeps the case. None when no mark is known to the registry."""
    if not marks:
        return None
    return _holder(
        _mark_owners(session, marks),
        marks,
        territories,
        reporter,
        lambda party: archived_edition_of(session, party) is not None,
    )


_Owner = tuple[str, PartyKind, str | None]  # the owner party of a mark: id, kind, territory


def _mark_owners(session: Session, marks: Iterable[str]) -> dict[str, _Owner]:
    rows = session.execute(
        select(Mark.id, Party.id, Party.kind, Party.territory)
        .join(Party, Party.id == Mark.owner_id)
        .where(Mark.id.in_(list(set(marks))))
    ).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _holder(
    owners: dict[str, _Owner],
    marks: Sequence[str],
    territories: Sequence[str],
    reporter: str | None,
    archived: Any,
) -> str | None:
    """``route`` given the marks' owners and ``archived(party)``: is it an archived OCOG."""
    rows = [(m, *owners[m]) for m in dict.fromkeys(marks) if m in owners]
    if not rows:
        return None
    if reporter is not None and any(r[1] == reporter for r in rows):
        return reporter
    nocs = sorted(
        (r for r in rows if r[2] is PartyKind.noc),
        key=lambda r: (r[3] not in territories, marks.index(r[0])),
    )
    if nocs:
        return str(nocs[0][1])
    # An archived edition's OCOG is read-only and no longer reviews cases: the IOC takes them.
    ocogs = sorted(
        (r for r in rows if r[2] is PartyKind.ocog and not archived(str(r[1]))),
        key=lambda r: marks.index(r[0]),
    )
    if ocogs:
        return str(ocogs[0][1])
    return IOC


# --------------------------------------------------------------------------- reporters


@dataclass(frozen=True)
class _Record:
    reports: int
    decided: int
    upheld: int
    losses: int


def _reporter_record(session: Session, reporter: str) -> _Record:
    decided_statuses = [
        CaseStatus.takedown_requested,
        CaseStatus.taken_down,
        CaseStatus.appealed,
        CaseStatus.closed_taken_down,
        CaseStatus.reinstated,
        CaseStatus.dismissed,
        CaseStatus.licensed,
    ]
    upheld_statuses = [
        CaseStatus.takedown_requested,
        CaseStatus.taken_down,
        CaseStatus.appealed,
        CaseStatus.closed_taken_down,
    ]
    row = session.execute(
        select(
            func.count(),
            func.count().filter(Case.status.in_(decided_statuses)),
            func.count().filter(Case.status.in_(upheld_statuses)),
            func.count().filter(Case.status == CaseStatus.reinstated),
        ).where(Case.reporter_id == reporter)
    ).one()
    return _Record(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def _trusted(record: _Record, settings: Settings) -> bool:
    return (
        record.decided >= settings.trusted_reporter_min_reports
        and record.upheld / record.decided >= settings.trusted_reporter_share
    )


def reporter_stats(
    session: Session, *, principal: Principal, reporter: str, settings: Settings
) -> ReporterOut:
    """A reporter's share of upheld reports and counter-notice losses. The reporter itself, a
    marketplace for the reporters it forwards, and admins may look; rights holders see the
    record of their own reporting."""
    _require(principal, OPENERS, "see reporter records")
    forwarded = principal.role is Role.marketplace and session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.reporter_id == reporter, Case.marketplace_id == principal.party_id)
    )
    if not (principal.is_admin or reporter == principal.party_id or forwarded):
        raise NotFound(f"no reporter {reporter!r}", code=ErrorCode.REPORTER_NOT_FOUND)
    record = _reporter_record(session, reporter)
    return ReporterOut(
        reporter=reporter,
        reports=record.reports,
        decided=record.decided,
        upheld=record.upheld,
        counter_notice_losses=record.losses,
        upheld_share=round(record.upheld / record.decided, 4) if record.decided else None,
        trusted=_trusted(record, settings),
    )


# --------------------------------------------------------------------------- opening


def _reporter(session: Session, principal: Principal, given: str | None) -> str:
    """Who a report counts for: the authenticated caller. A marketplace (or the admin) may
    name a buyer it forwards (``buyer:123``), never a party: a reference that is another
    party's id is refused (422), so nobody moves another party's reporter accuracy."""
    own = principal.party_id or "system"
    if given is None or given == own:
        return own
    if principal.role is Role.rights_holder:
        raise Forbidden("a rights holder reports in its own name", code=ErrorCode.NOT_YOUR_PARTY)
    if session.get(Party, given) is not None:
        raise InvalidInput(
            f"the reporter is the caller ({own}); {given!r} is another party",
            code=ErrorCode.REPORTER_NOT_CALLER,
            loc=("reporter",),
        )
    return given


def _check_opening(principal: Principal, data: CaseIn) -> None:
    if data.subject is CaseSubject.listing and data.listing_id is None:
        raise InvalidInput(
            "a listing case needs a listing_id",
            code=ErrorCode.LISTING_REQUIRED,
            loc=("listing_id",),
        )
    if principal.role is Role.marketplace and data.marketplace != principal.party_id:
        raise Forbidden(
            f"marketplace must be your own party ({principal.party_id})",
            code=ErrorCode.NOT_YOUR_PARTY,
            loc=("marketplace",),
        )


def _new_case(
    principal: Principal,
    data: CaseIn,
    holder: str | None,
    reporter: str,
    trusted: bool,
    now: datetime,
) -> Case:
    if holder is None:
        holder = principal.party_id if principal.role is Role.rights_holder else IOC
    return Case(
        rights_holder_id=holder or IOC,
        subject=data.subject,
        source=data.source,
        status=CaseStatus.open,
        marketplace_id=data.marketplace,
        listing_id=data.listing_id if data.subject is CaseSubject.listing else None,
        listing_version=data.listing_version,
        seller_id=data.seller_id,
        title=data.title,
        marks=list(data.marks),
        territories=list(data.territories),
        category=data.category,
        risk=data.risk,
        reach=data.reach,
        reporter_id=reporter,
        trusted=trusted,
        note=data.note,
        created_at=now,
        updated_at=now,
    )


def _opened_entry(case: Case, actor: str, now: datetime) -> events.Entry:
    payload = {
        "source": case.source.value,
        "subject": case.subject.value,
        "marketplace": case.marketplace_id,
        "listing": case.listing_id,
        "version": case.listing_version,
        "seller": case.seller_id,
        "marks": list(case.marks),
        "reporter": case.reporter_id,
        "trusted": case.trusted,
    }
    return events.Entry("case.opened", actor, now, case.id, payload)


def _findings_data(data: CaseIn, reporter: str) -> dict[str, Any] | None:
    if not (data.findings or data.regions or data.listing):
        return None
    out: dict[str, Any] = {
        "findings": [f.model_dump() for f in data.findings],
        "regions": [r.model_dump() for r in data.regions],
        "reporter": reporter,
    }
    if data.verdict is not None:
        out["verdict"] = data.verdict
    if data.reasons:
        out["reasons"] = list(data.reasons)
    if data.listing is not None:  # what the listing showed (link, price, images): issue 19
        out["listing"] = data.listing.model_dump(mode="json", exclude_none=True)
    return out


def open_case(
    session: Session,
    *,
    principal: Principal,
    data: CaseIn,
    settings: Settings,
    now: datetime | None = None,
) -> tuple[CaseOut, bool]:
    """Open a case, or return the one already open on the same listing version (``created``
    False; the new findings are added to it as evidence). Deduplication is by the unique
    constraint on (marketplace, listing id, listing version), so two concurrent reports of the
    same listing cannot open two cases."""
    _require(principal, OPENERS, "open enforcement cases")
    now = _now(now)
    _check_opening(principal, data)
    reporter = _reporter(session, principal, data.reporter)
    holder = route(
        session,
        marks=data.marks,
        territories=data.territories,
        reporter=principal.party_id if principal.role is Role.rights_holder else None,
    )
    trusted = _trusted(_reporter_record(session, reporter), settings)
    case = _new_case(principal, data, holder, reporter, trusted, now)
    created = True
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        existing = session.scalars(
            select(Case).where(
                Case.marketplace_id == data.marketplace,
                Case.listing_id == case.listing_id,
                Case.listing_version == data.listing_version,
            )
        ).one_or_none()
        if existing is None:
            raise
        if not _can_see(principal, existing):
            # Another rights holder's case: say that much, show nothing of it.
            raise Conflict(
                "this listing version is already under a case of another rights holder",
                code=ErrorCode.ALREADY_REPORTED,
            ) from None
        case, created = existing, False
    actor = _actor(principal)
    if created:
        entry = _opened_entry(case, actor, now)
        events.record_many(session, rights_holder_id=case.rights_holder_id, entries=[entry])
    else:
        _audit(session, case, "case.reported_again", actor, now, reporter=reporter)
    findings = _findings_data(data, reporter)
    if findings is not None:
        _add_evidence(session, case, kind="findings", data=findings, actor=actor, now=now)
    return CaseOut.model_validate(case), created


def open_cases(
    session: Session,
    *,
    principal: Principal,
    data: Sequence[CaseIn],
    settings: Settings,
    now: datetime | None = None,
) -> list[tuple[int, bool] | RingfenceError]:
    """``open_case`` for each item, in order (the case id and ``created``, or the error that
    item raised), written together: one query for the marks' owners, one reporter record per
    reporter, the new cases and their evidence inserted in one statement each and their audit
    events appended with each chain's head locked once. The same rows and events as opening
    them one by one; an item whose listing version already has a case (or comes twice) is
    opened one by one after the others, and so are all when an insert meets a concurrent one."""
    _require(principal, OPENERS, "open enforcement cases")
    now = _now(now)
    out: list[tuple[int, bool] | RingfenceError | None] = [None] * len(data)
    keys = [(d.marketplace, d.listing_id, d.listing_version) for d in data]
    listed = [k for k, d in zip(keys, data, strict=True) if d.subject is CaseSubject.listing]
    taken = _cases_of(session, [k for k in listed if k[1] is not None])
    alone: list[int] = []
    batch: list[tuple[int, Case, str]] = []
    seen: set[tuple[str, str | None, str]] = set()
    owners = _mark_owners(session, [m for d in data for m in d.marks])
    archived: dict[str, bool] = {}
    records: dict[str, bool] = {}
    own = principal.party_id if principal.role is Role.rights_holder else None

    def is_archived(party: str) -> bool:
        if party not in archived:
            archived[party] = archived_edition_of(session, party) is not None
        return archived[party]

    for i, (d, key) in enumerate(zip(data, keys, strict=True)):
        if d.subject is not CaseSubject.listing or key in taken or key in seen:
            alone.append(i)
            continue
        try:
            _check_opening(principal, d)
            reporter = _reporter(session, principal, d.reporter)
        except RingfenceError as exc:
            out[i] = exc
            continue
        seen.add(key)
        holder = _holder(owners, d.marks, d.territories, own, is_archived) if d.marks else None
        if reporter not in records:
            records[reporter] = _trusted(_reporter_record(session, reporter), settings)
        batch.append(
            (i, _new_case(principal, d, holder, reporter, records[reporter], now), reporter)
        )
    try:
        with session.begin_nested():
            session.add_all([case for _, case, _ in batch])
            session.flush()
    except IntegrityError:  # a concurrent report of one of them: every one on its own
        alone, batch = sorted(alone + [i for i, _, _ in batch]), []
    for i, case, _ in batch:
        out[i] = (case.id, True)
    _record_opened(session, [(case, _findings_data(data[i], r)) for i, case, r in batch],
                   _actor(principal), now)  # fmt: skip
    for i in alone:
        try:
            with session.begin_nested():
                case_, created = open_case(
                    session, principal=principal, data=data[i], settings=settings, now=now
                )
        except RingfenceError as exc:
            out[i] = exc
        else:
            out[i] = (case_.id, created)
    done = [o for o in out if o is not None]
    assert len(done) == len(out)
    return done


def _record_opened(
    session: Session,
    opened: list[tuple[Case, dict[str, Any] | None]],
    actor: str,
    now: datetime,
) -> None:
    """The evidence (findings) of cases just opened, in one statement, and their audit events
    (``case.opened``, then ``evidence.added``), each chain's head locked once."""
    rows = [
        Evidence(case_id=case.id, kind="findings", data=findings, added_by=actor, created_at=now)
        if findings is not None
        else None
        for case, findings in opened
    ]
    if any(rows):
        session.add_all([row for row in rows if row is not None])
        session.flush()
    chains: dict[str, list[events.Entry]] = {}
    for (case, _), row in zip(opened, rows, strict=True):
        chain = chains.setdefault(case.rights_holder_id, [])
        chain.append(_opened_entry(case, actor, now))
        if row is not None:
            chain.append(_evidence_entry(row, actor, now))
    for holder, entries in chains.items():
        events.record_many(session, rights_holder_id=holder, entries=entries)


def _cases_of(
    session: Session, keys: list[tuple[str, str | None, str]]
) -> set[tuple[str, str | None, str]]:
    """Which of these (marketplace, listing, version) have a case."""
    found: set[tuple[str, str | None, str]] = set()
    for start in range(0, len(keys), 300):
        chunk = keys[start : start + 300]
        rows = session.execute(
            select(Case.marketplace_id, Case.listing_id, Case.listing_version).where(
                tuple_(Case.marketplace_id, Case.listing_id, Case.listing_version).in_(chunk)
            )
        )
        found.update((m, listing, v) for m, listing, v in rows)
    return found


def _listing_in(listing: Any, url: str | None) -> ListingIn:
    """The listing's fields screening read, as the case keeps them (a link only when it is an
    http(s) URL; anything else of it is dropped rather than refused)."""
    link = url.strip() if isinstance(url, str) else None
    if link and not (re.fullmatch(r"https?://\S+", link) and len(link) <= 2000):
        link = None
    return ListingIn(
        url=link or None,
        description=str(listing.description)[:5000] or None,
        price=listing.price if listing.price is not None and listing.price >= 0 else None,
        currency=listing.currency
        if isinstance(listing.currency, str) and re.fullmatch(r"[A-Z]{3}", listing.currency)
        else None,
        images=[str(p)[:2000] for p in listing.image_paths[:20]],
        listed_at=listing.listed_at,
    )


def _case_in(
    verdict: Any,
    listing: Any,
    marketplace: str,
    listing_version: str,
    reach: int,
    url: str | None = None,
) -> CaseIn:
    try:
        return CaseIn(
            source=CaseSource.screening,
            marketplace=marketplace,
            listing_id=str(listing.listing_id),
            listing_version=listing_version,
            seller_id=str(listing.seller_id),
            title=str(listing.title)[:2000],
            marks=list(verdict.marks),
            territories=[t for t in listing.ship_to if len(t) == 2],
            category=str(listing.category)[:100] if listing.category else None,
            risk=float(verdict.risk),
            reach=reach,
            findings=[f.as_json() for f in verdict.evidence],
            note="; ".join(verdict.reasons) or None,
            listing=_listing_in(listing, url),
            verdict=verdict.verdict,
            reasons=[str(r)[:200] for r in verdict.reasons[:50]],
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(
            f"{where}: {first['msg']}", code=ErrorCode.INVALID_CASE, loc=tuple(first["loc"])
        ) from None


def open_case_from_verdict(
    session: Session,
    *,
    principal: Principal,
    verdict: Any,
    listing: Any,
    marketplace: str,
    listing_version: str = "",
    settings: Settings,
    reach: int = 0,
    now: datetime | None = None,
    url: str | None = None,
) -> tuple[CaseOut, bool] | None:
    """A screening verdict (``screening.engine.Verdict`` for ``Listing``) opens a case when it
    is not clean (infringing or review); None for clean, authorized and error verdicts. The
    case keeps the listing as screened (price, images, ``url`` when the row had one)."""
    if verdict.verdict not in ACTIONABLE_VERDICTS:
        return None
    data = _case_in(verdict, listing, marketplace, listing_version, reach, url)
    return open_case(session, principal=principal, data=data, settings=settings, now=now)


class Screened(NamedTuple):
    """A verdict, its listing and where it was seen (``open_cases_from_verdicts``)."""

    verdict: Any
    listing: Any
    marketplace: str
    listing_version: str = ""
    reach: int = 0


def open_cases_from_verdicts(
    session: Session,
    *,
    principal: Principal,
    items: Sequence[Screened],
    settings: Settings,
    now: datetime | None = None,
) -> list[tuple[int, bool] | RingfenceError | None]:
    """``open_case_from_verdict`` for each item, through ``open_cases``: the case id and
    ``created``, the error of an item whose case cannot be opened, or None (no case: a clean,
    authorized or error verdict)."""
    out: list[tuple[int, bool] | RingfenceError | None] = [None] * len(items)
    todo: list[tuple[int, CaseIn]] = []
    for i, item in enumerate(items):
        if item.verdict.verdict not in ACTIONABLE_VERDICTS:
            continue
        try:
            todo.append(
                (i, _case_in(item.verdict, item.listing, item.marketplace,
                             item.listing_version, item.reach))
            )  # fmt: skip
        except InvalidInput as exc:
            out[i] = exc
    opened = open_cases(
        session, principal=principal, data=[d for _, d in todo], settings=settings, now=now
    )
    for (i, _), result in zip(todo, opened, strict=True):
        out[i] = result
    return out


def _add_evidence(
    session: Session,
    case: Case,
    *,
    kind: str,
    data: dict[str, Any],
    actor: str,
    now: datetime,
    appeal_id: int | None = None,
    sha256: str | None = None,
    filename: str | None = None,
    content_type: str | None = None,
    size: int | None = None,
) -> Evidence:
    row = Evidence(
        case_id=case.id,
        appeal_id=appeal_id,
        kind=kind,
        data=data,
        sha256=sha256,
        filename=filename,
        content_type=content_type,
        size=size,
        added_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    events.record_many(
        session, rights_holder_id=case.rights_holder_id, entries=[_evidence_entry(row, actor, now)]
    )
    return row


def _evidence_entry(row: Evidence, actor: str, now: datetime) -> events.Entry:
    payload = {
        "evidence": row.id,
        "evidence_kind": row.kind,
        "sha256": row.sha256,
        "digest": hashlib.sha256(events.canonical_json(row.data).encode()).hexdigest(),
    }
    return events.Entry("evidence.added", actor, now, row.case_id, payload)


def screen_and_open(
    session: Session,
    *,
    principal: Principal,
    engine: Engine,
    marketplace: str,
    rows: Iterable[dict[str, Any]],
    settings: Settings,
    today: date | None = None,
    now: datetime | None = None,
) -> list[ScreenedOut]:
    """Screen listings (rows as ``POST /v1/screen`` takes them, plus optional
    ``listing_version`` and ``reach``) and open a case for each non-clean verdict. A row that
    cannot be screened or opened is reported with its reason; the others go on."""
    screened = screen_listings(
        session,
        principal=principal,
        engine=engine,
        marketplace=marketplace,
        rows=rows,
        settings=settings,
        today=today,
        now=now,
    )
    return [s.out for s in screened]


@dataclass(frozen=True, slots=True)
class ScreenedListing:
    """A row of ``screen_listings``: the answer ``screen_and_open`` gives, with what the
    console shows of it (the title, the marks, risk, reasons and matched spans of the
    verdict) and where its case went (``rights_holder``; ``visible``: the caller may open
    the case)."""

    out: ScreenedOut
    title: str
    marks: tuple[str, ...] = ()
    risk: float | None = None
    reasons: tuple[str, ...] = ()
    findings: tuple[dict[str, Any], ...] = ()
    rights_holder: str | None = None
    visible: bool = False


# A listing still waiting for a decision or a removal: no second case while one is open.
UNDECIDED = (CaseStatus.open, CaseStatus.escalated, CaseStatus.takedown_requested)


def screen_listings(
    session: Session,
    *,
    principal: Principal,
    engine: Engine,
    marketplace: str,
    rows: Iterable[dict[str, Any]],
    settings: Settings,
    one_open_case: bool = False,
    today: date | None = None,
    now: datetime | None = None,
) -> list[ScreenedListing]:
    """``screen_and_open`` with each verdict's details. ``one_open_case``: a listing that
    already has an undecided case on this marketplace (any version) opens no other; the row
    names that case (``already_under_case``), or only says so when the caller may not see it
    (``already_reported``)."""
    _require(principal, OPENERS, "open enforcement cases")
    if principal.role is Role.marketplace and marketplace != principal.party_id:
        raise Forbidden(
            f"marketplace must be your own party ({principal.party_id})",
            code=ErrorCode.NOT_YOUR_PARTY,
            loc=("marketplace",),
        )
    rows = list(rows)
    out: list[ScreenedListing] = []
    verdicts = screen_rows(engine, rows, today=today)
    for row, verdict in zip(rows, verdicts, strict=True):
        raw_id = row.get("listing_id")
        listing_id = None if raw_id is None else str(raw_id)[:200]
        raw_title = row.get("title")
        seen = ScreenedListing(
            ScreenedOut(listing_id=listing_id, verdict=verdict.verdict),
            title=raw_title[:2000] if isinstance(raw_title, str) else "",
            marks=tuple(verdict.marks),
            risk=float(verdict.risk) if verdict.verdict != ERROR else None,
            reasons=tuple(verdict.reasons) if verdict.verdict != ERROR else (),
            findings=tuple(f.as_json() for f in verdict.evidence),
        )
        try:
            version = str(row.get("listing_version") or "")
            reach = int(row.get("reach") or 0)
        except (ValueError, TypeError):
            reason = "invalid_listing_version_or_reach"
            failed = ScreenedOut(listing_id=listing_id, verdict=ERROR, reason=reason)
            out.append(replace(seen, out=failed))
            continue
        if verdict.verdict == ERROR:
            failed = ScreenedOut(listing_id=listing_id, verdict=ERROR, reason=verdict.reasons[0])
            out.append(replace(seen, out=failed))
            continue
        if verdict.verdict not in ACTIONABLE_VERDICTS:  # the rest open no case
            out.append(seen)
            continue
        if one_open_case and listing_id is not None:
            pending = session.scalars(
                select(Case)
                .where(
                    Case.marketplace_id == marketplace,
                    Case.listing_id == listing_id,
                    Case.status.in_(UNDECIDED),
                )
                .order_by(Case.id)
                .limit(1)
            ).first()
            if pending is not None:
                visible = _can_see(principal, pending)
                known = ScreenedOut(
                    listing_id=listing_id,
                    verdict=verdict.verdict,
                    case_id=pending.id if visible else None,
                    created=False,
                    reason="already_under_case" if visible else "already_reported",
                )
                holder = pending.rights_holder_id if visible else None
                out.append(replace(seen, out=known, rights_holder=holder, visible=visible))
                continue
        try:
            opened = open_case_from_verdict(
                session,
                principal=principal,
                verdict=verdict,
                listing=listing_from_row(row),
                marketplace=marketplace,
                listing_version=version,
                reach=reach,
                settings=settings,
                now=now,
                url=_row_url(row),
            )
        except InvalidInput as exc:
            failed = ScreenedOut(listing_id=listing_id, verdict=verdict.verdict, reason=exc.msg)
            out.append(replace(seen, out=failed))
            continue
        assert opened is not None  # an actionable verdict
        case = session.get_one(Case, opened[0].id)
        answer = ScreenedOut(
            listing_id=listing_id, verdict=verdict.verdict, case_id=case.id, created=opened[1]
        )
        out.append(
            replace(
                seen,
                out=answer,
                rights_holder=case.rights_holder_id,
                visible=_can_see(principal, case),
            )
        )
    return out


def known_marketplace(session: Session, given: str) -> str:
    """The registry's marketplace party that ``given`` names: its id (``MKT:tmall``), in any
    case, with or without the ``MKT:`` prefix, or its name (``Tmall``). InvalidInput
    ``unknown_marketplace`` naming the known ones otherwise, so one marketplace never has two
    spellings (and the same listings two cases)."""
    wanted = " ".join(given.split()).casefold()
    parties = session.execute(
        select(Party.id, Party.name).where(Party.kind == PartyKind.marketplace).order_by(Party.id)
    ).all()
    for party_id, name in parties:
        bare = party_id.split(":", 1)[1] if ":" in party_id else party_id
        if wanted and wanted in (party_id.casefold(), bare.casefold(), name.casefold()):
            return str(party_id)
    names = ", ".join(p for p, _ in parties) or "none"
    raise InvalidInput(
        f"{given!r} is not a marketplace of the registry (known: {names})",
        code=ErrorCode.UNKNOWN_MARKETPLACE,
        loc=("marketplace",),
    )


def _row_url(row: dict[str, Any]) -> str | None:
    """The listing's link in an uploaded row (``url`` or ``listing_url``), if any."""
    for name in ("url", "listing_url"):
        value = row.get(name)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and value.strip():
            return value
    return None


# --------------------------------------------------------------------------- evidence files


def store_file(settings: Settings, content: bytes, content_type: str) -> str:
    """Check and store an uploaded file under its sha256; return the hash. The file is written
    to a temporary name and renamed into place: never half-written."""
    if not content:
        raise InvalidInput("the file is empty", code=ErrorCode.EMPTY_FILE)
    if len(content) > settings.evidence_max_bytes:
        raise InvalidInput(
            f"the file is larger than {settings.evidence_max_bytes} bytes",
            code=ErrorCode.FILE_TOO_LARGE,
        )
    kind = content_type.split(";", maxsplit=1)[0].strip().lower()
    if kind not in FILE_TYPES:
        allowed = ", ".join(FILE_TYPES)
        raise InvalidInput(
            f"content type {kind!r} is not accepted ({allowed})",
            code=ErrorCode.UNSUPPORTED_CONTENT_TYPE,
        )
    magic = FILE_TYPES[kind]
    ok = content.startswith(magic) if magic else _is_utf8(content)
    if kind == "image/webp":
        ok = ok and content[8:12] == b"WEBP"
    if not ok:
        raise InvalidInput(
            f"the file's content is not {kind}", code=ErrorCode.CONTENT_TYPE_MISMATCH, loc=("file",)
        )
    digest = hashlib.sha256(content).hexdigest()
    folder = Path(settings.evidence_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    if not target.exists():
        atomic_write(target, [content])
    return digest


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def add_file(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    content: bytes,
    content_type: str,
    filename: str,
    settings: Settings,
    now: datetime | None = None,
) -> EvidenceOut:
    """A screenshot or document from the reporter or the rights holder."""
    case = _get_case(session, principal, case_id)
    if case.status in CASE_FINAL:
        raise InvalidInput("the case is closed", code=ErrorCode.CASE_CLOSED)
    digest = store_file(settings, content, content_type)
    row = _add_evidence(
        session,
        case,
        kind="file",
        data={},
        actor=_actor(principal),
        now=_now(now),
        sha256=digest,
        filename=Path(filename).name[:255] or digest,
        content_type=content_type.split(";", maxsplit=1)[0].strip().lower(),
        size=len(content),
    )
    return EvidenceOut.model_validate(row)


# --------------------------------------------------------------------------- queries


def list_cases(
    session: Session,
    *,
    principal: Principal,
    status: Sequence[CaseStatus] = (),
    seller_id: str | None = None,
    queue: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[CaseOut]:
    """Cases the principal may see. ``queue``: the review queue, open and escalated cases,
    trusted reporters first, then by risk, then by reach, oldest first."""
    _require(principal, OPENERS, "see enforcement cases")
    query = _cases_query(principal, status, seller_id)
    if queue:
        query = query.where(Case.status.in_([CaseStatus.open, CaseStatus.escalated])).order_by(
            Case.trusted.desc(), Case.risk.desc(), Case.reach.desc(), Case.id
        )
    else:
        query = query.order_by(Case.id)
    return [CaseOut.model_validate(c) for c in session.scalars(query.limit(limit).offset(offset))]


def _cases_query(
    principal: Principal, status: Sequence[CaseStatus], seller_id: str | None
) -> Select[Case]:
    query = select(Case).where(_visible(principal))
    if status:
        query = query.where(Case.status.in_(list(status)))
    if seller_id is not None:
        query = query.where(Case.seller_id == seller_id)
    return query


def get_case(session: Session, *, principal: Principal, case_id: int) -> CaseDetail:
    case = _get_case(session, principal, case_id)
    evidence = session.scalars(
        select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)
    )
    notices = session.scalars(select(Notice).where(Notice.case_id == case.id).order_by(Notice.id))
    appeal = session.scalars(select(Appeal).where(Appeal.case_id == case.id)).one_or_none()
    return CaseDetail(
        **CaseOut.model_validate(case).model_dump(),
        evidence=[EvidenceOut.model_validate(e) for e in evidence],
        notices=[NoticeOut.model_validate(n) for n in notices],
        appeal=AppealOut.model_validate(appeal) if appeal else None,
    )


def case_events(session: Session, *, principal: Principal, case_id: int) -> list[AuditEvent]:
    case = _get_case(session, principal, case_id)
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.rights_holder_id == case.rights_holder_id,
                AuditEvent.case_id == case.id,
            )
            .order_by(AuditEvent.seq)
        )
    )


# --------------------------------------------------------------------------- decisions

# What a takedown asks of the marketplace: remove the listing, or act on the seller's account
# (a seller case: the repeat-infringer policy's seller-level action).
REMOVALS = ("takedown", "seller_suspension")


def _removal_action(case: Case) -> str:
    return "takedown" if case.subject is CaseSubject.listing else "seller_suspension"


_DECISION_STATUS = {
    Decision.takedown: CaseStatus.takedown_requested,
    Decision.dismiss: CaseStatus.dismissed,
    Decision.licensed: CaseStatus.licensed,
    Decision.escalate: CaseStatus.escalated,
}


def counter_notice_token(settings: Settings, case_id: int) -> str:
    """The seller's credential for one case: an HMAC of the case id under the server secret.
    Nothing is stored; it travels to the seller in the takedown notice."""
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"counter-notice:{case_id}".encode(), hashlib.sha256).hexdigest()


def decide(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    data: DecisionIn,
    settings: Settings,
    now: datetime | None = None,
    hold: timedelta | None = None,
) -> CaseOut:
    """Take down, dismiss, mark licensed or escalate, with a reason code of that decision.
    ``hold``: the decision's undo window (the console's); its takedown notice is not delivered
    before the window has passed (``dispatch_notices``), and ``undo_decision`` may reverse it."""
    case = _analyst_case(session, principal, case_id)
    now = _now(now)
    decided = _decide(session, principal, case, data, settings, now)
    if hold is not None and data.decision in UNDOABLE:
        for notice in session.scalars(
            select(Notice).where(Notice.case_id == case.id, Notice.status == NoticeStatus.pending)
        ):
            notice.hold_until = now + hold
        session.flush()
    return CaseOut.model_validate(decided)


# The decisions the console lets an analyst undo in their window, and how long it lasts.
UNDOABLE = frozenset({Decision.takedown, Decision.dismiss})
UNDO_WINDOW = timedelta(seconds=30)


def _last_decision(session: Session, case: Case) -> AuditEvent | None:
    return session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.rights_holder_id == case.rights_holder_id,
            AuditEvent.case_id == case.id,
            AuditEvent.kind == "case.decided",
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).one_or_none()


def undo_deadline(
    session: Session, *, principal: Principal, case_id: int, now: datetime | None = None
) -> datetime | None:
    """Until when the principal may still undo the case's decision (None: it may not): a take
    down or dismissal it made on the console less than ``UNDO_WINDOW`` ago whose notices have
    not left."""
    case = _get_case(session, principal, case_id)
    return _undo_deadline(session, principal, case, _now(now))


def _undo_deadline(
    session: Session, principal: Principal, case: Case, now: datetime
) -> datetime | None:
    if (
        principal.role not in ANALYSTS
        or case.decision not in UNDOABLE
        or case.decided_at is None
        or case.decided_by != _actor(principal)
        or case.status not in (CaseStatus.takedown_requested, CaseStatus.dismissed)
    ):
        return None
    until = case.decided_at + UNDO_WINDOW
    if now > until:
        return None
    notices = session.scalars(
        select(Notice).where(
            Notice.case_id == case.id,
            Notice.status != NoticeStatus.retracted,  # an earlier decision's, undone
        )
    )
    if any(n.status is not NoticeStatus.pending or n.hold_until is None for n in notices):
        return None  # a notice that is not held, or has left: too late
    return until


def undo_decision(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    now: datetime | None = None,
) -> CaseOut:
    """Undo the principal's own take down or dismissal within its undo window: the case goes
    back to the status it had (open or escalated) through the case machine, its held takedown
    notice is retracted unsent, and the audit trail records the undo. An exception the
    dismissal added stays (the case page lists it with Revoke)."""
    case = _analyst_case(session, principal, case_id)
    now = _now(now)
    if _undo_deadline(session, principal, case, now) is None:
        raise Conflict(
            "this decision can no longer be undone (its window has passed, its notice has "
            "left, or it is not yours)",
            code=ErrorCode.UNDO_EXPIRED,
        )
    last = _last_decision(session, case)
    previous = CaseStatus.open
    if last is not None:
        stated = json.loads(last.body).get("payload", {}).get("previous")
        if stated in (CaseStatus.open.value, CaseStatus.escalated.value):
            previous = CaseStatus(stated)
    undone = case.decision
    for notice in session.scalars(
        select(Notice).where(Notice.case_id == case.id, Notice.status == NoticeStatus.pending)
    ):
        move(notice, NOTICE, NoticeStatus.retracted)
        notice.hold_until = None
    move(case, CASE, previous)
    case.decision = case.reason_code = None
    case.decided_by = case.decided_at = None
    case.updated_at = now
    session.flush()
    _audit(
        session,
        case,
        "case.decision_undone",
        _actor(principal),
        now,
        decision=undone.value if undone else None,
        status=case.status.value,
    )
    return CaseOut.model_validate(case)


def _decide(
    session: Session,
    principal: Principal,
    case: Case,
    data: DecisionIn,
    settings: Settings,
    now: datetime,
) -> Case:
    if data.reason_code not in DECISION_REASONS[data.decision]:
        allowed = ", ".join(sorted(DECISION_REASONS[data.decision]))
        raise InvalidInput(
            f"{data.reason_code.value} is not a reason for {data.decision.value} ({allowed})",
            code=ErrorCode.INVALID_REASON_CODE,
            loc=("reason_code",),
        )
    if data.add_exception is not None and data.decision is not Decision.dismiss:
        raise InvalidInput(
            "add_exception goes with dismiss",
            code=ErrorCode.INVALID_COMBINATION,
            loc=("add_exception",),
        )
    if data.add_to_licence is not None and data.decision is not Decision.licensed:
        raise InvalidInput(
            "add_to_licence goes with licensed",
            code=ErrorCode.INVALID_COMBINATION,
            loc=("add_to_licence",),
        )
    scoped = None
    if data.add_exception is not None:  # checked before anything changes
        scoped = _scoped_exception(
            session, principal, case, data.add_exception, _registry_engine(session)
        )
    previous = case.status
    move(case, CASE, _DECISION_STATUS[data.decision])
    actor = _actor(principal)
    if data.decision is not Decision.escalate:
        case.decision, case.reason_code = data.decision, data.reason_code
        case.decided_by, case.decided_at = actor, now
    case.note = data.note or case.note
    case.updated_at = now
    session.flush()
    _audit(
        session,
        case,
        "case.decided",
        actor,
        now,
        decision=data.decision.value,
        reason=data.reason_code.value,
        note=data.note,
        previous=previous.value,
        status=case.status.value,
    )
    if scoped is not None:
        _add_exception(session, principal, case, *scoped, now)
    if data.add_to_licence is not None:
        _add_seller_to_licence(session, principal, case, data.add_to_licence, now)
    if data.decision is Decision.takedown:
        _new_notice(session, case, _removal_action(case), actor, now)
    return case


def _add_exception(
    session: Session,
    principal: Principal,
    case: Case,
    mark: MarkIn,
    exception: ExceptionIn,
    now: datetime,
) -> None:
    same = next((x for x in mark.exceptions if _same_scope(x, exception)), None)
    if same is None:  # the same phrase and scope saved once, however many cases dismiss it
        changed = mark.model_copy(update={"exceptions": [*mark.exceptions, exception]})
        saved = registry.save_mark(session, principal=principal, data=changed, create=False)
        same = saved.exceptions[-1]
    _audit(
        session,
        case,
        "registry.exception_added",
        _actor(principal),
        now,
        mark=mark.id,
        text=exception.text,
        reason=exception.reason.value,
        exception=same.id,
        territories=list(exception.territories),
        category=exception.category,
    )


# --------------------------------------------------------------------------- scoped exceptions

# Words that make a mark's phrase no narrower ("the Olympic" is still "Olympic").
_FILLER_WORDS = (
    "a an and at by de del der des di die das dem den du d e el et for i il in l la las le les"
    " lo los of on or the to und with y"
)
_FILLER = frozenset(_FILLER_WORDS.split())
PREVIEW_LISTINGS = 20_000  # flagged listings a preview screens again, the newest first
PREVIEW_EXAMPLES = 10


def _registry_engine(session: Session) -> Engine:
    """An engine over the registry as this session sees it (a fraction of a second to build:
    exceptions from cases are rare, so none is cached here)."""
    return Engine(builtin_data(registry.export_document(session)), compiled=False)


def _same_scope(a: ExceptionIn, b: ExceptionIn) -> bool:
    return (a.text, a.territories, a.category) == (b.text, b.territories, b.category)


def _narrowing_words(text: str, spans: Iterable[tuple[int, int]]) -> list[str]:
    """The words of ``text`` outside the marks' spans that narrow it: letters, not a filler
    word, two letters at least (one is enough in scripts written without spaces)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    words = re.findall(r"\w+", "".join(chars))
    return [
        w
        for w in words
        if any(c.isalpha() for c in w)
        and w.casefold() not in _FILLER
        and (len(w) >= 2 or not w.isascii())
    ]


def _scoped_exception(
    session: Session, principal: Principal, case: Case, spec: ExceptionSpec, engine: Engine
) -> tuple[MarkIn, ExceptionIn]:
    """The exception a dismissal of ``case`` may save on ``spec.mark``: the listing's phrase
    around the mark (never the mark alone), where the listing ships to (and the mark is
    protected), in the listing's category. Refused with a clear error otherwise."""
    loc = ("add_exception",)
    mark = registry.get_mark(session, principal=principal, mark_id=spec.mark)
    if principal.role is not Role.admin and mark.owner != principal.party_id:
        raise NotFound(
            f"no mark with id {spec.mark!r}", code=ErrorCode.MARK_NOT_FOUND, loc=(*loc, "mark")
        )
    if not case.territories:
        raise InvalidInput(
            "the listing names no territory it ships to, so an exception from its case would "
            "apply everywhere: add such an exception to the mark in the registry instead",
            code=ErrorCode.EXCEPTION_NEEDS_TERRITORY,
            loc=(*loc, "territories"),
        )
    chosen = list(dict.fromkeys(spec.territories or case.territories))
    outside = [t for t in chosen if t not in case.territories]
    if outside:
        raise InvalidInput(
            f"{', '.join(outside)}: not where this listing ships to "
            f"({', '.join(case.territories)})",
            code=ErrorCode.EXCEPTION_OUTSIDE_CASE,
            loc=(*loc, "territories"),
        )
    if WORLDWIDE not in mark.territories:
        chosen = [t for t in chosen if t in mark.territories]
        if not chosen:
            raise InvalidInput(
                f"mark {mark.id} is not protected where this listing ships to: nothing to except",
                code=ErrorCode.EXCEPTION_OUTSIDE_MARK,
                loc=(*loc, "territories"),
            )
    text = " ".join(spec.text.split())
    if normalize(text).strip() == "" or normalize(text) not in normalize(case.title):
        raise InvalidInput(
            f"{text!r} is not a phrase of the listing's title ({case.title!r})",
            code=ErrorCode.EXCEPTION_NOT_IN_LISTING,
            loc=(*loc, "text"),
        )
    found = engine.screen(Listing(f"case:{case.id}", case.seller_id, text)).evidence
    if not any(f.mark == mark.id for f in found):
        raise InvalidInput(
            f"{text!r} does not mention mark {mark.id}",
            code=ErrorCode.EXCEPTION_WITHOUT_MARK,
            loc=(*loc, "text"),
        )
    spans = [(f.start, f.end) for f in found if f.mark and f.field == "title"]
    if not _narrowing_words(text, spans):
        raise InvalidInput(
            f"{text!r} is a mark alone: an exception must be the listing's phrase around it "
            "(the words that make this use legitimate), or it would switch off the mark",
            code=ErrorCode.EXCEPTION_TOO_BROAD,
            loc=(*loc, "text"),
        )
    exception = ExceptionIn(
        text=text,
        reason=spec.reason,
        territories=sorted(chosen),
        category=case.category,
        note=spec.note,
        created_by=_actor(principal)[:200],
        case=case.id,
    )
    return mark, exception


def _scoped_out(mark_id: str, x: ExceptionIn) -> ScopedException:
    return ScopedException(
        id=x.id,
        mark=mark_id,
        text=x.text,
        reason=x.reason,
        territories=list(x.territories),
        category=x.category,
        case=x.case,
        created_by=x.created_by,
    )


class KeptVerdicts(Protocol):
    """The listing verdicts kept since a moment (the streaming domain keeps them): how many
    listings were screened, how many were flagged (opened a case), and the latest ``limit``
    flagged ones as (listing id, case id), newest first."""

    def __call__(self, since: datetime, limit: int) -> tuple[int, int, list[tuple[str, int]]]: ...


def preview_exception(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    data: ExceptionPreviewIn,
    kept: KeptVerdicts,
    now: datetime | None = None,
) -> ExceptionPreviewOut:
    """What dismissing ``case_id`` with this exception would change, before it is saved: the
    flagged listings among the kept listing verdicts of the last ``data.days`` days (each holds
    its case, with the title, territories and category screened), screened again with and
    without the exception. Only flagged listings can change: an exception removes matches. The
    examples are of cases the principal may see; the counts are of every listing."""
    now = _now(now)
    case = _get_case(session, principal, case_id)
    _require(principal, ANALYSTS, "make exceptions from cases")
    before = _registry_engine(session)
    mark, exception = _scoped_exception(session, principal, case, data, before)
    doc = before.data.registry
    marks = [
        m.model_copy(update={"exceptions": [*m.exceptions, exception]}) if m.id == mark.id else m
        for m in doc.marks
    ]
    after = Engine(
        replace(before.data, registry=doc.model_copy(update={"marks": marks})), compiled=False
    )
    since = now - timedelta(days=data.days)
    screened, flagged, latest = kept(since, PREVIEW_LISTINGS)
    cases = {
        c.id: c for c in session.scalars(select(Case).where(Case.id.in_([c for _, c in latest])))
    }
    rows = [(listing_id, cases[case]) for listing_id, case in latest if case in cases]
    changes: dict[str, int] = {}
    examples: list[PreviewExample] = []
    today = now.date()
    for listing_id, row in rows:
        listing = Listing(
            listing_id,
            row.seller_id,
            row.title,
            category=row.category,
            ship_to=tuple(row.territories),
        )
        was = before.screen(listing, today=today).verdict
        will = after.screen(listing, today=today).verdict
        if was == will:
            continue
        key = f"{was}->{will}"
        changes[key] = changes.get(key, 0) + 1
        if len(examples) < PREVIEW_EXAMPLES and _can_see(principal, row):
            examples.append(
                PreviewExample(
                    case_id=row.id, listing_id=listing_id, title=row.title, before=was, after=will
                )
            )
    return ExceptionPreviewOut(
        exception=_scoped_out(mark.id, exception),
        since=since,
        screened=screened,
        flagged=flagged,
        rescreened=len(rows),
        changed=sum(changes.values()),
        changes=dict(sorted(changes.items())),
        examples=examples,
    )


def case_exceptions(
    session: Session, *, principal: Principal, case_id: int
) -> list[ScopedException]:
    """The exceptions made from a case that are still in the registry."""
    case = _get_case(session, principal, case_id)
    rows = session.scalars(
        select(MarkException).where(MarkException.case_id == case.id).order_by(MarkException.id)
    )
    return [_scoped_out(x.mark_id, registry.exception_out(x)) for x in rows]


def revoke_exception(
    session: Session, *, principal: Principal, exception_id: int, now: datetime | None = None
) -> ScopedException:
    """Remove an exception of a mark of yours (made from a case or not): the mark is
    protected again where it applied. Recorded on the audit trail of the case it was made from
    (the mark owner's, for one made in the registry)."""
    _require(principal, ANALYSTS, "revoke exceptions")
    now = _now(now)
    mark_id, owner, removed = registry.delete_exception(
        session, principal=principal, exception_id=exception_id
    )
    case = session.get(Case, removed.case) if removed.case is not None else None
    events.record(
        session,
        rights_holder_id=case.rights_holder_id if case is not None else owner,
        kind="registry.exception_revoked",
        actor=_actor(principal),
        at=now,
        case_id=case.id if case is not None else None,
        payload={
            "exception": exception_id,
            "mark": mark_id,
            "text": removed.text,
            "territories": list(removed.territories),
            "category": removed.category,
        },
    )
    return _scoped_out(mark_id, removed)


def _add_seller_to_licence(
    session: Session, principal: Principal, case: Case, licence_id: str, now: datetime
) -> None:
    lic = registry.get_licence(session, principal=principal, licence_id=licence_id)
    if case.seller_id not in lic.sellers:
        changed = lic.model_copy(update={"sellers": [*lic.sellers, case.seller_id]})
        registry.save_licence(session, principal=principal, data=changed, create=False)
    _audit(
        session,
        case,
        "registry.seller_licensed",
        _actor(principal),
        now,
        licence=licence_id,
        seller=case.seller_id,
    )


def bulk_decide(
    session: Session,
    *,
    principal: Principal,
    seller_id: str,
    case_ids: Sequence[int] | None,
    data: DecisionIn,
    settings: Settings,
    now: datetime | None = None,
) -> list[CaseOut]:
    """One decision over many listings of one seller: the given cases (all of that seller, or
    nothing changes), or every open and escalated case of the seller the principal sees."""
    _require(principal, ANALYSTS, "decide enforcement cases")
    now = _now(now)
    if case_ids is None:
        query = _cases_query(
            principal, [CaseStatus.open, CaseStatus.escalated], seller_id
        ).order_by(Case.id)
        cases = list(session.scalars(query.with_for_update()))
    else:
        cases = [_get_case(session, principal, cid, lock=True) for cid in dict.fromkeys(case_ids)]
        others = [c.id for c in cases if c.seller_id != seller_id]
        if others:
            raise InvalidInput(
                f"cases {others} are not of seller {seller_id!r}",
                code=ErrorCode.SELLER_MISMATCH,
                loc=("case_ids",),
            )
    return [
        CaseOut.model_validate(_decide(session, principal, c, data, settings, now)) for c in cases
    ]


# --------------------------------------------------------------------------- notices


def _new_notice(session: Session, case: Case, action: str, actor: str, now: datetime) -> Notice:
    notice = Notice(
        case_id=case.id,
        marketplace_id=case.marketplace_id,
        action=action,
        status=NoticeStatus.pending,
        idempotency_key=f"rf-{action}-{case.id}-{uuid.uuid4().hex[:16]}",
        attempts=0,
        created_at=now,
    )
    session.add(notice)
    session.flush()
    _audit(
        session,
        case,
        "notice.created",
        actor,
        now,
        notice=notice.id,
        action=action,
        idempotency_key=notice.idempotency_key,
    )
    return notice


def _message(case: Case, notice: Notice, settings: Settings) -> NoticeMessage:
    payload: dict[str, Any] = {
        "case": case.id,
        "rights_holder": case.rights_holder_id,
        "listing_id": case.listing_id,
        "listing_version": case.listing_version,
        "seller_id": case.seller_id,
        "marks": list(case.marks),
        "reason_code": case.reason_code.value if case.reason_code else None,
    }
    if notice.action in REMOVALS:
        payload["counter_notice"] = {
            "token": counter_notice_token(settings, case.id),
            "path": f"/v1/cases/{case.id}/counter-notice",
            "days_after_removal": settings.counter_notice_days,
        }
    return NoticeMessage(
        notice.id, notice.idempotency_key, notice.action, case.marketplace_id, payload
    )


def dispatch_notices(
    session: Session,
    *,
    connector: NoticeConnector,
    settings: Settings,
    case_id: int | None = None,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Deliver pending and failed notices (of one case, or all); log every attempt. Returns
    (delivered, failed). Runs as the system: callers scope it (the API passes a case it has
    shown the principal)."""
    now = _now(now)
    query = select(Notice).where(
        Notice.status.in_([NoticeStatus.pending, NoticeStatus.failed]),
        or_(Notice.hold_until.is_(None), Notice.hold_until <= now),  # undo windows passed
    )
    if case_id is not None:
        query = query.where(Notice.case_id == case_id)
    delivered = failed = 0
    # skip_locked: two dispatchers at once (cron and an API call) never deliver one notice twice.
    locked = query.order_by(Notice.id).with_for_update(skip_locked=True)
    for notice in list(session.scalars(locked)):
        case = session.get_one(Case, notice.case_id)
        report = connector.deliver(_message(case, notice, settings))
        first = notice.attempts
        for attempt in report.attempts:
            session.add(
                Delivery(
                    notice_id=notice.id,
                    attempt=first + attempt.attempt,
                    at=attempt.at,
                    ok=attempt.ok,
                    status_code=attempt.status_code,
                    error=attempt.error,
                    waited=attempt.waited,
                )
            )
        notice.attempts = first + len(report.attempts)
        target = NoticeStatus.sent if report.delivered else NoticeStatus.failed
        move(notice, NOTICE, target)
        last = report.attempts[-1] if report.attempts else None
        notice.last_error = None if report.delivered else (last.error if last else "not sent")
        if report.delivered:
            notice.sent_at = now
            delivered += 1
        else:
            failed += 1
        session.flush()
        _audit(
            session,
            case,
            "notice.delivered" if report.delivered else "notice.delivery_failed",
            "system",
            now,
            notice=notice.id,
            attempts=len(report.attempts),
            status_codes=[a.status_code for a in report.attempts],
        )
    return delivered, failed


def deliveries(session: Session, *, principal: Principal, case_id: int) -> list[Delivery]:
    case = _get_case(session, principal, case_id)
    return list(
        session.scalars(
            select(Delivery)
            .join(Notice, Notice.id == Delivery.notice_id)
            .where(Notice.case_id == case.id)
            .order_by(Delivery.id)
        )
    )


def confirm_removal(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    settings: Settings,
    now: datetime | None = None,
) -> CaseOut:
    """The marketplace took the listing down: the counter-notice window starts now."""
    case = _get_case(session, principal, case_id, lock=True)
    if principal.role is not Role.marketplace and not principal.is_admin:
        raise Forbidden("only the marketplace confirms a removal", code=ErrorCode.FORBIDDEN_ROLE)
    now = _now(now)
    notice = session.scalars(
        select(Notice)
        .where(Notice.case_id == case.id, Notice.action.in_(REMOVALS))
        .order_by(Notice.id.desc())
        .with_for_update()
    ).first()
    if notice is None:
        raise InvalidInput("the case has no takedown notice", code=ErrorCode.NO_NOTICE)
    move(case, CASE, CaseStatus.taken_down)
    if notice.status is NoticeStatus.pending or notice.status is NoticeStatus.failed:
        # The marketplace acted on it (another channel, a delivery whose answer was lost).
        move(notice, NOTICE, NoticeStatus.sent)
        notice.sent_at = now
    move(notice, NOTICE, NoticeStatus.confirmed)
    notice.confirmed_at = now
    case.counter_notice_due = now + timedelta(days=settings.counter_notice_days)
    case.updated_at = now
    session.flush()
    _audit(
        session,
        case,
        "case.removal_confirmed",
        _actor(principal),
        now,
        notice=notice.id,
        counter_notice_due=case.counter_notice_due.isoformat(),
    )
    return CaseOut.model_validate(case)


# What a marketplace still has to do: the notices not yet confirmed (or retracted).
OUTSTANDING = (NoticeStatus.pending, NoticeStatus.sent, NoticeStatus.failed)


def marketplace_notices(
    session: Session,
    *,
    principal: Principal,
    settings: Settings,
    done: bool = False,
    limit: int = 200,
    now: datetime | None = None,
) -> list[NoticeTask]:
    """The notices addressed to the marketplace (the admin: to every marketplace) with their
    case's listing and deadline (``removal_hours`` after the notice was written). Outstanding
    ones (pending, sent, failed) by deadline, the earliest first; ``done``: the confirmed and
    retracted ones, the latest first. A removal notice whose case waits for the removal can
    be confirmed (``confirm_removal``)."""
    if principal.role is not Role.marketplace and not principal.is_admin:
        raise Forbidden("only a marketplace has notices to act on", code=ErrorCode.FORBIDDEN_ROLE)
    now = _now(now)
    query = select(Notice, Case).join(Case, Case.id == Notice.case_id)
    if not principal.is_admin:
        query = query.where(Notice.marketplace_id == principal.party_id)
    if done:
        query = query.where(Notice.status.not_in(OUTSTANDING)).order_by(Notice.id.desc())
    else:
        query = query.where(Notice.status.in_(OUTSTANDING)).order_by(Notice.id)
    window = timedelta(hours=settings.removal_hours)
    out = []
    for notice, case in session.execute(query.limit(limit)):
        deadline = notice.created_at + window
        waiting = notice.status in OUTSTANDING
        out.append(
            NoticeTask(
                notice=notice.id,
                action=notice.action,
                status=notice.status,
                marketplace=notice.marketplace_id,
                created_at=notice.created_at,
                sent_at=notice.sent_at,
                confirmed_at=notice.confirmed_at,
                deadline=deadline,
                overdue=waiting and deadline < now,
                case=case.id,
                case_status=case.status,
                rights_holder=case.rights_holder_id,
                listing_id=case.listing_id,
                seller_id=case.seller_id,
                title=case.title,
                marks=list(case.marks),
                can_confirm=waiting
                and notice.action in REMOVALS
                and case.status is CaseStatus.takedown_requested,
            )
        )
    if not done:
        out.sort(key=lambda t: (t.deadline, t.notice))
    return out


# --------------------------------------------------------------------------- appeals


def file_counter_notice(
    session: Session,
    *,
    case_id: int,
    token: str,
    statement: str,
    settings: Settings,
    now: datetime | None = None,
) -> AppealOut:
    """The seller answers a takedown, within the window, with the token of the case. A wrong
    token and an unknown case get the same NotFound."""
    now = _now(now)
    case = _seller_case(session, case_id, token, settings)
    if case.status is CaseStatus.taken_down:
        assert case.counter_notice_due is not None
        if now > case.counter_notice_due:
            raise InvalidInput(
                "the counter-notice window has closed",
                code=ErrorCode.COUNTER_NOTICE_DEADLINE_PASSED,
            )
    move(case, CASE, CaseStatus.appealed)
    case.updated_at = now
    appeal = Appeal(
        case_id=case.id,
        status=AppealStatus.filed,
        statement=statement,
        filed_at=now,
        decide_by=now + timedelta(days=settings.appeal_decision_days),
    )
    session.add(appeal)
    session.flush()
    actor = f"seller:{case.seller_id}"
    _audit(
        session,
        case,
        "appeal.filed",
        actor,
        now,
        appeal=appeal.id,
        statement_sha256=hashlib.sha256(statement.encode()).hexdigest(),
        decide_by=appeal.decide_by.isoformat(),
    )
    _add_evidence(
        session,
        case,
        kind="statement",
        data={"statement": statement},
        actor=actor,
        now=now,
        appeal_id=appeal.id,
    )
    return AppealOut.model_validate(appeal)


def withdraw_counter_notice(
    session: Session,
    *,
    case_id: int,
    token: str,
    settings: Settings,
    now: datetime | None = None,
) -> AppealOut:
    """The seller withdraws its counter-notice: the takedown stands (a strike if counterfeit)."""
    now = _now(now)
    case = _seller_case(session, case_id, token, settings)
    appeal = session.scalars(
        select(Appeal).where(Appeal.case_id == case.id).with_for_update()
    ).one_or_none()
    if appeal is None:
        raise InvalidInput("the case has no appeal", code=ErrorCode.NO_APPEAL)
    actor = f"seller:{case.seller_id}"
    move(appeal, APPEAL, AppealStatus.withdrawn)
    appeal.decided_at, appeal.decided_by = now, actor
    appeal.reason_code = ReasonCode.seller_withdrew
    move(case, CASE, CaseStatus.closed_taken_down)
    case.updated_at = now
    session.flush()
    _audit(session, case, "appeal.withdrawn", actor, now, appeal=appeal.id)
    _close_takedown(session, case, actor, settings, now)
    return AppealOut.model_validate(appeal)


def _seller_case(session: Session, case_id: int, token: str, settings: Settings) -> Case:
    """The case whose counter-notice token this is; a wrong token and an unknown case get the
    same NotFound, after the same constant-time comparison."""
    case = session.scalars(select(Case).where(Case.id == case_id).with_for_update()).one_or_none()
    expected = counter_notice_token(settings, case_id)
    if not hmac.compare_digest(expected.encode(), token.encode()) or case is None:
        raise NotFound(f"no case with id {case_id}", code=ErrorCode.CASE_NOT_FOUND)
    return case


def add_counter_notice_file(
    session: Session,
    *,
    case_id: int,
    token: str,
    content: bytes,
    content_type: str,
    filename: str,
    settings: Settings,
    now: datetime | None = None,
) -> EvidenceOut:
    """The seller's evidence for a filed appeal (a licence, an invoice)."""
    now = _now(now)
    case = _seller_case(session, case_id, token, settings)
    appeal = session.scalars(select(Appeal).where(Appeal.case_id == case.id)).one_or_none()
    if appeal is None or appeal.status is not AppealStatus.filed:
        raise InvalidInput("file the counter-notice first", code=ErrorCode.NO_OPEN_APPEAL)
    digest = store_file(settings, content, content_type)
    row = _add_evidence(
        session,
        case,
        kind="file",
        data={},
        actor=f"seller:{case.seller_id}",
        now=now,
        appeal_id=appeal.id,
        sha256=digest,
        filename=Path(filename).name[:255] or digest,
        content_type=content_type.split(";", maxsplit=1)[0].strip().lower(),
        size=len(content),
    )
    return EvidenceOut.model_validate(row)


def decide_appeal(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    outcome: AppealStatus,
    reason_code: ReasonCode,
    settings: Settings,
    now: datetime | None = None,
) -> CaseOut:
    case = _analyst_case(session, principal, case_id)
    return CaseOut.model_validate(
        _decide_appeal(session, case, outcome, reason_code, _actor(principal), settings, _now(now))
    )


def _decide_appeal(
    session: Session,
    case: Case,
    outcome: AppealStatus,
    reason_code: ReasonCode,
    actor: str,
    settings: Settings,
    now: datetime,
) -> Case:
    allowed = APPEAL_REASONS.get(outcome, frozenset())
    if reason_code not in allowed:
        raise InvalidInput(
            f"{reason_code.value} is not a reason for {outcome.value}",
            code=ErrorCode.INVALID_REASON_CODE,
            loc=("reason_code",),
        )
    appeal = session.scalars(
        select(Appeal).where(Appeal.case_id == case.id).with_for_update()
    ).one_or_none()
    if appeal is None:
        raise InvalidInput("the case has no appeal", code=ErrorCode.NO_APPEAL)
    move(appeal, APPEAL, outcome)
    target = (
        CaseStatus.reinstated if outcome is AppealStatus.upheld else CaseStatus.closed_taken_down
    )
    move(case, CASE, target)
    appeal.decided_at, appeal.decided_by, appeal.reason_code = now, actor, reason_code
    case.updated_at = now
    session.flush()
    _audit(
        session,
        case,
        "appeal.decided",
        actor,
        now,
        appeal=appeal.id,
        outcome=outcome.value,
        reason=reason_code.value,
        status=case.status.value,
    )
    if outcome is AppealStatus.upheld:
        retracted = []
        for notice in session.scalars(
            select(Notice).where(
                Notice.case_id == case.id,
                Notice.action.in_(REMOVALS),
                Notice.status.in_([NoticeStatus.sent, NoticeStatus.confirmed]),
            )
        ):
            move(notice, NOTICE, NoticeStatus.retracted)
            retracted.append(notice.id)
        session.flush()
        _audit(session, case, "notice.retracted", actor, now, notices=retracted)
        _new_notice(session, case, "reinstate", actor, now)
    else:
        _close_takedown(session, case, actor, settings, now)
    return case


def _close_takedown(
    session: Session, case: Case, actor: str, settings: Settings, now: datetime
) -> None:
    """A takedown stands: a counterfeit one is a strike on the seller; enough strikes in the
    window open a seller case (once while one is not final). A seller case's own action is the
    consequence of strikes, not one more."""
    if case.reason_code is not ReasonCode.counterfeit or case.subject is CaseSubject.seller:
        return
    session.add(
        Strike(
            seller_id=case.seller_id,
            case_id=case.id,
            rights_holder_id=case.rights_holder_id,
            at=now,
        )
    )
    session.flush()
    count = _strike_count(session, case.seller_id, settings, now)
    _audit(session, case, "strike.recorded", actor, now, seller=case.seller_id, strikes=count)
    if count < settings.strike_threshold:
        return
    pending = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(
            Case.seller_id == case.seller_id,
            Case.subject == CaseSubject.seller,
            Case.status.not_in(list(CASE_FINAL)),
        )
    )
    if pending:
        return
    seller_case = Case(
        rights_holder_id=case.rights_holder_id,
        subject=CaseSubject.seller,
        source=CaseSource.repeat_infringer,
        status=CaseStatus.open,
        marketplace_id=case.marketplace_id,
        listing_id=None,
        listing_version="",
        seller_id=case.seller_id,
        title=f"repeat infringer: {count} strikes in {settings.strike_window_days} days",
        marks=list(case.marks),
        territories=list(case.territories),
        risk=1.0,
        reach=case.reach,
        reporter_id="system:strike-policy",
        trusted=True,
        created_at=now,
        updated_at=now,
    )
    session.add(seller_case)
    session.flush()
    _audit(
        session,
        seller_case,
        "case.opened",
        "system",
        now,
        source=seller_case.source.value,
        subject=seller_case.subject.value,
        seller=case.seller_id,
        strikes=count,
        trigger=case.id,
    )


def _strike_count(session: Session, seller_id: str, settings: Settings, now: datetime) -> int:
    since = now - timedelta(days=settings.strike_window_days)
    return int(
        session.scalar(
            select(func.count())
            .select_from(Strike)
            .where(Strike.seller_id == seller_id, Strike.at > since, Strike.at <= now)
        )
        or 0
    )


def strikes(
    session: Session,
    *,
    principal: Principal,
    seller_id: str,
    settings: Settings,
    now: datetime | None = None,
) -> StrikesOut:
    """A seller's strikes in the window, across every rights holder (strikes follow the
    seller). Only those who see one of the seller's cases may ask."""
    _require(principal, OPENERS, "see strikes")
    seen = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.seller_id == seller_id, _visible(principal))
    )
    if not seen:
        raise NotFound(f"no seller {seller_id!r} in your cases", code=ErrorCode.SELLER_NOT_FOUND)
    count = _strike_count(session, seller_id, settings, _now(now))
    return StrikesOut(
        seller_id=seller_id,
        strikes=count,
        window_days=settings.strike_window_days,
        threshold=settings.strike_threshold,
        repeat_infringer=count >= settings.strike_threshold,
    )


# --------------------------------------------------------------------------- deadlines


def run_deadlines(
    session: Session, *, settings: Settings, now: datetime | None = None
) -> DeadlinesOut:
    """The scheduler: a takedown with no counter-notice in its window is closed (a strike if
    counterfeit); an appeal the rights holder did not decide in its window is upheld by default
    and the listing reinstated. Idempotent: run it as often as you like."""
    now = _now(now)
    before = set(session.scalars(select(Case.id).where(Case.subject == CaseSubject.seller)))
    closed: list[int] = []
    for case in session.scalars(
        select(Case)
        .where(Case.status == CaseStatus.taken_down, Case.counter_notice_due < now)
        .order_by(Case.id)
        .with_for_update()
    ).all():
        move(case, CASE, CaseStatus.closed_taken_down)
        case.updated_at = now
        session.flush()
        _audit(session, case, "case.counter_notice_window_closed", "system:scheduler", now)
        _close_takedown(session, case, "system:scheduler", settings, now)
        closed.append(case.id)
    upheld: list[int] = []
    overdue = session.scalars(
        select(Case)
        .join(Appeal, Appeal.case_id == Case.id)
        .where(Appeal.status == AppealStatus.filed, Appeal.decide_by < now)
        .order_by(Case.id)
        .with_for_update()
    ).all()
    for case in overdue:
        _decide_appeal(
            session,
            case,
            AppealStatus.upheld,
            ReasonCode.decision_deadline_passed,
            "system:scheduler",
            settings,
            now,
        )
        upheld.append(case.id)
    after = session.scalars(select(Case.id).where(Case.subject == CaseSubject.seller))
    return DeadlinesOut(
        closed_without_appeal=closed,
        appeals_upheld_by_default=upheld,
        seller_cases_opened=sorted(set(after) - before),
    )


# --------------------------------------------------------------------------- exports

CSV_COLUMNS = (
    "id",
    "rights_holder",
    "status",
    "subject",
    "source",
    "marketplace",
    "listing_id",
    "listing_version",
    "seller_id",
    "title",
    "marks",
    "territories",
    "risk",
    "reach",
    "reporter",
    "decision",
    "reason_code",
    "decided_at",
    "created_at",
)


def export_csv(session: Session, *, principal: Principal, status: Sequence[CaseStatus] = ()) -> str:
    """Every case the principal sees, as CSV (one row per case, lists joined by ``;``)."""
    _require(principal, OPENERS, "export cases")
    out = io.StringIO()
    writer = spreadsheet.Writer(out)  # formulas neutralised, lists joined by ";"
    writer.writerow(CSV_COLUMNS)
    for case in session.scalars(_cases_query(principal, status, None).order_by(Case.id)):
        row = CaseOut.model_validate(case).model_dump(mode="json")
        writer.writerow([row[c] for c in CSV_COLUMNS])
    return out.getvalue()


def evidence_pack(
    session: Session, *, principal: Principal, case_id: int, settings: Settings
) -> bytes:
    """A zip for customs or a court: ``case.json`` (the case, its evidence, notices, delivery
    log, appeal and its audit events with their hashes) and ``files/<sha256>`` for each
    uploaded file, whose hashes the manifest lists."""
    detail = get_case(session, principal=principal, case_id=case_id)
    trail = case_events(session, principal=principal, case_id=case_id)
    log = deliveries(session, principal=principal, case_id=case_id)
    files: dict[str, dict[str, Any]] = {}
    manifest: dict[str, Any] = {
        "case": detail.model_dump(mode="json"),
        "deliveries": [
            {
                "notice": d.notice_id,
                "attempt": d.attempt,
                "at": d.at.isoformat(),
                "ok": d.ok,
                "status_code": d.status_code,
                "error": d.error,
            }
            for d in log
        ],
        "audit": [
            {"seq": e.seq, "hash": e.hash, "prev_hash": e.prev_hash, "body": json.loads(e.body)}
            for e in trail
        ],
        "files": files,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:
        for ev in detail.evidence:
            if ev.sha256 is None:
                continue
            path = Path(settings.evidence_dir) / ev.sha256
            if path.is_file():
                pack.write(path, f"files/{ev.sha256}")
                files[ev.sha256] = {"filename": ev.filename, "present": True}
            else:
                files[ev.sha256] = {"filename": ev.filename, "present": False}
        pack.writestr("case.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return buffer.getvalue()


# ------------------------------------------------------------------ sense training

# Dismissals that say the listing used a look-alike sense of the word, not the property
# ("legitimate_use" is not one: resale of genuine goods uses the property lawfully).
LOOKALIKE_REASONS = frozenset({ReasonCode.false_positive, ReasonCode.exception_applies})
CONFIRMED_TAKEDOWNS = frozenset({CaseStatus.taken_down, CaseStatus.closed_taken_down})


class DecisionExample(NamedTuple):
    """A listing's title and a mark, labelled by an analyst's decision on its case."""

    text: str
    mark: str
    label: str  # "olympic" or "other", as in training/sense/*.tsv
    case_id: int


def decision_examples(session: Session) -> list[DecisionExample]:
    """Labelled mentions from decided listing cases, for ``ringfence sense train
    --with-decisions``: a case dismissed as a false positive (or because an exception applies)
    makes each of its marks an ``other`` example of its title; a takedown the marketplace
    confirmed (taken down, or closed with the takedown standing) makes them ``olympic``. In
    case order, so training on the same database gives the same model."""
    lookalike = (Case.decision == Decision.dismiss) & Case.reason_code.in_(LOOKALIKE_REASONS)
    confirmed = (Case.decision == Decision.takedown) & Case.status.in_(CONFIRMED_TAKEDOWNS)
    rows = session.execute(
        select(Case.id, Case.title, Case.marks, Case.decision)
        .where(Case.subject == CaseSubject.listing, lookalike | confirmed)
        .order_by(Case.id)
    )
    out: list[DecisionExample] = []
    for case_id, title, marks, decision in rows:
        label = "other" if decision is Decision.dismiss else "olympic"
        out.extend(DecisionExample(title, mark, label, case_id) for mark in sorted(set(marks)))
    return out
