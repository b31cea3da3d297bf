"""Issue 19, marketplaces and licensees, in Chromium against `ringfence serve` with the demo
data, at desktop and phone sizes, every page audited (axe-core, width): the marketplace's
notices and a removal confirmed from the list, screening uploads (a choice of marketplaces,
wrong columns refused, results with their marks), a lot checked by the GS1 rule, the QR sheet
opened from disk, and a buyer verifying the text printed under a QR code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PHONE, audit, shoot, sign_in

SIZES = [pytest.param({}, id="desktop"), pytest.param(PHONE, id="phone")]


def _take_one_down(new_page: Any) -> str:
    """The IOC's analyst takes the first case of its queue down: a notice to Tmall. The
    case's id."""
    analyst = new_page()
    sign_in(analyst, "analyst@ioc.example")
    analyst.goto("/console/queue")
    first = analyst.locator(".case-link").first
    case_id = str(first.get_attribute("href")).rsplit("/", 1)[1]
    first.click()
    analyst.locator("form.decide-takedown").get_by_role("button", name="Take down").click()
    analyst.wait_for_load_state()
    return case_id


@pytest.mark.parametrize("size", SIZES)
def test_the_marketplace_confirms_a_removal_from_its_notices(
    new_page: Any, size: dict[str, Any]
) -> None:
    case_id = _take_one_down(new_page)
    page = new_page(**size)
    sign_in(page, "trust@tmall.example")
    assert page.url.endswith("/console/notices")  # the marketplace's landing page
    assert page.get_by_role("heading", level=1).inner_text() == "Notices to act on"
    audit(page)
    task = page.locator(f'.notice-task[data-case="{case_id}"]')
    assert task.count() == 1
    assert "Take the listing down" in task.inner_text()
    assert "Deadline" in task.inner_text()
    shoot(page, "console-notices" + ("-phone" if size else ""))
    task.get_by_role("button", name="Confirm the removal").click()
    page.wait_for_url("**/console/notices?done=removed")
    assert "The removal is confirmed" in page.get_by_role("status").first.inner_text()
    assert page.locator(f'.notice-task[data-case="{case_id}"]').count() == 0
    audit(page)
    page.get_by_role("link", name="Notices done").click()
    assert page.locator(f'.notice-task[data-case="{case_id}"]').count() == 1
    audit(page)
    page.goto(f"/console/cases/{case_id}")
    assert page.locator("#case-status").inner_text() == "taken down"


@pytest.mark.parametrize("size", SIZES)
def test_screening_an_upload_checks_its_columns_and_shows_what_it_found(
    new_page: Any, size: dict[str, Any]
) -> None:
    page = new_page(**size)
    sign_in(page, "analyst@ioc.example")
    page.goto("/console/screen")
    audit(page)
    assert page.get_by_label("Marketplace").evaluate("e => e.tagName") == "SELECT"
    page.get_by_label("Marketplace").select_option("MKT:tmall")
    wrong = b"id,name,colour\n1,Olympic scarf,red\n"
    page.get_by_label("Listings file").set_input_files(
        files=[{"name": "wrong.csv", "mimeType": "text/csv", "buffer": wrong}]
    )
    page.get_by_role("button", name="Screen").click()
    alert = page.locator("#screen-error")
    assert "missing: listing_id, seller_id, title" in alert.inner_text()
    assert "unknown: id, name, colour" in alert.inner_text()
    audit(page)
    tag = "ph" if size else "dt"
    listings = (
        "listing_id,seller_id,title,price,currency,ship_to\n"
        f"mk-{tag}-1,SELLER:mk,Olympic rings replica scarf,4,EUR,FR\n"
        f"mk-{tag}-2,SELLER:mk,Plain blue scarf,4,EUR,FR\n"
    )
    page.get_by_label("Listings file").set_input_files(
        files=[{"name": "listings.csv", "mimeType": "text/csv", "buffer": listings.encode()}]
    )
    page.get_by_role("button", name="Screen").click()
    row = page.locator(f'.screened-row[data-listing="mk-{tag}-1"]')
    assert row.locator("mark").first.inner_text() == "Olympic rings"
    assert "risk" in row.inner_text()
    assert "no_licence" in row.inner_text()
    assert row.get_by_role("link").count() == 1  # its case, which this analyst may open
    audit(page)
    shoot(page, "console-screen-results" + ("-phone" if size else ""))


@pytest.mark.parametrize("size", SIZES)
def test_a_licensee_prints_labels_and_a_buyer_types_one(
    new_page: Any, tmp_path: Path, size: dict[str, Any]
) -> None:
    # The portal on a desktop (the batches table is the phone-width work's); the sheet, its
    # downloaded copy and the verify page at both sizes.
    page = new_page()
    sign_in(page, "licensee@heritage.example")
    page.goto("/portal/codes")
    audit(page)
    page.get_by_label("Number of codes").fill("4")
    lot = page.get_by_label("Lot (optional)")
    lot.fill("bad lot/?")
    assert lot.evaluate("e => e.validity.patternMismatch") is True  # the browser says so first
    page.get_by_role("button", name="Issue the codes").click()
    assert page.url.endswith("/portal/codes")  # not sent
    lot.fill("L19/A")
    page.get_by_role("button", name="Issue the codes").click()
    assert page.get_by_role("status").inner_text() == "The codes are issued."
    audit(page)
    batch_path = "/portal/" + page.url.split("?")[0].split("/portal/", 1)[1]
    with page.expect_download() as info:
        page.locator("#sheet-download").click()
    sheet = tmp_path / "sheet.html"
    info.value.save_as(sheet)
    # The sheet: labels and nothing else.
    online = new_page(**size)
    sign_in(online, "licensee@heritage.example")
    online.goto(batch_path + "/sheet")
    assert online.locator("nav").count() == 0
    assert online.locator("input").count() == 0
    assert online.locator(".label").count() == 4
    audit(online)
    printed = online.locator(".label .printed").first.inner_text()
    # Its downloaded copy, opened from disk, is styled as it is online.
    offline = new_page(**size)
    offline.goto(sheet.as_uri())
    label = offline.locator(".label").first
    assert label.evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"
    assert offline.locator(".label img").first.evaluate("e => e.naturalWidth") > 0
    audit(offline)
    shoot(offline, "portal-qr-sheet-offline" + ("-phone" if size else ""))
    _a_buyer_types(new_page(**size), printed)


def _a_buyer_types(buyer: Any, printed: str) -> None:
    """A buyer types what the label prints, as printed and as a GS1 element string."""
    buyer.goto("/verify")
    audit(buyer)
    buyer.get_by_label("Code printed on the label").fill(printed)
    buyer.get_by_role("button", name="Verify").click()
    assert buyer.locator("#verdict h1").inner_text() == "Genuine"
    audit(buyer)
    gtin, serial = (part.strip() for part in printed.split("·"))
    buyer.goto("/verify")
    buyer.get_by_label("Code printed on the label").fill(f"(01){gtin}(21){serial.lower()}")
    buyer.get_by_role("button", name="Verify").click()
    assert buyer.locator("#verdict h1").inner_text() == "Genuine"
    buyer.goto("/verify")
    buyer.get_by_label("Code printed on the label").fill("not a code")
    buyer.get_by_role("button", name="Verify").click()
    assert "This is not an authenticity code" in buyer.get_by_role("alert").inner_text()
    audit(buyer)
