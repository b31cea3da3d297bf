"""Placing orders: idempotency keys, stock reserved by one conditional UPDATE per line, and
the payment intent each order is placed with."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ringfence.authenticity.models import Product
from ringfence.core.db import utcnow
from ringfence.core.errors import Conflict, InvalidInput, NotFound, RingfenceError
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.models import Licence
from ringfence.shop._common import OFFICIAL
from ringfence.shop.enums import IntentState, OfferStatus, OrderStatus
from ringfence.shop.error_codes import ErrorCode
from ringfence.shop.models import (
    IdempotencyKey,
    Offer,
    OfferStock,
    Order,
    OrderLine,
    PaymentIntent,
    Storefront,
)
from ringfence.shop.orders import _order_by_id, _order_out, _release
from ringfence.shop.schemas import CheckoutIn, OrderOut

# The store with those of its offers an order asks for, their products and licences.
_STORE_WITH_OFFERS = (
    select(
        Storefront.name,
        Storefront.currency,
        Storefront.ships_to,
        Storefront.open,
        Offer.id,
        Offer.status,
        Offer.gtin,
        Offer.price_minor,
        Product.licensee_id,
        Product.marks,
        Product.category_id,
        Licence.id.label("licence_id"),
        Licence.licensor_id,
        Licence.licensee_id.label("licence_licensee_id"),
        Licence.royalty_rate,
    )
    .select_from(Storefront)
    .outerjoin(
        Offer,
        (Offer.storefront_id == Storefront.id)
        & Offer.id.in_(bindparam("offer_ids", expanding=True)),
    )
    .outerjoin(Product, Product.gtin == Offer.gtin)
    .outerjoin(Licence, Licence.id == Offer.licence_id)
    .where(Storefront.id == bindparam("store_id"))
)
# Reserve: a conditional decrement, so stock never goes below zero; and give back.
_RESERVE = (
    update(OfferStock)
    .where(OfferStock.offer_id == bindparam("offer"), OfferStock.stock >= bindparam("quantity"))
    .values(stock=OfferStock.stock - bindparam("quantity"))
)
# New orders' payment intents, pending, under the order id as the provider's reference: one
# statement from the orders just inserted.
_NEW_INTENTS = insert(PaymentIntent).from_select(
    ["order_id", "reference", "amount_minor", "currency", "state", "created_at", "updated_at"],
    select(
        Order.id,
        Order.id,
        Order.total_minor,
        Order.currency,
        literal(IntentState.pending.value),
        Order.created_at,
        Order.created_at,
    ).where(Order.id.in_(bindparam("order_ids", expanding=True))),
)


@dataclass(frozen=True, slots=True)
class Placed:
    order: OrderOut
    created: bool  # False: an earlier request with the same idempotency key made it


def _fingerprint(store_id: str, data: CheckoutIn) -> str:
    body = json.dumps([store_id, data.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


# The Idempotency-Key goes in first, unless an earlier request's is there (PostgreSQL waits for
# a concurrent insert of the same key to commit or roll back): no row back means a replay.
_NEW_KEY = {
    dialect: insert_(IdempotencyKey).on_conflict_do_nothing().returning(IdempotencyKey.key)
    for dialect, insert_ in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def _replay(session: Session, key: str, fingerprint: str) -> OrderOut:
    existing = session.get_one(IdempotencyKey, key)
    if existing.request_hash != fingerprint:
        raise Conflict(
            "this Idempotency-Key was used for a different request",
            code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    order = _order_by_id(session, existing.order_id)
    assert order is not None  # committed with its key
    return order


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One buyer's checkout, as :func:`place_orders` takes them, a batch at a time."""

    store_id: str
    buyer: str
    data: CheckoutIn
    idempotency_key: str | None = None

    @property
    def key(self) -> str | None:
        """The key as stored: the client's, scoped to the store and the buyer."""
        if self.idempotency_key is None:
            return None
        return f"{self.store_id}|{self.buyer}|{self.idempotency_key}"


def place_order(
    session: Session,
    *,
    store_id: str,
    buyer: str,
    data: CheckoutIn,
    index: LicenceIndex,
    idempotency_key: str | None = None,
    reservation: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> Placed:
    """Check, reserve stock and place an unpaid order (pay it with :func:`pay_order` after
    committing, so no row lock is held during the payment call)."""
    request = OrderRequest(store_id, buyer, data, idempotency_key)
    (placed,) = place_orders(session, [request], index=index, reservation=reservation, now=now)
    if isinstance(placed, RingfenceError):
        raise placed
    return placed


def place_orders(
    session: Session,
    requests: Sequence[OrderRequest],
    *,
    index: LicenceIndex,
    reservation: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> list[Placed | RingfenceError]:
    """Place many orders in the session's transaction. For each request: its new order, the
    order of an earlier request with the same Idempotency-Key (a second request with the same
    key in the batch gets what the first gets), or the error that refused it; nothing of a
    refused request stays behind.

    The hot path of a sales peak, written as a handful of Core statements for the whole batch:
    the keys, one read per store of the requested offers with their products and licences, the
    orders, their lines, and the stock last."""
    now = now or utcnow()
    session.flush()  # what this unit of work changed through the ORM, before the Core below
    conn = session.connection()
    results: list[Placed | RingfenceError | None] = [None] * len(requests)
    order_ids = ["O" + secrets.token_hex(10) for _ in requests]
    prints = [_fingerprint(r.store_id, r.data) if r.key else "" for r in requests]

    first: dict[str, int] = {}  # key -> the first request with it
    for i, request in enumerate(requests):
        if request.key is not None:
            first.setdefault(request.key, i)
    inserted: set[str] = set()
    if first:
        new_keys = [
            {"key": key, "request_hash": prints[i], "order_id": order_ids[i], "created_at": now}
            for key, i in sorted(first.items())  # one lock order for concurrent batches
        ]
        inserted = set(conn.execute(_NEW_KEY[conn.dialect.name], new_keys).scalars())
        for key, i in first.items():
            if key not in inserted:  # an earlier request committed it (we waited for it)
                try:
                    results[i] = Placed(_replay(session, key, prints[i]), created=False)
                except RingfenceError as exc:
                    results[i] = exc

    todo = [
        i
        for i, r in enumerate(requests)
        if results[i] is None and (r.key is None or first[r.key] == i)
    ]
    built: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for store_id in sorted({requests[i].store_id for i in todo}):
        members = [i for i in todo if requests[i].store_id == store_id]
        wanted = sorted({line.offer for i in members for line in requests[i].data.lines})
        rows = conn.execute(_STORE_WITH_OFFERS, {"store_id": store_id, "offer_ids": wanted}).all()
        for i in members:
            try:
                built[i] = _build_order(requests[i], rows, order_ids[i], index, reservation, now)
            except RingfenceError as exc:
                results[i] = exc
    if built:
        conn.execute(insert(Order), [order for order, _ in built.values()])
        conn.execute(insert(OrderLine), [line for _, lines in built.values() for line in lines])
        refused = _reserve(conn, {i: lines for i, (_, lines) in built.items()})
        if refused:
            gone = [order_ids[i] for i in refused]
            conn.execute(delete(OrderLine).where(OrderLine.order_id.in_(gone)))
            conn.execute(delete(Order).where(Order.id.in_(gone)))
        if placed := [order_ids[i] for i in built if i not in refused]:
            conn.execute(_NEW_INTENTS, {"order_ids": placed})
        for i, (order, lines) in built.items():
            results[i] = refused.get(i) or Placed(_order_out(order, lines), created=True)

    for i, request in enumerate(requests):
        if request.key is not None and (leader := first[request.key]) != i:
            results[i] = _follow(results[leader], prints[leader] == prints[i])
    dropped = [k for k, i in first.items() if k in inserted and _refused(results[i])]
    if dropped:  # a refused request leaves no key: its retry runs anew
        conn.execute(delete(IdempotencyKey).where(IdempotencyKey.key.in_(dropped)))
    answered = [result for result in results if result is not None]
    assert len(answered) == len(requests), "every request of a batch gets an answer"
    return answered


def _refused(result: Placed | RingfenceError | None) -> bool:
    return isinstance(result, RingfenceError)


def _follow(leader: Placed | RingfenceError | None, same_request: bool) -> Placed | RingfenceError:
    """The answer to a second request with a key the batch has seen."""
    if not same_request:
        return Conflict(
            "this Idempotency-Key was used for a different request",
            code=ErrorCode.IDEMPOTENCY_KEY_REUSED,
        )
    if isinstance(leader, Placed):
        return Placed(leader.order, created=False)
    assert leader is not None  # the first request with a key always gets an answer
    return leader


def _build_order(
    request: OrderRequest,
    rows: Sequence[Row[*tuple[Any, ...]]],
    order_id: str,
    index: LicenceIndex,
    reservation: timedelta,
    now: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The order and line rows of a request that passes every check, from its store's row
    joined with the requested offers."""
    data = request.data
    if not rows:
        raise NotFound(f"no storefront {request.store_id!r}", code=ErrorCode.STOREFRONT_NOT_FOUND)
    store = rows[0]
    if not store.open:
        raise Conflict(f"the {store.name} is closed", code=ErrorCode.STORE_CLOSED)
    country = data.ship_to.country
    if country not in store.ships_to:
        raise InvalidInput(
            f"the {store.name} does not ship to {country}",
            code=ErrorCode.NOT_SHIPPED_THERE,
            loc=("ship_to", "country"),
        )
    offers = {row.id: row for row in rows if row.id is not None}
    today = now.date()
    lines = []
    for i, line in enumerate(sorted(data.lines, key=lambda line: line.offer)):
        offer = offers.get(line.offer)
        if offer is None or offer.status != OfferStatus.published:
            raise InvalidInput(
                f"offer {line.offer} is not on sale here",
                code=ErrorCode.OFFER_NOT_ON_SALE,
                loc=("lines", i, "offer"),
            )
        decision = index.authorize_many(
            offer.licensee_id, offer.marks, offer.category_id, country, OFFICIAL, today
        )
        if not decision.allowed or offer.licence_id is None:
            raise Conflict(
                f"offer {line.offer} may not be sold to {country} today",
                code=ErrorCode.OFFER_NOT_LICENSED,
                loc=("lines", i, "offer"),
            )
        lines.append(
            {
                "order_id": order_id,
                "offer_id": offer.id,
                "gtin": offer.gtin,
                "quantity": line.quantity,
                "unit_price_minor": offer.price_minor,
                "line_total_minor": offer.price_minor * line.quantity,
                "licence_id": offer.licence_id,
                "licensor_id": offer.licensor_id,
                "licensee_id": offer.licence_licensee_id,
                "royalty_rate": offer.royalty_rate,
                "code_batch_id": None,
            }
        )
    order = {
        "id": order_id,
        "storefront_id": request.store_id,
        "buyer": request.buyer,
        "email": data.email,
        "ship_to": data.ship_to.model_dump(mode="json"),
        "status": OrderStatus.placed,
        "status_reason": None,
        "currency": store.currency,
        "total_minor": sum(line["line_total_minor"] for line in lines),
        "reserved_until": now + reservation,
        "created_at": now,
        "updated_at": now,
    }
    return order, lines


def _reserve(conn: Connection, orders: dict[int, list[dict[str, Any]]]) -> dict[int, Conflict]:
    """Take the units the orders (in arrival order) ask for; the orders refused for want of
    stock. One conditional UPDATE per offer for the whole demand, in offer order (no deadlocks
    between batches); only when an offer is short are its rows locked and whole orders served
    first come, first served."""
    demand: Counter[int] = Counter()
    for lines in orders.values():
        for line in lines:
            demand[line["offer_id"]] += line["quantity"]
    short = [
        offer
        for offer in sorted(demand)
        if conn.execute(_RESERVE, {"offer": offer, "quantity": demand[offer]}).rowcount != 1
    ]
    if not short:
        return {}
    locked = conn.execute(
        select(OfferStock.offer_id, OfferStock.stock)
        .where(OfferStock.offer_id.in_(short))
        .order_by(OfferStock.offer_id)
        .with_for_update()
    )
    left: dict[int, int] = dict(locked.all())
    refused = {}
    for i, lines in orders.items():
        need: Counter[int] = Counter()
        for line in lines:
            if line["offer_id"] in left:
                need[line["offer_id"]] += line["quantity"]
        lacking = next(
            (
                k
                for k, line in enumerate(lines)
                if line["offer_id"] in left and need[line["offer_id"]] > left[line["offer_id"]]
            ),
            None,
        )
        if lacking is None:
            for offer, units in need.items():
                left[offer] -= units
            continue
        line = lines[lacking]
        refused[i] = Conflict(
            f"offer {line['offer_id']} has fewer than {line['quantity']} in stock",
            code=ErrorCode.OUT_OF_STOCK,
            loc=("lines", lacking, "quantity"),
        )
    # Give back what refused orders took of offers that had enough, and take the short ones'.
    _release(
        conn,
        [(ln["offer_id"], ln["quantity"]) for i in refused for ln in orders[i]
         if ln["offer_id"] not in left],
    )  # fmt: skip
    for offer in short:
        served = demand[offer] - sum(
            line["quantity"] for i in refused for line in orders[i] if line["offer_id"] == offer
        )
        if served:
            conn.execute(_RESERVE, {"offer": offer, "quantity": served})
    return refused
