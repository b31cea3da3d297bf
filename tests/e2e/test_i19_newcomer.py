"""Issue 19, newcomers: the demo has work for every kind of analyst. An organising committee's
analyst and an NOC's analyst sign in and find their own cases in the review queue, and no one
else's; the case page opens."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import audit, sign_in


@pytest.mark.parametrize(
    ("email", "titles"),
    [
        ("analyst@la28.example", {"LA28 snapback cap", "LA 2028 souvenir keyring"}),
        ("analyst@ned.example", {"TeamNL supporters hoodie", "Team Netherlands fan scarf"}),
    ],
)
def test_i19_every_analyst_of_the_demo_has_a_queue_of_their_own(
    new_page: Any, email: str, titles: set[str]
) -> None:
    page = new_page()
    sign_in(page, email)
    page.goto("/console/queue")
    audit(page)
    rows = page.locator(".queue-item")
    assert rows.count() == len(titles)
    text = " ".join(rows.all_inner_texts())
    for title in titles:
        assert title in text
    assert "Olympic rings 2026 replica hoodie" not in text  # the IOC's case is not theirs
    page.locator(".case-link").first.click()
    page.wait_for_load_state()
    assert "/console/cases/" in page.url
    audit(page)
