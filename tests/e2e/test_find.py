"""Finding things, for analysts (issue 19), in Chromium at desktop and phone sizes: the
dashboard's date range and drill-down, the case search with its filters, saved views, the CSV
export, seller profiles and the evidence pack download. Every page is audited."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from tests.e2e.conftest import PHONE, audit, shoot, sign_in

SELLER = "SELLER:tmall-4711"  # the demo seller of cases 1 and 2


def test_an_analyst_drills_down_searches_and_saves_a_view(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "analyst@ioc.example")
    page.goto("/console")
    audit(page)
    page.get_by_role("link", name="last 7 days").click()
    page.wait_for_load_state()
    assert page.get_by_label("From").input_value() != ""
    audit(page)
    # Drill-down: the seller's bar of "Top sellers" opens the search of its cases.
    page.locator(f'a[aria-label^="{SELLER}:"]').first.click()
    page.wait_for_url(re.compile(r"/console/search\?"))
    assert page.get_by_label("Seller id").input_value() == SELLER
    rows = page.locator("#results tbody tr")
    assert rows.count() == 2
    audit(page)
    shoot(page, "console-search")
    # Narrow it with the form (no script needed): a risk band.
    page.get_by_label("Risk band").select_option("high")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_load_state()
    assert "band=high" in page.url
    assert rows.count() == 1
    # Save the view, see it listed, open it again.
    page.get_by_label("Save these filters as").fill("Tmall high risk")
    page.get_by_role("button", name="Save the view").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "The view is saved."
    audit(page)
    page.goto("/console/search")
    page.get_by_role("link", name="Tmall high risk").click()
    page.wait_for_load_state()
    assert page.get_by_label("Risk band").input_value() == "high"
    assert rows.count() == 1
    # Delete the view.
    page.goto("/console/search")
    page.get_by_role("button", name="Delete the view Tmall high risk").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "The view is deleted."
    assert page.get_by_role("link", name="Tmall high risk").count() == 0
    audit(page)


def test_an_analyst_exports_and_opens_a_seller(new_page: Any) -> None:
    page = new_page()
    sign_in(page, "analyst@ioc.example")
    page.goto(f"/console/search?seller={SELLER}&band=high")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 1
    # The CSV of the current search.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download as CSV").click()
    lines = Path(info.value.path()).read_text().splitlines()
    assert lines[0].startswith("id,rights_holder,status")
    assert len(lines) == 2
    assert SELLER in lines[1]
    # The evidence pack of the case found.
    case_id = rows.first.locator("td").first.inner_text().lstrip("#")
    with page.expect_download() as info:
        page.get_by_role("link", name=f"Evidence pack of case {case_id}").click()
    with zipfile.ZipFile(info.value.path()) as pack:
        assert json.loads(pack.read("case.json"))["case"]["id"] == int(case_id)
    # The seller's profile, linked from the results.
    page.get_by_role("link", name=SELLER).first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == f"Seller {SELLER}"
    assert page.locator("#seller-cases tbody tr").count() == 2
    assert "Not a repeat infringer" in page.locator("#standing").inner_text()
    audit(page)
    shoot(page, "console-seller")
    # A bad filter typed into the address bar: the form again with the message.
    page.goto("/console/search?risk_min=lots")
    assert "risk_min" in page.get_by_role("alert").inner_text()
    audit(page)


def test_the_find_pages_fit_a_phone(new_page: Any) -> None:
    page = new_page(**PHONE)
    sign_in(page, "analyst@ioc.example")
    for path in (
        "/console",
        "/console?from=2026-01-01&to=2025-01-01",  # a bad range: the form and its message
        f"/console/search?seller={SELLER}",
        "/console/search?status=open&status=dismissed&band=high&sort=risk",
        "/console/search?opened_from=nope",
        f"/console/sellers/{SELLER}",
    ):
        page.goto(path)
        audit(page)
    page.goto(f"/console/search?seller={SELLER}")
    assert page.locator("#results tbody tr").count() == 2
    shoot(page, "console-search-phone")
