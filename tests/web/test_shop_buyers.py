"""The buyer's pages (issue 19): a declined card returns to the checkout form with what was
typed (never the card) while the order and its payment stay right; orders show the product's
name; the cart's line totals, total and remove; the store's order page shows where it ships;
error messages in the page's language, with their code kept."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.auth.service import create_user
from ringfence.core.security import Role
from ringfence.demo import DEMO_PRODUCT, demo_shop
from ringfence.shop.enums import IntentState, OrderStatus
from ringfence.shop.models import Offer, Order, PaymentIntent
from tests.web.test_pages import PASSWORD, csrf, sign_in

ADDRESS = {
    "email": "fan@example.org",
    "name": "Alex Fan",
    "line1": "1 rue de Rivoli",
    "line2": "Bâtiment B",
    "city": "Paris",
    "postal_code": "75001",
    "country": "FR",
}


@pytest.fixture
def users(session: Session) -> dict[str, str]:
    """The IOC, whose store the demo's is, and an NOC that runs no store."""
    made = {"ioc": ("ioc@example.org", "IOC"), "ned": ("ned@example.org", "NOC:NED")}
    for email, party in made.values():
        create_user(
            session,
            email=email,
            name=email,
            party_id=party,
            role=Role.rights_holder,
            password=PASSWORD,
        )
    session.commit()
    return {k: v[0] for k, v in made.items()}


@pytest.fixture
def other(client: TestClient) -> Iterator[TestClient]:
    """A second browser on the same app (its own cookies)."""
    with TestClient(client.app) as second:
        yield second


def stock(session: Session, offer: int) -> int:
    found = session.get(Offer, offer)
    assert found is not None
    session.refresh(found.inventory)
    return found.inventory.stock


def add(client: TestClient, offer: int, quantity: int = 1) -> None:
    item = client.get(f"/shop/items/{offer}")
    answer = client.post(
        "/shop/cart", data={"offer": offer, "quantity": quantity, "csrf_token": csrf(item.text)}
    )
    assert answer.status_code == 200


def attempt_of(html: str) -> str:
    found = re.search(r'name="attempt" value="([^"]+)"', html)
    assert found
    return found.group(1)


def pay(client: TestClient, form: str, card: str, **fields: str) -> Any:
    data = {"csrf_token": csrf(form), "attempt": attempt_of(form), "card": card}
    return client.post("/shop/checkout/IOC", data=data | ADDRESS | fields)


def test_a_declined_card_returns_to_the_form_with_what_was_typed(
    client: TestClient, session: Session
) -> None:
    offer = demo_shop(session)
    session.commit()
    before = stock(session, offer)
    add(client, offer, 2)
    form = client.get("/shop/checkout/IOC").text
    declined = pay(client, form, "tok_declined")
    assert declined.status_code == 402
    assert declined.url.path == "/shop/checkout/IOC"  # no redirect to a cancelled order
    page = declined.text
    assert 'role="alert"' in page
    assert 'data-code="payment_declined"' in page
    assert "The card was declined. Nothing was charged" in page
    for name, value in ADDRESS.items():
        if name != "country":
            assert re.search(f'name="{name}"[^>]* value="{value}"', page), name
    assert '<option value="FR" selected>' in page
    assert "tok_declined" not in page.split('id="card-declined"')[0]  # nothing typed kept
    assert 'id="card-pays" name="card" value="tok_visa" checked' in page  # not the card typed
    assert attempt_of(page) != attempt_of(form)  # paying again is a new attempt
    # The order of the declined attempt is cancelled, its intent failed, its stock back.
    cancelled = session.scalars(select(Order).where(Order.email == ADDRESS["email"])).all()
    assert [(o.status, o.status_reason, o.payment_ref) for o in cancelled] == [
        (OrderStatus.cancelled, "payment_declined", None)
    ]
    intent = session.get(PaymentIntent, cancelled[0].id)
    assert intent is not None
    assert intent.state is IntentState.failed
    assert intent.payment_ref is None
    assert stock(session, offer) == before
    assert cancelled[0].id not in client.get("/shop/orders").text  # not one of "my orders"
    # The cart is kept; the next card pays, a new order.
    assert DEMO_PRODUCT in client.get("/shop/cart").text
    paid = pay(client, page, "tok_visa")
    assert paid.status_code == 200
    assert 'id="order-status">paid<' in paid.text
    assert paid.url.path != f"/shop/orders/{cancelled[0].id}"
    assert stock(session, offer) == before - 2


def test_a_bad_postal_code_is_a_form_error_not_a_500(client: TestClient, session: Session) -> None:
    offer = demo_shop(session)
    session.commit()
    add(client, offer)
    form = client.get("/shop/checkout/IOC").text
    answer = pay(client, form, "tok_visa", postal_code="ABC")
    assert answer.status_code == 422
    assert 'data-code="invalid_postal_code"' in answer.text
    assert re.search(r'id="postal_code" name="postal_code"[^>]* value="ABC"', answer.text)
    assert 'aria-invalid="true"' in answer.text
    french = client.post(
        "/shop/checkout/IOC",
        data={"csrf_token": csrf(form), "attempt": attempt_of(form), "card": "tok_declined"}
        | ADDRESS,
        headers={"accept-language": "fr"},
    )
    assert french.status_code == 402
    assert "La carte a été refusée" in french.text
    assert 'data-code="payment_declined"' in french.text


def test_the_cart_has_line_totals_a_total_and_remove(client: TestClient, session: Session) -> None:
    offer = demo_shop(session)
    session.commit()
    add(client, offer, 3)
    cart = client.get("/shop/cart").text
    assert "Line total: <strong>€87.00</strong>" in cart  # 3 × €29.00
    assert re.search(r'class="price cart-total">Total: €87.00<', cart)
    assert 'action="/shop/cart/remove"' in cart
    removed = client.post("/shop/cart/remove", data={"offer": offer, "csrf_token": csrf(cart)})
    assert removed.status_code == 200
    assert "The item is removed from your cart." in removed.text
    assert "Your cart is empty." in removed.text
    again = client.post("/shop/cart/remove", data={"offer": offer, "csrf_token": csrf(cart)})
    assert again.status_code == 200  # removing what is gone is no error
    bad = client.post("/shop/cart/remove", data={"offer": "x", "csrf_token": csrf(cart)})
    assert bad.status_code == 422
    forged = client.post("/shop/cart/remove", data={"offer": offer})
    assert forged.status_code == 403


def test_orders_show_names_and_the_store_sees_the_shipping_address(
    client: TestClient, other: TestClient, session: Session, users: dict[str, str]
) -> None:
    offer = demo_shop(session)
    session.commit()
    add(client, offer)
    paid = pay(client, client.get("/shop/checkout/IOC").text, "tok_visa")
    order_id = paid.url.path.rsplit("/", 1)[1]
    assert f'<span class="item-name">{DEMO_PRODUCT}</span>' in paid.text
    assert DEMO_PRODUCT in client.get("/shop/orders").text
    french = client.get(paid.url.path, headers={"accept-language": "fr"})
    assert '<span class="item-name">T-shirt anneaux olympiques</span>' in french.text
    sign_in(other, users["ioc"])
    console = other.get(f"/console/orders/{order_id}").text
    address = console.split('<address id="ship-to">')[1].split("</address>")[0]
    for part in ("Alex Fan", "1 rue de Rivoli", "Bâtiment B", "75001 Paris", "FR"):
        assert part in address
    assert "mailto:fan@example.org" in console
    other.cookies.clear()
    sign_in(other, users["ned"])  # another NOC's store: not its order, nor its address
    refused = other.get(f"/console/orders/{order_id}")
    assert refused.status_code == 404
    assert "Rivoli" not in refused.text


def test_french_error_pages_are_french_and_keep_the_code(client: TestClient) -> None:
    french = {"accept-language": "fr", "accept": "text/html"}
    missing = client.get("/shop/items/424242", headers=french)
    assert missing.status_code == 404
    assert 'data-code="offer_not_found"' in missing.text
    assert "Cet article n'est plus en vente." in unescape(missing.text)
    assert "no offer 424242 on sale" not in missing.text  # the service's English text
    bad = client.get("/shop/items/99999999999999999999999", headers=french)
    assert bad.status_code == 422
    assert "Une valeur saisie n'est pas valide" in unescape(bad.text)
    assert '<p lang="en">' in bad.text  # which field, in English, marked as such
    forbidden = client.post("/shop/cart", data={"offer": 1}, headers=french)
    assert forbidden.status_code == 403
    assert "Le formulaire a expiré" in forbidden.text
    assert "<code>csrf_failed</code>" in forbidden.text
    english = client.get("/shop/items/424242", headers={"accept": "text/html"})
    assert "This item is no longer on sale." in english.text
