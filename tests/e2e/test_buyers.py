"""The buyer's storefront in Chromium, at a desktop's width and a phone's (issue 19): a declined
card brings the buyer back to the checkout form with what they typed and a clear message (no
overlapping box), the cart's line totals, total and remove, the order's product names, the
store's order page with the shipping address, and French messages on French pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import PHONE, audit, shoot, sign_in
from tests.e2e.test_every_page import DESKTOP, fill_checkout

SIZES = {"desktop": DESKTOP, "phone": PHONE}


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, selector
    return dict(found)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_a_declined_card_keeps_the_form_and_the_next_card_pays(new_page: Any, size: str) -> None:
    buyer = new_page(**SIZES[size])
    buyer.goto("/shop")
    buyer.locator(".grid a").first.click()
    name = buyer.get_by_role("heading", level=1).inner_text()
    buyer.get_by_label("Quantity").fill("2")
    buyer.get_by_role("button", name="Add to cart").click()
    buyer.get_by_role("link", name="Check out").first.click()
    checkout = buyer.url
    fill_checkout(buyer)
    buyer.get_by_label("Test card that is declined").check()
    buyer.get_by_role("button", name=re.compile("^Pay ")).click()
    assert buyer.url == checkout  # back on the form, not on a cancelled order
    alert = buyer.get_by_role("alert")
    assert "The card was declined. Nothing was charged" in alert.inner_text()
    assert alert.get_attribute("data-code") == "payment_declined"
    assert buyer.get_by_label("E-mail").input_value() == "fan@example.org"
    assert buyer.get_by_label("Address", exact=True).input_value() == "1 rue de Rivoli"
    assert buyer.get_by_label("Postal code").input_value() == "75001"
    assert buyer.get_by_label("Test card that pays").is_checked()  # the card is not kept
    # The message box stands on its own: it overlaps neither the heading nor the form.
    error, heading, form = (box(buyer, s) for s in ("#checkout-error", "h1", "#checkout-form"))
    assert heading["y"] + heading["height"] <= error["y"]
    assert error["y"] + error["height"] <= form["y"]
    assert error["x"] + error["width"] <= SIZES[size]["viewport"]["width"]
    audit(buyer)
    shoot(buyer, f"shop-checkout-declined-{size}")
    buyer.get_by_role("button", name=re.compile("^Pay ")).click()
    assert buyer.locator("#order-status").inner_text() == "paid"
    assert buyer.locator(".item-name").first.inner_text() == name  # the name, not the GTIN
    assert "1 rue de Rivoli" in buyer.locator("#ship-to").inner_text()
    audit(buyer)
    buyer.goto("/shop/orders")
    assert name in buyer.locator("table").inner_text()
    audit(buyer)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_cart_totals_and_removes_lines(new_page: Any, size: str) -> None:
    buyer = new_page(**SIZES[size])
    buyer.goto("/shop")
    links = buyer.locator(".grid a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(min(2, links.count()))]
    for href in hrefs:
        buyer.goto(str(href))
        buyer.get_by_label("Quantity").fill("3")
        buyer.get_by_role("button", name="Add to cart").click()
    lines = buyer.locator(".cart-line")
    assert lines.count() == len(hrefs)
    assert "Line total" in lines.first.inner_text()
    assert buyer.locator(".cart-total").first.inner_text().startswith("Total")
    audit(buyer)
    for _ in hrefs:
        buyer.locator(".cart-line").first.get_by_role("button", name="Remove").click()
        assert buyer.get_by_role("status").inner_text() == "The item is removed from your cart."
    assert "Your cart is empty." in buyer.locator("main").inner_text()
    audit(buyer)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_store_sees_where_an_order_ships(new_page: Any, size: str) -> None:
    buyer = new_page(**SIZES[size])
    buyer.goto("/shop")
    buyer.locator(".grid a").first.click()
    buyer.get_by_role("button", name="Add to cart").click()
    buyer.get_by_role("link", name="Check out").first.click()
    fill_checkout(buyer)
    buyer.get_by_label("Address, line 2 (optional)").fill("Escalier C")
    buyer.get_by_role("button", name=re.compile("^Pay ")).click()
    order_id = buyer.url.rsplit("/", 1)[1]
    store = new_page(**SIZES[size])
    sign_in(store, "admin@ioc.example")
    store.goto(f"/console/orders/{order_id}")
    address = store.locator("#ship-to").inner_text()
    for part in ("A Fan", "1 rue de Rivoli", "Escalier C", "75001 Paris", "FR"):
        assert part in address
    assert store.get_by_role("link", name="fan@example.org").count() == 1
    audit(store)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_french_pages_say_errors_in_french(new_page: Any, size: str) -> None:
    buyer = new_page(locale="fr-FR", **SIZES[size])
    buyer.goto("/shop/items/424242")
    alert = buyer.get_by_role("alert")
    assert alert.inner_text() == "Cet article n'est plus en vente."
    assert alert.get_attribute("data-code") == "offer_not_found"
    assert "offer_not_found" in buyer.locator("main code").inner_text()  # the code, shown
    audit(buyer)
    buyer.goto("/shop")
    buyer.locator(".grid a").first.click()
    buyer.get_by_role("button", name="Ajouter au panier").click()
    buyer.get_by_role("link", name="Passer commande").first.click()
    buyer.get_by_label("Adresse e-mail").fill("fan@example.org")
    buyer.locator("#name").fill("A Fan")
    buyer.locator("#line1").fill("1 rue de Rivoli")
    buyer.locator("#city").fill("Paris")
    buyer.locator("#postal_code").fill("750")  # not a French postal code
    buyer.locator("#card-declined").check()
    buyer.get_by_role("button", name=re.compile("^Payer ")).click()
    alert = buyer.get_by_role("alert")
    assert "Ce code postal n'est pas valide pour le pays choisi." in alert.inner_text()
    assert buyer.locator("#postal_code").get_attribute("aria-invalid") == "true"
    assert buyer.locator("#line1").input_value() == "1 rue de Rivoli"
    audit(buyer)
    buyer.locator("#postal_code").fill("75001")
    buyer.locator("#card-declined").check()
    buyer.get_by_role("button", name=re.compile("^Payer ")).click()
    assert "La carte a été refusée" in buyer.get_by_role("alert").inner_text()
    audit(buyer)
