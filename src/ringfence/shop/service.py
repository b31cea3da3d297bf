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
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringfence.authenticity.models import Product
from ringfence.authenticity.service import issue_batch
from ringfence.core.db import utcnow
from ringfence.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RingfenceError
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.editions.service import ensure_writable
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.enums import Channel, PartyKind
from ringfence.registry.models import Licence, Party
from ringfence.shop.enums import EntryKind, OfferStatus, OrderStatus
from ringfence.shop.models import IdempotencyKey, LedgerEntry, Offer, Order, OrderLine, Storefront
from ringfence.shop.money import royalty
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


class PaymentDeclined(RingfenceError):
    status_code = 402


# ------------------------------------------------------------------ storefronts


def _store_out(s: Storefront) -> StorefrontOut:
    return StorefrontOut(
        id=s.id, name=s.name, currency=s.currency, ships_to=list(s.ships_to), open=s.open
    )


def _owner(principal: Principal, store_id: str) -> None:
    if not (principal.is_admin or principal.party_id == store_id):
        raise Forbidden("only the store's rights holder or the admin", code="not_your_store")


def create_storefront(
    session: Session, *, principal: Principal, data: StorefrontIn
) -> StorefrontOut:
    _owner(principal, data.id)
    ensure_writable(session, data.id)
    party = session.get(Party, data.id)
    if party is None or party.kind not in (PartyKind.ioc, PartyKind.noc, PartyKind.ocog):
        raise InvalidInput(
            "a storefront belongs to the IOC, an NOC or an OCOG", code="not_a_rights_holder"
        )
    if session.get(Storefront, data.id) is not None:
        raise Conflict(f"{data.id} has a storefront already", code="already_exists")
    store = Storefront(id=data.id, name=data.name, currency=data.currency, ships_to=data.ships_to)
    session.add(store)
    session.flush()
    return _store_out(store)


def list_storefronts(session: Session) -> list[StorefrontOut]:
    return [_store_out(s) for s in session.scalars(select(Storefront).order_by(Storefront.id))]


def _get_store(session: Session, store_id: str) -> Storefront:
    store = session.get(Storefront, store_id)
    if store is None:
        raise NotFound(f"no storefront {store_id!r}", code="storefront_not_found")
    return store


def set_store_open(
    session: Session, *, principal: Principal, store_id: str, is_open: bool
) -> StorefrontOut:
    _owner(principal, store_id)
    ensure_writable(session, store_id)
    store = _get_store(session, store_id)
    store.open = is_open
    return _store_out(store)


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
        stock=o.stock,
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
        raise InvalidInput(f"no product with GTIN {data.gtin}", code="unknown_product")
    if session.scalar(
        select(Offer.id).where(Offer.storefront_id == store_id, Offer.gtin == data.gtin)
    ):
        raise Conflict(f"{store_id} already offers {data.gtin}", code="already_exists")
    offer = Offer(
        storefront_id=store_id,
        gtin=data.gtin,
        titles=data.titles,
        descriptions=data.descriptions,
        images=data.images,
        price_minor=data.price_minor,
        stock=data.stock,
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


def _get_offer(session: Session, offer_id: int) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(f"no offer {offer_id}", code="offer_not_found")
    return offer


def publish_offer(
    session: Session, *, principal: Principal, offer_id: int, index: LicenceIndex, on: date
) -> OfferOut:
    offer = _get_offer(session, offer_id)
    _owner(principal, offer.storefront_id)
    ensure_writable(session, offer.storefront_id)
    store = _get_store(session, offer.storefront_id)
    licence, why = _coverage(index, session.get_one(Product, offer.gtin), store.ships_to, on)
    if licence is None:
        raise Conflict(f"offer {offer_id} cannot be published: {why}", code="offer_not_licensed")
    offer.status, offer.status_reason, offer.licence_id = OfferStatus.published, None, licence
    return _offer_out(offer, store.currency)


def unpublish_offer(session: Session, *, principal: Principal, offer_id: int) -> OfferOut:
    offer = _get_offer(session, offer_id)
    _owner(principal, offer.storefront_id)
    ensure_writable(session, offer.storefront_id)
    offer.status, offer.status_reason = OfferStatus.unpublished, "unpublished by the store"
    return _offer_out(offer, _get_store(session, offer.storefront_id).currency)


def set_stock(session: Session, *, principal: Principal, offer_id: int, stock: int) -> OfferOut:
    offer = _get_offer(session, offer_id)
    _owner(principal, offer.storefront_id)
    ensure_writable(session, offer.storefront_id)
    offer.stock = stock
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
            offer.status, offer.status_reason = OfferStatus.unpublished, why
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

# One transition table for the order state machine.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.placed: frozenset({OrderStatus.paid, OrderStatus.cancelled}),
    OrderStatus.paid: frozenset({OrderStatus.fulfilled, OrderStatus.refunded}),
    OrderStatus.fulfilled: frozenset({OrderStatus.shipped, OrderStatus.refunded}),
    OrderStatus.shipped: frozenset({OrderStatus.delivered, OrderStatus.refunded}),
    OrderStatus.delivered: frozenset({OrderStatus.refunded}),
    OrderStatus.cancelled: frozenset(),
    OrderStatus.refunded: frozenset(),
}


def transition(order: Order, to: OrderStatus, reason: str | None = None) -> None:
    """Move an order to ``to`` or raise Conflict ``illegal_transition``."""
    if to not in TRANSITIONS[order.status]:
        raise Conflict(
            f"order {order.id} is {order.status.value}: it cannot become {to.value}",
            code="illegal_transition",
        )
    order.status = to
    order.status_reason = reason


def order_out(session: Session, order: Order) -> OrderOut:
    lines = session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)
    )
    return OrderOut(
        id=order.id,
        storefront=order.storefront_id,
        status=order.status,
        status_reason=order.status_reason,
        currency=order.currency,
        total_minor=order.total_minor,
        lines=[
            OrderLineOut(
                offer=line.offer_id,
                gtin=line.gtin,
                quantity=line.quantity,
                unit_price_minor=line.unit_price_minor,
                line_total_minor=line.line_total_minor,
                licence=line.licence_id,
                code_batch=line.code_batch_id,
            )
            for line in lines
        ],
        reserved_until=order.reserved_until,
        created_at=order.created_at,
    )


@dataclass(frozen=True, slots=True)
class Placed:
    order: Order
    created: bool  # False: an earlier request with the same idempotency key made it


def _fingerprint(store_id: str, data: CheckoutIn) -> str:
    body = json.dumps([store_id, data.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(session: Session, key: str, fingerprint: str) -> Order | None:
    existing = session.get(IdempotencyKey, key)
    if existing is None:
        return None
    if existing.request_hash != fingerprint:
        raise Conflict(
            "this Idempotency-Key was used for a different request",
            code="idempotency_key_reused",
        )
    return session.get_one(Order, existing.order_id)


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
    now = now or utcnow()
    order_id = "O" + secrets.token_hex(10)
    key = f"{store_id}|{buyer}|{idempotency_key}" if idempotency_key else None
    if key is not None:
        fingerprint = _fingerprint(store_id, data)
        if (earlier := _replay(session, key, fingerprint)) is not None:
            return Placed(earlier, created=False)
        try:
            with session.begin_nested():
                session.add(IdempotencyKey(key=key, request_hash=fingerprint, order_id=order_id))
        except IntegrityError:
            # A concurrent request with this key committed first (we waited on its lock).
            earlier = _replay(session, key, fingerprint)
            if earlier is None:  # pragma: no cover - it committed, so it is there
                raise
            return Placed(earlier, created=False)

    store = _get_store(session, store_id)
    if not store.open:
        raise Conflict(f"the {store.name} is closed", code="store_closed")
    country = data.ship_to.country
    if country not in store.ships_to:
        raise InvalidInput(
            f"the {store.name} does not ship to {country}",
            code="not_shipped_there",
            loc=("ship_to", "country"),
        )
    wanted = sorted(data.lines, key=lambda line: line.offer)  # one lock order: no deadlocks
    offers = {
        o.id: o
        for o in session.scalars(select(Offer).where(Offer.id.in_([w.offer for w in wanted])))
    }
    rates = {}
    today = now.date()
    for i, line in enumerate(wanted):
        offer = offers.get(line.offer)
        if (
            offer is None
            or offer.storefront_id != store_id
            or offer.status != OfferStatus.published
        ):
            raise InvalidInput(
                f"offer {line.offer} is not on sale here",
                code="offer_not_on_sale",
                loc=("lines", i, "offer"),
            )
        product = session.get_one(Product, offer.gtin)
        decision = index.authorize_many(
            product.licensee_id, product.marks, product.category_id, country, OFFICIAL, today
        )
        licence = session.execute(
            select(
                Licence.id, Licence.licensor_id, Licence.licensee_id, Licence.royalty_rate
            ).where(Licence.id == offer.licence_id)
        ).first()
        if not decision.allowed or licence is None:
            raise Conflict(
                f"offer {line.offer} may not be sold to {country} today",
                code="offer_not_licensed",
                loc=("lines", i, "offer"),
            )
        rates[offer.id] = licence
    order = Order(
        id=order_id,
        storefront_id=store_id,
        buyer=buyer,
        email=data.email,
        ship_to=data.ship_to.model_dump(mode="json"),
        status=OrderStatus.placed,
        currency=store.currency,
        total_minor=sum(offers[w.offer].price_minor * w.quantity for w in wanted),
        reserved_until=now + reservation,
        created_at=now,
    )
    session.add(order)
    session.flush()
    for line in wanted:
        offer, licence = offers[line.offer], rates[line.offer]
        session.add(
            OrderLine(
                order_id=order_id,
                offer_id=offer.id,
                gtin=offer.gtin,
                quantity=line.quantity,
                unit_price_minor=offer.price_minor,
                line_total_minor=offer.price_minor * line.quantity,
                licence_id=licence.id,
                licensor_id=licence.licensor_id,
                licensee_id=licence.licensee_id,
                royalty_rate=licence.royalty_rate,
            )
        )
    session.flush()
    # The stock last, just before the caller commits: every order of a hot item queues on its
    # row lock from this UPDATE to the COMMIT, so nothing else may happen in between.
    for i, line in enumerate(wanted):
        reserved = session.execute(
            update(Offer)
            .where(Offer.id == line.offer, Offer.stock >= line.quantity)
            .values(stock=Offer.stock - line.quantity)
            .execution_options(synchronize_session=False)
        )
        if reserved.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(
                f"offer {line.offer} has fewer than {line.quantity} in stock",
                code="out_of_stock",
                loc=("lines", i, "quantity"),
            )
    return Placed(order, created=True)


def _lines(session: Session, order: Order) -> list[OrderLine]:
    return list(session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)))


def _release(session: Session, order: Order) -> None:
    for line in _lines(session, order):
        session.execute(
            update(Offer)
            .where(Offer.id == line.offer_id)
            .values(stock=Offer.stock + line.quantity)
            .execution_options(synchronize_session=False)
        )


def _post(session: Session, order: Order, kind: EntryKind, now: datetime) -> None:
    """Two entries per line: the licensor's receivable and the licensee's payable."""
    sign = 1 if kind is EntryKind.accrual else -1
    for line in _lines(session, order):
        amount = sign * royalty(line.line_total_minor, line.royalty_rate)
        posting = "P" + secrets.token_hex(8)
        for account, value in (
            (f"royalty_receivable:{line.licensor_id}", amount),
            (f"royalty_payable:{line.licensee_id}", -amount),
        ):
            session.add(
                LedgerEntry(
                    posting=posting,
                    order_line_id=line.id,
                    kind=kind,
                    account=account,
                    amount_minor=value,
                    sales_minor=sign * line.line_total_minor,
                    currency=order.currency,
                    licensor_id=line.licensor_id,
                    licensee_id=line.licensee_id,
                    licence_id=line.licence_id,
                    posted_at=now,
                )
            )


def _order_for_update(session: Session, order_id: str) -> Order:
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFound(f"no order {order_id!r}", code="order_not_found")
    return order


def pay_order(
    session: Session,
    *,
    order_id: str,
    provider: PaymentProvider,
    token: str,
    now: datetime | None = None,
) -> Order:
    """Authorise and capture; on success the order is paid and royalties accrue, on failure it
    is cancelled with the reason and its stock goes back."""
    now = now or utcnow()
    order = _order_for_update(session, order_id)
    if order.status is not OrderStatus.placed:
        return order
    try:
        payment = provider.authorize(
            reference=order.id, amount_minor=order.total_minor, currency=order.currency, token=token
        )
        provider.capture(payment)
    except PaymentError as exc:
        _release(session, order)
        transition(order, OrderStatus.cancelled, exc.code)
        return order
    order.payment_ref = payment
    transition(order, OrderStatus.paid)
    _post(session, order, EntryKind.accrual, now)
    return order


def _managed_order(session: Session, principal: Principal, order_id: str) -> Order:
    order = _order_for_update(session, order_id)
    if not (principal.is_admin or principal.party_id == order.storefront_id):
        raise NotFound(f"no order {order_id!r}", code="order_not_found")
    return order


def get_order(session: Session, *, principal: Principal, order_id: str) -> OrderOut:
    order = session.get(Order, order_id)
    if order is None or not (principal.is_admin or principal.party_id == order.storefront_id):
        raise NotFound(f"no order {order_id!r}", code="order_not_found")
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
    for line in _lines(session, order):
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
        raise InvalidInput(f"use the dedicated action for {to.value}", code="invalid_status")
    order = _managed_order(session, principal, order_id)
    was = order.status
    transition(order, to, "cancelled by the store" if to is OrderStatus.cancelled else None)
    if to is OrderStatus.cancelled and was is OrderStatus.placed:
        _release(session, order)
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
    _post(session, order, EntryKind.reversal, now)
    if was in (OrderStatus.paid, OrderStatus.fulfilled):
        _release(session, order)
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
        _release(session, order)
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
            code="invalid_period",
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
        raise Forbidden("a statement is for its licensor or the admin", code="not_your_party")
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
        raise NotFound(f"no offer {offer_id} on sale", code="offer_not_found")
    return _offer_out(row[0], row[1])


def list_orders(
    session: Session, *, principal: Principal, limit: int = 50, offset: int = 0
) -> list[OrderOut]:
    """The orders of the principal's storefront (every store's for the admin), newest first:
    the same orders ``get_order`` shows it."""
    query = select(Order).order_by(Order.created_at.desc(), Order.id).limit(limit).offset(offset)
    if not principal.is_admin:
        query = query.where(Order.storefront_id == (principal.party_id or ""))
    return [order_out(session, order) for order in session.scalars(query)]
