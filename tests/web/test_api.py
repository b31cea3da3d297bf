"""The HTTP API's contract: authentication, errors as 4xx with codes, health and metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ringfence.auth.service import revoke_key
from ringfence.core.security import Role
from tests.conftest import Keys

AUTHORIZE = {
    "seller": "LIC:heritage-apparel",
    "marks": ["word-olympic"],
    "category": "apparel",
    "territory": "FR",
    "channel": "marketplace",
    "on": "2026-05-01",
}


def test_health_ready_metrics_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert len(ready["registry_version"]) == 16
    metrics = client.get("/metrics").text
    assert 'ringfence_http_requests_total{method="GET",route="/readyz",status="200"} 1.0' in metrics
    assert client.get("/openapi.json").json()["info"]["title"] == "ringfence"
    docs = client.get("/docs").text
    assert "/static-offline-docs/swagger-ui-bundle.js" in docs
    assert "https://" not in docs  # nothing from a CDN
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_api_key"),
        ({"Authorization": "Bearer nonsense"}, "invalid_api_key"),
        ({"Authorization": "Bearer rf_000000000000_forged"}, "invalid_api_key"),
        ({"X-API-Key": "rf_abc"}, "invalid_api_key"),
    ],
)
def test_authentication_is_required(client: TestClient, headers: dict[str, str], code: str) -> None:
    response = client.get("/v1/marks", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"][0]["code"] == code


def test_revoked_key_is_refused(client: TestClient, keys: Keys, session: Session) -> None:
    headers = keys("IOC", Role.admin)
    assert client.get("/v1/marks", headers=headers).status_code == 200
    key_id = headers["Authorization"].split("_")[1]
    revoke_key(session, key_id=key_id)
    session.commit()
    assert client.get("/v1/marks", headers=headers).status_code == 401


def test_x_api_key_header_works(client: TestClient, keys: Keys) -> None:
    bearer = keys("IOC", Role.admin)
    key = bearer["Authorization"].removeprefix("Bearer ")
    assert client.get("/v1/licences", headers={"X-API-Key": key}).status_code == 200


@pytest.mark.parametrize(
    ("change", "status", "code", "loc"),
    [
        ({"marks": ["word-olympic", "no-such-mark"]}, 422, "unknown_mark", ["marks", 1]),
        ({"category": "weapons"}, 422, "unknown_category", ["category"]),
        ({"territory": "XX"}, 422, "invalid_value_error", ["territory"]),
        ({"channel": "telepathy"}, 422, "invalid_enum", ["channel"]),
        ({"on": "yesterday"}, 422, "invalid_date_from_datetime_parsing", ["on"]),
        ({"marks": []}, 422, "invalid_too_short", ["marks"]),
        ({"surprise": 1}, 422, "invalid_extra_forbidden", ["surprise"]),
    ],
)
def test_bad_authorize_requests_are_4xx_with_codes(
    client: TestClient,
    keys: Keys,
    change: dict[str, object],
    status: int,
    code: str,
    loc: list[str],
) -> None:
    response = client.post(
        "/v1/authorize", json=AUTHORIZE | change, headers=keys("IOC", Role.admin)
    )
    assert response.status_code == status
    detail = response.json()["detail"][0]
    assert detail["code"] == code
    assert detail["loc"] == loc


def test_malformed_json_is_422(client: TestClient, keys: Keys) -> None:
    response = client.post(
        "/v1/authorize",
        content=b'{"seller": ',
        headers=keys("IOC", Role.admin) | {"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "invalid_json_invalid"


def test_unknown_route_is_404_with_code(client: TestClient) -> None:
    response = client.get("/v1/nothing")
    assert response.status_code == 404
    assert response.json()["detail"][0]["code"] == "not_found"


def test_write_conflicts_and_mismatches(client: TestClient, keys: Keys) -> None:
    admin = keys("IOC", Role.admin)
    mark = client.get("/v1/marks/emblem-noc-ned", headers=admin).json()
    dup = client.post("/v1/marks", json=mark, headers=admin)
    assert dup.status_code == 409
    assert dup.json()["detail"][0]["code"] == "already_exists"
    mismatch = client.put("/v1/marks/word-olympic", json=mark, headers=admin)
    assert mismatch.status_code == 422
    assert mismatch.json()["detail"][0]["code"] == "id_mismatch"
    in_use = client.delete("/v1/marks/emblem-noc-ned", headers=admin)
    assert in_use.status_code == 409
    assert in_use.json()["detail"][0]["code"] == "mark_in_use"


def test_decision_follows_registry_writes(client: TestClient, keys: Keys) -> None:
    admin = keys("IOC", Role.admin)
    assert client.post("/v1/authorize", json=AUTHORIZE, headers=admin).json()["allowed"] is True
    lic = client.get("/v1/licences/IOC-2026-0001", headers=admin).json()
    assert (
        client.put(
            "/v1/licences/IOC-2026-0001", json=lic | {"status": "suspended"}, headers=admin
        ).status_code
        == 200
    )
    after = client.post("/v1/authorize", json=AUTHORIZE, headers=admin).json()
    assert after["allowed"] is False
    assert after["reasons"] == ["licence_suspended"]


def test_public_endpoints_need_no_key(client: TestClient) -> None:
    editions = client.get("/v1/editions").json()
    assert editions[0]["id"] == "athens-1896"
    order = [(e["year"], e["id"]) for e in editions]
    assert order == sorted(order)
    assert editions[-1]["id"] == "salt-lake-city-utah-2034"
    assert any(c["id"] == "apparel.headwear" for c in client.get("/v1/categories").json())
    official = client.get("/v1/public/sellers/SELLER:tmall-4711?on=2026-05-01").json()
    assert official["official"] is True
    assert official["licences"][0]["licence"] == "IOC-2026-0001"
    assert "royalty_rate" not in official["licences"][0]
    after = client.get("/v1/public/sellers/SELLER:tmall-4711?on=2029-01-01").json()
    assert after["official"] is False
    assert official["name"] == "Official store 4711 on Tmall"
    suspended = client.get("/v1/public/sellers/LIC:bleus-textiles?on=2026-05-01").json()
    assert suspended == {
        "id": "LIC:bleus-textiles",
        "name": None,
        "official": False,
        "licences": [],
    }
    unknown = client.get("/v1/public/sellers/LIC:nobody").json()
    assert unknown == {"id": "LIC:nobody", "name": None, "official": False, "licences": []}


def test_a_value_the_database_refuses_is_a_422(client: TestClient, database_url: str) -> None:
    """PostgreSQL refuses NUL characters in text (SQLite stores them): 422, never a 500."""
    response = client.get("/v1/shop/offers", params={"edition": "\x00"})
    if database_url.startswith("postgresql"):
        assert response.status_code == 422
        assert response.json()["detail"][0]["code"] == "invalid_value"
    else:
        assert response.status_code == 200
        assert response.json() == []


def test_h18_s13_openapi_documents_the_error_model_for_every_operation(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    assert "HTTPValidationError" not in components
    assert set(components["ErrorItem"]["properties"]) == {"code", "msg", "loc"}
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert len(operations) >= 80
    for op in operations:
        for status in ("401", "403", "404", "409", "413", "422", "429"):
            assert op["responses"][status]["content"]["application/json"]["schema"] == ref
    # And the API answers what it documents.
    refused = client.post("/v1/authorize", json={})
    assert refused.status_code == 401
    assert set(refused.json()["detail"][0]) == {"code", "msg", "loc"}
