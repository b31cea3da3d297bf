"""The enforcement API over HTTP: the whole flow, tenancy, the seller's token, uploads,
exports and the audit check."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringfence.core.security import Role
from ringfence.core.settings import Settings
from ringfence.enforcement.interfaces import InMemoryConnector
from ringfence.enforcement.service import counter_notice_token
from ringfence.web.enforcement.api import get_notice_connector
from tests.conftest import Keys

H = dict[str, str]

CASE: dict[str, Any] = {
    "source": "screening",
    "marketplace": "MKT:tmall",
    "listing_id": "api-1",
    "listing_version": "2026-11-01",
    "seller_id": "seller-7",
    "title": "TeamNL scarf",
    "marks": ["emblem-noc-ned"],
    "territories": ["NL"],
    "risk": 0.7,
    "findings": [
        {
            "detector": "terms",
            "rule": "r",
            "score": 0.9,
            "field": "title",
            "text": "TeamNL",
            "start": 0,
            "end": 6,
            "mark": "emblem-noc-ned",
        }
    ],
}


@pytest.fixture
def connector(client: TestClient) -> Iterator[InMemoryConnector]:
    memory = InMemoryConnector()
    client.app.dependency_overrides[get_notice_connector] = lambda: memory  # type: ignore[attr-defined]
    yield memory
    client.app.dependency_overrides.clear()  # type: ignore[attr-defined]


@pytest.fixture
def ned(keys: Keys) -> H:
    return keys("NOC:NED", Role.rights_holder)


@pytest.fixture
def fra(keys: Keys) -> H:
    return keys("NOC:FRA", Role.rights_holder)


@pytest.fixture
def tmall(keys: Keys) -> H:
    return keys("MKT:tmall", Role.marketplace)


@pytest.fixture
def admin(keys: Keys) -> H:
    return keys("IOC", Role.admin)


def test_full_flow(
    client: TestClient,
    connector: InMemoryConnector,
    ned: H,
    tmall: H,
    admin: H,
    app_settings: Settings,
) -> None:
    created = client.post("/v1/cases", json=CASE, headers=tmall)
    assert created.status_code == 201, created.text
    case_id = created.json()["case"]["id"]
    assert created.json()["case"]["rights_holder"] == "NOC:NED"
    again = client.post("/v1/cases", json=CASE, headers=tmall)
    assert again.status_code == 200
    assert again.json() == {"created": False, "case": again.json()["case"]}
    assert again.json()["case"]["id"] == case_id

    queue = client.get("/v1/cases", params={"queue": "true"}, headers=ned).json()
    assert [c["id"] for c in queue] == [case_id]

    decided = client.post(
        f"/v1/cases/{case_id}/decision",
        json={"decision": "takedown", "reason_code": "counterfeit"},
        headers=ned,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "takedown_requested"
    (message,) = connector.received.values()
    token = message.payload["counter_notice"]["token"]
    assert token == counter_notice_token(app_settings, case_id)

    confirmed = client.post(f"/v1/cases/{case_id}/removal-confirmation", headers=tmall)
    assert confirmed.json()["status"] == "taken_down"

    wrong = client.post(
        f"/v1/cases/{case_id}/counter-notice",
        json={"statement": "mine"},
        headers={"X-Counter-Notice-Token": "nope"},
    )
    assert wrong.status_code == 404
    filed = client.post(
        f"/v1/cases/{case_id}/counter-notice",
        json={"statement": "I am licensed"},
        headers={"X-Counter-Notice-Token": token},
    )
    assert filed.status_code == 201, filed.text
    upload = client.post(
        f"/v1/cases/{case_id}/counter-notice/evidence",
        content=b"licence no. 42",
        headers={
            "X-Counter-Notice-Token": token,
            "Content-Type": "text/plain",
            "X-Filename": "licence.txt",
        },
    )
    assert upload.status_code == 201, upload.text

    upheld = client.post(
        f"/v1/cases/{case_id}/appeal-decision",
        json={"outcome": "upheld", "reason_code": "licence_shown"},
        headers=ned,
    )
    assert upheld.json()["status"] == "reinstated"
    assert sorted(m.action for m in connector.received.values()) == ["reinstate", "takedown"]

    detail = client.get(f"/v1/cases/{case_id}", headers=ned).json()
    assert detail["appeal"]["status"] == "upheld"
    assert [n["status"] for n in detail["notices"]] == ["retracted", "sent"]
    events = client.get(f"/v1/cases/{case_id}/events", headers=ned).json()
    assert events[0]["kind"] == "case.opened"
    assert "appeal.decided" in [e["kind"] for e in events]
    deliveries = client.get(f"/v1/cases/{case_id}/deliveries", headers=ned).json()
    assert [d["ok"] for d in deliveries] == [True, True]
    assert client.get("/v1/audit/verify", headers=admin).json() == {"intact": True, "problems": []}
    assert client.get("/v1/audit/verify", headers=ned).json()["intact"] is True


def test_tenancy_over_http(client: TestClient, ned: H, fra: H, tmall: H, keys: Keys) -> None:
    case_id = client.post("/v1/cases", json=CASE, headers=tmall).json()["case"]["id"]
    assert client.get("/v1/cases", headers=fra).json() == []
    for method, path, body in [
        ("get", f"/v1/cases/{case_id}", None),
        (
            "post",
            f"/v1/cases/{case_id}/decision",
            {"decision": "dismiss", "reason_code": "false_positive"},
        ),
        ("get", f"/v1/cases/{case_id}/events", None),
        ("get", f"/v1/cases/{case_id}/evidence-pack", None),
        ("get", "/v1/sellers/seller-7/strikes", None),
    ]:
        response = client.request(method, path, json=body, headers=fra)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["detail"][0]["code"].endswith("not_found")
    assert client.get(f"/v1/cases/{case_id}", headers=ned).json()["status"] == "open"
    licensee = keys("LIC:oranje-fanwear", Role.licensee)
    assert client.get("/v1/cases", headers=licensee).status_code == 403
    assert client.get("/v1/cases").status_code == 401
    assert client.get("/v1/audit/verify", headers=tmall).status_code == 403


def test_illegal_transition_is_409(client: TestClient, ned: H, tmall: H) -> None:
    case_id = client.post("/v1/cases", json=CASE, headers=tmall).json()["case"]["id"]
    response = client.post(f"/v1/cases/{case_id}/removal-confirmation", headers=tmall)
    assert response.status_code == 422  # no takedown notice yet
    client.post(
        f"/v1/cases/{case_id}/decision",
        json={"decision": "dismiss", "reason_code": "false_positive"},
        headers=ned,
    )
    response = client.post(
        f"/v1/cases/{case_id}/decision",
        json={"decision": "takedown", "reason_code": "counterfeit"},
        headers=ned,
    )
    assert response.status_code == 409
    assert response.json()["detail"][0]["code"] == "illegal_case_transition"


def test_bulk_decision(client: TestClient, connector: InMemoryConnector, ned: H, tmall: H) -> None:
    for n in range(3):
        client.post("/v1/cases", json=CASE | {"listing_id": f"bulk-{n}"}, headers=tmall)
    response = client.post(
        "/v1/cases/bulk-decision",
        json={"seller_id": "seller-7", "decision": "takedown", "reason_code": "unlicensed_use"},
        headers=ned,
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["decided"]) == 3
    assert len(connector.received) == 3


def test_evidence_upload_and_pack(client: TestClient, ned: H, tmall: H) -> None:
    case_id = client.post("/v1/cases", json=CASE, headers=tmall).json()["case"]["id"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 16
    response = client.post(
        f"/v1/cases/{case_id}/evidence",
        content=png,
        headers=tmall | {"Content-Type": "image/png", "X-Filename": "shot.png"},
    )
    assert response.status_code == 201, response.text
    sha = response.json()["sha256"]
    bad = client.post(
        f"/v1/cases/{case_id}/evidence",
        content=b"<html>",
        headers=tmall | {"Content-Type": "image/png", "X-Filename": "x.png"},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["code"] == "content_type_mismatch"
    pack = client.get(f"/v1/cases/{case_id}/evidence-pack", headers=ned)
    assert pack.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(pack.content)).namelist()
    assert sorted(names) == ["case.json", f"files/{sha}"]


def test_too_large_upload_is_refused(client: TestClient, tmall: H, app_settings: Settings) -> None:
    case_id = client.post("/v1/cases", json=CASE, headers=tmall).json()["case"]["id"]
    client.app.state.settings = app_settings.model_copy(update={"evidence_max_bytes": 10})  # type: ignore[attr-defined]
    response = client.post(
        f"/v1/cases/{case_id}/evidence",
        content=b"x" * 11,
        headers=tmall | {"Content-Type": "text/plain", "X-Filename": "a.txt"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "file_too_large"


def test_csv_export(client: TestClient, ned: H, tmall: H) -> None:
    client.post("/v1/cases", json=CASE, headers=tmall)
    response = client.get("/v1/cases/export.csv", headers=ned)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("id,rights_holder,status")
    assert len(lines) == 2


def test_reporter_and_strikes(client: TestClient, ned: H, tmall: H) -> None:
    client.post("/v1/cases", json=CASE, headers=tmall)
    stats = client.get("/v1/reporters/MKT:tmall/accuracy", headers=tmall).json()
    assert stats["reports"] == 1
    assert stats["upheld_share"] is None
    strikes = client.get("/v1/sellers/seller-7/strikes", headers=ned).json()
    assert strikes == {
        "seller_id": "seller-7",
        "strikes": 0,
        "window_days": 365,
        "threshold": 3,
        "repeat_infringer": False,
    }


def test_operations_are_admin_only(
    client: TestClient, connector: InMemoryConnector, ned: H, admin: H
) -> None:
    assert client.post("/v1/notices/dispatch", headers=ned).status_code == 403
    assert client.post("/v1/notices/dispatch", headers=admin).json() == {
        "delivered": 0,
        "failed": 0,
    }
    assert client.post("/v1/enforcement/deadlines", headers=ned).status_code == 403
    out = client.post("/v1/enforcement/deadlines", headers=admin).json()
    assert set(out) == {"closed_without_appeal", "appeals_upheld_by_default", "seller_cases_opened"}


def test_screen_and_open(client: TestClient, tmall: H, ned: H) -> None:
    listings = [
        {
            "listing_id": "s-1",
            "seller_id": "x",
            "title": "Olympic rings replica hoodie",
            "listing_version": "3",
            "reach": 50,
        },
        {"listing_id": "s-2", "seller_id": "x", "title": "Plain blue mug"},
        {"listing_id": "s-3", "seller_id": "x", "title": ""},
        {
            "listing_id": "s-1",
            "seller_id": "x",
            "title": "Olympic rings replica hoodie",
            "listing_version": "3",
        },
    ]
    response = client.post(
        "/v1/cases/screen", json={"marketplace": "MKT:tmall", "listings": listings}, headers=tmall
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert [r["listing_id"] for r in out] == ["s-1", "s-2", "s-3", "s-1"]
    assert out[0]["created"] is True
    assert out[0]["verdict"] in {"infringing", "review"}
    assert (out[1]["verdict"], out[1]["case_id"]) == ("clean", None)
    assert (out[2]["verdict"], out[2]["reason"]) == ("error", "empty_title")
    assert (out[3]["case_id"], out[3]["created"]) == (out[0]["case_id"], False)
    other = client.post(
        "/v1/cases/screen", json={"marketplace": "MKT:other", "listings": listings}, headers=tmall
    )
    assert other.status_code == 403


def test_screen_and_open_checks_as_the_console_does(client: TestClient, tmall: H, admin: H) -> None:
    """Issue 19: the API takes only the registry's marketplaces (in any spelling, stored under
    the one id), and a listing under an undecided case opens no second one, whatever its
    version: the console's upload and the CLI check the same (enforcement.uploads)."""
    hoodie = {"listing_id": "u-1", "seller_id": "x", "title": "Olympic rings replica hoodie"}
    unknown = client.post(
        "/v1/cases/screen", json={"marketplace": "ebay", "listings": [hoodie]}, headers=admin
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["code"] == "unknown_marketplace"
    assert "MKT:tmall" in unknown.json()["detail"][0]["msg"]
    first = client.post(
        "/v1/cases/screen",
        json={"marketplace": "tmall", "listings": [hoodie | {"listing_version": "1"}]},
        headers=tmall,
    ).json()[0]
    assert first["created"] is True
    case = client.get(f"/v1/cases/{first['case_id']}", headers=admin).json()
    assert case["marketplace"] == "MKT:tmall"
    again = client.post(
        "/v1/cases/screen",
        json={"marketplace": "Tmall", "listings": [hoodie | {"listing_version": "2"}]},
        headers=admin,
    ).json()[0]
    assert (again["case_id"], again["created"], again["reason"]) == (
        first["case_id"],
        False,
        "already_under_case",
    )


def test_dismissal_with_an_exception_stops_the_flag(client: TestClient, ned: H, tmall: H) -> None:
    listing = {
        "listing_id": "exc-1",
        "seller_id": "x",
        "title": "TeamNL Flame cookies",
        "ship_to": ["NL"],
    }
    body = {"marketplace": "MKT:tmall", "listings": [listing]}
    first = client.post("/v1/cases/screen", json=body, headers=tmall).json()[0]
    assert first["verdict"] in {"infringing", "review"}
    decided = client.post(
        f"/v1/cases/{first['case_id']}/decision",
        json={
            "decision": "dismiss",
            "reason_code": "exception_applies",
            "add_exception": {
                "mark": "emblem-noc-ned",
                "text": "TeamNL Flame",
                "reason": "grandfathered_brand",
            },
        },
        headers=ned,
    )
    assert decided.status_code == 200, decided.text
    listing2 = listing | {"listing_id": "exc-2"}
    again = client.post(
        "/v1/cases/screen", json={"marketplace": "MKT:tmall", "listings": [listing2]}, headers=tmall
    ).json()[0]
    assert again["case_id"] is None
    assert again["verdict"] not in {"infringing", "review"}


# ------------------------------------------------------------------ issue 16: scoped exceptions


def _flame(client: TestClient, tmall: H, listing_id: str, **over: Any) -> dict[str, Any]:
    listing = {
        "listing_id": listing_id,
        "seller_id": "x",
        "title": "Olympic Flame cookies",
        "ship_to": ["FR"],
        "category": "home",
    } | over
    body = {"marketplace": "MKT:tmall", "listings": [listing]}
    out = client.post("/v1/cases/screen", json=body, headers=tmall)
    assert out.status_code == 200, out.text
    result: dict[str, Any] = out.json()[0]
    return result


def test_i16_api_refuses_a_bare_word_previews_and_revokes(
    client: TestClient, keys: Keys, tmall: H
) -> None:
    ioc = keys("IOC", Role.rights_holder)
    first = _flame(client, tmall, "i16-1")
    assert first["verdict"] in {"infringing", "review"}
    case_id = first["case_id"]
    assert client.get(f"/v1/cases/{case_id}", headers=ioc).json()["category"] == "home"
    decision = {
        "decision": "dismiss",
        "reason_code": "exception_applies",
        "add_exception": {"mark": "word-olympic", "text": "Olympic", "reason": "other"},
    }
    bare = client.post(f"/v1/cases/{case_id}/decision", json=decision, headers=ioc)
    assert bare.status_code == 422
    assert bare.json()["detail"][0]["code"] == "exception_too_broad"
    assert client.get(f"/v1/cases/{case_id}", headers=ioc).json()["status"] == "open"
    preview = client.post(
        f"/v1/cases/{case_id}/exception-preview",
        json=decision["add_exception"] | {"text": "Olympic Flame"},
        headers=ioc,
    )
    assert preview.status_code == 200, preview.text
    scoped = preview.json()["exception"]
    assert (scoped["text"], scoped["territories"], scoped["category"]) == (
        "Olympic Flame",
        ["FR"],
        "home",
    )
    assert scoped["id"] is None
    decision["add_exception"]["text"] = "Olympic Flame"
    decided = client.post(f"/v1/cases/{case_id}/decision", json=decision, headers=ioc)
    assert decided.status_code == 200, decided.text
    assert _flame(client, tmall, "i16-2")["verdict"] == "clean"
    assert _flame(client, tmall, "i16-3", ship_to=["DE"])["verdict"] in {"infringing", "review"}
    assert _flame(client, tmall, "i16-4", category="toys")["verdict"] in {"infringing", "review"}
    made = client.get(f"/v1/cases/{case_id}/exceptions", headers=ioc).json()
    assert [x["text"] for x in made] == ["Olympic Flame"]
    # Only the mark's owner revokes it; DELETE and POST .../revoke are the same command.
    fra = keys("NOC:FRA", Role.rights_holder)
    assert client.delete(f"/v1/exceptions/{made[0]['id']}", headers=fra).status_code == 404
    assert client.delete(f"/v1/exceptions/{made[0]['id']}", headers=tmall).status_code == 403
    revoked = client.delete(f"/v1/exceptions/{made[0]['id']}", headers=ioc)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["text"] == "Olympic Flame"
    assert _flame(client, tmall, "i16-5")["verdict"] in {"infringing", "review"}
    again = client.post(f"/v1/exceptions/{made[0]['id']}/revoke", headers=ioc)
    assert again.status_code == 404
    assert again.json()["detail"][0]["code"] == "exception_not_found"
    kinds = [e["kind"] for e in client.get(f"/v1/cases/{case_id}/events", headers=ioc).json()]
    assert kinds[-2:] == ["registry.exception_added", "registry.exception_revoked"]
