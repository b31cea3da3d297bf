"""Opening cases: one listing at a time, in bulk, and from the screening engine's verdicts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringfence.core.errors import Conflict, Forbidden, InvalidInput, RingfenceError
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement import events
from ringfence.enforcement._common import (
    ACTIONABLE_VERDICTS,
    IOC,
    OPENERS,
    _actor,
    _audit,
    _can_see,
    _now,
    _require,
)
from ringfence.enforcement.enums import CaseSource, CaseStatus, CaseSubject
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.evidence import _add_evidence, _evidence_entry
from ringfence.enforcement.models import Case, Evidence
from ringfence.enforcement.reporters import _reporter, _reporter_record, _trusted
from ringfence.enforcement.routing import _holder, _mark_owners, route
from ringfence.enforcement.schemas import CaseIn, CaseOut, ListingIn
from ringfence.registry.archive import archived_edition_of


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
