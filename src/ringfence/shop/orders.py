"""Orders: the transition table, the SQL that reads an order with its lines, giving stock back,
and the store owner's commands on an order (fulfil, advance, refund, expire)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update
from sqlalchemy.orm import Session

from ringfence.authenticity.service import issue_batch
from ringfence.core.db import utcnow
from ringfence.core.errors import Conflict, InvalidInput, NotFound
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.core.states import move
from ringfence.registry.decision import LicenceIndex
from ringfence.shop._common import _runs_store
from ringfence.shop.enums import ORDER, EntryKind, OrderStatus
from ringfence.shop.error_codes import ErrorCode
from ringfence.shop.ledger import _post
from ringfence.shop.models import OfferStock, Order, OrderLine
from ringfence.shop.payments import PaymentError, PaymentProvider
from ringfence.shop.schemas import OrderLineOut, OrderOut

# ------------------------------------------------------------------ orders

# The order state machine is shop.enums.ORDER.
TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = ORDER.table


def order_transition(order_id: str, current: OrderStatus, to: OrderStatus) -> OrderStatus:
    """``to`` when the table allows it, else Conflict ``illegal_transition``."""
    return ORDER.check(current, to, order_id)


def transition(order: Order, to: OrderStatus, reason: str | None = None) -> None:
    """Move an order to ``to`` or raise Conflict ``illegal_transition``."""
    move(order, ORDER, to)
    order.status_reason = reason


_ORDER_COLUMNS = (
    Order.id,
    Order.storefront_id,
    Order.status,
    Order.status_reason,
    Order.currency,
    Order.total_minor,
    Order.reserved_until,
    Order.created_at,
)
_LINE_COLUMNS = (
    OrderLine.id.label("line_id"),
    OrderLine.offer_id,
    OrderLine.gtin,
    OrderLine.quantity,
    OrderLine.unit_price_minor,
    OrderLine.line_total_minor,
    OrderLine.licence_id,
    OrderLine.licensor_id,
    OrderLine.licensee_id,
    OrderLine.royalty_rate,
    OrderLine.code_batch_id,
)


# One row per line of the orders, with its order's columns on each.
_ORDER_WITH_LINES = (
    select(*_ORDER_COLUMNS, *_LINE_COLUMNS)
    .join(OrderLine, OrderLine.order_id == Order.id)
    .where(Order.id.in_(bindparam("order_ids", expanding=True)))
    .order_by(Order.id, OrderLine.id)
)
_ORDER_WITH_LINES_LOCKED = _ORDER_WITH_LINES.with_for_update(of=Order.__table__)


def _order_out(
    order: Mapping[Any, Any], lines: Iterable[Mapping[Any, Any]], **changes: Any
) -> OrderOut:
    """The API view of an order from its columns and its lines' (rows or dicts); ``changes``
    override the order's (a status just written, say)."""
    fields = {name: order[name] for name in _ORDER_FIELDS} | changes
    return OrderOut(
        storefront=fields.pop("storefront_id"),
        **fields,
        lines=[
            OrderLineOut(
                offer=line["offer_id"],
                gtin=line["gtin"],
                quantity=line["quantity"],
                unit_price_minor=line["unit_price_minor"],
                line_total_minor=line["line_total_minor"],
                licence=line["licence_id"],
                code_batch=line["code_batch_id"],
            )
            for line in lines
        ],
    )


_ORDER_FIELDS = tuple(column.key for column in _ORDER_COLUMNS)


def order_out(session: Session, order: Order) -> OrderOut:
    out = _order_by_id(session, order.id)
    assert out is not None  # the session has it
    return out


def _order_by_id(session: Session, order_id: str) -> OrderOut | None:
    """The order with its lines, in one query (flushing the session first)."""
    rows = session.execute(_ORDER_WITH_LINES, {"order_ids": [order_id]}).mappings().all()
    return _order_out(rows[0], rows) if rows else None


_RELEASE = (
    update(OfferStock)
    .where(OfferStock.offer_id == bindparam("offer"))
    .values(stock=OfferStock.stock + bindparam("quantity"))
)


def _units(lines: Iterable[Row[*tuple[Any, ...]]]) -> list[tuple[int, int]]:
    return [(line.offer_id, line.quantity) for line in lines]


def _line_rows(session: Session, order_id: str) -> Sequence[Row[*tuple[Any, ...]]]:
    """The order's lines, each with the order's columns."""
    return session.execute(_ORDER_WITH_LINES, {"order_ids": [order_id]}).all()


def _lines(session: Session, order_id: str) -> Sequence[OrderLine]:
    return session.scalars(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id)
    ).all()


def _release(conn: Connection, units: Iterable[tuple[int, int]]) -> None:
    """Put (offer, quantity) units back on sale, in offer order (as they were taken: no
    deadlock with a batch taking stock)."""
    back = [{"offer": offer, "quantity": quantity} for offer, quantity in sorted(units)]
    if back:
        conn.execute(_RELEASE, back)


def _order_for_update(session: Session, order_id: str) -> Order:
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFound(f"no order {order_id!r}", code=ErrorCode.ORDER_NOT_FOUND)
    return order


def _managed_order(session: Session, principal: Principal, order_id: str) -> Order:
    order = _order_for_update(session, order_id)
    if not _runs_store(principal, order.storefront_id):
        raise NotFound(f"no order {order_id!r}", code=ErrorCode.ORDER_NOT_FOUND)
    return order


def get_order(session: Session, *, principal: Principal, order_id: str) -> OrderOut:
    order = session.get(Order, order_id)
    if order is None or not _runs_store(principal, order.storefront_id):
        raise NotFound(f"no order {order_id!r}", code=ErrorCode.ORDER_NOT_FOUND)
    return order_out(session, order)


def fulfil_order(
    session: Session,
    *,
    principal: Principal,
    order_id: str,
    index: LicenceIndex,
    secret: str,
) -> OrderOut:
    """Pack the order: every unit gets an authenticity code (one code batch per line)."""
    order = _managed_order(session, principal, order_id)
    transition(order, OrderStatus.fulfilled)
    for line in _lines(session, order.id):
        issued = issue_batch(
            session,
            principal=SYSTEM,
            index=index,
            secret=secret,
            gtin=line.gtin,
            count=line.quantity,
            lot=order.id[:20],
        )
        line.code_batch_id = issued.batch.id
    return order_out(session, order)


def advance_order(
    session: Session, *, principal: Principal, order_id: str, to: OrderStatus
) -> OrderOut:
    """shipped, delivered, or cancelled (an unpaid order: its stock goes back)."""
    if to not in (OrderStatus.shipped, OrderStatus.delivered, OrderStatus.cancelled):
        raise InvalidInput(
            f"use the dedicated action for {to.value}", code=ErrorCode.INVALID_STATUS
        )
    order = _managed_order(session, principal, order_id)
    was = order.status
    transition(order, to, "cancelled by the store" if to is OrderStatus.cancelled else None)
    if to is OrderStatus.cancelled and was is OrderStatus.placed:
        _release(session.connection(), _units(_line_rows(session, order.id)))
    return order_out(session, order)


def refund_order(
    session: Session,
    *,
    principal: Principal,
    order_id: str,
    provider: PaymentProvider,
    reason: str,
    now: datetime | None = None,
) -> OrderOut:
    """Refund in full: the royalties are reversed; unshipped stock goes back on sale."""
    now = now or utcnow()
    order = _managed_order(session, principal, order_id)
    was = order.status
    transition(order, OrderStatus.refunded, reason)
    try:
        provider.refund(order.payment_ref or "", order.total_minor)
    except PaymentError as exc:
        raise Conflict(f"the refund failed: {exc}", code=exc.code) from None
    lines = _line_rows(session, order.id)
    _post(session.connection(), lines, EntryKind.reversal, now)
    if was in (OrderStatus.paid, OrderStatus.fulfilled):
        _release(session.connection(), _units(lines))
    return order_out(session, order)


def expire_reservations(session: Session, *, now: datetime | None = None) -> int:
    """Cancel unpaid orders whose reservation ran out and give their stock back."""
    now = now or utcnow()
    expired = session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.placed, Order.reserved_until < now)
        .with_for_update(skip_locked=True)
    ).all()
    for order in expired:
        _release(session.connection(), _units(_line_rows(session, order.id)))
        transition(order, OrderStatus.cancelled, "reservation_expired")
    return len(expired)


def list_orders(
    session: Session, *, principal: Principal, limit: int = 50, offset: int = 0
) -> list[OrderOut]:
    """The orders of the principal's storefront (every store's for the admin), newest first:
    the same orders ``get_order`` shows it."""
    query = select(Order).order_by(Order.created_at.desc(), Order.id).limit(limit).offset(offset)
    if not principal.is_admin:
        mine = principal.party_id if principal.role is Role.rights_holder else None
        query = query.where(Order.storefront_id == (mine or ""))
    return [order_out(session, order) for order in session.scalars(query)]


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where an order goes: what its buyer typed at checkout."""

    email: str
    ship_to: dict[str, Any]


def order_delivery(session: Session, *, principal: Principal, order_id: str) -> Delivery:
    """The buyer's e-mail and shipping address of an order, for the store that runs it (and the
    admin); NotFound for anyone else, as :func:`get_order`."""
    order = session.get(Order, order_id)
    if order is None or not _runs_store(principal, order.storefront_id):
        raise NotFound(f"no order {order_id!r}", code=ErrorCode.ORDER_NOT_FOUND)
    return Delivery(email=order.email, ship_to=dict(order.ship_to))
