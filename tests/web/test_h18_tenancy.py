"""Issue 18, tenancy findings: writes authorise on the existing row (s1), roles count as well as
parties (s2), only a licensee's managing party grants it licences (s5), the reporter is the
caller (s9), and a row you may not see is 404 everywhere (s12)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.auth.models import ApiKey
from ringfence.auth.service import create_key, create_user
from ringfence.core.errors import InvalidInput
from ringfence.core.security import Role, hash_api_key, new_api_key
from ringfence.registry.models import OfficialImage
from tests.conftest import Keys
from tests.screening.imagegen import encode, official_photo

H = dict[str, str]
GTIN = "5901234123457"
PRODUCT = {
    "gtin": GTIN,
    "name": "Rings tee",
    "licensee": "LIC:heritage-apparel",
    "category": "apparel.clothing.tops",
    "marks": ["symbol-olympic-rings"],
}


def legacy_key(session: Session, party: str, role: Role) -> H:
    """A key with a role/party pair ``keys create`` now refuses, as an older database may
    hold: the services must still refuse what the role may not do."""
    key_id, key = new_api_key()
    session.add(
        ApiKey(id=key_id, name="legacy", party_id=party, role=role, key_hash=hash_api_key(key))
    )
    session.commit()
    return {"Authorization": f"Bearer {key}"}


# ------------------------------------------------------------------ s1


def test_h18_s1_bank_write_checks_existing_owner(
    client: TestClient, keys: Keys, session: Session
) -> None:
    ioc = keys("IOC", Role.admin)
    photo = base64.b64encode(encode(official_photo(1))).decode()
    body = {"id": "ioc-tee", "product": "Rings tee", "licence": "IOC-2026-0001"}
    created = client.post("/v1/bank/images", json=body | {"image_base64": photo}, headers=ioc)
    assert created.status_code == 201, created.text
    before = created.json()
    # NED replaces the IOC's photo with one under its own licence: as if the id were unseen.
    ned = keys("NOC:NED", Role.rights_holder)
    other = base64.b64encode(encode(official_photo(2))).decode()
    hijack = body | {"licence": "NED-2026-0003", "image_base64": other, "product": "x"}
    replaced = client.post("/v1/bank/images", json=hijack, headers=ned)
    assert replaced.status_code == 404
    assert replaced.json()["detail"][0]["code"] == "image_not_found"
    deleted = client.delete("/v1/bank/images/ioc-tee", headers=ned)
    assert deleted.status_code == 404
    assert deleted.json()["detail"][0]["code"] == "image_not_found"
    session.expire_all()
    row = session.get_one(OfficialImage, "ioc-tee")
    assert (row.licence_id, row.product, row.pdq) == ("IOC-2026-0001", "Rings tee", before["pdq"])


# ------------------------------------------------------------------ s2


@pytest.fixture
def shop(client: TestClient, keys: Keys) -> dict[str, Any]:
    """The IOC's store with a published offer, a paid order and a batch of codes."""
    admin = keys("IOC", Role.admin)
    ioc = keys("IOC", Role.rights_holder)
    assert client.post("/v1/products", json=PRODUCT, headers=admin).status_code == 201
    store = {"id": "IOC", "name": "Olympic Shop", "currency": "EUR", "ships_to": ["FR"]}
    assert client.post("/v1/shop/stores", json=store, headers=ioc).status_code == 201
    offer = client.post(
        "/v1/shop/stores/IOC/offers",
        json={"gtin": GTIN, "titles": {"en": "Rings tee"}, "price_minor": 2500, "stock": 3},
        headers=ioc,
    ).json()["id"]
    assert client.post(f"/v1/shop/offers/{offer}/publish", headers=ioc).status_code == 200
    order = client.post(
        "/v1/shop/stores/IOC/orders",
        json={
            "lines": [{"offer": offer, "quantity": 1}],
            "email": "fan@example.org",
            "ship_to": {
                "name": "A. Fan",
                "line1": "1 Rue de Rivoli",
                "city": "Paris",
                "postal_code": "75001",
                "country": "FR",
            },
            "payment_token": "tok_visa",
        },
    )
    assert order.status_code == 201, order.text
    heritage = keys("LIC:heritage-apparel", Role.licensee)
    batch = client.post("/v1/codes/batches", json={"gtin": GTIN, "count": 1}, headers=heritage)
    assert batch.status_code == 201, batch.text
    return {"offer": offer, "order": order.json()["id"], "batch": batch.json()["id"]}


def test_h18_s2_licensee_role_of_a_rights_holder_cannot_write(
    client: TestClient, session: Session, shop: dict[str, Any], keys: Keys
) -> None:
    wrong = legacy_key(session, "IOC", Role.licensee)  # the IOC's party, the licensee role
    admin = keys("IOC", Role.admin)
    offer, order, batch = shop["offer"], shop["order"], shop["batch"]
    before = {
        "store": client.get("/v1/shop/stores").json(),
        "offer": client.get("/v1/shop/offers").json(),
        "order": client.get(f"/v1/shop/orders/{order}", headers=admin).json(),
        "batch": client.get(f"/v1/codes/batches/{batch}", headers=admin).json(),
    }
    attempts = [
        ("post", "/v1/shop/stores/IOC/close", None),
        ("post", "/v1/shop/stores/IOC/open", None),
        ("put", f"/v1/shop/offers/{offer}/stock", {"stock": 0}),
        ("post", f"/v1/shop/offers/{offer}/unpublish", None),
        ("post", f"/v1/shop/orders/{order}/refund", {"reason": "x"}),
        ("post", f"/v1/shop/orders/{order}/cancel", None),
        ("post", f"/v1/codes/batches/{batch}/recall", {"reason": "x"}),
    ]
    for method, path, body in attempts:
        response = client.request(method.upper(), path, json=body, headers=wrong)
        assert response.status_code in (403, 404), (path, response.status_code)
    # The orders and batches of the store are not the licensee role's to see at all.
    assert client.get(f"/v1/shop/orders/{order}", headers=wrong).status_code == 404
    assert client.get(f"/v1/codes/batches/{batch}", headers=wrong).status_code == 404
    assert client.get("/v1/codes/batches", headers=wrong).json() == []
    after = {
        "store": client.get("/v1/shop/stores").json(),
        "offer": client.get("/v1/shop/offers").json(),
        "order": client.get(f"/v1/shop/orders/{order}", headers=admin).json(),
        "batch": client.get(f"/v1/codes/batches/{batch}", headers=admin).json(),
    }
    assert after == before


def test_h18_s2_units_sold_only_by_the_licensee_or_licensor_role(
    client: TestClient, session: Session, shop: dict[str, Any], keys: Keys
) -> None:
    admin = keys("IOC", Role.admin)
    csv = client.get(f"/v1/codes/batches/{shop['batch']}/codes.csv", headers=admin).text
    serial = csv.splitlines()[1].split(",")[2]
    wrong = legacy_key(session, "IOC", Role.licensee)
    url = f"/v1/codes/units/0{GTIN}/{serial}/sold"
    assert client.post(url, json={"country": "FR"}, headers=wrong).status_code == 404
    scans_url = f"/v1/codes/units/0{GTIN}/{serial}/scans"
    assert client.get(scans_url, headers=wrong).status_code == 404
    ioc = keys("IOC", Role.rights_holder)  # the licensor, acting as such
    assert client.post(url, json={"country": "FR"}, headers=ioc).status_code == 204


@pytest.mark.parametrize(
    ("party", "role"),
    [
        ("NOC:NED", Role.licensee),
        ("IOC", Role.licensee),
        ("MKT:tmall", Role.licensee),
        ("LIC:oranje-fanwear", Role.marketplace),
        ("LIC:oranje-fanwear", Role.rights_holder),
        ("MKT:tmall", Role.rights_holder),
        ("NOC:NED", Role.admin),
        ("NOC:NED", Role.marketplace),
    ],
)
def test_h18_s2_keys_and_users_refuse_senseless_role_party_pairs(
    session: Session, party: str, role: Role
) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_key(session, party_id=party, role=role)
    assert refused.value.code == "role_not_allowed"
    with pytest.raises(InvalidInput) as refused:
        create_user(
            session,
            email=f"{role.value}@{party.replace(':', '-')}.example",
            name="x",
            party_id=party,
            role=role,
            password="a long password",
        )
    assert refused.value.code == "role_not_allowed"
    held = select(ApiKey).where(ApiKey.party_id == party, ApiKey.role == role)
    assert session.scalars(held).all() == []


# ------------------------------------------------------------------ s5


def _licence(**over: Any) -> dict[str, Any]:
    body = {
        "id": "FRA-GRAB-1",
        "licensor": "NOC:FRA",
        "licensee": "LIC:oranje-fanwear",  # managed by NOC:NED
        "status": "suspended",
        "valid_from": "2020-01-01",
        "valid_until": "2020-12-31",
        "royalty_rate": "0.05",
        "marks": ["emblem-noc-fra"],
        "categories": ["apparel.headwear"],
        "territories": ["FR"],
        "channels": ["retail"],
    }
    return body | over


def test_h18_s5_noc_cannot_attach_itself_to_another_nocs_licensee(
    client: TestClient, keys: Keys
) -> None:
    fra = keys("NOC:FRA", Role.rights_holder)
    ned = keys("NOC:NED", Role.rights_holder)
    admin = keys("IOC", Role.admin)
    product = PRODUCT | {"licensee": "LIC:oranje-fanwear", "marks": ["emblem-noc-ned"]}
    assert client.post("/v1/products", json=product, headers=ned).status_code == 201
    before = client.get("/v1/licences", headers=admin).json()
    grant = client.post("/v1/licences", json=_licence(), headers=fra)
    assert grant.status_code == 403
    assert grant.json()["detail"][0]["code"] == "not_your_licensee"
    # An authorised seller managed by another NOC is refused too.
    seller = _licence(licensee="LIC:bleus-textiles", sellers=["LIC:oranje-fanwear"])
    assert client.post("/v1/licences", json=seller, headers=fra).json()["detail"][0]["loc"] == [
        "sellers",
        0,
    ]
    assert client.get("/v1/licences", headers=admin).json() == before
    # FRA reads nothing of the NED licensee's products, and registers none for it.
    assert client.get(f"/v1/products/{GTIN}", headers=fra).status_code == 404
    assert client.get("/v1/products", headers=fra).json() == []
    mine = PRODUCT | {"gtin": "4006381333931", "licensee": "LIC:oranje-fanwear"}
    assert client.post("/v1/products", json=mine, headers=fra).status_code == 403
    assert client.get("/v1/products/4006381333931", headers=admin).status_code == 404
    # Its own licensee it may license, and the manager keeps seeing its licensee's products.
    own = _licence(licensee="LIC:bleus-textiles", status="active")
    assert client.post("/v1/licences", json=own, headers=fra).status_code == 201
    assert [p["gtin"] for p in client.get("/v1/products", headers=ned).json()] == ["0" + GTIN]


# ------------------------------------------------------------------ s9

CASE: dict[str, Any] = {
    "source": "buyer_report",
    "marketplace": "MKT:tmall",
    "listing_id": "h18-s9",
    "seller_id": "seller-7",
    "title": "TeamNL scarf",
    "marks": ["emblem-noc-ned"],
    "territories": ["NL"],
}


def test_h18_s9_report_reporter_is_the_authenticated_caller(client: TestClient, keys: Keys) -> None:
    tmall = keys("MKT:tmall", Role.marketplace)
    admin = keys("IOC", Role.admin)
    stolen = client.post("/v1/cases", json=CASE | {"reporter": "NOC:NED"}, headers=tmall)
    assert stolen.status_code == 422
    assert stolen.json()["detail"][0] == {
        "code": "reporter_not_caller",
        "msg": "the reporter is the caller (MKT:tmall); 'NOC:NED' is another party",
        "loc": ["reporter"],
    }
    assert client.get("/v1/reporters/NOC:NED/accuracy", headers=admin).json()["reports"] == 0
    assert client.get("/v1/cases", headers=admin).json() == []
    # Its own name, or a buyer it forwards, is recorded as given.
    own = client.post("/v1/cases", json=CASE | {"reporter": "MKT:tmall"}, headers=tmall)
    assert own.json()["case"]["reporter"] == "MKT:tmall"
    buyer = CASE | {"listing_id": "h18-s9b", "reporter": "buyer:123"}
    assert client.post("/v1/cases", json=buyer, headers=tmall).json()["case"]["reporter"] == (
        "buyer:123"
    )


# ------------------------------------------------------------------ s12


def test_h18_s12_unseen_rows_are_404_for_reads_and_writes(
    client: TestClient, keys: Keys, shop: dict[str, Any]
) -> None:
    ioc = keys("IOC", Role.rights_holder)
    ned = keys("NOC:NED", Role.rights_holder)
    offer = shop["offer"]
    assert client.post(f"/v1/shop/offers/{offer}/unpublish", headers=ioc).status_code == 200
    # Another store's offer off sale: NED cannot see it, so every write on it is 404.
    for method, path, body in [
        ("POST", f"/v1/shop/offers/{offer}/publish", None),
        ("POST", f"/v1/shop/offers/{offer}/unpublish", None),
        ("PUT", f"/v1/shop/offers/{offer}/stock", {"stock": 9}),
    ]:
        response = client.request(method, path, json=body, headers=ned)
        assert response.status_code == 404, path
        assert response.json()["detail"][0]["code"] == "offer_not_found"
    # An offer on sale is public: NED sees it, and may not change it (403).
    assert client.post(f"/v1/shop/offers/{offer}/publish", headers=ioc).status_code == 200
    response = client.put(f"/v1/shop/offers/{offer}/stock", json={"stock": 9}, headers=ned)
    assert response.status_code == 403
    assert response.json()["detail"][0]["code"] == "not_your_store"
    assert client.get("/v1/shop/offers").json()[0]["stock"] == 2
