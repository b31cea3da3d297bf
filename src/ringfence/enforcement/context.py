"""What a case's analyst needs beside the listing: what screening said (its verdict, its
reasons, the listing as screened) and the seller's licences from the registry, each checked
against this listing (mark, category, territory, channel, dates, status), so that "is this
seller licensed for this?" is answered on the case page, not in another tool.

Which licences a principal sees: every licence of the seller for an admin; for a rights holder
the ones it granted, plus any licence in force (what ``registry.service.licences_in_force``
answers to anyone); for a marketplace the licences in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ringfence.core.db import utcnow
from ringfence.core.errors import NotFound
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement._common import _get_case
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.models import Case, Evidence
from ringfence.registry.enums import WORLDWIDE, Channel, LicenceStatus
from ringfence.registry.models import Licence, Party, licence_sellers
from ringfence.registry.schemas import LicenceIn
from ringfence.registry.service import licence_out

# The screening reason that says a licence of the seller covers a mark of the listing.
LICENSED_REASONS = frozenset({"licensed"})


@dataclass(frozen=True)
class Check:
    """One condition of a licence for this listing: ``ok`` True (covered), False (not), None
    (the listing does not say, e.g. no category)."""

    name: str  # mark, category, territory, channel, dates, status
    ok: bool | None
    detail: str


@dataclass(frozen=True)
class LicenceScope:
    licence: LicenceIn
    licensor_name: str
    checks: list[Check]

    @property
    def in_scope(self) -> bool | None:
        """True when every check passes, False when one fails, None when one cannot tell."""
        if any(c.ok is False for c in self.checks):
            return False
        if any(c.ok is None for c in self.checks):
            return None
        return True


@dataclass(frozen=True)
class Screening:
    """What screening recorded when it opened the case."""

    verdict: str | None
    reasons: list[str]
    listing: dict[str, Any]
    marketplace_name: str
    seller_name: str | None


def _covers(categories: list[str], category: str) -> bool:
    return any(category == c or category.startswith(c + ".") for c in categories)


def checks(case: Case, lic: LicenceIn, on: date) -> list[Check]:
    """The licence's conditions against the listing of ``case`` on ``on``."""
    out = []
    marks = set(case.marks)
    covered = sorted(marks & set(lic.marks))
    missing = sorted(marks - set(lic.marks))
    out.append(
        Check(
            "mark",
            bool(marks) and not missing,
            ", ".join(missing) if missing else ", ".join(covered),
        )
    )
    if case.category:
        out.append(Check("category", _covers(lic.categories, case.category), case.category))
    else:
        out.append(Check("category", None, ", ".join(lic.categories)))
    if WORLDWIDE in lic.territories:
        out.append(Check("territory", True, WORLDWIDE))
    elif case.territories:
        outside = sorted(set(case.territories) - set(lic.territories))
        out.append(
            Check(
                "territory",
                not outside,
                ", ".join(outside) if outside else ", ".join(case.territories),
            )
        )
    else:
        out.append(Check("territory", None, ", ".join(lic.territories)))
    out.append(
        Check(
            "channel",
            Channel.marketplace in lic.channels,
            ", ".join(c.value for c in lic.channels),
        )
    )
    out.append(
        Check(
            "dates",
            lic.valid_from <= on <= lic.valid_until,
            f"{lic.valid_from.isoformat()} – {lic.valid_until.isoformat()}",
        )
    )
    out.append(Check("status", lic.status is LicenceStatus.active, lic.status.value))
    return out


def seller_licences(
    session: Session, *, principal: Principal, case_id: int, on: date | None = None
) -> list[LicenceScope]:
    """The licences the case's seller holds or sells under, each checked against the listing,
    the ones in scope first."""
    case = _get_case(session, principal, case_id)
    on = on or utcnow().date()
    query = select(Licence).where(
        or_(
            Licence.licensee_id == case.seller_id,
            Licence.id.in_(
                select(licence_sellers.c.licence_id).where(
                    licence_sellers.c.party_id == case.seller_id
                )
            ),
        )
    )
    out = []
    for row in session.scalars(query.order_by(Licence.id)):
        in_force = row.status is LicenceStatus.active and row.valid_from <= on <= row.valid_until
        own = principal.role is Role.rights_holder and row.licensor_id == principal.party_id
        if not (principal.is_admin or own or in_force):
            continue
        lic = licence_out(row)
        licensor = session.get(Party, row.licensor_id)
        out.append(
            LicenceScope(lic, licensor.name if licensor else lic.licensor, checks(case, lic, on))
        )
    order = {True: 0, None: 1, False: 2}
    return sorted(out, key=lambda s: (order[s.in_scope], s.licence.id))


def screening(session: Session, *, principal: Principal, case_id: int) -> Screening:
    """Screening's verdict and reasons, and the listing as screened (empty for a case opened
    before the listing was kept, or by a report without one)."""
    case = _get_case(session, principal, case_id)
    verdict: str | None = None
    listing: dict[str, Any] = {}
    reasons: list[str] | None = None
    for row in session.scalars(
        select(Evidence).where(Evidence.case_id == case.id, Evidence.kind == "findings")
    ):
        verdict = row.data.get("verdict") or verdict
        listing = row.data.get("listing") or listing
        reasons = row.data.get("reasons") or reasons
    if reasons is None and case.source.value == "screening":
        # a case opened before the reasons were kept: its opening note held them
        reasons = [r.strip() for r in (case.note or "").split(";") if r.strip()]
    market = session.get(Party, case.marketplace_id)
    seller = session.get(Party, case.seller_id)
    return Screening(
        verdict=verdict,
        reasons=[str(r) for r in reasons or []],
        listing=dict(listing),
        marketplace_name=market.name if market else case.marketplace_id,
        seller_name=seller.name if seller else None,
    )


def seller_is_licensed(scopes: list[LicenceScope], reasons: list[str]) -> bool:
    """Whether the seller holds any licence (as the registry or screening says)."""
    return bool(scopes) or bool(LICENSED_REASONS & set(reasons))


def evidence_file(
    session: Session, *, principal: Principal, case_id: int, evidence_id: int, settings: Settings
) -> tuple[Evidence, Path]:
    """An uploaded evidence file of a case the principal sees: its row and where it lies."""
    case = _get_case(session, principal, case_id)
    row = session.get(Evidence, evidence_id)
    if row is None or row.case_id != case.id or row.kind != "file" or row.sha256 is None:
        raise NotFound(
            f"no evidence file {evidence_id} on case {case_id}", code=ErrorCode.EVIDENCE_NOT_FOUND
        )
    path = Path(settings.evidence_dir) / row.sha256
    if not path.is_file():
        raise NotFound("the evidence file is not in the store", code=ErrorCode.EVIDENCE_NOT_FOUND)
    return row, path
