"""The error codes the shop package raises (docs/api.md, "Error codes"): stable,
machine-readable, each documented; a test fails on an undocumented one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_EXISTS = "already_exists"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    ILLEGAL_TRANSITION = "illegal_transition"
    INVALID_PERIOD = "invalid_period"
    INVALID_STATUS = "invalid_status"
    NOT_A_RIGHTS_HOLDER = "not_a_rights_holder"
    NOT_SHIPPED_THERE = "not_shipped_there"
    NOT_YOUR_PARTY = "not_your_party"
    NOT_YOUR_STORE = "not_your_store"
    OFFER_NOT_FOUND = "offer_not_found"
    OFFER_NOT_LICENSED = "offer_not_licensed"
    OFFER_NOT_ON_SALE = "offer_not_on_sale"
    ORDER_NOT_FOUND = "order_not_found"
    OUT_OF_STOCK = "out_of_stock"
    STOREFRONT_NOT_FOUND = "storefront_not_found"
    STORE_CLOSED = "store_closed"
    UNKNOWN_PRODUCT = "unknown_product"
    UNSETTLED_ORDERS = "unsettled_orders"
