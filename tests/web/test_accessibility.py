"""Markup checks over the main pages: one h1, every form control labelled, images with text
alternatives, no asset from another site."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ringfence.auth.service import create_user
from ringfence.core.security import Role
from ringfence.demo import demo_shop
from tests.web.test_pages import PASSWORD, sign_in

ANONYMOUS = ["/", "/login", "/shop", "/shop/cart", "/verify", "/shop/orders"]
ANALYST = [
    "/console",
    "/console/queue",
    "/console/screen",
    "/console/marks",
    "/console/marks/symbol-olympic-rings",
    "/console/licences",
    "/console/licensees",
    "/console/orders",
    "/console/royalties",
]
LICENSEE = ["/portal", "/portal/products", "/portal/codes", "/portal/royalties"]


class Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.labels: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.images: list[dict[str, str | None]] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        elif tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        elif tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)
        elif tag == "img":
            self.images.append(a)
        for name in ("src", "href"):
            value = a.get(name) or ""
            if tag in ("script", "link", "img") and value.startswith(("http:", "https:", "//")):
                self.assets.append(value)


def _check(html: str, path: str) -> None:
    page = Markup()
    page.feed(html)
    assert page.h1 == 1, f"{path}: {page.h1} h1 elements"
    for control in page.controls:
        labelled = control.get("id") in page.labels or control.get("aria-label")
        assert labelled, f"{path}: an unlabelled control {control}"
    for image in page.images:
        assert image.get("alt"), f"{path}: an image without alt text"
    assert page.assets == [], f"{path}: assets from another site {page.assets}"


@pytest.mark.parametrize("role", ["anonymous", "analyst", "licensee"])
def test_pages_are_labelled_and_self_contained(
    client: TestClient, session: Session, role: str
) -> None:
    offer = demo_shop(session)
    session.commit()
    paths = [*ANONYMOUS, f"/shop/items/{offer}"]
    if role != "anonymous":
        party, user_role, paths = {
            "analyst": ("IOC", Role.rights_holder, ANALYST),
            "licensee": ("LIC:heritage-apparel", Role.licensee, LICENSEE),
        }[role]
        create_user(
            session, email=f"{role}@a11y.example", name=role, party_id=party, role=user_role,
            password=PASSWORD,
        )  # fmt: skip
        session.commit()
        sign_in(client, f"{role}@a11y.example")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        _check(response.text, path)
