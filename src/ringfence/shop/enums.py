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


class EntryKind(StrEnum):
    accrual = "accrual"
    reversal = "reversal"
