"""Storefront pages (browse by NOC, edition and category, search, product pages, cart,
checkout with the sandbox payment, order history), the console's order and royalty pages and
the licensee's royalty statements. Every page works without JavaScript: forms and redirects.

A guest's cart and the orders this browser placed live in signed cookies (web/session.py); an
order id in that cookie is what lets a guest see the order, as an order number does by mail."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ringfence.authenticity.service import batch_codes
from ringfence.core.db import utcnow
from ringfence.core.errors import Conflict, InvalidInput, NotFound
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.flows import checkout as purchase
from ringfence.registry.service import list_categories, list_editions, list_licences
from ringfence.shop import service
from ringfence.shop.enums import OrderStatus
from ringfence.shop.payments import DECLINED, PaymentProvider
from ringfence.shop.schemas import (
    MAX_ID,
    MAX_QUANTITY,
    AddressIn,
    CheckoutIn,
    LineIn,
    OrderOut,
    StatementOut,
)
from ringfence.shop.service import UNPAID
from ringfence.web import messages
from ringfence.web import session as cookies
from ringfence.web.deps import IndexDep
from ringfence.web.error_codes import ErrorCode
from ringfence.web.page import Page, PageDep

router = APIRouter(include_in_schema=False, tags=["pages"], default_response_class=HTMLResponse)

PAGE = 24
SANDBOX_PAYS = "tok_visa"  # any token but the sandbox's failing ones pays
MAX_CART_LINES = 50
CART_MAX_AGE = 30 * 24 * 3600


def _title(offer: Any, lang: str) -> str:
    titles: dict[str, str] = offer.titles
    return titles.get(lang) or titles.get("en") or next(iter(titles.values()))


def _cart(page: Page) -> dict[str, int]:
    raw = cookies.read_json(page.request, page.settings, cookies.CART, {})
    if not isinstance(raw, dict):
        return {}
    return {
        str(k): int(v)
        for k, v in raw.items()
        if str(k).isdigit() and isinstance(v, int) and 0 < v <= MAX_QUANTITY
    }


def _save_cart(page: Page, cart: dict[str, int]) -> None:
    page.set_cookie(cookies.CART, cookies.encode_json(cart) if cart else None, CART_MAX_AGE)


def _my_orders(page: Page) -> list[str]:
    raw = cookies.read_json(page.request, page.settings, cookies.ORDERS, [])
    return [str(o) for o in raw][: cookies.MAX_ORDERS] if isinstance(raw, list) else []


# ------------------------------------------------------------------ browse


@router.get("/shop")
def browse(
    page: PageDep,
    q: Annotated[str, Query(max_length=200)] = "",
    noc: Annotated[str, Query(max_length=3)] = "",
    edition: Annotated[str, Query(max_length=100)] = "",
    category: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> Response:
    offers = service.search_offers(
        page.db,
        q=q or None,
        noc=noc or None,
        edition=edition or None,
        category=category or None,
        limit=PAGE + 1,
        offset=offset,
    )
    return page.render(
        "shop/browse.html",
        title=page._("Official shop"),
        offers=[(o, _title(o, page.lang)) for o in offers[:PAGE]],
        more=len(offers) > PAGE,
        offset=offset,
        q=q,
        noc=noc,
        edition=edition,
        category=category,
        editions=sorted(list_editions(page.db), key=lambda e: -e.year),
        categories=[c for c in list_categories(page.db) if c.parent is None],
    )


@router.get("/shop/items/{offer_id}")
def item(page: PageDep, offer_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    offer = service.published_offer(page.db, offer_id)
    title = _title(offer, page.lang)
    descriptions: dict[str, str] = offer.descriptions
    return page.render(
        "shop/item.html",
        title=title,
        offer=offer,
        description=descriptions.get(page.lang) or descriptions.get("en", ""),
        max_quantity=min(MAX_QUANTITY, offer.stock),
    )


# ------------------------------------------------------------------ cart


@router.post("/shop/cart")
def add_to_cart(
    page: PageDep,
    offer: Annotated[int, Form(ge=1, le=MAX_ID)],
    quantity: Annotated[int, Form(ge=1, le=MAX_QUANTITY)] = 1,
) -> Response:
    service.published_offer(page.db, offer)  # on sale, or 404
    cart = _cart(page)
    if len(cart) >= MAX_CART_LINES and str(offer) not in cart:
        raise InvalidInput("the cart is full", code=ErrorCode.CART_FULL)
    cart[str(offer)] = min(MAX_QUANTITY, cart.get(str(offer), 0) + quantity)
    _save_cart(page, cart)
    return page.redirect("/shop/cart", done="added")


def _cart_lines(page: Page) -> list[tuple[Any, str, int]]:
    lines = []
    for offer_id, quantity in _cart(page).items():
        try:
            offer = service.published_offer(page.db, int(offer_id))
        except NotFound:
            continue  # no longer on sale: dropped from the cart
        lines.append((offer, _title(offer, page.lang), quantity))
    return lines


@router.get("/shop/cart")
def cart(page: PageDep) -> Response:
    lines = _cart_lines(page)
    stores: dict[str, list[tuple[Any, str, int]]] = {}
    for line in lines:
        stores.setdefault(line[0].storefront, []).append(line)
    # Each store is checked out on its own, in its own currency: a total per store.
    totals = {
        store: (sum(o.price_minor * q for o, _, q in found), found[0][0].currency)
        for store, found in stores.items()
    }
    return page.render("shop/cart.html", title=page._("Cart"), stores=stores, totals=totals)


@router.post("/shop/cart/remove")
def remove_from_cart(page: PageDep, offer: Annotated[int, Form(ge=1, le=MAX_ID)]) -> Response:
    cart = _cart(page)
    cart.pop(str(offer), None)  # not in the cart (removed in another tab): nothing to do
    _save_cart(page, cart)
    return page.redirect("/shop/cart", done="cart_removed")


@router.post("/shop/cart/update")
def update_cart(
    page: PageDep,
    offer: Annotated[int, Form(ge=1, le=MAX_ID)],
    quantity: Annotated[int, Form(ge=0, le=MAX_QUANTITY)],
) -> Response:
    cart = _cart(page)
    if quantity:
        cart[str(offer)] = quantity
    else:
        cart.pop(str(offer), None)
    _save_cart(page, cart)
    return page.redirect("/shop/cart", done="cart_updated")


# ------------------------------------------------------------------ checkout


def _store(page: Page, store_id: str) -> Any:
    for store in service.list_storefronts(page.db):
        if store.id == store_id:
            return store
    raise NotFound(f"no store {store_id!r}", code=ErrorCode.STORE_NOT_FOUND)


def _checkout_page(
    page: Page,
    store: Any,
    lines: list[tuple[Any, str, int]],
    *,
    form: dict[str, str] | None = None,
    error: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The checkout form; after a refusal, with what was typed and the reason (a code and its
    sentence in the page's language). Each showing gets a new attempt: a declined attempt's
    order stays cancelled, and paying again places a new one."""
    return page.render(
        "shop/checkout.html",
        status_code=status_code,
        title=page._("Checkout"),
        store=store,
        lines=lines,
        total=sum(o.price_minor * q for o, _, q in lines),
        pays=SANDBOX_PAYS,
        declined=DECLINED,
        attempt=secrets.token_urlsafe(12),
        form=form or {},
        error=error,
    )


@router.get("/shop/checkout/{store_id}")
def checkout_form(page: PageDep, store_id: str) -> Response:
    store = _store(page, store_id)
    lines = [line for line in _cart_lines(page) if line[0].storefront == store_id]
    if not lines:
        return page.redirect("/shop/cart")
    return _checkout_page(page, store, lines)


def _field_error(exc: ValidationError) -> tuple[str, str]:
    """The code of the first field the checkout's schema refused."""
    errors = exc.errors()
    loc = errors[0]["loc"] if errors else ()
    field = str(loc[-1]) if loc else ""
    if field == "email":
        return "invalid_email", field
    if field in ("postal_code", "ship_to") or (not field and exc.title == "AddressIn"):
        return "invalid_postal_code", "postal_code"  # the address's own check, of the whole
    return "invalid_input", field


@router.post("/shop/checkout/{store_id}")
def checkout(
    page: PageDep,
    request: Request,
    index: IndexDep,
    store_id: str,
    email: Annotated[str, Form(max_length=320)],
    name: Annotated[str, Form(max_length=200)],
    line1: Annotated[str, Form(max_length=200)],
    city: Annotated[str, Form(max_length=100)],
    postal_code: Annotated[str, Form(max_length=20)],
    country: Annotated[str, Form(max_length=2)],
    card: Annotated[str, Form(max_length=200)],
    attempt: Annotated[str, Form(min_length=8, max_length=64)],
    line2: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    store = _store(page, store_id)
    lines = [line for line in _cart_lines(page) if line[0].storefront == store_id]
    if not lines:
        return page.redirect("/shop/cart")
    # What the form shows again after a refusal: what the buyer typed, never the card.
    typed = {
        "email": email,
        "name": name,
        "line1": line1,
        "line2": line2,
        "city": city,
        "postal_code": postal_code,
        "country": country,
    }

    def again(code: str, status_code: int, field: str = "") -> Response:
        error = {"code": code, "text": messages.explain(code, status_code, page.lang)}
        return _checkout_page(
            page, store, lines, form=typed, error=error | {"field": field}, status_code=status_code
        )

    try:
        data = CheckoutIn(
            lines=[LineIn(offer=o.id, quantity=q) for o, _, q in lines],
            email=email.strip(),
            ship_to=AddressIn(
                name=name,
                line1=line1,
                line2=line2 or None,
                city=city,
                postal_code=postal_code.strip(),
                country=country.upper(),
            ),
            payment_token=card,
        )
    except ValidationError as exc:
        code, field = _field_error(exc)
        return again(code, 422, field)
    provider: PaymentProvider = request.app.state.payment_provider
    try:
        order = purchase.checkout(
            page.db,
            store_id=store_id,
            buyer=page.user.principal.party_id or "guest" if page.user else "guest",
            data=data,
            index=index,
            provider=provider,
            # One order per checkout form shown, however often it is posted (a double click).
            idempotency_key=f"web:{page.visitor}:{attempt}",
            reservation=timedelta(minutes=page.settings.reservation_minutes),
        ).order
    except (Conflict, InvalidInput) as exc:  # out of stock, not shipped there...
        return again(exc.details[0].code, exc.status_code)
    if order.status is OrderStatus.cancelled and order.status_reason in UNPAID:
        # Declined (or not charged): the order is cancelled and its payment intent failed, by
        # the flow; the buyer is back on the form with what they typed, the cart untouched.
        return again(order.status_reason or "payment_failed", 402)
    orders = [order.id, *[o for o in _my_orders(page) if o != order.id]]
    page.set_cookie(cookies.ORDERS, cookies.encode_json(orders[: cookies.MAX_ORDERS]), 10**8)
    if order.status is not OrderStatus.cancelled:
        cart = _cart(page)
        for offer, _, _ in lines:
            cart.pop(str(offer.id), None)
        _save_cart(page, cart)
    return page.redirect(f"/shop/orders/{order.id}")


# ------------------------------------------------------------------ orders


@router.get("/shop/orders")
def my_orders(page: PageDep) -> Response:
    orders = []
    for order_id in _my_orders(page):
        try:
            orders.append(service.get_order(page.db, principal=SYSTEM, order_id=order_id))
        except NotFound:
            continue
    return page.render(
        "shop/orders.html", title=page._("My orders"), orders=orders, names=_names(page, orders)
    )


def _codes(page: Page, order: Any) -> list[tuple[str, str, str]]:
    """(serial, verify link on this site, printed link) of each unit of a fulfilled order."""
    out = []
    for line in order.lines:
        if line.code_batch:
            for code in batch_codes(
                page.db,
                principal=SYSTEM,
                batch_id=line.code_batch,
                secret=page.settings.secret_key.get_secret_value(),
            ):
                out.append((code.serial, code.uri("/v"), code.uri(page.settings.resolver_url)))
    return out


def _names(page: Page, orders: list[OrderOut]) -> dict[int, str]:
    """The name of each offer of the orders, in the page's language (the GTIN when unknown)."""
    titles = service.offer_titles(page.db, (line.offer for o in orders for line in o.lines))
    names: dict[int, str] = {}
    for order in orders:
        for line in order.lines:
            found = titles.get(line.offer) or {}
            names[line.offer] = found.get(page.lang) or found.get("en") or line.gtin
    return names


def _order(page: Page, order: OrderOut, principal: Principal, *, console: bool) -> Response:
    """The order page, for its buyer (console False: the browser that placed it, as SYSTEM) or
    in the console (the store's owner or the admin), with where it ships."""
    return page.render(
        "shop/order.html",
        title=page._("Order %(id)s") % {"id": order.id},
        order=order,
        names=_names(page, [order]),
        delivery=service.order_delivery(page.db, principal=principal, order_id=order.id),
        codes=_codes(page, order),
        console=console,
        unpaid=order.status_reason in UNPAID,
    )


@router.get("/shop/orders/{order_id}")
def order_page(page: PageDep, order_id: str) -> Response:
    if order_id not in _my_orders(page):
        raise NotFound(f"no order {order_id!r}", code=ErrorCode.ORDER_NOT_FOUND)
    return _order(
        page, service.get_order(page.db, principal=SYSTEM, order_id=order_id), SYSTEM, console=False
    )


@router.get("/console/orders")
def console_orders(
    page: PageDep,
    order: Annotated[str, Query(max_length=32)] = "",
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> Response:
    principal = page.require(Role.admin, Role.rights_holder)
    if order.strip():
        return page.redirect(f"/console/orders/{order.strip()}")
    orders = service.list_orders(page.db, principal=principal, limit=PAGE + 1, offset=offset)
    return page.render(
        "shop/find_order.html",
        title=page._("Orders"),
        orders=orders[:PAGE],
        more=len(orders) > PAGE,
        offset=offset,
    )


@router.get("/console/orders/{order_id}")
def console_order(page: PageDep, order_id: str) -> Response:
    principal = page.require(Role.admin, Role.rights_holder)
    order = service.get_order(page.db, principal=principal, order_id=order_id)
    return _order(page, order, principal, console=True)


@router.post("/console/orders/{order_id}/fulfil")
def fulfil(page: PageDep, index: IndexDep, order_id: str) -> Response:
    principal = page.require(Role.admin, Role.rights_holder)
    service.fulfil_order(
        page.db,
        principal=principal,
        order_id=order_id,
        index=index,
        secret=page.settings.secret_key.get_secret_value(),
    )
    return page.redirect(f"/console/orders/{order_id}", done="fulfilled")


# ------------------------------------------------------------------ royalties


def _period(period: str) -> str:
    return period.strip() or utcnow().strftime("%Y-%m")


@router.get("/console/royalties")
def console_royalties(
    page: PageDep,
    period: Annotated[str, Query(max_length=7)] = "",
    licensor: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    principal = page.require(Role.admin, Role.rights_holder)
    who = (licensor.strip() if principal.is_admin else "") or principal.party_id or ""
    statement = service.royalty_statement(
        page.db, principal=principal, licensor=who, period=_period(period)
    )
    return page.render(
        "shop/royalties.html",
        title=page._("Royalties"),
        statements=[statement],
        period=_period(period),
        licensor=who,
        console=principal.is_admin,
    )


@router.get("/portal/royalties")
def portal_royalties(page: PageDep, period: Annotated[str, Query(max_length=7)] = "") -> Response:
    """The licensee's lines of each of its licensors' statements. A statement belongs to its
    licensor (shop.service.royalty_statement); the licensee sees only its own lines of it."""
    principal = page.require(Role.licensee)
    licensors = sorted({lic.licensor for lic in list_licences(page.db, principal=principal)})
    statements: list[StatementOut] = []
    for licensor in licensors:
        full = service.royalty_statement(
            page.db, principal=SYSTEM, licensor=licensor, period=_period(period)
        )
        mine = [line for line in full.lines if line.licensee == principal.party_id]
        totals: dict[str, int] = {}
        for line in mine:
            totals[line.currency] = totals.get(line.currency, 0) + line.royalty_minor
        statements.append(full.model_copy(update={"lines": mine, "totals": totals}))
    return page.render(
        "shop/royalties.html",
        title=page._("Royalty statements"),
        statements=statements,
        period=_period(period),
        licensor="",
        console=False,
    )
