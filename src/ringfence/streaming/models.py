"""The streaming worker's record: one verdict per listing version on a marketplace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ringfence.core.db import Base, utcnow
from ringfence.enforcement import models as enforcement_models  # noqa: F401 - the cases table


class ListingVerdict(Base):
    """A listing version's verdict, written once: a redelivered or duplicated event finds it
    (the unique constraint, by an insert that does nothing on conflict) and changes nothing."""

    __tablename__ = "listing_verdicts"
    __table_args__ = (UniqueConstraint("marketplace_id", "listing_id", "listing_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    marketplace_id: Mapped[str] = mapped_column(String(100))
    listing_id: Mapped[str] = mapped_column(String(200))
    listing_version: Mapped[str] = mapped_column(String(100))
    seller_id: Mapped[str] = mapped_column(String(200), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    risk: Mapped[float] = mapped_column(Float)
    marks: Mapped[list[str]]
    reasons: Mapped[list[str]]
    index_version: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_cases.id"))
    screened_at: Mapped[datetime] = mapped_column(default=utcnow)
