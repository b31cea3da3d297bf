"""A storefront purchase (the shop's checkout page): the order and its payment intent are
committed before the payment provider is called, and the payment's outcome after it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from ringfence.registry.decision import LicenceIndex
from ringfence.shop import service
from ringfence.shop.enums import OrderStatus
from ringfence.shop.payments import PaymentProvider
from ringfence.shop.schemas import CheckoutIn


def checkout(
    session: Session,
    *,
    store_id: str,
    buyer: str,
    data: CheckoutIn,
    index: LicenceIndex,
    provider: PaymentProvider,
    idempotency_key: str | None = None,
    reservation: timedelta = timedelta(minutes=15),
) -> service.Placed:
    """A whole purchase in one session: place the order and commit (the order and its payment
    intent stand before the payment call), charge, record the payment and commit. This flow
    owns its commit points, because the payment must fall between two transactions (the API
    batches the same steps across requests: shop/batching.py). A replayed Idempotency-Key
    returns the first order (``created`` False) once its payment's outcome is known: an order
    still waiting for it is charged again under the same reference (the provider takes
    nothing twice) and settled. After a failed payment the order comes back cancelled, with
    the reason (``shop.service.answer`` turns that into PaymentDeclined)."""
    placed = service.place_order(
        session,
        store_id=store_id,
        buyer=buyer,
        data=data,
        index=index,
        idempotency_key=idempotency_key,
        reservation=reservation,
    )
    session.commit()
    if placed.order.status is not OrderStatus.placed:
        return placed
    payment = service.charge(provider, placed.order, data.payment_token)
    (order,) = service.settle_orders(session, [payment])
    session.commit()
    if service.refund_due(payment, order):
        service.reconcile_intents(session, provider=provider, order_ids=[order.id])
        session.commit()
    return service.Placed(order, created=placed.created)
