"""A seller's profile: every listing, case, strike, appeal and verdict (decision) of one seller
across marketplaces, among the cases the principal may see, and the seller's standing under
the strike policy (``service.strikes``: strikes follow the seller across rights holders, so
the count and the repeat-infringer status are the seller's, while the rows listed are only
those of cases the principal sees)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringfence.core.security import Principal
from ringfence.core.settings import Settings
from ringfence.enforcement._common import OPENERS, _require, _visible
from ringfence.enforcement.enums import CaseStatus
from ringfence.enforcement.models import Appeal, Case, Strike
from ringfence.enforcement.schemas import AppealOut, CaseOut, StrikesOut
from ringfence.enforcement.strikes import strikes

MAX_CASES = 500  # the newest cases a profile lists


@dataclass(frozen=True)
class ListingRow:
    """One listing of the seller on one marketplace, with its cases (one per version)."""

    marketplace: str
    listing_id: str
    title: str  # the newest version's
    versions: int
    cases: list[int]
    status: CaseStatus  # the newest case's
    last_seen: datetime


@dataclass(frozen=True)
class StrikeRow:
    case_id: int
    rights_holder: str
    at: datetime


@dataclass(frozen=True)
class SellerProfile:
    seller_id: str
    cases: list[CaseOut]  # newest first, at most MAX_CASES
    total: int  # every case of the seller the principal sees
    listings: list[ListingRow]
    marketplaces: list[tuple[str, int]]  # (marketplace, cases), most first
    appeals: list[tuple[int, AppealOut]]  # (case id, appeal), newest first
    strike_rows: list[StrikeRow]
    standing: StrikesOut
    decisions: list[tuple[str, int]]  # (decision, cases), most first; "" for undecided


def seller_profile(
    session: Session,
    *,
    principal: Principal,
    seller_id: str,
    settings: Settings,
    now: datetime | None = None,
) -> SellerProfile:
    """The seller's profile; NotFound (``seller_not_found``) when the principal sees none of
    the seller's cases (the same answer as an unknown seller)."""
    _require(principal, OPENERS, "see sellers")
    standing = strikes(
        session, principal=principal, seller_id=seller_id, settings=settings, now=now
    )  # NotFound first when the seller has no case the principal sees
    mine = (Case.seller_id == seller_id, _visible(principal))
    total = session.scalar(select(func.count()).select_from(Case).where(*mine)) or 0
    rows = session.scalars(
        select(Case).where(*mine).order_by(Case.id.desc()).limit(MAX_CASES)
    ).all()
    cases = [CaseOut.model_validate(c) for c in rows]
    listings: dict[tuple[str, str], list[CaseOut]] = {}
    for case in cases:
        if case.listing_id is not None:
            listings.setdefault((case.marketplace, case.listing_id), []).append(case)
    listing_rows = [
        ListingRow(
            marketplace=market,
            listing_id=listing,
            title=found[0].title,
            versions=len({c.listing_version for c in found}),
            cases=[c.id for c in found],
            status=found[0].status,
            last_seen=found[0].created_at,
        )
        for (market, listing), found in listings.items()
    ]
    appeals = session.execute(
        select(Appeal, Case.id)
        .join(Case, Case.id == Appeal.case_id)
        .where(*mine)
        .order_by(Appeal.filed_at.desc())
        .limit(MAX_CASES)
    ).all()
    strike_rows = session.execute(
        select(Strike)
        .join(Case, Case.id == Strike.case_id)
        .where(Strike.seller_id == seller_id, _visible(principal))
        .order_by(Strike.at.desc())
        .limit(MAX_CASES)
    ).scalars()
    markets = Counter(c.marketplace for c in cases)
    decisions = Counter(c.decision.value if c.decision else "" for c in cases)
    return SellerProfile(
        seller_id=seller_id,
        cases=cases,
        total=int(total),
        listings=listing_rows,
        marketplaces=markets.most_common(),
        appeals=[(case_id, AppealOut.model_validate(a)) for a, case_id in appeals],
        strike_rows=[
            StrikeRow(case_id=s.case_id, rights_holder=s.rights_holder_id, at=s.at)
            for s in strike_rows
        ],
        standing=standing,
        decisions=decisions.most_common(),
    )
