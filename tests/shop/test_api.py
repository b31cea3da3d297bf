"""The shop over HTTP: guest checkout with an Idempotency-Key, payment failure, stock, order
handling by the store, statements, scoping."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringfence.core.security import Role
from tests.conftest import Keys
from tests.shop.conftest import ADDRESS

GTIN = "5901234123457"


@pytest.fixture
def ioc(keys: Keys) -> dict[str, str]:
    return keys("IOC", Role.rights_holder)


@pytest.fixture
def offer(client: TestClient, ioc: dict[str, str], keys: Keys) -> int:
    admin = keys("IOC", Role.admin)
    product = {
        "gtin": GTIN,
        "name": "Rings tee",
        "licensee": "LIC:heritage-apparel",
        "category": "apparel.clothing.tops",
        "marks": ["symbol-olympic-rings"],
    }
    assert client.post("/v1/products", json=product, headers=admin).status_code == 201
    store = {"id": "IOC", "name": "Olympic Shop", "currency": "EUR", "ships_to": ["FR", "US"]}
    assert client.post("/v1/shop/stores", json=store, headers=ioc).status_code == 201
    created = client.post(
        "/v1/shop/stores/IOC/offers",
        json={"gtin": GTIN, "titles": {"en": "Rings tee"}, "price_minor": 2500, "stock": 3},
        headers=ioc,
    )
    assert created.status_code == 201, created.text
    offer_id: int = created.json()["id"]
    published = client.post(f"/v1/shop/offers/{offer_id}/publish", headers=ioc)
    assert published.json()["status"] == "published"
    return offer_id


def _order(offer: int, quantity: int = 1, token: str = "tok_visa", **over: Any) -> dict[str, Any]:
    return {
        "lines": [{"offer": offer, "quantity": quantity}],
        "email": "fan@example.org",
        "ship_to": ADDRESS,
        "payment_token": token,
    } | over


def test_guest_checkout_is_idempotent(client: TestClient, offer: int) -> None:
    headers = {"Idempotency-Key": "basket-42"}
    first = client.post("/v1/shop/stores/IOC/orders", json=_order(offer, 2), headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "paid"
    again = client.post("/v1/shop/stores/IOC/orders", json=_order(offer, 2), headers=headers)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    other = client.post("/v1/shop/stores/IOC/orders", json=_order(offer, 1), headers=headers)
    assert other.status_code == 409
    assert other.json()["detail"][0]["code"] == "idempotency_key_reused"
    listed = client.get("/v1/shop/offers", params={"q": "rings"}).json()
    assert [(o["id"], o["stock"]) for o in listed] == [(offer, 1)]


def test_payment_failure_and_out_of_stock(client: TestClient, offer: int) -> None:
    declined = client.post("/v1/shop/stores/IOC/orders", json=_order(offer, 3, "tok_declined"))
    assert declined.status_code == 402
    assert declined.json()["detail"][0]["code"] == "payment_declined"
    assert client.post("/v1/shop/stores/IOC/orders", json=_order(offer, 3)).status_code == 201
    sold_out = client.post("/v1/shop/stores/IOC/orders", json=_order(offer, 1))
    assert sold_out.status_code == 409
    assert sold_out.json()["detail"][0]["code"] == "out_of_stock"


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"ship_to": ADDRESS | {"postal_code": "ABCDE"}}, "invalid_value_error"),
        ({"ship_to": ADDRESS | {"country": "XX"}}, "invalid_value_error"),
        ({"email": "not-an-email"}, "invalid_string_pattern_mismatch"),
        ({"lines": []}, "invalid_too_short"),
    ],
)
def test_bad_orders_are_422(
    client: TestClient, offer: int, over: dict[str, Any], code: str
) -> None:
    response = client.post("/v1/shop/stores/IOC/orders", json=_order(offer, **over))
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == code


def test_the_store_runs_its_orders_and_the_licensor_reads_its_statement(
    client: TestClient, offer: int, ioc: dict[str, str], keys: Keys
) -> None:
    order = client.post("/v1/shop/stores/IOC/orders", json=_order(offer, 2)).json()
    ned = keys("NOC:NED", Role.rights_holder)
    assert client.get(f"/v1/shop/orders/{order['id']}", headers=ned).status_code == 404
    assert (
        client.post(f"/v1/shop/orders/{order['id']}/ship", headers=ioc).status_code == 409
    )  # not fulfilled yet
    fulfilled = client.post(f"/v1/shop/orders/{order['id']}/fulfil", headers=ioc).json()
    assert fulfilled["status"] == "fulfilled"
    assert fulfilled["lines"][0]["code_batch"]
    assert (
        client.post(f"/v1/shop/orders/{order['id']}/ship", headers=ioc).json()["status"]
        == "shipped"
    )
    statement = client.get(
        "/v1/royalties/statement", params={"licensor": "IOC", "period": "2026"}, headers=ioc
    )
    assert statement.status_code == 200
    body = statement.json()
    assert body["totals"] == {"EUR": 600}  # 12% of 50.00
    assert body["lines"][0]["licensee"] == "LIC:heritage-apparel"
    assert (
        client.get(
            "/v1/royalties/statement", params={"licensor": "IOC", "period": "2026"}, headers=ned
        ).status_code
        == 403
    )
    bad = client.get(
        "/v1/royalties/statement", params={"licensor": "IOC", "period": "2026-Q9"}, headers=ioc
    )
    assert bad.json()["detail"][0]["code"] == "invalid_period"


def test_only_the_owner_manages_a_store(client: TestClient, offer: int, keys: Keys) -> None:
    ned = keys("NOC:NED", Role.rights_holder)
    assert client.post(f"/v1/shop/offers/{offer}/unpublish", headers=ned).status_code == 403
    assert (
        client.put(f"/v1/shop/offers/{offer}/stock", json={"stock": 99}, headers=ned).status_code
        == 403
    )
    assert (
        client.post(
            "/v1/shop/stores",
            json={"id": "IOC", "name": "x", "currency": "EUR", "ships_to": ["FR"]},
            headers=ned,
        ).status_code
        == 403
    )
    assert client.post("/v1/shop/stores/IOC/close", headers=ned).status_code == 403
