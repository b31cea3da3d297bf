"""The issue's Done-when flows in Chromium against `ringfence serve` with the demo data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.e2e.conftest import PHONE, audit, shoot, sign_in


def test_an_analyst_takes_down_a_listing_from_the_queue(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "analyst@ioc.example")
    assert page.url.endswith("/console")
    assert page.locator("svg").count() == 6
    audit(page)
    shoot(page, "console-dashboard")
    page.get_by_role("link", name="Review queue").first.click()
    assert page.locator("mark").count() > 0  # the matched spans
    audit(page)
    shoot(page, "console-queue")
    first = page.locator(".case-link").first
    case_path = first.get_attribute("href")
    first.click()
    assert page.locator("#case-status").inner_text() == "open"
    audit(page)
    shoot(page, "console-case")
    page.locator("form.decide-takedown").get_by_role("button", name="Take down").click()
    page.wait_for_load_state()
    audit(page)  # the next case of the queue
    page.goto(case_path)
    assert page.locator("#case-status").inner_text() == "takedown requested"
    audit(page)
    # The keyboard: J moves to the next case of the queue, D dismisses it.
    page.goto("/console/queue")
    audit(page)
    rows = page.locator(".queue-item")
    second = rows.nth(1).get_attribute("data-case")
    page.keyboard.press("j")
    page.keyboard.press("d")
    page.wait_for_url(re.compile(r"/console/queue\?done=decided"))
    audit(page)
    page.goto(f"/console/cases/{second}")
    assert page.locator("#case-status").inner_text() == "dismissed"
    audit(page)
    # A file of listings to screen; the verdicts come back as a CSV download.
    page.goto("/console/screen")
    audit(page)
    listings = (
        "listing_id,seller_id,title,price,currency,ship_to\n"
        "e2e-1,SELLER:e2e,Olympic rings replica scarf,4,EUR,FR\n"
        "e2e-2,SELLER:e2e,Plain blue scarf,4,EUR,FR\n"
    )
    page.get_by_label("Listings file").set_input_files(
        files=[{"name": "listings.csv", "mimeType": "text/csv", "buffer": listings.encode()}]
    )
    page.get_by_role("button", name="Screen").click()
    audit(page)
    shoot(page, "console-screen")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the verdicts (CSV)").click()
    verdicts = Path(info.value.path()).read_text().splitlines()
    assert verdicts[0] == "listing_id,verdict,case_id,created,reason"
    assert [row.split(",")[:2] for row in verdicts[1:]] == [
        ["e2e-1", "infringing"],
        ["e2e-2", "clean"],
    ]


def test_a_licensee_requests_codes_and_downloads_the_qr_sheet(
    new_page: Any, tmp_path: Path
) -> None:
    page = new_page()
    sign_in(page, "licensee@heritage.example")
    audit(page)
    shoot(page, "portal-licences")
    page.goto("/portal/codes")
    audit(page)
    page.get_by_label("Number of codes").fill("6")
    page.get_by_label("Lot (optional)").fill("E2E")
    page.get_by_role("button", name="Issue the codes").click()
    assert page.get_by_role("status").inner_text() == "The codes are issued."
    audit(page)
    shoot(page, "portal-batch")
    with page.expect_download() as info:
        page.locator("#sheet-download").click()
    sheet = tmp_path / "sheet.html"
    info.value.save_as(sheet)
    assert sheet.read_text().count('src="data:image/svg+xml;base64,') == 6
    page.get_by_role("link", name="Open the QR sheet").click()
    assert page.locator(".sheet img").count() == 6
    audit(page)
    shoot(page, "portal-qr-sheet")


def test_a_buyer_buys_an_item_and_verifies_its_code(new_page: Any) -> None:
    buyer = new_page(**PHONE)
    buyer.goto("/shop")
    audit(buyer)
    shoot(buyer, "shop-browse")
    buyer.locator(".grid a").first.click()
    audit(buyer)
    shoot(buyer, "shop-item")
    buyer.get_by_label("Quantity").fill("2")
    buyer.get_by_role("button", name="Add to cart").click()
    audit(buyer)
    shoot(buyer, "shop-cart")
    buyer.get_by_role("link", name="Check out").click()
    buyer.get_by_label("E-mail").fill("fan@example.org")
    buyer.get_by_label("Name", exact=True).fill("A Fan")
    buyer.get_by_label("Address", exact=True).fill("1 rue de Rivoli")
    buyer.get_by_label("City").fill("Paris")
    buyer.get_by_label("Postal code").fill("75001")
    buyer.get_by_label("Country").select_option("FR")
    audit(buyer)
    shoot(buyer, "shop-checkout")
    buyer.get_by_role("button", name=re.compile("^Pay ")).click()
    assert buyer.locator("#order-status").inner_text() == "paid"
    audit(buyer)
    order_path = buyer.url.removeprefix(buyer.url.split("/shop/")[0])
    order_id = order_path.rsplit("/", 1)[1]

    # The Olympic Shop packs the order: each item gets its authenticity code.
    store = new_page()
    sign_in(store, "admin@ioc.example")
    audit(store)
    store.goto("/console/orders")
    audit(store)
    store.get_by_role("link", name=order_id).click()
    audit(store)
    store.get_by_role("button", name=re.compile("^Fulfil")).click()
    assert store.locator("#order-status").inner_text() == "fulfilled"
    audit(store)

    buyer.reload()
    audit(buyer)
    shoot(buyer, "shop-order")
    assert buyer.locator(".verify-link").count() == 2
    buyer.locator(".verify-link").first.click()
    assert buyer.locator("#verdict h1").inner_text() == "Genuine"
    audit(buyer)
    shoot(buyer, "verify-genuine")
    buyer.goto("/shop/orders")
    assert order_id in buyer.content()
    audit(buyer)


def test_a_french_user_sees_french_pages(new_page: Any) -> None:
    page = new_page(locale="fr-FR")  # Accept-Language: fr-FR
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    audit(page)
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Protection des marques olympiques et boutique officielle"
    )
    shoot(page, "home-fr")
    page.goto("/shop")
    assert page.get_by_role("heading", level=1).inner_text() == "Boutique officielle"
    audit(page)
    shoot(page, "shop-browse-fr")
    page.goto("/login")
    audit(page)
    page.get_by_label("Adresse e-mail").fill("analyst@ioc.example")
    page.get_by_label("Mot de passe").fill("ringfence-demo")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Tableau de bord"
    audit(page)
    shoot(page, "console-dashboard-fr")
    # An English browser switches to French with the language switch.
    english = new_page(locale="en-GB")
    english.goto("/verify")
    audit(english)
    english.get_by_label("Language").select_option("fr")
    english.get_by_role("button", name="Change").click()
    assert english.get_by_role("heading", level=1).inner_text() == "Vérifier un code"
    audit(english)
