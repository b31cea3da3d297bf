"""Registry tables: parties, editions, marks (variants, exceptions), categories, licences."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Column,
    Enum,
    ForeignKey,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ringfence.core import audit
from ringfence.core.db import Base, utcnow
from ringfence.registry.enums import (
    REGISTRY_CHAIN,
    EditionStatus,
    ExceptionReason,
    LicenceStatus,
    MarkKind,
    PartyKind,
    Season,
)


def _enum(cls: type) -> Enum:
    # Stored by value, as a plain string column (no native ENUM type to migrate on PostgreSQL).
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Edition(Base):
    __tablename__ = "editions"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(500), unique=True)
    year: Mapped[int]
    season: Mapped[Season] = mapped_column(_enum(Season))
    host_city: Mapped[str] = mapped_column(String(500))
    host_noc: Mapped[str] = mapped_column(String(3))
    status: Mapped[EditionStatus] = mapped_column(_enum(EditionStatus))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]


class Party(Timestamped, Base):
    __tablename__ = "parties"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[PartyKind] = mapped_column(_enum(PartyKind), index=True)
    name: Mapped[str] = mapped_column(String(500))
    noc_code: Mapped[str | None] = mapped_column(String(3), unique=True)
    territory: Mapped[str | None] = mapped_column(String(2))
    edition_id: Mapped[str | None] = mapped_column(ForeignKey("editions.id"))
    managed_by_id: Mapped[str | None] = mapped_column(ForeignKey("parties.id"))


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id"))
    name: Mapped[str] = mapped_column(String(500))
    google_product_category: Mapped[int | None]


class Mark(Timestamped, Base):
    __tablename__ = "marks"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[MarkKind] = mapped_column(_enum(MarkKind))
    name: Mapped[str] = mapped_column(String(500))
    owner_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    edition_id: Mapped[str | None] = mapped_column(ForeignKey("editions.id"))
    territories: Mapped[list[str]]
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(Text)

    variants: Mapped[list[MarkVariant]] = relationship(
        cascade="all, delete-orphan", order_by="MarkVariant.position", lazy="selectin"
    )
    exceptions: Mapped[list[MarkException]] = relationship(
        cascade="all, delete-orphan", order_by="MarkException.position", lazy="selectin"
    )


class MarkVariant(Base):
    __tablename__ = "mark_variants"
    __table_args__ = (UniqueConstraint("mark_id", "lang", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[str] = mapped_column(ForeignKey("marks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    lang: Mapped[str] = mapped_column(String(35))
    text: Mapped[str] = mapped_column(String(500))


class MarkException(Base):
    __tablename__ = "mark_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[str] = mapped_column(ForeignKey("marks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(500))
    reason: Mapped[ExceptionReason] = mapped_column(_enum(ExceptionReason))
    territories: Mapped[list[str]]
    note: Mapped[str | None] = mapped_column(Text)
    # Scope and provenance (migration 0012): a category id (None: every category), and for an
    # exception made from an enforcement case, who made it, when and from which case (the id
    # only, as audit_events.case_id: no foreign key across domains).
    category: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime | None]
    case_id: Mapped[int | None] = mapped_column(index=True)


licence_marks = Table(
    "licence_marks",
    Base.metadata,
    Column("licence_id", ForeignKey("licences.id", ondelete="CASCADE"), primary_key=True),
    Column("mark_id", ForeignKey("marks.id"), primary_key=True),
)

licence_categories = Table(
    "licence_categories",
    Base.metadata,
    Column("licence_id", ForeignKey("licences.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id"), primary_key=True),
)

licence_sellers = Table(
    "licence_sellers",
    Base.metadata,
    Column("licence_id", ForeignKey("licences.id", ondelete="CASCADE"), primary_key=True),
    Column("party_id", ForeignKey("parties.id"), primary_key=True),
)


class Licence(Timestamped, Base):
    __tablename__ = "licences"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    licensor_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    licensee_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    status: Mapped[LicenceStatus] = mapped_column(_enum(LicenceStatus))
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    royalty_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    territories: Mapped[list[str]]
    channels: Mapped[list[str]]

    marks: Mapped[list[Mark]] = relationship(
        secondary=licence_marks, order_by="Mark.id", lazy="selectin"
    )
    categories: Mapped[list[Category]] = relationship(
        secondary=licence_categories, order_by="Category.id", lazy="selectin"
    )
    sellers: Mapped[list[Party]] = relationship(
        secondary=licence_sellers, order_by="Party.id", lazy="selectin"
    )


class OfficialImage(Base):
    """An official product photo in the image bank: its PDQ hashes (the photo and the views
    that make the match survive crops, rotations and new backgrounds, see
    screening/detectors/image_reuse.py), the product it shows and the licence it is sold under.
    The licensee and the licence's authorised sellers may reuse it; no one else."""

    __tablename__ = "official_images"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    product: Mapped[str] = mapped_column(String(500))
    licence_id: Mapped[str] = mapped_column(
        ForeignKey("licences.id", ondelete="CASCADE"), index=True
    )
    licensee_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    pdq: Mapped[str] = mapped_column(String(64), index=True)
    quality: Mapped[int]
    cutout: Mapped[str | None] = mapped_column(String(64))
    variants: Mapped[list[str]]
    # the second stage's feature record (photo_match.pack); None for photos added before it
    features: Mapped[bytes | None] = mapped_column(LargeBinary)
    source: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarkImage(Base):
    """A reference image of a figurative mark (an emblem), which the emblem detector looks for
    in listing photos by its local features."""

    __tablename__ = "mark_images"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    mark_id: Mapped[str] = mapped_column(ForeignKey("marks.id", ondelete="CASCADE"), index=True)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The registry's changes in the audit trail (core.audit), in the registry's chain
# (REGISTRY_CHAIN, registry/enums.py says why). Statuses are their machines' (registry.enums).
audit.track(Party, "party", lambda _row: REGISTRY_CHAIN)
audit.track(Mark, "mark", lambda _row: REGISTRY_CHAIN)
audit.track(Licence, "licence", lambda _row: REGISTRY_CHAIN)
audit.track(Edition, "edition", lambda _row: REGISTRY_CHAIN)
