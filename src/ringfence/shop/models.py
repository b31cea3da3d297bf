"""Shop tables: storefronts, offers, orders and their lines, payment intents, idempotency
keys, the royalty ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ringfence.authenticity.models import BigId
from ringfence.core import audit
from ringfence.core.db import Base, utcnow
from ringfence.registry.models import _enum
from ringfence.shop.enums import EntryKind, IntentState, OfferStatus, OrderStatus


class Storefront(Base):
    """The official store of one rights holder (the IOC, an NOC, an OCOG): its id is the
    party's."""

    __tablename__ = "storefronts"

    id: Mapped[str] = mapped_column(ForeignKey("parties.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    ships_to: Mapped[list[str]]
    open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Offer(Base):
    """A licensed product on sale in a storefront, at one price in the store's currency."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("storefront_id", "gtin"),
        CheckConstraint("price_minor > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    storefront_id: Mapped[str] = mapped_column(ForeignKey("storefronts.id"), index=True)
    gtin: Mapped[str] = mapped_column(ForeignKey("products.gtin"))
    titles: Mapped[dict[str, Any]] = mapped_column(JSON)  # language -> title
    descriptions: Mapped[dict[str, Any]] = mapped_column(JSON)
    images: Mapped[list[str]]
    price_minor: Mapped[int] = mapped_column(BigInteger)
    inventory: Mapped[OfferStock] = relationship(lazy="joined", cascade="all, delete-orphan")
    status: Mapped[OfferStatus] = mapped_column(_enum(OfferStatus), index=True)
    status_reason: Mapped[str | None] = mapped_column(String(200))
    licence_id: Mapped[str | None] = mapped_column(String(100))  # relied on when published
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OfferStock(Base):
    """The units of an offer left to sell, in a narrow row of its own: every checkout of the
    offer updates it, and on PostgreSQL each update writes a new version of the row. On the
    offer's own row (a kilobyte of titles and descriptions) a sales peak left thousands of
    dead versions that every read of the offer had to step over: 6 ms for one index look-up
    after 15,000 orders, and 9 ms of database CPU per order."""

    __tablename__ = "offer_stock"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),)

    offer_id: Mapped[int] = mapped_column(BigId, ForeignKey("offers.id"), primary_key=True)
    stock: Mapped[int]


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_status_reserved_until", "status", "reserved_until"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    storefront_id: Mapped[str] = mapped_column(ForeignKey("storefronts.id"), index=True)
    buyer: Mapped[str] = mapped_column(String(200))  # "guest" or the buyer's party id
    email: Mapped[str] = mapped_column(String(320))
    ship_to: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    payment_ref: Mapped[str | None] = mapped_column(String(100))
    status_reason: Mapped[str | None] = mapped_column(String(200))
    reserved_until: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OrderLine(Base):
    """One product of an order, with the licence terms it was sold under."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    gtin: Mapped[str] = mapped_column(String(14))
    quantity: Mapped[int]
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    line_total_minor: Mapped[int] = mapped_column(BigInteger)
    licence_id: Mapped[str] = mapped_column(String(100))
    licensor_id: Mapped[str] = mapped_column(String(100))
    licensee_id: Mapped[str] = mapped_column(String(100))
    royalty_rate: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    code_batch_id: Mapped[str | None] = mapped_column(ForeignKey("code_batches.id"))


class PaymentIntent(Base):
    """An order's payment as the shop means to make it, written in the transaction that places
    the order, before the provider is called: the reference the provider knows the charge by
    (its idempotency key), the amount, and what became of it. A ``pending`` intent whose order
    is not settled is reconciled against the provider (``reconcile_intents``)."""

    __tablename__ = "payment_intents"
    __table_args__ = (Index("ix_payment_intents_state_created_at", "state", "created_at"),)

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[IntentState] = mapped_column(_enum(IntentState))
    payment_ref: Mapped[str | None] = mapped_column(String(100))  # the provider's payment id
    error: Mapped[str | None] = mapped_column(String(100))  # why it failed, or is in doubt
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IdempotencyKey(Base):
    """A client's Idempotency-Key: the first request's fingerprint and the order it made."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # scope + client key
    request_hash: Mapped[str] = mapped_column(String(64))
    # Not a foreign key: the key is inserted before its order, so that a concurrent duplicate
    # waits on the key's unique index before reserving anything.
    order_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerEntry(Base):
    """Double entry: every posting is two rows, +royalty receivable by the licensor and
    -royalty payable by the licensee, summing to zero."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_licensor_id_posted_at", "licensor_id", "posted_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    posting: Mapped[str] = mapped_column(String(32), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind))
    account: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    sales_minor: Mapped[int] = mapped_column(BigInteger)  # the sales the royalty is on, signed
    currency: Mapped[str] = mapped_column(String(3))
    licensor_id: Mapped[str] = mapped_column(String(100))
    licensee_id: Mapped[str] = mapped_column(String(100))
    licence_id: Mapped[str] = mapped_column(String(100))
    posted_at: Mapped[datetime]


# The shop's changes in the audit trail (core.audit), in the store's chain: a storefront's and
# an offer's creation and edits. An order's steps are ORDER's (shop.enums); its placing is a
# bulk insert on the checkout's path and is not recorded apart (docs/audit.md).
audit.track(Storefront, "storefront", lambda s: s.id)
audit.track(Offer, "offer", lambda o: o.storefront_id)
