"""Statuses of the shop, stored by value."""

from __future__ import annotations

from enum import StrEnum


class OfferStatus(StrEnum):
    draft = "draft"
    published = "published"
    unpublished = "unpublished"  # by its owner, or automatically when its licence stops covering it


class OrderStatus(StrEnum):
    placed = "placed"  # stock reserved, payment pending
    paid = "paid"
    fulfilled = "fulfilled"  # packed, authenticity codes assigned
    shipped = "shipped"
    delivered = "delivered"
    cancelled = "cancelled"  # unpaid: payment failed, reservation expired, or cancelled
    refunded = "refunded"


class IntentState(StrEnum):
    """A payment intent: written with its order, before the provider is called."""

    pending = "pending"  # the outcome is not recorded yet: a charge may be on its way
    paid = "paid"  # captured and recorded on its order
    refunded = "refunded"  # captured for an order that was no longer waiting: given back
    failed = "failed"  # nothing taken (declined, not captured, never charged)


class EntryKind(StrEnum):
    accrual = "accrual"
    reversal = "reversal"
