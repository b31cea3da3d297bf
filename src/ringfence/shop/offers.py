"""Offers: adding, publishing and unpublishing them (only what a licence in force covers), stock,
the sweep that unpublishes what stops being covered, and the public catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ringfence.authenticity.models import Product
from ringfence.core.errors import Conflict, InvalidInput, NotFound
from ringfence.core.security import Principal
from ringfence.core.states import move
from ringfence.registry.archive import ensure_writable
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.models import Party
from ringfence.shop._common import OFFICIAL, _get_store, _owner, _runs_store
from ringfence.shop.enums import OFFER, OfferStatus
from ringfence.shop.error_codes import ErrorCode
from ringfence.shop.models import Offer, OfferStock, Storefront
from ringfence.shop.schemas import OfferIn, OfferOut

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


def offer_titles(session: Session, offer_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """The titles (language -> title) of offers, withdrawn ones included: the names an order's
    lines are shown by (a line keeps its offer's id and GTIN, not its words)."""
    ids = sorted(set(offer_ids))
    if not ids:
        return {}
    rows = session.execute(select(Offer.id, Offer.titles).where(Offer.id.in_(ids)))
    return {int(offer_id): {str(k): str(v) for k, v in titles.items()} for offer_id, titles in rows}
