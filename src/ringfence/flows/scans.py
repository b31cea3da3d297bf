"""Scans of printed codes: verified and logged, and a code that has just turned suspicious
opens an enforcement case for the owner of the product's marks. One function for the public
verify endpoint's batcher and the bulk verify API."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ringfence.authenticity import service
from ringfence.authenticity.clones import Thresholds
from ringfence.authenticity.models import Product
from ringfence.authenticity.schemas import VerifyOut
from ringfence.authenticity.service import MESSAGES
from ringfence.core.db import utcnow
from ringfence.core.security import SYSTEM
from ringfence.core.settings import Settings
from ringfence.enforcement.enums import CaseSource
from ringfence.enforcement.schemas import CaseIn
from ringfence.enforcement.service import open_case

CLONE_CHANNEL = "authenticity-scans"  # the "marketplace" of cases opened by clone detection


def answer(
    session: Session, settings: Settings, scans: list[service.ScanRequest]
) -> list[VerifyOut]:
    """Verify and log scans and open a case for each code that has just turned suspicious, in
    the session's transaction (the caller commits)."""
    now = utcnow()
    results = service.verify(session, requests=scans, limits=Thresholds.of(settings), now=now)
    for scan, result in zip(scans, results, strict=True):
        if result.newly_suspicious:
            report_clone(session, settings, result, scan.country)
    return [
        VerifyOut(
            status=r.status,
            reason=r.reason,
            message=MESSAGES[r.reason],
            gtin=r.code.gtin,
            serial=r.code.serial,
            lot=r.code.lot,
            product=r.product,
            licensor=r.licensor,
            licensee=r.licensee,
            checked_at=now,
        )
        for r in results
    ]


def report_clone(
    session: Session, settings: Settings, result: service.Verification, country: str | None
) -> None:
    """A code that has just turned suspicious opens an enforcement case for the owner of the
    product's marks, in the same transaction as the scan that tripped it. The "listing" is the
    unit code itself (deduplicated like a listing): who printed the copies is what the case is
    there to find out."""
    code = result.code
    product = session.get_one(Product, code.gtin)
    open_case(
        session,
        principal=SYSTEM,
        data=CaseIn(
            source=CaseSource.authenticity_scan,
            marketplace=CLONE_CHANNEL,
            listing_id=f"{code.gtin}/{code.serial}",
            seller_id="unknown",
            title=f"Cloned authenticity code on {product.name} ({result.reason.value})",
            marks=list(product.marks),
            territories=[country] if country else [],
            risk=1.0,
            note=MESSAGES[result.reason],
        ),
        settings=settings,
    )
