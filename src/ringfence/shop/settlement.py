"""Settling orders: charging them, recording a payment's outcome, reconciling the intents whose
outcome was never recorded, and answering the buyer."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.orm import Session

from ringfence.core.db import utcnow
from ringfence.core.errors import NotFound, RingfenceError
from ringfence.core.states import moved
from ringfence.shop.checkout import Placed
from ringfence.shop.enums import ORDER, EntryKind, IntentState, OrderStatus
from ringfence.shop.error_codes import ErrorCode
from ringfence.shop.ledger import _post
from ringfence.shop.models import Order, PaymentIntent
from ringfence.shop.orders import (
    _ORDER_WITH_LINES_LOCKED,
    _order_by_id,
    _order_out,
    _release,
    _units,
    order_transition,
)
from ringfence.shop.payments import PaymentError, PaymentProvider
from ringfence.shop.schemas import OrderOut

log = logging.getLogger(__name__)


class PaymentDeclined(RingfenceError):
    status_code = 402


# The outcome of a batch's payments on their intents: one statement per outcome (paid, each
# failure), not one per order; a paid intent takes the payment id its order was just given.
_SET_INTENTS = (
    update(PaymentIntent)
    .where(PaymentIntent.order_id.in_(bindparam("intent_orders", expanding=True)))
    .values(
        state=bindparam("intent_state"),
        payment_ref=(
            select(Order.payment_ref).where(Order.id == PaymentIntent.order_id).scalar_subquery()
        ),
        error=bindparam("intent_error"),
        updated_at=bindparam("now"),
    )
)
_SET_STATUS = (
    update(Order)
    .where(Order.id == bindparam("order_id"))
    .values(
        status=bindparam("status"),
        status_reason=bindparam("reason"),
        payment_ref=bindparam("payment_ref"),
        updated_at=bindparam("now"),
    )
)


def _status(
    order_id: str,
    status: OrderStatus,
    now: datetime,
    *,
    reason: str | None = None,
    payment_ref: str | None = None,
) -> dict[str, Any]:
    """The parameters of _SET_STATUS."""
    return {
        "order_id": order_id,
        "status": status,
        "reason": reason,
        "payment_ref": payment_ref,
        "now": now,
    }


@dataclass(frozen=True, slots=True)
class Payment:
    """What the payment provider said about an order: its payment id, or why not."""

    order_id: str
    ref: str | None = None
    error: str | None = None  # payment_declined, payment_timeout, capture_failed


# The provider did not say whether it took the money: the intent stays pending, and
# reconciliation gives back whatever it finds (the order is cancelled, as for any failure).
IN_DOUBT = frozenset({"payment_timeout"})
# Why an order is cancelled without being paid, as the checkout that placed it answers
# (402), and so does every retry with its Idempotency-Key.
UNPAID = frozenset({"payment_declined", "payment_timeout", "capture_failed", "reservation_expired"})


def charge(provider: PaymentProvider, order: OrderOut, token: str) -> Payment:
    """Authorise and capture an order's total under its intent's reference, the order id
    (outside any transaction: no lock is held while the provider answers). Charging an order
    again, as a retry does, takes nothing more: the provider returns the same payment."""
    try:
        ref = provider.authorize(
            reference=order.id, amount_minor=order.total_minor, currency=order.currency, token=token
        )
        provider.capture(ref)
    except PaymentError as exc:
        return Payment(order.id, error=exc.code)
    return Payment(order.id, ref=ref)


def settle_orders(
    session: Session, payments: Sequence[Payment], *, now: datetime | None = None
) -> list[OrderOut]:
    """Record payments: a paid order accrues its royalties, a failed one is cancelled with the
    reason and its stock goes back; an order no longer waiting for payment (its reservation
    ran out) is left as it is, and so is its intent (a payment taken for it is given back by
    :func:`reconcile_intents`). Each order's payment intent records the outcome. Core
    statements for the batch: the orders with their lines (locked), the status updates, the
    intents, the stock given back, the ledger rows."""
    now = now or utcnow()
    session.flush()
    conn = session.connection()
    ids = sorted({payment.order_id for payment in payments})
    rows = conn.execute(_ORDER_WITH_LINES_LOCKED, {"order_ids": ids}).all()
    by_order: dict[str, list[Row[*tuple[Any, ...]]]] = {}
    for row in rows:
        by_order.setdefault(row.id, []).append(row)
    out: list[OrderOut] = []
    statuses: list[dict[str, Any]] = []
    intents: dict[tuple[IntentState, str | None], list[str]] = {}  # outcome -> orders
    released: list[tuple[int, int]] = []
    posted: list[Row[*tuple[Any, ...]]] = []
    # A second payment for an order in this batch (a retry's, under the same reference) changes
    # nothing and gets the first one's answer.
    settled: dict[str, OrderOut] = {}
    for payment in payments:
        lines = by_order.get(payment.order_id)
        if lines is None:
            raise NotFound(f"no order {payment.order_id!r}", code=ErrorCode.ORDER_NOT_FOUND)
        order = lines[0]._mapping
        maps = [line._mapping for line in lines]
        if payment.order_id in settled:
            out.append(settled[payment.order_id])
            continue
        if order["status"] is not OrderStatus.placed:
            out.append(_order_out(order, maps))
            continue
        if payment.error is not None:
            to = order_transition(payment.order_id, order["status"], OrderStatus.cancelled)
            statuses.append(_status(payment.order_id, to, now, reason=payment.error))
            state = IntentState.pending if payment.error in IN_DOUBT else IntentState.failed
            intents.setdefault((state, payment.error), []).append(payment.order_id)
            released.extend(_units(lines))
            out.append(_order_out(order, maps, status=to, status_reason=payment.error))
        else:
            to = order_transition(payment.order_id, order["status"], OrderStatus.paid)
            statuses.append(_status(payment.order_id, to, now, payment_ref=payment.ref))
            intents.setdefault((IntentState.paid, None), []).append(payment.order_id)
            posted.extend(lines)
            out.append(_order_out(order, maps, status=to))
        settled[payment.order_id] = out[-1]
    if statuses:
        conn.execute(_SET_STATUS, statuses)
        for (state, error), orders in intents.items():
            params = {"intent_orders": orders, "intent_state": state, "intent_error": error}
            conn.execute(_SET_INTENTS, params | {"now": now})
    _release(conn, released)
    _post(conn, posted, EntryKind.accrual, now)
    moved(session, ORDER, [(by_order[s["order_id"]][0], s["status"]) for s in statuses], at=now)
    return out


def refund_due(payment: Payment, order: OrderOut) -> bool:
    """Whether a payment went through for an order that did not take it (the order stopped
    waiting meanwhile): :func:`reconcile_intents` of the order gives it back."""
    return payment.ref is not None and order.status is not OrderStatus.paid


@dataclass
class Reconciled:
    """What :func:`reconcile_intents` did with the pending intents it looked at."""

    paid: int = 0  # the provider had taken the money: the order is paid now
    refunded: int = 0  # taken for an order that was not waiting any more: given back
    failed: int = 0  # nothing taken, and nothing will be: the intent is closed
    pending: int = 0  # still open: the order is still waiting, or the provider did not answer


# Pending intents with their orders, locked, skipping those another reconciler holds.
_PENDING_INTENTS = (
    select(PaymentIntent, Order.status, Order.reserved_until, Order.payment_ref)
    .join(Order, Order.id == PaymentIntent.order_id)
    .where(PaymentIntent.state == IntentState.pending)
    .order_by(PaymentIntent.order_id)
    .with_for_update(of=PaymentIntent, skip_locked=True)
)


def reconcile_intents(
    session: Session,
    *,
    provider: PaymentProvider,
    order_ids: Sequence[str] | None = None,
    settle_after: timedelta = timedelta(minutes=1),
    now: datetime | None = None,
) -> Reconciled:
    """Settle every pending payment intent against the provider: what it took for an order
    still waiting pays the order (even when its reservation has run out: the units are still
    held); what it took for an order that stopped waiting (cancelled) is refunded; an intent
    with nothing taken is closed as failed once its order stops waiting (its reservation runs
    out: :func:`expire_reservations` cancels it next). Only intents older than
    ``settle_after`` (their checkout has had the time to record its outcome), or those of
    ``order_ids``. Calls the provider while the intents are locked: run it outside a request's
    hot path (`ringfence shop maintain`, or the rare refund after a checkout)."""
    now = now or utcnow()
    query = _PENDING_INTENTS
    if order_ids is not None:
        query = query.where(PaymentIntent.order_id.in_(order_ids))
    else:
        query = query.where(PaymentIntent.created_at <= now - settle_after)
    done = Reconciled()
    payments: list[Payment] = []
    for intent, status, reserved_until, order_ref in session.execute(query).all():
        try:
            found = provider.find(intent.reference)
            if found is not None and found.captured:
                if status is OrderStatus.placed:
                    payments.append(Payment(intent.order_id, ref=found.payment_id))
                    continue
                intent.payment_ref = found.payment_id
                if order_ref == found.payment_id:  # its order went on with this payment
                    intent.state = IntentState.paid
                    done.paid += 1
                    continue
                if (left := found.amount_minor - found.refunded_minor) > 0:
                    provider.refund(found.payment_id, left)
                intent.state, intent.error = IntentState.refunded, f"order {status.value}"
                done.refunded += 1
            elif status is OrderStatus.placed and reserved_until >= now:
                done.pending += 1  # its checkout may still be paying
            else:
                intent.state, intent.error = IntentState.failed, intent.error or "not_charged"
                done.failed += 1
        except PaymentError as exc:  # the provider did not answer: the next run tries again
            log.warning("payment intent of %s not reconciled: %s", intent.order_id, exc)
            done.pending += 1
    if payments:
        settle_orders(session, payments, now=now)
        done.paid += len(payments)
    session.flush()
    return done


def pay_order(
    session: Session,
    *,
    order_id: str,
    provider: PaymentProvider,
    token: str,
    now: datetime | None = None,
) -> OrderOut:
    """Authorise and capture, then record the outcome (:func:`settle_orders`)."""
    order = _order_by_id(session, order_id)
    if order is None:
        raise NotFound(f"no order {order_id!r}", code=ErrorCode.ORDER_NOT_FOUND)
    if order.status is not OrderStatus.placed:
        return order
    payment = charge(provider, order, token)
    (settled,) = settle_orders(session, [payment], now=now)
    if refund_due(payment, settled):
        reconcile_intents(session, provider=provider, order_ids=[order_id], now=now)
    return settled


def answer(placed: Placed) -> Placed:
    """A checkout's answer once its payment is settled: PaymentDeclined (402) when its order was
    cancelled unpaid, for the request that placed it and for every retry with its key alike; a
    retry of an order cancelled for another reason (by the store) gets the order."""
    order = placed.order
    if order.status is OrderStatus.cancelled and (placed.created or order.status_reason in UNPAID):
        raise PaymentDeclined(
            f"payment failed: {order.status_reason}; order {order.id} cancelled",
            code=order.status_reason or "payment_failed",
        )
    return placed
