"""The HTTP side: the public verification page (JSON and HTML), published keys, rate limits,
issuance and printing through the API, and who may do what."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ringfence.authenticity.codes import parse_uri
from ringfence.core.security import Role
from ringfence.core.settings import Settings
from ringfence.web.app import create_app
from tests.conftest import Keys

GTIN = "05901234123457"
PRODUCT = {
    "gtin": "5901234123457",
    "name": "Rings tee",
    "licensee": "LIC:heritage-apparel",
    "category": "apparel.clothing.tops",
    "marks": ["symbol-olympic-rings"],
}


@pytest.fixture
def heritage(keys: Keys) -> dict[str, str]:
    return keys("LIC:heritage-apparel", Role.licensee)


@pytest.fixture
def batch(client: TestClient, heritage: dict[str, str]) -> dict[str, Any]:
    assert client.post("/v1/products", json=PRODUCT, headers=heritage).status_code == 201
    response = client.post("/v1/codes/batches", json={"gtin": GTIN, "count": 3}, headers=heritage)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _uris(client: TestClient, batch: dict[str, Any], headers: dict[str, str]) -> list[str]:
    response = client.get(f"/v1/codes/batches/{batch['id']}/codes.csv", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "gtin,lot,serial,uri"
    return [line.split(",")[3] for line in lines[1:]]


def _path(uri: str) -> str:
    return "/v" + uri.split("/v", 1)[1]


class Countries:
    """A GeoIP database in a dict (web/clients.py CountryLookup)."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def country(self, address: str) -> str | None:
        return self.table.get(address)


def _from(client: TestClient, address: str, **headers: str) -> TestClient:
    """The same app, called from ``address`` (the connection's peer)."""
    return TestClient(client.app, client=(address, 50000), headers=headers)


def test_a_printed_code_verifies_as_json_and_as_a_page(
    client: TestClient, batch: dict[str, Any], heritage: dict[str, str]
) -> None:
    uris = _uris(client, batch, heritage)
    assert len(uris) == 3
    body = client.get(_path(uris[0])).json()
    assert body["status"] == "genuine"
    assert body["product"] == "Rings tee"
    assert body["licensor"] == "International Olympic Committee"
    page = client.get(_path(uris[0]), headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.headers["content-type"].startswith("text/html")
    assert "Genuine" in page.text
    assert "Heritage Apparel Ltd" in page.text
    assert 'name="viewport"' in page.text


def test_unknown_and_forged_codes_look_the_same(
    client: TestClient, batch: dict[str, Any], heritage: dict[str, str]
) -> None:
    uri = _uris(client, batch, heritage)[0]
    forged = client.get(_path(uri)[:-4] + "AAAA").json()
    unknown = client.get(f"/v/01/{GTIN}/21/ZZZZZZZZZZZZZZZZ?s=" + uri.split("s=")[1]).json()
    for body in (forged, unknown):
        body.pop("checked_at")
        body.pop("serial")
    assert forged == unknown
    assert forged["status"] == "not_genuine"
    assert forged["product"] is None


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/v/01/05901234123458/21/ABC?s=x", "invalid_gtin"),
        ("/v/01/0590123412345/21/ABC", "invalid_gtin"),
        (f"/v/01/{GTIN}/21/AB%20C", "invalid_serial"),
        (f"/v/01/{GTIN}/21/ABC?country=XX", "invalid_country"),
        (f"/v/01/{GTIN}/21/ABC?country=FRA", "invalid_string_too_long"),
        (f"/v/01/{GTIN}/21/{'A' * 21}", "invalid_string_too_long"),
        (f"/v/01/{GTIN}/21/ABC?format=xml", "invalid_literal_error"),
    ],
)
def test_malformed_codes_are_422_with_a_code(client: TestClient, path: str, code: str) -> None:
    response = client.get(path)
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == code


def test_the_public_endpoint_is_rate_limited(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    settings = Settings(database_url=database_url, verify_rate_per_minute=1, verify_burst=3)
    with TestClient(create_app(settings, session_factory=session_factory)) as client:
        codes = [client.get(f"/v/01/{GTIN}/21/ABC").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get(f"/v/01/{GTIN}/21/ABC")
        assert limited.json()["detail"][0]["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) >= 1


def test_published_keys_carry_the_signer(client: TestClient, batch: dict[str, Any]) -> None:
    keys = client.get("/.well-known/ringfence-keys.json").json()["keys"]
    mine = [k for k in keys if k["kid"] == batch["key_id"]]
    assert mine == [
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "kid": batch["key_id"],
            "x": mine[0]["x"],
            "use": "sig",
            "party": "IOC",
            "status": "active",
        }
    ]


def test_qr_codes_for_print(
    client: TestClient, batch: dict[str, Any], heritage: dict[str, str]
) -> None:
    serial = parse_uri(_uris(client, batch, heritage)[0]).serial
    svg = client.get(f"/v1/codes/batches/{batch['id']}/units/{serial}/qr.svg", headers=heritage)
    png = client.get(
        f"/v1/codes/batches/{batch['id']}/units/{serial}/qr.png?scale=2", headers=heritage
    )
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.lstrip().startswith("<?xml")
    assert png.content.startswith(b"\x89PNG")
    missing = client.get(f"/v1/codes/batches/{batch['id']}/units/NOPE/qr.svg", headers=heritage)
    assert missing.status_code == 404


def test_recall_sale_and_scan_history_through_the_api(
    client: TestClient, batch: dict[str, Any], heritage: dict[str, str], keys: Keys
) -> None:
    uri = _uris(client, batch, heritage)[0]
    serial = parse_uri(uri).serial
    client.app.state.country_lookup = Countries({"203.0.113.7": "FR"})  # type: ignore[attr-defined]
    _from(client, "203.0.113.7").get(_path(uri) + "&country=DE&device=app-1")
    sold = client.post(
        f"/v1/codes/units/{GTIN}/{serial}/sold", json={"country": "FR"}, headers=heritage
    )
    assert sold.status_code == 204
    scans = client.get(f"/v1/codes/units/{GTIN}/{serial}/scans", headers=heritage).json()
    # The server's country and device, never the client's claims (issue 18, s6).
    assert [(s["status"], s["country"]) for s in scans] == [("genuine", "FR")]
    assert scans[0]["device"].startswith("net:")
    ned = keys("NOC:NED", Role.rights_holder)
    assert (
        client.post(
            f"/v1/codes/batches/{batch['id']}/recall", json={"reason": "x"}, headers=ned
        ).status_code
        == 404
    )
    ioc = keys("IOC", Role.rights_holder)
    recalled = client.post(
        f"/v1/codes/batches/{batch['id']}/recall", json={"reason": "counterfeit run"}, headers=ioc
    )
    assert recalled.json()["status"] == "recalled"
    assert client.get(_path(uri)).json()["status"] == "revoked"


def test_issuance_refused_and_scoped(
    client: TestClient, heritage: dict[str, str], keys: Keys
) -> None:
    toys = PRODUCT | {"gtin": "96385074", "category": "toys"}
    assert client.post("/v1/products", json=toys, headers=heritage).status_code == 201
    refused = client.post(
        "/v1/codes/batches", json={"gtin": "96385074", "count": 1}, headers=heritage
    )
    assert refused.status_code == 403
    assert refused.json()["detail"][0]["code"] == "licence_does_not_cover"
    oranje = keys("LIC:oranje-fanwear", Role.licensee)
    assert client.get("/v1/products/96385074", headers=oranje).status_code == 404
    assert client.post("/v1/products", json=PRODUCT, headers=oranje).status_code == 403
    market = keys("MKT:tmall", Role.marketplace)
    assert (
        client.post(
            "/v1/products", json=PRODUCT | {"gtin": "036000291452"}, headers=market
        ).status_code
        == 403
    )
    bad = client.post("/v1/codes/batches", json={"gtin": "96385074", "count": 0}, headers=heritage)
    assert bad.status_code == 422


def test_keys_rotate_and_revoke_through_the_api(client: TestClient, keys: Keys) -> None:
    ned = keys("NOC:NED", Role.rights_holder)
    first = client.post("/v1/codes/keys/NOC:NED/rotate", headers=ned)
    assert first.status_code == 201
    second = client.post("/v1/codes/keys/NOC:NED/rotate", headers=ned).json()
    listed = {k["id"]: k["status"] for k in client.get("/v1/codes/keys", headers=ned).json()}
    assert listed == {first.json()["id"]: "retired", second["id"]: "active"}
    assert client.post("/v1/codes/keys/NOC:FRA/rotate", headers=ned).status_code == 403
    revoked = client.post(
        f"/v1/codes/keys/{second['id']}/revoke", json={"reason": "leak"}, headers=ned
    )
    assert revoked.json()["status"] == "revoked"
    again = client.post(
        f"/v1/codes/keys/{second['id']}/revoke", json={"reason": "leak"}, headers=ned
    )
    assert again.status_code == 409


def test_a_cloned_code_opens_a_case_for_the_rights_holder(
    client: TestClient, batch: dict[str, Any], heritage: dict[str, str], keys: Keys
) -> None:
    uri = _uris(client, batch, heritage)[0]
    serial = parse_uri(uri).serial
    countries = ("FR", "DE", "US", "BR", "JP")
    where = {f"198.51.{i}.10": c for i, c in enumerate(countries)}
    client.app.state.country_lookup = Countries(where)  # type: ignore[attr-defined]
    answers = [_from(client, address).get(_path(uri)).json()["status"] for address in where]
    assert answers == ["genuine", "genuine", "genuine", "suspicious", "suspicious"]
    ioc = keys("IOC", Role.rights_holder)
    cases = client.get("/v1/cases", headers=ioc).json()
    clones = [c for c in cases if c["source"] == "authenticity_scan"]
    assert len(clones) == 1  # opened once, by the scan that tripped the rule
    assert clones[0]["listing_id"] == f"{GTIN}/{serial}"
    assert clones[0]["marks"] == ["symbol-olympic-rings"]
    ned = keys("NOC:NED", Role.rights_holder)
    assert [
        c for c in client.get("/v1/cases", headers=ned).json() if c["source"] == "authenticity_scan"
    ] == []


def test_bulk_verification_for_marketplaces(
    client: TestClient, batch: dict[str, Any], heritage: dict[str, str], keys: Keys
) -> None:
    uris = _uris(client, batch, heritage)
    market = keys("MKT:tmall", Role.marketplace)
    forged = uris[0][:-4] + "AAAA"
    response = client.post(
        "/v1/codes/verify", json={"codes": [*uris, forged], "country": "CN"}, headers=market
    )
    assert response.status_code == 200
    assert [r["status"] for r in response.json()] == [
        "genuine",
        "genuine",
        "genuine",
        "not_genuine",
    ]
    serial = parse_uri(uris[0]).serial
    scans = client.get(f"/v1/codes/units/{GTIN}/{serial}/scans", headers=heritage).json()
    assert [(s["country"], s["device"]) for s in scans] == [("CN", "party:MKT:tmall")]
    bad = client.post(
        "/v1/codes/verify", json={"codes": [uris[0], "https://x/01/123/21/A"]}, headers=market
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["codes", 1]
    assert client.post("/v1/codes/verify", json={"codes": uris}).status_code == 401


def test_h18_s6_client_claimed_country_and_device_never_count(
    client: TestClient, batch: dict[str, Any], heritage: dict[str, str]
) -> None:
    """One client claiming many countries and devices (and sending many User-Agents) cannot
    make a genuine item suspicious: with no GeoIP database the country is unknown, and one
    network passes for a handful of platform families at most."""
    uri = _uris(client, batch, heritage)[0]
    serial = parse_uri(uri).serial
    countries = ("FR", "DE", "US", "BR", "JP", "CN", "NL", "IT")
    agents = [f"Mozilla/5.0 (X11; Linux; fake {i})" for i in range(4)] + [
        "Mozilla/5.0 (iPhone)",
        "Mozilla/5.0 (Linux; Android 14)",
        "Mozilla/5.0 (Windows NT 10.0)",
        "Mozilla/5.0 (Macintosh)",
    ]
    answers = [
        _from(client, "192.0.2.44", **{"user-agent": agent})
        .get(_path(uri) + f"&country={country}&device=phone-{i}")
        .json()["status"]
        for i, (country, agent) in enumerate(zip(countries, agents, strict=True))
    ]
    assert answers == ["genuine"] * len(countries)
    scans = client.get(f"/v1/codes/units/{GTIN}/{serial}/scans", headers=heritage).json()
    assert {s["country"] for s in scans} == {None}
    assert len({s["device"] for s in scans}) == 5  # ios, android, windows, mac, other
    assert {s["ip_prefix"] for s in scans} == {"192.0.2.0/24"}


def test_h18_s6_a_server_derived_country_counts(
    client: TestClient, batch: dict[str, Any], heritage: dict[str, str]
) -> None:
    """What the server derives does count: scans from four countries (GeoIP) in a day trip
    many_countries, whatever the clients claim."""
    uri = _uris(client, batch, heritage)[0]
    where = {"198.51.100.1": "FR", "198.51.101.1": "DE", "198.51.102.1": "US", "198.51.103.1": "BR"}
    client.app.state.country_lookup = Countries(where)  # type: ignore[attr-defined]
    answers = [
        _from(client, address).get(_path(uri) + "&country=FR").json()["status"] for address in where
    ]
    assert answers == ["genuine", "genuine", "genuine", "suspicious"]


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_h18_s10_sale_time_outside_utc_is_422(
    client: TestClient, batch: dict[str, Any], heritage: dict[str, str], at: str
) -> None:
    serial = parse_uri(_uris(client, batch, heritage)[0]).serial
    url = f"/v1/codes/units/{GTIN}/{serial}/sold"
    refused = client.post(url, json={"country": "FR", "at": at}, headers=heritage)
    assert refused.status_code == 422, refused.text
    [detail] = refused.json()["detail"]
    assert (detail["code"], detail["loc"]) == ("invalid_value_error", ["at"])
    # The same instant written in UTC's own range is taken, offset or not.
    assert (
        client.post(
            url, json={"country": "FR", "at": "2026-03-01T10:00:00+14:00"}, headers=heritage
        ).status_code
        == 204
    )


@pytest.mark.parametrize("lot", ["L-2026/07", "A?B", "x%y&z", "(1)+2;3"])
def test_i19_every_gs1_lot_prints_codes_that_verify(
    client: TestClient, heritage: dict[str, str], lot: str
) -> None:
    """GS1 character set 82 holds `/`, `?`, `%`: a lot made of them is valid, and the codes it
    prints (percent-encoded in the URI) verify as genuine."""
    assert client.post("/v1/products", json=PRODUCT, headers=heritage).status_code == 201
    made = client.post(
        "/v1/codes/batches", json={"gtin": GTIN, "count": 1, "lot": lot}, headers=heritage
    )
    assert made.status_code == 201, made.text
    (uri,) = _uris(client, made.json(), heritage)
    body = client.get(_path(uri)).json()
    assert body["status"] == "genuine", (uri, body)


@pytest.mark.parametrize("lot", ["bad lot/?", "", "é", "x" * 21])
def test_i19_a_lot_outside_gs1_rules_is_refused_at_issue(
    client: TestClient, heritage: dict[str, str], lot: str
) -> None:
    assert client.post("/v1/products", json=PRODUCT, headers=heritage).status_code == 201
    made = client.post(
        "/v1/codes/batches", json={"gtin": GTIN, "count": 1, "lot": lot}, headers=heritage
    )
    assert made.status_code == 422
    assert made.json()["detail"][0]["loc"][-1] == "lot"
