"""Issue 19, the analyst's case page in Chromium at desktop and phone sizes: the listing beside
the seller's licences and screening's reasons, team work (assign, comment, @mention, my work),
the undo of a take down, the bulk decision's reason list and Enter on the queue. Every page is
audited (axe-core, and no wider than its viewport)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import PHONE, audit, shoot, sign_in

# A 2 x 2 PNG, as an analyst's screenshot.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73"
    "0000001649444154789c633c2127c7c0c0c0c4c0c0c0c0c000000d0401087d71ca66"
    "0000000049454e44ae426082"
)
SIZES = [pytest.param({}, id="desktop"), pytest.param(PHONE, id="phone")]


@pytest.mark.parametrize("size", SIZES)
def test_the_case_shows_the_listing_beside_the_sellers_licences(
    new_page: Any, size: dict[str, Any]
) -> None:
    """The demo's case 1 is against a licensed seller (Tmall store 4711, named on licence
    IOC-2026-0001): the page says so, and why screening flagged the listing."""
    page = new_page(**size)
    sign_in(page, "analyst@ioc.example")
    page.goto("/console/cases/1")
    assert "The seller holds a licence." in page.locator("#licensed-seller").inner_text()
    licences = page.locator("#licences")
    assert "IOC-2026-0001" in licences.inner_text()
    assert "cannot tell" in licences.inner_text()  # the listing gave no product class
    assert page.locator("#listing-title mark").count() > 0
    assert page.locator("#listing-link").get_attribute("href") == (
        "https://tmall.example/item/tm-1001"
    )
    assert "49.00" in page.locator("#listing-price").inner_text()
    reasons = page.locator("#screening-reasons").inner_text()
    assert "counterfeit_cue" in reasons
    assert "words of a counterfeit" in reasons
    assert page.locator("#audit-trail tbody tr").count() >= 2  # opened, evidence added
    audit(page)
    shoot(page, "console-case" if not size else "console-case-phone")


@pytest.mark.parametrize(("size", "case_id"), [({}, 3), (PHONE, 4)], ids=["desktop", "phone"])
def test_assign_and_mention_a_colleague_who_then_sees_it(
    new_page: Any, size: dict[str, Any], case_id: int
) -> None:
    page = new_page(**size)
    sign_in(page, "analyst@ioc.example")
    page.goto(f"/console/cases/{case_id}")
    page.get_by_label("Assigned to").select_option(label="IOC platform team (admin@ioc.example)")
    page.get_by_role("button", name="Assign", exact=True).click()
    assert page.get_by_role("status").inner_text() == "The case is assigned."
    assert "IOC platform team" in page.locator("#assigned-to").inner_text()
    page.get_by_label("Add a screenshot or document").set_input_files(
        files=[{"name": "shot.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="Add", exact=True).click()
    assert page.locator(".thumbs img").count() == 1
    assert "shot.png" in page.locator("#evidence-files").inner_text()
    page.get_by_label("Add a comment").fill(f"@admin can you check case {case_id}'s licence?")
    page.get_by_role("button", name="Comment", exact=True).click()
    assert f"check case {case_id}'s licence" in page.locator(".comments").inner_text()
    trail = page.locator("#audit-trail").inner_text()
    assert "assigned the case" in trail
    assert "commented" in trail
    assert "IOC brand analyst" in trail  # who did it, by name
    audit(page)
    colleague = new_page(**size)
    sign_in(colleague, "admin@ioc.example")
    colleague.goto("/console/queue")
    audit(colleague)
    colleague.locator("#mine-link").click()
    assert f"/console/cases/{case_id}" in colleague.locator("#assigned").inner_html()
    assert f"check case {case_id}'s licence" in colleague.locator("#mentions").inner_text()
    audit(colleague)


def test_enter_opens_the_first_case_and_a_takedown_is_undone_by_keyboard(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "analyst@ioc.example")
    page.goto("/console/queue")
    audit(page)
    first = page.locator(".queue-item").first.get_attribute("data-case")
    page.keyboard.press("Enter")  # before J or K: the first row is highlighted at load
    page.wait_for_url(re.compile(rf"/console/cases/{first}$"))
    page.goto("/console/queue")
    page.keyboard.press("t")
    page.wait_for_url(re.compile(r"/console/queue\?done=decided&undo="))
    banner = page.locator("#undo-form")
    assert "nothing is sent to the marketplace" in banner.inner_text()
    audit(page)
    page.keyboard.press("u")
    page.wait_for_url(re.compile(r"done=undone"))
    assert "The decision is undone" in page.get_by_role("status").inner_text()
    page.goto(f"/console/cases/{first}")
    assert page.locator("#case-status").inner_text() == "open"
    assert "undid the decision" in page.locator("#audit-trail").inner_text()
    audit(page)


def test_a_dismissal_is_undone_with_the_button_on_a_phone(new_page: Any) -> None:
    page = new_page(**PHONE)
    sign_in(page, "analyst@ioc.example")
    page.goto("/console/queue")
    row = page.locator(".queue-item").first
    case_id = row.get_attribute("data-case")
    row.locator("form.quick-dismiss button").click()
    page.wait_for_url(re.compile(r"undo="))
    audit(page)
    page.get_by_role("button", name="Undo").click()
    page.wait_for_url(re.compile(r"done=undone"))
    page.goto(f"/console/cases/{case_id}")
    assert page.locator("#case-status").inner_text() == "open"
    audit(page)


@pytest.mark.parametrize("size", SIZES)
def test_bulk_decisions_need_a_tick_and_a_fitting_reason(
    new_page: Any, size: dict[str, Any]
) -> None:
    page = new_page(**size)
    sign_in(page, "analyst@ioc.example")
    page.goto("/console/queue")
    reason = page.locator("#bulk-reason")
    assert reason.input_value() == ""  # no silent "ambush marketing"
    page.locator("#bulk-decision").select_option("dismiss")
    # Only the dismissal's reasons can be chosen.
    assert page.locator("#bulk-reason option[value=ambush_marketing]").is_disabled()
    reason.select_option("false_positive")
    page.get_by_role("button", name="Apply to selected").click()  # nothing ticked
    alert = page.get_by_role("alert")
    assert "tick at least one case" in alert.inner_text()
    assert page.locator("h1").inner_text() == "Review queue"
    assert page.locator("#bulk-decision").input_value() == "dismiss"  # the choice is kept
    audit(page)
