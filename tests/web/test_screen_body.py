"""POST /v1/screen and POST /v1/cases/screen read their bodies in one pass (web/bodies.py):
every body, good or bad, gets the answer FastAPI's own parsing gave it (status, codes,
messages, locations, verdicts). The reference is the same app with the documented routes
(FastAPI's parsing of the body models) tried first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIRouter
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.security import Role
from ringfence.core.settings import Settings
from ringfence.web import app as web_app
from ringfence.web import bodies
from ringfence.web.app import create_app
from ringfence.web.enforcement import api as cases
from ringfence.web.screening import api
from tests.conftest import Keys

JSON = "application/json"
ONE_PASS = ("/v1/screen", "/v1/cases/screen")


def _listing(i: int = 0, **over: Any) -> dict[str, Any]:
    return {
        "listing_id": f"L{i}",
        "seller_id": "SELLER:x",
        "title": "Olympic rings hoodie" if i % 7 == 0 else f"cotton hoodie {i}",
        "category": "apparel",
        "price": 19.5,
        "currency": "EUR",
        "ship_to": ["FR"],
        **over,
    }


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


BATCH = [_listing(i) for i in range(40)]
# (name, body bytes, content type or None): each answered alike by both apps.
BODIES: list[tuple[str, bytes, str | None]] = [
    ("batch", _dumps({"on": "2026-06-01", "listings": BATCH}), JSON),
    ("one", _dumps({"listings": [_listing(1)]}), JSON),
    ("charset", _dumps({"listings": BATCH[:3]}), "application/json; charset=utf-8"),
    ("plus_json", _dumps({"listings": BATCH[:3]}), "application/vnd.marketplace+json"),
    ("utf16", json.dumps({"listings": BATCH[:2]}).encode("utf-16"), JSON),
    (
        "surrogate",
        b'{"listings": [{"listing_id": "a", "seller_id": "b", "title": "\\ud800"}]}',
        JSON,
    ),
    (
        "surrogate_id",
        b'{"listings": [{"listing_id": "\\udc00", "seller_id": "b", "title": "t"}]}',
        JSON,
    ),
    (
        "surrogate_in_batch",
        _dumps({"listings": BATCH[:20]})[:-2] + b', {"listing_id": "x", "seller_id": "s", '
        b'"title": "Olympic \\ud800"}]}',
        JSON,
    ),
    (
        "nan_price",
        b'{"listings": [{"listing_id": "a", "seller_id": "b", "title": "x", "price": NaN}]}',
        JSON,
    ),
    (
        "null_values",
        _dumps({"listings": [_listing(2, title=None, listing_id=None)], "on": None}),
        JSON,
    ),
    (
        "odd_values",
        _dumps({"listings": [_listing(3, price="cheap", ship_to=5), _listing(4, title=[1])]}),
        JSON,
    ),
    (
        "extra_listing_keys",
        _dumps({"listings": [_listing(5, colour="red", listing_version=2)]}),
        JSON,
    ),
    (
        "duplicate_keys",
        b'{"listings": [{"listing_id": "a", "listing_id": "b", "seller_id": "s", "title": "t"}]}',
        JSON,
    ),
    ("empty", b"", JSON),
    ("malformed", b"{", JSON),
    ("truncated", _dumps({"listings": BATCH[:2]})[:-7], JSON),
    ("trailing", _dumps({"listings": BATCH[:1]}) + b" x", JSON),
    ("bad_utf8", b'{"listings": [{"listing_id": "\xff", "seller_id": "s", "title": "t"}]}', JSON),
    ("null", b"null", JSON),
    ("list", b"[]", JSON),
    ("text", b'"listings"', JSON),
    ("no_listings", b"{}", JSON),
    ("too_few", _dumps({"listings": []}), JSON),
    ("too_many", _dumps({"listings": [_listing(i) for i in range(1001)]}), JSON),
    ("listings_text", _dumps({"listings": "L1"}), JSON),
    ("listing_number", _dumps({"listings": [1, _listing(1)]}), JSON),
    ("listing_null", _dumps({"listings": [None]}), JSON),
    ("missing_fields", _dumps({"listings": [{"title": "x"}, _listing(1)]}), JSON),
    ("extra_field", _dumps({"listings": [_listing(1)], "marketplace": "MKT:tmall"}), JSON),
    ("bad_date", _dumps({"listings": [_listing(1)], "on": "June"}), JSON),
    ("number_date", _dumps({"listings": [_listing(1)], "on": 20260601}), JSON),
    ("list_date", _dumps({"listings": [_listing(1)], "on": [2026]}), JSON),
    ("text_plain", _dumps({"listings": [_listing(1)]}), "text/plain"),
    ("no_content_type", _dumps({"listings": [_listing(1)]}), None),
    ("form", b"listings=1", "application/x-www-form-urlencoded"),
]


def _one_pass(route: Any) -> bool:
    return isinstance(route, APIRoute) and route.path in ONE_PASS and not route.include_in_schema


def _documented_first(router: APIRouter) -> APIRouter:
    """The router's routes with each one-pass route after its documented twin, in a router
    of its own (an app reads its routers' routes per request)."""
    routes = [r for r in router.routes if not _one_pass(r)]
    for fast in filter(_one_pass, router.routes):
        twin = next(r for r in routes if getattr(r, "path", None) == getattr(fast, "path", ""))
        routes.insert(routes.index(twin) + 1, fast)
    first = APIRouter()
    first.routes = routes
    return first


@pytest.fixture
def reference(
    app_settings: Settings, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The app with FastAPI's parsing: the documented routes first."""
    for name, router in (("screening_router", api.router), ("enforcement_router", cases.router)):
        monkeypatch.setattr(web_app, name, _documented_first(router))
    app = create_app(app_settings, session_factory=session_factory)
    monkeypatch.undo()
    with TestClient(app) as c:
        yield c


def _post(
    client: TestClient,
    body: bytes,
    content_type: str | None,
    headers: dict[str, str],
    path: str = "/v1/screen",
) -> Any:
    sent = dict(headers)
    if content_type is not None:
        sent["Content-Type"] = content_type
    return client.post(path, content=body, headers=sent)


@pytest.mark.parametrize(("name", "body", "content_type"), BODIES, ids=[b[0] for b in BODIES])
def test_every_body_gets_the_answer_fastapi_gave(
    client: TestClient,
    reference: TestClient,
    keys: Keys,
    name: str,
    body: bytes,
    content_type: str | None,
) -> None:
    mkt = keys("MKT:tmall", Role.marketplace)
    fast = _post(client, body, content_type, mkt)
    slow = _post(reference, body, content_type, mkt)
    assert fast.status_code == slow.status_code, (name, fast.text, slow.text)
    assert fast.json() == slow.json(), name
    assert fast.headers["content-type"] == slow.headers["content-type"]


def test_the_codes_of_bad_bodies(client: TestClient, keys: Keys) -> None:
    """The codes themselves (the comparison above would pass if both apps changed)."""
    mkt = keys("MKT:tmall", Role.marketplace)
    answers = {
        name: _post(client, body, content_type, mkt)
        for name, body, content_type in BODIES
        if name
        in {
            "malformed",
            "too_many",
            "too_few",
            "listings_text",
            "missing_fields",
            "extra_field",
            "empty",
            "text_plain",
            "bad_utf8",
        }
    }

    def codes(name: str) -> tuple[int, list[str]]:
        answer = answers[name]
        return answer.status_code, [d["code"] for d in answer.json()["detail"]]

    assert codes("malformed") == (422, ["invalid_json_invalid"])
    assert answers["malformed"].json()["detail"][0]["loc"] == [1]
    assert codes("too_many") == (422, ["invalid_too_long"])
    assert answers["too_many"].json()["detail"][0]["loc"] == ["listings"]
    assert codes("too_few") == (422, ["invalid_too_short"])
    assert codes("listings_text") == (422, ["invalid_list_type"])
    assert codes("missing_fields") == (422, ["invalid_missing", "invalid_missing"])
    assert [d["loc"] for d in answers["missing_fields"].json()["detail"]] == [
        ["listings", 0, "listing_id"],
        ["listings", 0, "seller_id"],
    ]
    assert codes("extra_field") == (422, ["invalid_extra_forbidden"])
    assert codes("empty") == (422, ["invalid_missing"])
    assert codes("text_plain")[0] == 422
    assert codes("bad_utf8")[0] == 400


def test_wrong_role_and_no_key(client: TestClient, reference: TestClient, keys: Keys) -> None:
    licensee = keys("LIC:heritage-apparel", Role.licensee)
    good = _dumps({"listings": [_listing(1)]})
    for app in (client, reference):
        refused = _post(app, good, JSON, licensee)
        assert (refused.status_code, refused.json()["detail"][0]["code"]) == (403, "forbidden_role")
        # a bad body is refused before the role, as FastAPI's parsing did
        assert _post(app, b"{}", JSON, licensee).status_code == 422
        anonymous = _post(app, good, JSON, {})
        assert (anonymous.status_code, anonymous.json()["detail"][0]["code"]) == (
            401,
            "missing_api_key",
        )


def test_an_oversized_body_is_413(
    app_settings: Settings, session_factory: sessionmaker[Session], keys: Keys
) -> None:
    settings = app_settings.model_copy(update={"max_upload_bytes": 2_000})
    mkt = keys("MKT:tmall", Role.marketplace)
    with TestClient(create_app(settings, session_factory=session_factory)) as small:
        refused = _post(small, _dumps({"listings": BATCH}), JSON, mkt)
        assert (refused.status_code, refused.json()["detail"][0]["code"]) == (
            413,
            "body_too_large",
        )
        assert _post(small, _dumps({"listings": BATCH[:2]}), JSON, mkt).status_code == 200


def test_the_one_pass_route_answers(
    client: TestClient, reference: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests reach the route that reads the body itself, not the documented one; the
    OpenAPI document still describes the request and the answer."""
    read = []
    original = bodies.JsonBody.read

    async def spy(self: bodies.JsonBody, request: Any) -> Any:
        read.append(request.url.path)
        return await original(self, request)

    monkeypatch.setattr(bodies.JsonBody, "read", spy)
    mkt = keys("MKT:tmall", Role.marketplace)
    assert _post(client, _dumps({"listings": BATCH}), JSON, mkt).status_code == 200
    assert read == ["/v1/screen"]
    # and the reference app of these tests does not: it parses the body FastAPI's way
    assert _post(reference, _dumps({"listings": BATCH}), JSON, mkt).status_code == 200
    assert read == ["/v1/screen"]
    operation = client.get("/openapi.json").json()["paths"]["/v1/screen"]["post"]
    assert operation["operationId"] == "screen_v1_screen_post"
    assert operation["requestBody"]["content"][JSON]["schema"] == {
        "$ref": "#/components/schemas/ScreenRequest"
    }
    assert operation["responses"]["200"]["content"][JSON]["schema"] == {
        "$ref": "#/components/schemas/ScreenResponse"
    }
    served = [r for r in api.router.routes if isinstance(r, APIRoute) and r.path == "/v1/screen"]
    assert [r.include_in_schema for r in served] == [False, True]
    served = [
        r for r in cases.router.routes if isinstance(r, APIRoute) and r.path == "/v1/cases/screen"
    ]
    assert [r.include_in_schema for r in served] == [False, True]
    body = _dumps({"marketplace": "MKT:tmall", "listings": BATCH[:3]})
    assert _post(client, body, JSON, mkt, "/v1/cases/screen").status_code == 200
    assert read == ["/v1/screen", "/v1/cases/screen"]
    assert _post(reference, body, JSON, mkt, "/v1/cases/screen").status_code == 200
    assert read == ["/v1/screen", "/v1/cases/screen"]


def _case_body(over: dict[str, Any] | None = None, listings: Any = None) -> bytes:
    body = {"marketplace": "MKT:tmall", "on": "2026-06-01", "listings": listings or BATCH[:10]}
    return _dumps(body | (over or {}))


# Bodies of POST /v1/cases/screen: the bad ones answered alike, the good ones with the same
# verdicts (a case opened by the first app is found by the second, so not the same cases).
CASE_BODIES: list[tuple[str, bytes, str | None]] = [
    ("batch", _case_body(), JSON),
    ("listing_versions", _case_body(listings=[_listing(9, listing_version="v2", reach=5)]), JSON),
    ("bad_reach", _case_body(listings=[_listing(8, reach="many")]), JSON),
    ("empty", b"", JSON),
    ("malformed", b'{"marketplace": ', JSON),
    ("null", b"null", JSON),
    ("no_marketplace", _dumps({"listings": BATCH[:1]}), JSON),
    ("marketplace_number", _case_body({"marketplace": 7}), JSON),
    ("marketplace_control", _case_body({"marketplace": "MKT:\u0000"}), JSON),
    ("long_marketplace", _case_body({"marketplace": "M" * 201}), JSON),
    ("too_few", _case_body({"listings": []}), JSON),
    ("too_many", _case_body({"listings": [_listing(i) for i in range(1001)]}), JSON),
    ("listing_text", _case_body({"listings": ["L1"]}), JSON),
    ("extra_field", _case_body({"extra": 1}), JSON),
    ("bad_date", _case_body({"on": "June"}), JSON),
    ("text_plain", _case_body(), "text/plain"),
    ("other_marketplace", _case_body({"marketplace": "MKT:other"}), JSON),
]


@pytest.mark.parametrize(
    ("name", "body", "content_type"), CASE_BODIES, ids=[b[0] for b in CASE_BODIES]
)
def test_cases_screen_answers_as_fastapi_did(
    client: TestClient,
    reference: TestClient,
    keys: Keys,
    name: str,
    body: bytes,
    content_type: str | None,
) -> None:
    mkt = keys("MKT:tmall", Role.marketplace)
    fast = _post(client, body, content_type, mkt, "/v1/cases/screen")
    slow = _post(reference, body, content_type, mkt, "/v1/cases/screen")
    assert fast.status_code == slow.status_code, (name, fast.text, slow.text)
    if fast.status_code != 200:
        assert fast.json() == slow.json(), name
        return

    def verdicts(answer: Any) -> list[tuple[Any, ...]]:
        return [(r["listing_id"], r["verdict"], r["reason"]) for r in answer.json()]

    # The first upload opened the cases, so the reference's answer is a second upload's
    # (``already_under_case``): compare it with the fast route's own second answer.
    again = _post(client, body, content_type, mkt, "/v1/cases/screen")
    assert verdicts(again) == verdicts(slow), name
    assert [v[:2] for v in verdicts(fast)] == [v[:2] for v in verdicts(slow)], name
    assert set(fast.json()[0]) == {"listing_id", "verdict", "case_id", "created", "reason"}
    assert fast.headers["content-type"] == slow.headers["content-type"]
