"""Screening an uploaded file of listings, and opening cases for what it finds.

Screening uploads into cases: the one way every caller (``POST /v1/cases/screen``, the
console's upload page, ``ringfence cases screen`` and the demo) turns a batch of listings into
cases, so that all of them check the same things:

- the marketplace is one of the registry's (``known_marketplace``: its id in any case, with or
  without ``MKT:``, or its name), stored under its one id, so that one marketplace never has
  two spellings and the same listings two cases; a marketplace's own user or key screens for
  its own marketplace only (Forbidden ``not_your_party`` otherwise, as before);
- a listing already under an undecided case on that marketplace (open, escalated, or waiting
  for its removal), whatever its version, opens no second case: the row names that case
  (``already_under_case``), or only says so when the caller may not see it
  (``already_reported``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.errors import Forbidden, InvalidInput
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement._common import ACTIONABLE_VERDICTS, OPENERS, _can_see, _require
from ringfence.enforcement.cases import open_case_from_verdict
from ringfence.enforcement.enums import CaseStatus
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.models import Case
from ringfence.enforcement.schemas import ScreenedOut
from ringfence.registry.enums import PartyKind
from ringfence.registry.models import Party
from ringfence.screening.engine import ERROR, Engine, listing_from_row
from ringfence.screening.rows import screen_rows


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


def upload_marketplace(session: Session, *, principal: Principal, given: str) -> str:
    """The registry's id of the marketplace an upload is for. A marketplace principal: its own
    party (when ``given`` is empty, or names it in any spelling), Forbidden otherwise; anyone
    else: ``known_marketplace`` (InvalidInput ``unknown_marketplace`` naming the known ones)."""
    if principal.role is Role.marketplace:
        own = principal.party_id or ""
        if not given.strip():
            return own
        wanted = " ".join(given.split()).casefold()
        bare = own.split(":", 1)[1] if ":" in own else own
        if wanted in (own.casefold(), bare.casefold()):
            return own
        try:
            if known_marketplace(session, given) == own:  # its name (``Tmall``)
                return own
        except InvalidInput:
            pass  # another marketplace's or none's: not its own either way
        raise Forbidden(
            f"marketplace must be your own party ({own})",
            code=ErrorCode.NOT_YOUR_PARTY,
            loc=("marketplace",),
        )
    return known_marketplace(session, given)


def screen_upload(
    session: Session,
    *,
    principal: Principal,
    engine: Engine,
    marketplace: str,
    rows: Iterable[dict[str, Any]],
    settings: Settings,
    today: date | None = None,
    now: datetime | None = None,
) -> list[ScreenedListing]:
    """Screen ``rows`` for the registry's marketplace ``marketplace`` names and open a case
    for each actionable verdict, at most one undecided case per listing (module docstring)."""
    market = upload_marketplace(session, principal=principal, given=marketplace)
    return screen_listings(
        session,
        principal=principal,
        engine=engine,
        marketplace=market,
        rows=rows,
        settings=settings,
        one_open_case=True,
        today=today,
        now=now,
    )
