"""A buyer's report of a fake (the verify page's form) opens an enforcement case for the owner
of the product's marks, or for the IOC when the code names no registered product."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ringfence.authenticity.models import Product
from ringfence.core.errors import InvalidInput
from ringfence.core.security import SYSTEM
from ringfence.core.settings import Settings
from ringfence.enforcement.enums import CaseSource
from ringfence.enforcement.schemas import CaseIn, CaseOut
from ringfence.enforcement.service import open_case
from ringfence.flows.error_codes import ErrorCode

REPORTS_CHANNEL = "buyer-reports"  # the "marketplace" of cases opened from the verify page


def report_fake(
    session: Session,
    *,
    settings: Settings,
    gtin: str,
    serial: str,
    where: str,
    seller: str = "",
    details: str = "",
    visitor: str = "",
) -> CaseOut:
    """Open (or find, deduplicated like a listing) the case of a buyer's report."""
    where = where.strip()
    if not where:
        raise InvalidInput("say where you bought the item", code=ErrorCode.WHERE_REQUIRED)
    product = session.get(Product, gtin) if gtin.isdigit() else None
    case, _created = open_case(
        session,
        principal=SYSTEM,
        data=CaseIn(
            source=CaseSource.buyer_report,
            marketplace=REPORTS_CHANNEL,
            listing_id=f"{gtin}/{serial}"[:100] or "unknown",
            listing_version=visitor[:16],
            seller_id=(seller.strip() or "unknown-seller")[:100],
            title=f"{where}: {details.strip()}"[:2000],
            marks=list(product.marks) if product else [],
            reporter="buyer:web",
            note=details.strip() or None,
        ),
        settings=settings,
    )
    return case
