"""Statuses of the shop, stored by value."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from ringfence.core.errors import Conflict, RingfenceError
from ringfence.core.states import Machine
from ringfence.shop.error_codes import ErrorCode


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


def _illegal_order(order_id: Any, current: OrderStatus, to: OrderStatus) -> RingfenceError:
    return Conflict(
        f"order {order_id} is {current.value}: it cannot become {to.value}",
        code=ErrorCode.ILLEGAL_TRANSITION,
    )


# The order state machine.
ORDER = Machine(
    "orders.status",
    "order",
    {
        OrderStatus.placed: frozenset({OrderStatus.paid, OrderStatus.cancelled}),
        OrderStatus.paid: frozenset({OrderStatus.fulfilled, OrderStatus.refunded}),
        OrderStatus.fulfilled: frozenset({OrderStatus.shipped, OrderStatus.refunded}),
        OrderStatus.shipped: frozenset({OrderStatus.delivered, OrderStatus.refunded}),
        OrderStatus.delivered: frozenset({OrderStatus.refunded}),
        OrderStatus.cancelled: frozenset(),
        OrderStatus.refunded: frozenset(),
    },
    illegal=_illegal_order,
    chain=lambda order: order.storefront_id,  # the store's party
)

# An offer is published again (a new licence) or unpublished at any time; it never goes back
# to draft.
_O = OfferStatus
OFFER = Machine(
    "offers.status",
    "offer",
    {
        _O.draft: frozenset({_O.published, _O.unpublished}),
        _O.published: frozenset({_O.published, _O.unpublished}),
        _O.unpublished: frozenset({_O.published, _O.unpublished}),
    },
    chain=lambda offer: offer.storefront_id,
)


class IntentState(StrEnum):
    """A payment intent: written with its order, before the provider is called."""

    pending = "pending"  # the outcome is not recorded yet: a charge may be on its way
    paid = "paid"  # captured and recorded on its order
    refunded = "refunded"  # captured for an order that was no longer waiting: given back
    failed = "failed"  # nothing taken (declined, not captured, never charged)


class EntryKind(StrEnum):
    accrual = "accrual"
    reversal = "reversal"
