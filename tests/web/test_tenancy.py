"""Scoping: an NOC key never reads or changes another NOC's marks or licences, and nothing
changes when it tries."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringfence.core.security import Role
from tests.conftest import Keys

NED_MARK = "emblem-noc-ned"
FRA_MARK = "emblem-noc-fra"
FRA_LICENCE = "FRA-2024-0011"
NED_LICENCE = "NED-2026-0003"


def _licence(**over: Any) -> dict[str, Any]:
    body = {
        "id": "NED-TEST-1",
        "licensor": "NOC:NED",
        "licensee": "LIC:oranje-fanwear",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "royalty_rate": "0.05",
        "marks": [NED_MARK],
        "categories": ["apparel.headwear"],
        "territories": ["NL"],
        "channels": ["retail"],
    }
    return body | over


@pytest.fixture
def ned(keys: Keys) -> dict[str, str]:
    return keys("NOC:NED", Role.rights_holder)


@pytest.fixture
def admin(keys: Keys) -> dict[str, str]:
    return keys("IOC", Role.admin)


def test_noc_sees_only_its_own_marks_and_licences(client: TestClient, ned: dict[str, str]) -> None:
    marks = client.get("/v1/marks", headers=ned).json()
    assert [m["id"] for m in marks] == [NED_MARK]
    licences = client.get("/v1/licences", headers=ned).json()
    assert [lic["id"] for lic in licences] == [NED_LICENCE]


@pytest.mark.parametrize(
    "path",
    [f"/v1/marks/{FRA_MARK}", f"/v1/licences/{FRA_LICENCE}", "/v1/parties/LIC:bleus-textiles"],
)
def test_noc_cannot_read_another_nocs_data(
    client: TestClient, ned: dict[str, str], path: str
) -> None:
    response = client.get(path, headers=ned)
    assert response.status_code == 404
    assert response.json()["detail"][0]["code"].endswith("_not_found")


def test_noc_cannot_change_another_nocs_mark(
    client: TestClient, ned: dict[str, str], admin: dict[str, str]
) -> None:
    before = client.get(f"/v1/marks/{FRA_MARK}", headers=admin).json()
    changed = before | {"name": "hijacked"}
    assert client.put(f"/v1/marks/{FRA_MARK}", json=changed, headers=ned).status_code == 404
    assert client.delete(f"/v1/marks/{FRA_MARK}", headers=ned).status_code == 404
    # Creating a mark in another NOC's name is refused too.
    stolen = before | {"id": "emblem-fake", "owner": "NOC:FRA"}
    response = client.post("/v1/marks", json=stolen, headers=ned)
    assert response.status_code == 403
    assert response.json()["detail"][0]["code"] == "not_your_party"
    assert client.get(f"/v1/marks/{FRA_MARK}", headers=admin).json() == before
    assert client.get("/v1/marks/emblem-fake", headers=admin).status_code == 404


def test_noc_cannot_change_another_nocs_licence(
    client: TestClient, ned: dict[str, str], admin: dict[str, str]
) -> None:
    before = client.get(f"/v1/licences/{FRA_LICENCE}", headers=admin).json()
    assert (
        client.put(
            f"/v1/licences/{FRA_LICENCE}", json=before | {"status": "active"}, headers=ned
        ).status_code
        == 404
    )
    assert client.delete(f"/v1/licences/{FRA_LICENCE}", headers=ned).status_code == 404
    # Granting a licence in another NOC's name, or on marks it does not own, is refused.
    as_fra = client.post("/v1/licences", json=_licence(licensor="NOC:FRA"), headers=ned)
    assert as_fra.status_code == 403
    on_fra_mark = client.post(
        "/v1/licences", json=_licence(marks=[FRA_MARK], territories=["NL"]), headers=ned
    )
    assert on_fra_mark.status_code == 422
    assert on_fra_mark.json()["detail"][0]["code"] == "licensor_lacks_rights"
    assert client.get(f"/v1/licences/{FRA_LICENCE}", headers=admin).json() == before
    assert client.get("/v1/licences/NED-TEST-1", headers=admin).status_code == 404


def test_noc_licenses_its_own_emblem_only_at_home(client: TestClient, ned: dict[str, str]) -> None:
    abroad = client.post("/v1/licences", json=_licence(territories=["NL", "BE"]), headers=ned)
    assert abroad.status_code == 422
    assert abroad.json()["detail"][0]["loc"] == ["territories"]
    created = client.post("/v1/licences", json=_licence(), headers=ned)
    assert created.status_code == 201, created.text
    assert client.get("/v1/licences/NED-TEST-1", headers=ned).json()["royalty_rate"] == "0.0500"
    decision = client.post(
        "/v1/authorize",
        json={
            "seller": "LIC:oranje-fanwear",
            "marks": [NED_MARK],
            "category": "apparel.headwear",
            "territory": "NL",
            "channel": "retail",
            "on": "2026-05-01",
        },
        headers=ned,
    ).json()
    assert decision["allowed"] is True
    assert decision["licences"] == ["NED-TEST-1"]


def test_licensee_is_read_only_and_sees_its_own(client: TestClient, keys: Keys) -> None:
    lic = keys("LIC:oranje-fanwear", Role.licensee)
    assert [x["id"] for x in client.get("/v1/licences", headers=lic).json()] == [NED_LICENCE]
    assert [m["id"] for m in client.get("/v1/marks", headers=lic).json()] == [NED_MARK]
    assert client.get(f"/v1/licences/{FRA_LICENCE}", headers=lic).status_code == 404
    response = client.post("/v1/licences", json=_licence(id="X-1"), headers=lic)
    assert response.status_code == 403
    assert response.json()["detail"][0]["code"] == "read_only_role"


def test_marketplace_may_only_ask_for_decisions(client: TestClient, keys: Keys) -> None:
    mkt = keys("MKT:tmall", Role.marketplace)
    assert client.get("/v1/marks", headers=mkt).status_code == 403
    assert client.get("/v1/licences", headers=mkt).status_code == 403
    decision = client.post(
        "/v1/authorize",
        json={
            "seller": "SELLER:tmall-4711",
            "marks": ["symbol-olympic-rings"],
            "category": "apparel.clothing.tops",
            "territory": "CN",
            "channel": "marketplace",
            "on": "2026-05-01",
        },
        headers=mkt,
    )
    assert decision.status_code == 200
    assert decision.json()["allowed"] is True


def test_rights_holder_registers_licensees_it_manages(
    client: TestClient, ned: dict[str, str], keys: Keys
) -> None:
    body = {"id": "LIC:new-ned", "kind": "licensee", "name": "New NED licensee"}
    created = client.post("/v1/parties", json=body, headers=ned)
    assert created.status_code == 201
    assert created.json()["managed_by"] == "NOC:NED"
    fra = keys("NOC:FRA", Role.rights_holder)
    assert client.get("/v1/parties/LIC:new-ned", headers=fra).status_code == 404
    assert client.put("/v1/parties/LIC:new-ned", json=body, headers=fra).status_code == 404
    noc = {"id": "NOC:XXX", "kind": "noc", "name": "x", "noc_code": "XXX", "territory": "NL"}
    assert client.post("/v1/parties", json=noc, headers=ned).status_code == 403


def test_admin_sees_everything(client: TestClient, admin: dict[str, str]) -> None:
    marks = {m["id"] for m in client.get("/v1/marks", headers=admin).json()}
    assert {NED_MARK, FRA_MARK, "symbol-olympic-rings"} <= marks
    assert len(client.get("/v1/licences", headers=admin).json()) == 5


def test_authorised_seller_sees_the_marks_it_sells(client: TestClient, keys: Keys) -> None:
    seller = keys("SELLER:tmall-4711", Role.licensee)
    assert [x["id"] for x in client.get("/v1/licences", headers=seller).json()] == ["IOC-2026-0001"]
    marks = [m["id"] for m in client.get("/v1/marks", headers=seller).json()]
    assert marks == ["symbol-olympic-rings", "word-olympic"]
    assert client.get("/v1/marks/word-olympic", headers=seller).status_code == 200


def test_deleting_a_party_in_use_names_the_references(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.delete("/v1/parties/SELLER:tmall-4711", headers=admin)
    assert response.status_code == 409
    assert response.json()["detail"][0]["msg"].endswith("it is an authorised seller")
    response = client.delete("/v1/parties/NOC:NED", headers=admin)
    assert response.status_code == 409
    assert "owns marks" in response.json()["detail"][0]["msg"]
    assert "manages other parties" in response.json()["detail"][0]["msg"]


def test_deleting_a_party_takes_its_keys(
    client: TestClient, admin: dict[str, str], keys: Keys
) -> None:
    body = {"id": "LIC:short-lived", "kind": "licensee", "name": "Short-lived"}
    assert client.post("/v1/parties", json=body, headers=admin).status_code == 201
    its_key = keys("LIC:short-lived", Role.licensee)
    assert client.get("/v1/licences", headers=its_key).json() == []
    assert client.delete("/v1/parties/LIC:short-lived", headers=admin).status_code == 204
    assert client.get("/v1/licences", headers=its_key).status_code == 401


def test_public_seller_check_respects_licensor_rights(
    client: TestClient, admin: dict[str, str]
) -> None:
    url = "/v1/public/sellers/LIC:oranje-fanwear?on=2026-05-01"
    assert client.get(url).json()["official"] is True
    # The emblem passes to another owner: NED's licence on it no longer holds.
    mark = client.get(f"/v1/marks/{NED_MARK}", headers=admin).json()
    moved = client.put(f"/v1/marks/{NED_MARK}", json=mark | {"owner": "NOC:FRA"}, headers=admin)
    assert moved.status_code == 200
    assert client.get(url).json() == {
        "id": "LIC:oranje-fanwear",
        "name": None,
        "official": False,
        "licences": [],
    }


def test_rates_are_answered_as_stored(client: TestClient, ned: dict[str, str]) -> None:
    created = client.post("/v1/licences", json=_licence(royalty_rate="0.075"), headers=ned)
    assert created.json()["royalty_rate"] == "0.0750"


@pytest.mark.parametrize(
    ("party", "role"),
    [
        ("NOC:NED", Role.rights_holder),
        ("NOC:FRA", Role.rights_holder),
        ("IOC", Role.admin),
        ("LIC:oranje-fanwear", Role.licensee),
        ("SELLER:tmall-4711", Role.licensee),
    ],
)
def test_party_list_and_party_reads_agree(
    client: TestClient, keys: Keys, party: str, role: Role
) -> None:
    headers = keys(party, role)
    listed = {p["id"] for p in client.get("/v1/parties", headers=headers).json()}
    everyone = {p["id"] for p in client.get("/v1/parties", headers=keys("IOC", Role.admin)).json()}
    for party_id in everyone:
        readable = client.get(f"/v1/parties/{party_id}", headers=headers).status_code == 200
        assert readable is (party_id in listed), party_id
    if role is Role.rights_holder:
        assert {"LIC:oranje-fanwear", "LIC:bleus-textiles"} & listed == (
            {"LIC:oranje-fanwear"} if party == "NOC:NED" else {"LIC:bleus-textiles"}
        )


def test_public_seller_shows_only_what_the_licensor_can_grant(
    client: TestClient, admin: dict[str, str]
) -> None:
    second = client.get(f"/v1/marks/{NED_MARK}", headers=admin).json() | {"id": "emblem-ned-2"}
    assert client.post("/v1/marks", json=second, headers=admin).status_code == 201
    licence = _licence(marks=[NED_MARK, "emblem-ned-2"])
    assert client.post("/v1/licences", json=licence, headers=admin).status_code == 201
    # The second emblem passes to another NOC: NED can no longer grant it.
    moved = client.put("/v1/marks/emblem-ned-2", json=second | {"owner": "NOC:FRA"}, headers=admin)
    assert moved.status_code == 200
    seen = client.get("/v1/public/sellers/LIC:oranje-fanwear?on=2026-05-01").json()
    shown = {lic["licence"]: lic["marks"] for lic in seen["licences"]}
    assert shown["NED-TEST-1"] == [NED_MARK]


def test_a_licensor_cannot_become_a_licensee(client: TestClient, admin: dict[str, str]) -> None:
    noc = client.get("/v1/parties/NOC:NED", headers=admin).json()
    body = noc | {"kind": "licensee", "noc_code": None, "territory": None}
    response = client.put("/v1/parties/NOC:NED", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "kind_change_in_use"
    assert client.get("/v1/parties/NOC:NED", headers=admin).json() == noc
