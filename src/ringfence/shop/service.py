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
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Row,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ringfence.authenticity.models import Product
from ringfence.authenticity.service import issue_batch
from ringfence.core.db import utcnow
from ringfence.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RingfenceError
from ringfence.core.money import royalty
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.core.states import move, moved
from ringfence.registry.archive import ensure_writable
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.enums import Channel, PartyKind
from ringfence.registry.models import Licence, Party
from ringfence.shop.enums import OFFER, ORDER, EntryKind, IntentState, OfferStatus, OrderStatus
from ringfence.shop.error_codes import ErrorCode
from ringfence.shop.models import (
    IdempotencyKey,
    LedgerEntry,
    Offer,
    OfferStock,
    Order,
    OrderLine,
    PaymentIntent,
    Storefront,
)
from ringfence.shop.payments import PaymentError, PaymentProvider
from ringfence.shop.schemas import (
    CheckoutIn,
    OfferIn,
    OfferOut,
    OrderLineOut,
    OrderOut,
    StatementLine,
    StatementOut,
    StorefrontIn,
    StorefrontOut,
)

OFFICIAL = Channel.official_store.value
log = logging.getLogger(__name__)


class PaymentDeclined(RingfenceError):
    status_code = 402


# ------------------------------------------------------------------ storefronts


def _runs_store(principal: Principal, store_id: str) -> bool:
    """The admin, or the store's party acting as its rights holder (not a licensee-role key)."""
    return principal.is_admin or principal.acts_as(Role.rights_holder, store_id)


def _owner(principal: Principal, store_id: str) -> None:
    if not _runs_store(principal, store_id):
        raise Forbidden(
            "only the store's rights holder or the admin", code=ErrorCode.NOT_YOUR_STORE
        )


def create_storefront(
    session: Session, *, principal: Principal, data: StorefrontIn
) -> StorefrontOut:
    _owner(principal, data.id)
    ensure_writable(session, data.id)
    party = session.get(Party, data.id)
    if party is None or party.kind not in (PartyKind.ioc, PartyKind.noc, PartyKind.ocog):
        raise InvalidInput(
            "a storefront belongs to the IOC, an NOC or an OCOG", code=ErrorCode.NOT_A_RIGHTS_HOLDER
        )
    if session.get(Storefront, data.id) is not None:
        raise Conflict(f"{data.id} has a storefront already", code=ErrorCode.ALREADY_EXISTS)
    store = Storefront(id=data.id, name=data.name, currency=data.currency, ships_to=data.ships_to)
    session.add(store)
    session.flush()
    return StorefrontOut.model_validate(store)


def list_storefronts(session: Session) -> list[StorefrontOut]:
    return [
        StorefrontOut.model_validate(s)
        for s in session.scalars(select(Storefront).order_by(Storefront.id))
    ]


def _get_store(session: Session, store_id: str) -> Storefront:
    store = session.get(Storefront, store_id)
    if store is None:
        raise NotFound(f"no storefront {store_id!r}", code=ErrorCode.STOREFRONT_NOT_FOUND)
    return store


def set_store_open(
    session: Session, *, principal: Principal, store_id: str, is_open: bool
) -> StorefrontOut:
    _owner(principal, store_id)
    ensure_writable(session, store_id)
    store = _get_store(session, store_id)
    store.open = is_open
    return StorefrontOut.model_validate(store)


# ------------------------------------------------------------------ offers


def _offer_out(o: Offer, currency: str) -> OfferOut:
    return OfferOut(
        id=o.id,
        storefront=o.storefront_id,
        gtin=o.gtin,
        titles=dict(o.titles),
        descriptions=dict(o.descriptions),
        images=list(o.images),
        price_minor=o.price_minor,
        currency=currency,
        stock=o.inventory.stock,
        status=o.status,
        status_reason=o.status_reason,
        licence=o.licence_id,
    )


def add_offer(session: Session, *, principal: Principal, store_id: str, data: OfferIn) -> OfferOut:
    """A draft offer; it sells once published."""
    _owner(principal, store_id)
    ensure_writable(session, store_id)
    store = _get_store(session, store_id)
    if session.get(Product, data.gtin) is None:
        raise InvalidInput(f"no product with GTIN {data.gtin}", code=ErrorCode.UNKNOWN_PRODUCT)
    if session.scalar(
        select(Offer.id).where(Offer.storefront_id == store_id, Offer.gtin == data.gtin)
    ):
        raise Conflict(f"{store_id} already offers {data.gtin}", code=ErrorCode.ALREADY_EXISTS)
    offer = Offer(
        storefront_id=store_id,
        gtin=data.gtin,
        titles=data.titles,
        descriptions=data.descriptions,
        images=data.images,
        price_minor=data.price_minor,
        inventory=OfferStock(stock=data.stock),
        status=OfferStatus.draft,
        search_text=" ".join([*data.titles.values(), *data.descriptions.values()]).casefold(),
    )
    session.add(offer)
    session.flush()
    return _offer_out(offer, store.currency)


def _coverage(
    index: LicenceIndex, product: Product, territories: Sequence[str], on: date
) -> tuple[str | None, str | None]:
    """``(licence id, None)`` when one licence in force covers the product and the licensee may
    sell it in every territory through the official store; else ``(None, why)``."""
    covering = index.covering_licence(product.licensee_id, product.marks, product.category_id, on)
    if covering is None:
        return None, "no licence in force covers the product"
    for territory in territories:
        decision = index.authorize_many(
            product.licensee_id, product.marks, product.category_id, territory, OFFICIAL, on
        )
        if not decision.allowed:
            reasons = ", ".join(r.value for r in decision.reasons)
            return None, f"not licensed in {territory} ({reasons})"
    return covering[0], None


def _get_offer(session: Session, principal: Principal, offer_id: int) -> Offer:
    """An offer the principal's store runs (NotFound for one it may not see: another store's
    draft or unpublished offer; Forbidden for another store's offer on sale)."""
    offer = session.get(Offer, offer_id)
    if offer is None or not (
        _runs_store(principal, offer.storefront_id) or offer.status is OfferStatus.published
    ):
        raise NotFound(f"no offer {offer_id}", code=ErrorCode.OFFER_NOT_FOUND)
    _owner(principal, offer.storefront_id)
    return offer


def publish_offer(
    session: Session, *, principal: Principal, offer_id: int, index: LicenceIndex, on: date
) -> OfferOut:
    offer = _get_offer(session, principal, offer_id)
    ensure_writable(session, offer.storefront_id)
    store = _get_store(session, offer.storefront_id)
    licence, why = _coverage(index, session.get_one(Product, offer.gtin), store.ships_to, on)
    if licence is None:
        raise Conflict(
            f"offer {offer_id} cannot be published: {why}", code=ErrorCode.OFFER_NOT_LICENSED
        )
    move(offer, OFFER, OfferStatus.published)
    offer.status_reason, offer.licence_id = None, licence
    return _offer_out(offer, store.currency)


def unpublish_offer(session: Session, *, principal: Principal, offer_id: int) -> OfferOut:
    offer = _get_offer(session, principal, offer_id)
    ensure_writable(session, offer.storefront_id)
    move(offer, OFFER, OfferStatus.unpublished)
    offer.status_reason = "unpublished by the store"
    return _offer_out(offer, _get_store(session, offer.storefront_id).currency)


def set_stock(session: Session, *, principal: Principal, offer_id: int, stock: int) -> OfferOut:
    offer = _get_offer(session, principal, offer_id)
    ensure_writable(session, offer.storefront_id)
    offer.inventory.stock = stock
    return _offer_out(offer, _get_store(session, offer.storefront_id).currency)


def sweep_offers(session: Session, *, index: LicenceIndex, on: date) -> int:
    """Unpublish every published offer whose licence no longer covers it (expired, suspended,
    revoked, narrowed); returns how many. Run by `ringfence shop maintain`."""
    count = 0
    for offer, store in session.execute(
        select(Offer, Storefront)
        .join(Storefront, Storefront.id == Offer.storefront_id)
        .where(Offer.status == OfferStatus.published)
    ):
        licence, why = _coverage(index, session.get_one(Product, offer.gtin), store.ships_to, on)
        if licence is None:
            move(offer, OFFER, OfferStatus.unpublished)
            offer.status_reason = why
            count += 1
    return count


def search_offers(
    session: Session,
    *,
    store: str | None = None,
    q: str | None = None,
    category: str | None = None,
    edition: str | None = None,
    noc: str | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[OfferOut]:
    """Published offers of open stores, filtered; ``category`` includes its sub-categories."""
    query = (
        select(Offer, Storefront.currency)
        .join(Storefront, Storefront.id == Offer.storefront_id)
        .join(Product, Product.gtin == Offer.gtin)
        .join(Party, Party.id == Storefront.id)
        .where(Offer.status == OfferStatus.published, Storefront.open.is_(True))
        .order_by(Offer.id)
        .limit(limit)
        .offset(offset)
    )
    if store:
        query = query.where(Offer.storefront_id == store)
    if q:
        for word in q.casefold().split():
            query = query.where(Offer.search_text.contains(word, autoescape=True))
    if category:
        query = query.where(
            or_(Product.category_id == category, Product.category_id.startswith(category + "."))
        )
    if edition:
        query = query.where(Party.edition_id == edition)
    if noc:
        query = query.where(Party.noc_code == noc.upper())
    if min_price is not None:
        query = query.where(Offer.price_minor >= min_price)
    if max_price is not None:
        query = query.where(Offer.price_minor <= max_price)
    return [_offer_out(o, currency) for o, currency in session.execute(query)]


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
_RELEASE = (
    update(OfferStock)
    .where(OfferStock.offer_id == bindparam("offer"))
    .values(stock=OfferStock.stock + bindparam("quantity"))
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


class _PostedLine(Protocol):
    @property
    def line_id(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def line_total_minor(self) -> int: ...
    @property
    def royalty_rate(self) -> Decimal: ...
    @property
    def licence_id(self) -> str: ...
    @property
    def licensor_id(self) -> str: ...
    @property
    def licensee_id(self) -> str: ...


def _post(conn: Connection, lines: Iterable[_PostedLine], kind: EntryKind, now: datetime) -> None:
    """Two entries per line: the licensor's receivable and the licensee's payable."""
    sign = 1 if kind is EntryKind.accrual else -1
    entries = []
    for line in lines:
        amount = sign * royalty(line.line_total_minor, line.royalty_rate)
        posting = "P" + secrets.token_hex(8)
        for account, value in (
            (f"royalty_receivable:{line.licensor_id}", amount),
            (f"royalty_payable:{line.licensee_id}", -amount),
        ):
            entries.append(
                {
                    "posting": posting,
                    "order_line_id": line.line_id,
                    "kind": kind,
                    "account": account,
                    "amount_minor": value,
                    "sales_minor": sign * line.line_total_minor,
                    "currency": line.currency,
                    "licensor_id": line.licensor_id,
                    "licensee_id": line.licensee_id,
                    "licence_id": line.licence_id,
                    "posted_at": now,
                }
            )
    if entries:
        conn.execute(insert(LedgerEntry), entries)


def _order_for_update(session: Session, order_id: str) -> Order:
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFound(f"no order {order_id!r}", code=ErrorCode.ORDER_NOT_FOUND)
    return order


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


# ------------------------------------------------------------------ royalties


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """``2026``, ``2026-Q1`` or ``2026-03`` as [start, end) in UTC."""
    try:
        if len(period) == 4:
            year = int(period)
            return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
        year_text, part = period.split("-")
        year = int(year_text)
        if part.upper().startswith("Q"):
            quarter = int(part[1:])
            if not 1 <= quarter <= 4:
                raise ValueError
            first, last = 3 * quarter - 2, 3 * quarter + 1
        else:
            first = int(part)
            if not 1 <= first <= 12:
                raise ValueError
            last = first + 1
        start = datetime(year, first, 1, tzinfo=UTC)
        end = datetime(year + (last > 12), (last - 1) % 12 + 1, 1, tzinfo=UTC)
    except ValueError:
        raise InvalidInput(
            f"{period!r} is not a period: YYYY, YYYY-Qn or YYYY-MM",
            code=ErrorCode.INVALID_PERIOD,
            loc=("period",),
        ) from None
    return start, end


def royalty_statement(
    session: Session, *, principal: Principal, licensor: str, period: str
) -> StatementOut:
    """What each licensee owes ``licensor`` for the period, per currency: accruals less
    reversals posted in it. Its totals are the ledger's, by construction and by test."""
    if not (
        principal.is_admin
        or (principal.role is Role.rights_holder and principal.party_id == licensor)
    ):
        raise Forbidden(
            "a statement is for its licensor or the admin", code=ErrorCode.NOT_YOUR_PARTY
        )
    start, end = period_bounds(period)
    account = f"royalty_receivable:{licensor}"
    rows = session.execute(
        select(
            LedgerEntry.licensee_id,
            LedgerEntry.currency,
            func.sum(LedgerEntry.sales_minor),
            func.sum(LedgerEntry.amount_minor),
            func.count(),
        )
        .where(
            LedgerEntry.account == account,
            LedgerEntry.posted_at >= start,
            LedgerEntry.posted_at < end,
        )
        .group_by(LedgerEntry.licensee_id, LedgerEntry.currency)
        .order_by(LedgerEntry.licensee_id, LedgerEntry.currency)
    ).all()
    lines = [
        StatementLine(
            licensee=licensee,
            currency=currency,
            sales_minor=int(sales),
            royalty_minor=int(amount),
            entries=n,
        )
        for licensee, currency, sales, amount, n in rows
    ]
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.currency] = totals.get(line.currency, 0) + line.royalty_minor
    return StatementOut(
        licensor=licensor, period=period, start=start, end=end, lines=lines, totals=totals
    )


def ledger_balance(session: Session) -> int:
    """The sum of every entry: zero when the books balance."""
    return int(session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))) or 0)


def published_offer(session: Session, offer_id: int) -> OfferOut:
    """One offer as the storefront shows it (published, in an open store); NotFound else."""
    row = session.execute(
        select(Offer, Storefront.currency)
        .join(Storefront, Storefront.id == Offer.storefront_id)
        .where(
            Offer.id == offer_id,
            Offer.status == OfferStatus.published,
            Storefront.open.is_(True),
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"no offer {offer_id} on sale", code=ErrorCode.OFFER_NOT_FOUND)
    return _offer_out(row[0], row[1])


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


def offer_titles(session: Session, offer_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """The titles (language -> title) of offers, withdrawn ones included: the names an order's
    lines are shown by (a line keeps its offer's id and GTIN, not its words)."""
    ids = sorted(set(offer_ids))
    if not ids:
        return {}
    rows = session.execute(select(Offer.id, Offer.titles).where(Offer.id.in_(ids)))
    return {int(offer_id): {str(k): str(v) for k, v in titles.items()} for offer_id, titles in rows}


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
