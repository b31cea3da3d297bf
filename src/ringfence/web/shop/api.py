"""Shop API: storefronts, offers, checkout, orders, royalty statements."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.db import unit_of_work, utcnow
from ringfence.core.security import Principal
from ringfence.shop import service
from ringfence.shop.batching import CheckoutBatcher
from ringfence.shop.enums import OrderStatus
from ringfence.shop.payments import PaymentProvider
from ringfence.shop.schemas import (
    MAX_ID,
    MAX_MINOR,
    CheckoutIn,
    OfferIn,
    OfferOut,
    OrderOut,
    RefundIn,
    StatementOut,
    StockIn,
    StorefrontIn,
    StorefrontOut,
)
from ringfence.web.deps import (
    CurrentPrincipal,
    IndexDep,
    OptionalPrincipal,
    SessionDep,
    SettingsDep,
)

router = APIRouter(tags=["shop"])
OfferId = Annotated[int, Path(ge=1, le=MAX_ID)]


async def get_provider(request: Request) -> PaymentProvider:
    provider: PaymentProvider = request.app.state.payment_provider
    return provider


ProviderDep = Annotated[PaymentProvider, Depends(get_provider)]


# ------------------------------------------------------------------ storefronts and offers


@router.get("/v1/shop/stores", response_model=list[StorefrontOut])
def list_storefronts(session: SessionDep) -> list[StorefrontOut]:
    """Every storefront (public)."""
    return service.list_storefronts(session)


@router.post("/v1/shop/stores", response_model=StorefrontOut, status_code=201)
def create_storefront(
    body: StorefrontIn, principal: CurrentPrincipal, session: SessionDep
) -> StorefrontOut:
    return service.create_storefront(session, principal=principal, data=body)


@router.post("/v1/shop/stores/{store_id}/open", response_model=StorefrontOut)
def open_store(store_id: str, principal: CurrentPrincipal, session: SessionDep) -> StorefrontOut:
    return service.set_store_open(session, principal=principal, store_id=store_id, is_open=True)


@router.post("/v1/shop/stores/{store_id}/close", response_model=StorefrontOut)
def close_store(store_id: str, principal: CurrentPrincipal, session: SessionDep) -> StorefrontOut:
    return service.set_store_open(session, principal=principal, store_id=store_id, is_open=False)


@router.post("/v1/shop/stores/{store_id}/offers", response_model=OfferOut, status_code=201)
def add_offer(
    store_id: str, body: OfferIn, principal: CurrentPrincipal, session: SessionDep
) -> OfferOut:
    """A draft offer of a registered licensed product."""
    return service.add_offer(session, principal=principal, store_id=store_id, data=body)


@router.get("/v1/shop/offers", response_model=list[OfferOut])
def search_offers(
    session: SessionDep,
    store: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: str | None = None,
    edition: str | None = None,
    noc: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    min_price: Annotated[int | None, Query(ge=0, le=MAX_MINOR)] = None,
    max_price: Annotated[int | None, Query(ge=0, le=MAX_MINOR)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[OfferOut]:
    """Published offers of open stores (public): words in the title or description, category
    (with sub-categories), edition (OCOG stores), NOC code, price range in minor units."""
    return service.search_offers(
        session,
        store=store,
        q=q,
        category=category,
        edition=edition,
        noc=noc,
        min_price=min_price,
        max_price=max_price,
        limit=limit,
        offset=offset,
    )


@router.post("/v1/shop/offers/{offer_id}/publish", response_model=OfferOut)
def publish_offer(
    offer_id: OfferId, principal: CurrentPrincipal, session: SessionDep, index: IndexDep
) -> OfferOut:
    """Put on sale: 409 ``offer_not_licensed`` unless a licence in force covers the product in
    every territory the store ships to, through the official store."""
    return service.publish_offer(
        session, principal=principal, offer_id=offer_id, index=index, on=utcnow().date()
    )


@router.post("/v1/shop/offers/{offer_id}/unpublish", response_model=OfferOut)
def unpublish_offer(
    offer_id: OfferId, principal: CurrentPrincipal, session: SessionDep
) -> OfferOut:
    return service.unpublish_offer(session, principal=principal, offer_id=offer_id)


@router.put("/v1/shop/offers/{offer_id}/stock", response_model=OfferOut)
def set_stock(
    offer_id: OfferId, body: StockIn, principal: CurrentPrincipal, session: SessionDep
) -> OfferOut:
    return service.set_stock(session, principal=principal, offer_id=offer_id, stock=body.stock)


# ------------------------------------------------------------------ checkout and orders


@router.post("/v1/shop/stores/{store_id}/orders", response_model=OrderOut, status_code=201)
async def checkout(
    store_id: str,
    body: CheckoutIn,
    request: Request,
    response: Response,
    principal: OptionalPrincipal,
    index: IndexDep,
    provider: ProviderDep,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
    ] = None,
) -> OrderOut:
    """Buy (guests too): stock is reserved, the payment authorised and captured. 201 with the
    paid order; 402 ``payment_declined``/``payment_timeout``/``capture_failed`` when payment
    fails (the order is cancelled and its stock released); 409 ``out_of_stock``. With an
    ``Idempotency-Key``, a retry gets the first request's answer, never a second order: 200
    with the order, or the same 402. A retry never answers before the payment's outcome is
    known: an order still waiting for its payment (the first request failed after charging,
    or is still paying) is charged again under the same reference, which the provider takes
    once, and settled.

    Concurrent checkouts share transactions (shop/batching.py); the payment call runs in a
    worker thread of its own, outside any transaction."""
    batcher: CheckoutBatcher = request.app.state.checkout_batcher
    buyer = (principal.party_id if principal else None) or "guest"
    placed = await batcher.place(
        service.OrderRequest(store_id, buyer, body, idempotency_key),
        index=index,
        reservation=timedelta(minutes=settings.reservation_minutes),
    )
    if not placed.created:
        response.status_code = 200
    if placed.order.status is not OrderStatus.placed:
        return service.answer(placed).order
    payment = await run_in_threadpool(service.charge, provider, placed.order, body.payment_token)
    order = await batcher.settle(payment)
    if service.refund_due(payment, order):
        factory: sessionmaker[Session] = request.app.state.session_factory
        await run_in_threadpool(_give_back, factory, provider, order.id)
    return service.answer(service.Placed(order, placed.created)).order


def _give_back(factory: sessionmaker[Session], provider: PaymentProvider, order_id: str) -> None:
    """Refund what a checkout took for an order that stopped waiting for it (rare: its
    reservation ran out meanwhile); should this fail, `shop maintain` does it."""
    with unit_of_work(factory) as session:
        service.reconcile_intents(session, provider=provider, order_ids=[order_id])


@router.get("/v1/shop/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: str, principal: CurrentPrincipal, session: SessionDep) -> OrderOut:
    return service.get_order(session, principal=principal, order_id=order_id)


@router.post("/v1/shop/orders/{order_id}/fulfil", response_model=OrderOut)
def fulfil_order(
    order_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    index: IndexDep,
    settings: SettingsDep,
) -> OrderOut:
    """Pack: each unit gets an authenticity code (a code batch per line)."""
    return service.fulfil_order(
        session,
        principal=principal,
        order_id=order_id,
        index=index,
        secret=settings.secret_key.get_secret_value(),
    )


def _advance(order_id: str, to: OrderStatus, principal: Principal, session: Session) -> OrderOut:
    return service.advance_order(session, principal=principal, order_id=order_id, to=to)


@router.post("/v1/shop/orders/{order_id}/ship", response_model=OrderOut)
def ship_order(order_id: str, principal: CurrentPrincipal, session: SessionDep) -> OrderOut:
    return _advance(order_id, OrderStatus.shipped, principal, session)


@router.post("/v1/shop/orders/{order_id}/deliver", response_model=OrderOut)
def deliver_order(order_id: str, principal: CurrentPrincipal, session: SessionDep) -> OrderOut:
    return _advance(order_id, OrderStatus.delivered, principal, session)


@router.post("/v1/shop/orders/{order_id}/cancel", response_model=OrderOut)
def cancel_order(order_id: str, principal: CurrentPrincipal, session: SessionDep) -> OrderOut:
    """Cancel an unpaid order; its reserved stock goes back on sale."""
    return _advance(order_id, OrderStatus.cancelled, principal, session)


@router.post("/v1/shop/orders/{order_id}/refund", response_model=OrderOut)
def refund_order(
    order_id: str,
    body: RefundIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    provider: ProviderDep,
) -> OrderOut:
    """Refund in full; the royalties are reversed."""
    return service.refund_order(
        session, principal=principal, order_id=order_id, provider=provider, reason=body.reason
    )


@router.get("/v1/royalties/statement", response_model=StatementOut)
def royalty_statement(
    licensor: str,
    period: Annotated[str, Query(description="YYYY, YYYY-Qn or YYYY-MM (UTC)")],
    principal: CurrentPrincipal,
    session: SessionDep,
) -> StatementOut:
    return service.royalty_statement(session, principal=principal, licensor=licensor, period=period)
