"""Every page of the site, as each role sees it, at a desktop's width (1280 px) and a phone's
(390 px): no page is wider than its viewport and axe-core finds no serious or critical
violation on any (conftest's ``audit``). The list of pages is checked against the app's own
GET routes: a new page without a visit here fails ``test_every_page_route_is_visited``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ringfence.web.app import create_app
from tests.e2e.conftest import PHONE, audit, sign_in

DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
WHO = {
    "admin": "admin@ioc.example",
    "ioc": "analyst@ioc.example",
    "ned": "analyst@ned.example",
    "licensee": "licensee@heritage.example",
    "marketplace": "trust@tmall.example",
}
# Routes that answer something other than a page (a download).
NOT_PAGES = {
    "/portal/codes/{batch_id}/codes.csv",
    "/console/search/export.csv",  # downloads
    "/console/cases/{case_id}/evidence-pack",
    "/console/cases/{case_id}/evidence/{evidence_id}",  # an uploaded file, inline
    "/console/search/views/{view_id}",  # a redirect to /console/search with the view's filters
}
# Public pages outside the "pages" routers: the result page of a printed code.
VERIFY_ROUTES = {"/v/01/{gtin}/21/{serial}", "/v/01/{gtin}/10/{lot:path}/21/{serial}"}

# (who, route): who opens which page; "guest" is a browser that is not signed in.
VISITS: list[tuple[str, str]] = [
    ("guest", "/"),
    ("guest", "/login"),
    ("guest", "/verify"),
    ("guest", "/shop"),
    ("guest", "/shop/items/{offer_id}"),
    ("guest", "/shop/cart"),
    ("guest", "/shop/checkout/{store_id}"),
    ("guest", "/shop/orders"),
    ("guest", "/shop/orders/{order_id}"),
    ("guest", "/v/01/{gtin}/21/{serial}"),
    ("guest", "/v/01/{gtin}/10/{lot:path}/21/{serial}"),
    ("admin", "/console"),
    ("admin", "/console/orders"),
    ("admin", "/console/orders/{order_id}"),
    ("admin", "/console/royalties"),
    ("admin", "/console/notices"),
    ("admin", "/shop/cart"),
    ("ioc", "/console"),
    ("ioc", "/console/queue"),
    ("ioc", "/console/cases/{case_id}"),
    ("ioc", "/console/screen"),
    ("ioc", "/console/marks"),
    ("ioc", "/console/marks/{mark_id}"),
    ("ioc", "/console/licences"),
    ("ioc", "/console/licensees"),
    ("ioc", "/console/orders"),
    ("ioc", "/console/royalties"),
    ("ioc", "/console/search"),
    ("ioc", "/console/mine"),
    ("ioc", "/console/sellers/{seller_id:path}"),
    ("ned", "/console"),
    ("ned", "/console/queue"),
    ("ned", "/console/marks"),
    ("ned", "/console/licences"),
    ("ned", "/console/orders"),
    ("licensee", "/portal"),
    ("licensee", "/portal/products"),
    ("licensee", "/portal/codes"),
    ("licensee", "/portal/codes/{batch_id}"),
    ("licensee", "/portal/codes/{batch_id}/sheet"),
    ("licensee", "/portal/royalties"),
    ("licensee", "/verify"),
    ("marketplace", "/console/notices"),
    ("marketplace", "/console/queue"),
    ("marketplace", "/console/screen"),
    ("marketplace", "/console/sellers/{seller_id:path}"),
]
# Error pages: (who, path, status).
ERRORS: list[tuple[str, str, int]] = [
    ("guest", "/no/such/page", 404),
    ("guest", "/shop/items/424242", 404),
    ("guest", "/shop/items/99999999999999999999999", 422),
    ("guest", "/shop/orders/nosuchorder", 404),
    ("guest", "/verify?code=not+a+code", 422),
    ("licensee", "/console", 403),
    ("ioc", "/console/cases/999999", 404),
]


def page_routes() -> set[str]:
    """The app's GET routes that answer pages (the "pages" routers, and the code's result
    page), read from the app's router."""
    app = create_app()
    found: set[str] = set()

    def walk(routes: list[Any]) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None) or getattr(route, "router", None)
            if inner is not None and hasattr(inner, "routes") and inner is not app.router:
                walk(list(inner.routes))
                continue
            methods = getattr(route, "methods", None) or set()
            path = getattr(route, "path", "")
            if "GET" not in methods:
                continue
            if "pages" in (getattr(route, "tags", None) or []) or path in VERIFY_ROUTES:
                found.add(path)

    walk(list(app.routes))
    return found


def test_every_page_route_is_visited() -> None:
    routes = page_routes()
    assert routes >= VERIFY_ROUTES  # the walk finds the code's result pages
    visited = {route for _, route in VISITS}
    assert routes - NOT_PAGES - visited == set(), "pages no test opens"
    assert visited - routes == set(), "visits of routes that no longer exist"


@pytest.fixture(scope="module")
def ids(browser: Any, server: str) -> Iterator[dict[str, Any]]:
    """What the pages with ids need, made through the pages themselves: an order placed by a
    guest (and that guest's cookies), code batches with and without a lot, a case, a mark."""
    found: dict[str, Any] = {"mark_id": "symbol-olympic-rings", "seller_id": "SELLER:tmall-4711"}
    contexts = []

    def context() -> Any:
        made = browser.new_context(base_url=server, bypass_csp=True)
        made.set_default_timeout(20_000)
        contexts.append(made)
        return made

    guest = context()
    page = guest.new_page()
    page.goto("/shop")
    link = page.locator(".grid a").first
    found["offer_id"] = str(link.get_attribute("href")).rsplit("/", 1)[1]
    link.click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").first.click()
    found["store_id"] = page.url.rsplit("/", 1)[1]
    fill_checkout(page)
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    found["order_id"] = page.url.rsplit("/", 1)[1]
    # The cart again, so that the guest's checkout page has something to show.
    page.goto(f"/shop/items/{found['offer_id']}")
    page.get_by_role("button", name="Add to cart").click()
    found["guest_state"] = guest.storage_state()

    licensee = context().new_page()
    sign_in(licensee, WHO["licensee"])
    for lot in ("", "E2E1"):
        licensee.goto("/portal/codes")
        licensee.get_by_label("Number of codes").fill("2")
        licensee.get_by_label("Lot (optional)").fill(lot)
        licensee.get_by_role("button", name="Issue the codes").click()
        batch = licensee.url.split("?")[0].rsplit("/", 1)[1]
        text = licensee.request.get(f"/portal/codes/{batch}/codes.csv").text()
        row = next(csv.DictReader(io.StringIO(text)))
        found["batch_id"] = batch
        found["gtin"], found["serial"] = row["gtin"], row["serial"]
        found["lot"] = row["lot"] or found.get("lot", "")
        found["uri_lot" if lot else "uri"] = row["uri"]

    analyst = context().new_page()
    sign_in(analyst, WHO["ioc"])
    analyst.goto("/console/queue")
    found["case_id"] = str(analyst.locator(".case-link").first.get_attribute("href")).rsplit(
        "/", 1
    )[1]
    yield found
    for made in contexts:
        made.close()


def fill_checkout(page: Any) -> None:
    page.get_by_label("E-mail").fill("fan@example.org")
    page.get_by_label("Name", exact=True).fill("A Fan")
    page.get_by_label("Address", exact=True).fill("1 rue de Rivoli")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Postal code").fill("75001")
    page.get_by_label("Country").select_option("FR")


def url_of(route: str, ids: dict[str, Any]) -> str:
    """The route with its ids; a code's result page is the printed link's path."""
    if route in VERIFY_ROUTES:
        uri = ids["uri_lot"] if "{lot:path}" in route else ids["uri"]
        return "/v/" + str(uri).split("/v/", 1)[1]
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: str(ids[m.group(1)]), route)


def opener(new_page: Callable[..., Any], ids: dict[str, Any], size: str) -> Callable[[str], Any]:
    pages: dict[str, Any] = {}

    def open_as(who: str) -> Any:
        if who not in pages:
            if who == "guest":
                pages[who] = new_page(storage_state=ids["guest_state"], **SIZES[size])
            else:
                pages[who] = new_page(**SIZES[size])
                sign_in(pages[who], WHO[who])
        return pages[who]

    return open_as


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_page_fits_and_passes_axe(
    new_page: Callable[..., Any], ids: dict[str, Any], size: str
) -> None:
    open_as = opener(new_page, ids, size)
    for who, route in VISITS:
        page = open_as(who)
        answer = page.goto(url_of(route, ids))
        assert answer is not None
        assert answer.status == 200, f"{who} {route}: {answer.status}"
        assert "/login" not in page.url or route == "/login", f"{who} {route}: sent to sign in"
        audit(page)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_error_page_fits_and_passes_axe(
    new_page: Callable[..., Any], ids: dict[str, Any], size: str
) -> None:
    open_as = opener(new_page, ids, size)
    for who, path, status in ERRORS:
        page = open_as(who)
        answer = page.goto(path)
        assert answer is not None
        assert answer.status == status, f"{who} {path}: {answer.status}"
        audit(page)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_pages_after_a_form_fit_and_pass_axe(
    new_page: Callable[..., Any], ids: dict[str, Any], size: str
) -> None:
    """Pages a form post answers with: the screening results, a declined card's checkout."""
    analyst = new_page(**SIZES[size])
    sign_in(analyst, WHO["ioc"])
    analyst.goto("/console/screen")
    listings = (
        "listing_id,seller_id,title,price,currency,ship_to\n"
        "every-1,SELLER:every,Olympic rings replica scarf with a very long title that goes on,"
        "4,EUR,FR\n"
    )
    analyst.get_by_label("Listings file").set_input_files(
        files=[{"name": "listings.csv", "mimeType": "text/csv", "buffer": listings.encode()}]
    )
    analyst.get_by_role("button", name="Screen").click()
    audit(analyst)
    buyer = new_page(**SIZES[size])
    buyer.goto(f"/shop/items/{ids['offer_id']}")
    buyer.get_by_role("button", name="Add to cart").click()
    audit(buyer)  # the cart with its notice
    buyer.get_by_role("link", name="Check out").first.click()
    fill_checkout(buyer)
    buyer.get_by_label("Test card that is declined").check()
    buyer.get_by_role("button", name=re.compile("^Pay ")).click()
    audit(buyer)


def test_the_route_list_is_read_from_the_app() -> None:
    """The walk over the app's router finds the shop's pages (a guard on the walk itself)."""
    assert {"/shop", "/shop/cart", "/console/orders/{order_id}"} <= page_routes()
