"""POST /v1/screen: roles, batches, per-listing errors, the registry's own licences."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ringfence.core.security import Role
from ringfence.web.screening.api import FindingOut, ScreenResponse
from tests.conftest import Keys


def _listing(**over: object) -> dict[str, object]:
    return {
        "listing_id": "L1",
        "seller_id": "SELLER:x",
        "title": "0lymp1c rings hoodie",
        "category": "apparel",
        "ship_to": ["FR"],
        **over,
    }


def test_marketplace_screens_a_batch(client: TestClient, keys: Keys) -> None:
    mkt = keys("MKT:tmall", Role.marketplace)
    body = {
        "on": "2026-06-01",
        "listings": [
            _listing(),
            _listing(
                listing_id="L2", seller_id="SELLER:tmall-4711", title="Olympic tee", ship_to="CN"
            ),
            _listing(listing_id="L3", title="Running shoes"),
            _listing(listing_id="L4", title=""),
            _listing(listing_id="L5", price="cheap"),
        ],
    }
    response = client.post("/v1/screen", json=body, headers=mkt)
    assert response.status_code == 200, response.text
    results = {r["listing_id"]: r for r in response.json()["results"]}
    assert results["L1"]["verdict"] == "infringing"
    assert results["L1"]["evidence"][0]["text"] == "0lymp1c rings"
    # the registry in the database holds the demo licence of this authorised seller
    assert results["L2"]["verdict"] == "authorized"
    assert results["L3"]["verdict"] == "clean"
    assert (results["L4"]["verdict"], results["L4"]["reasons"]) == ("error", ["empty_title"])
    assert (results["L5"]["verdict"], results["L5"]["reasons"]) == ("error", ["invalid_price"])


def test_screening_sees_registry_changes(client: TestClient, keys: Keys) -> None:
    admin = keys("IOC", Role.admin)
    body = {
        "on": "2026-06-01",
        "listings": [_listing(seller_id="SELLER:tmall-4711", title="Olympic tee", ship_to="CN")],
    }
    assert (
        client.post("/v1/screen", json=body, headers=admin).json()["results"][0]["verdict"]
        == "authorized"
    )
    lic = client.get("/v1/licences/IOC-2026-0001", headers=admin).json()
    client.put("/v1/licences/IOC-2026-0001", json=lic | {"status": "revoked"}, headers=admin)
    result = client.post("/v1/screen", json=body, headers=admin).json()["results"][0]
    # issue 16: "Olympic tee" alone is of uncertain sense: review, with the revoked licence
    assert (result["verdict"], result["reasons"]) == (
        "review",
        ["licence_revoked", "uncertain_sense"],
    )


def test_screening_limits_and_roles(client: TestClient, keys: Keys) -> None:
    mkt = keys("MKT:tmall", Role.marketplace)
    too_many = {"listings": [_listing(listing_id=str(i)) for i in range(1001)]}
    response = client.post("/v1/screen", json=too_many, headers=mkt)
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "invalid_too_long"
    assert client.post("/v1/screen", json={"listings": []}, headers=mkt).status_code == 422
    licensee = keys("LIC:oranje-fanwear", Role.licensee)
    forbidden = client.post("/v1/screen", json={"listings": [_listing()]}, headers=licensee)
    assert forbidden.status_code == 403
    assert client.post("/v1/screen", json={"listings": [_listing()]}).status_code == 401


NESTED = "[" * 1000 + "]" * 1000  # deeper than Python's JSON parser can follow


def test_h18_s4_nested_image_paths_is_an_error_row(client: TestClient, keys: Keys) -> None:
    mkt = keys("MKT:tmall", Role.marketplace)
    listings = [
        _listing(listing_id="deep", image_paths=NESTED),
        _listing(listing_id="deep-json", image_paths=[[["a"]]]),
        _listing(listing_id="fine", title="Running shoes"),
    ]
    response = client.post("/v1/screen", json={"listings": listings}, headers=mkt)
    assert response.status_code == 200, response.text
    results = {r["listing_id"]: (r["verdict"], r["reasons"]) for r in response.json()["results"]}
    assert results == {
        "deep": ("error", ["invalid_image_paths"]),
        "deep-json": ("error", ["invalid_image_paths"]),
        "fine": ("clean", []),
    }
    cases = client.post(
        "/v1/cases/screen", json={"marketplace": "MKT:tmall", "listings": listings}, headers=mkt
    )
    assert cases.status_code == 200, cases.text
    assert [(r["listing_id"], r["verdict"]) for r in cases.json()] == [
        ("deep", "error"),
        ("deep-json", "error"),
        ("fine", "clean"),
    ]


def test_i21_answer_has_the_documented_shape(client: TestClient, keys: Keys) -> None:
    """The answer is written to JSON without a model per listing: it is exactly what the
    documented ScreenResponse would write (every finding field present, nulls included)."""
    mkt = keys("MKT:tmall", Role.marketplace)
    listings = [
        _listing(),
        _listing(listing_id="L2", title="Olympic Peninsula hiking map", ship_to=["US"]),
        _listing(listing_id="L3", title="Running shoes"),
        _listing(listing_id="L4", title="replica Olympic medal", price=1, currency="EUR"),
        _listing(listing_id="L5", ship_to=["ZZZ"]),
    ]
    response = client.post("/v1/screen", json={"listings": listings}, headers=mkt)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert ScreenResponse.model_validate(answer).model_dump(mode="json") == answer
    evidence = [f for r in answer["results"] for f in r["evidence"]]
    assert evidence
    assert all(set(f) == set(FindingOut.model_fields) for f in evidence)
    assert [r["verdict"] for r in answer["results"]][2:] == ["clean", "infringing", "error"]
