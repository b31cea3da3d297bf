"""Authenticity tables: signing keys, licensed products (GTINs), code batches, units, scans."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ringfence.authenticity.enums import BatchStatus, KeyStatus, ScanReason, ScanStatus
from ringfence.core import audit
from ringfence.core.db import Base, utcnow
from ringfence.registry.models import _enum

# A 64-bit key that still autoincrements on SQLite (only INTEGER PRIMARY KEY does there).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class SigningKey(Base):
    """An Ed25519 key of one licensor. Only the public half is ever shown."""

    __tablename__ = "signing_keys"

    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    party_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    status: Mapped[KeyStatus] = mapped_column(_enum(KeyStatus))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(500))


class Product(Base):
    """A licensed product: one GTIN made by one licensee, bearing marks, of one category."""

    __tablename__ = "products"

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    licensee_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    category_id: Mapped[str] = mapped_column(ForeignKey("categories.id"))
    marks: Mapped[list[str]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodeBatch(Base):
    """N unit codes issued at once under one licence, signed by the licensor's active key."""

    __tablename__ = "code_batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    gtin: Mapped[str] = mapped_column(ForeignKey("products.gtin"), index=True)
    lot: Mapped[str | None] = mapped_column(String(20))
    licence_id: Mapped[str] = mapped_column(String(100))  # kept as issued, even if edited later
    licensor_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    licensee_id: Mapped[str] = mapped_column(ForeignKey("parties.id"), index=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("signing_keys.id"))
    count: Mapped[int]
    status: Mapped[BatchStatus] = mapped_column(_enum(BatchStatus))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recalled_at: Mapped[datetime | None]
    recall_reason: Mapped[str | None] = mapped_column(String(500))


class CodeUnit(Base):
    """One serialised unit. The signature itself is not stored, only a digest to compare the
    presented one against (codes are printed again by re-signing: Ed25519 is deterministic)."""

    __tablename__ = "code_units"
    # serial first: it is the selective column (80 random bits), so look-ups by a list of
    # serials walk this index on both backends.
    __table_args__ = (UniqueConstraint("serial", "gtin"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str] = mapped_column(String(20))
    batch_id: Mapped[str] = mapped_column(ForeignKey("code_batches.id"), index=True)
    sig_digest: Mapped[bytes] = mapped_column(LargeBinary(16))
    sold_at: Mapped[datetime | None]
    sold_country: Mapped[str | None] = mapped_column(String(2))
    # Set once, when scans first look cloned; a suspicious unit stays suspicious.
    suspicious_reason: Mapped[ScanReason | None] = mapped_column(_enum(ScanReason))
    suspicious_at: Mapped[datetime | None]


class Scan(Base):
    """Every verification, genuine or not. ``unit_id`` is set only when the signature matched,
    so forged scans of a real serial cannot make the genuine unit look cloned."""

    __tablename__ = "scans"
    __table_args__ = (Index("ix_scans_unit_id_scanned_at", "unit_id", "scanned_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    scanned_at: Mapped[datetime]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("code_units.id"))
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str] = mapped_column(String(20))
    status: Mapped[ScanStatus] = mapped_column(_enum(ScanStatus))
    reason: Mapped[ScanReason] = mapped_column(_enum(ScanReason))
    country: Mapped[str | None] = mapped_column(String(2))
    ip_prefix: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(64))


# Codes in the audit trail (core.audit): a signing key made and a batch issued, in the
# licensor's chain (a key's retirement and revocation, a batch's recall: KEY and BATCH).
audit.track(SigningKey, "key", lambda k: k.party_id, on=("created",))
audit.track(CodeBatch, "batch", lambda b: b.licensor_id, on=("created",))
