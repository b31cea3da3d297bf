"""The official shop: storefronts, offers, checkout, orders, royalties.

Only licensed goods: an offer is published only while a licence in force lets its licensee
sell every mark of the product, in its category, through the official store, in every
territory the store ships to; `sweep_offers` unpublishes what stops being covered, and checkout
checks the ship-to country again.

Never oversell: stock is reserved by one conditional UPDATE per line (``stock >= quantity``),
in offer order, in the transaction that places the order; a failed or expired payment gives it
back. Orders are placed idempotently: the client's ``Idempotency-Key`` is inserted before
anything is reserved, so a concurrent duplicate waits on the key's unique index and then
returns the first request's order.

Never keep a payment for an order that was not paid: each order is placed with its payment
intent (the reference the provider charges it under), so a charge whose outcome was never
recorded is found again, by a retry of the checkout or by :func:`reconcile_intents` (run by
`ringfence shop maintain`), and settles its order or is given back.

This module is the package's public facade: it re-exports the commands and queries of the
modules that hold them, one per aggregate (``storefronts``, ``offers``, ``checkout``,
``settlement``, ``orders``, ``ledger``; ``_common`` holds the helpers they share), so that
callers keep writing ``from ringfence.shop import service`` and ``service.place_order(...)``.
It defines nothing itself. Modules inside the package import each other directly, never
through it.
"""

from __future__ import annotations

from ringfence.shop._common import (
    OFFICIAL,
)
from ringfence.shop.checkout import (
    OrderRequest,
    Placed,
    place_order,
    place_orders,
)
from ringfence.shop.ledger import (
    ledger_balance,
    period_bounds,
    royalty_statement,
)
from ringfence.shop.offers import (
    add_offer,
    offer_titles,
    publish_offer,
    published_offer,
    search_offers,
    set_stock,
    sweep_offers,
    unpublish_offer,
)
from ringfence.shop.orders import (
    TRANSITIONS,
    Delivery,
    advance_order,
    expire_reservations,
    fulfil_order,
    get_order,
    list_orders,
    order_delivery,
    order_out,
    order_transition,
    refund_order,
    transition,
)
from ringfence.shop.settlement import (
    IN_DOUBT,
    UNPAID,
    Payment,
    PaymentDeclined,
    Reconciled,
    answer,
    charge,
    log,
    pay_order,
    reconcile_intents,
    refund_due,
    settle_orders,
)
from ringfence.shop.storefronts import (
    create_storefront,
    list_storefronts,
    set_store_open,
)

__all__ = [
    "IN_DOUBT",
    "OFFICIAL",
    "TRANSITIONS",
    "UNPAID",
    "Delivery",
    "OrderRequest",
    "Payment",
    "PaymentDeclined",
    "Placed",
    "Reconciled",
    "add_offer",
    "advance_order",
    "answer",
    "charge",
    "create_storefront",
    "expire_reservations",
    "fulfil_order",
    "get_order",
    "ledger_balance",
    "list_orders",
    "list_storefronts",
    "log",
    "offer_titles",
    "order_delivery",
    "order_out",
    "order_transition",
    "pay_order",
    "period_bounds",
    "place_order",
    "place_orders",
    "publish_offer",
    "published_offer",
    "reconcile_intents",
    "refund_due",
    "refund_order",
    "royalty_statement",
    "search_offers",
    "set_stock",
    "set_store_open",
    "settle_orders",
    "sweep_offers",
    "transition",
    "unpublish_offer",
]
