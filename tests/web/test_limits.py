"""Request bodies: keys and sessions before bodies, and every body capped by its route
(docs/api.md, "Limits"). The app is called as ASGI with a ``receive`` that counts what it hands
out, so a test sees how much of a body was read, not only the answer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.security import Role
from ringfence.core.settings import Settings
from ringfence.web.app import create_app
from ringfence.web.limits import UPLOAD_ROUTES
from tests.conftest import Keys

MIB = 1024 * 1024


def call(
    app: FastAPI,
    path: str,
    headers: dict[str, str],
    chunks: int,
    chunk: bytes = b" " * MIB,
    *,
    declare: bool = True,
) -> tuple[int, dict[str, Any] | str, int]:
    """POST ``chunks`` pieces of ``chunk``; (status, body, pieces the app read)."""
    sent = {"n": 0}
    answer: dict[str, Any] = {"status": 0, "body": b""}
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if declare:
        raw.append((b"content-length", str(chunks * len(chunk)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *raw],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        if sent["n"] >= chunks:
            await asyncio.sleep(3600)  # the client waits for the answer
        sent["n"] += 1
        return {"type": "http.request", "body": chunk, "more_body": sent["n"] < chunks}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    text = answer["body"].decode()
    try:
        body: dict[str, Any] | str = json.loads(text)
    except ValueError:
        body = text
    return answer["status"], body, sent["n"]


def codes(body: dict[str, Any] | str) -> list[str]:
    assert isinstance(body, dict), body
    return [d["code"] for d in body["detail"]]


@pytest.mark.parametrize("path", ["/v1/screen", "/v1/bank/images", "/v1/cases/screen"])
@pytest.mark.parametrize("declare", [True, False])
def test_h18_s3_a_body_without_a_key_is_401_unread(
    client: TestClient, path: str, declare: bool
) -> None:
    status, body, read = call(
        client.app,  # type: ignore[arg-type]
        path,
        {"content-type": "application/json"},
        200,
        declare=declare,
    )
    assert (status, codes(body), read) == (401, ["missing_api_key"], 0)


def test_h18_s3_a_console_upload_without_a_session_is_refused_unread(client: TestClient) -> None:
    headers = {"content-type": "multipart/form-data; boundary=x", "accept": "text/html"}
    status, body, read = call(client.app, "/console/screen", headers, 200)  # type: ignore[arg-type]
    assert (status, read) == (401, 0)
    assert "sign_in_required" in str(body)


def test_h18_s3_a_body_over_its_route_limit_is_413(client: TestClient, keys: Keys) -> None:
    admin = {"content-type": "application/json", **keys("IOC", Role.admin)}
    app = client.app
    # Declared too large: refused before a byte is read.
    status, body, read = call(app, "/v1/bank/images", admin, 2)  # type: ignore[arg-type]
    assert (status, codes(body), read) == (413, ["body_too_large"], 0)
    # Chunked, no length: read only until it passes the limit (1 MiB by default).
    status, body, read = call(app, "/v1/bank/images", admin, 200, declare=False)  # type: ignore[arg-type]
    assert (status, codes(body)) == (413, ["body_too_large"])
    assert read == 2
    # The upload routes take up to RINGFENCE_MAX_UPLOAD_BYTES (16 MiB): 2 MiB of listings pass.
    listing = {"listing_id": "big", "seller_id": "s", "title": "Plain mug"}
    big = {"listings": [listing | {"description": "x" * (2 * MIB)}]}
    response = client.post("/v1/screen", json=big, headers=admin)
    assert response.status_code == 200, response.text
    status, body, read = call(app, "/v1/screen", admin, 17)  # type: ignore[arg-type]
    assert (status, codes(body), read) == (413, ["body_too_large"], 0)


def test_h18_s3_limits_come_from_settings(
    app_settings: Settings, session_factory: sessionmaker[Session], keys: Keys
) -> None:
    settings = app_settings.model_copy(update={"max_body_bytes": 2048})
    app = create_app(settings, session_factory=session_factory)
    with TestClient(app) as small:
        headers = keys("IOC", Role.admin)
        refused = small.post("/v1/authorize", json={"x": "y" * 4096}, headers=headers)
        assert refused.status_code == 413
        assert refused.json()["detail"][0]["code"] == "body_too_large"
        assert small.post("/v1/authorize", json={"x": "y"}, headers=headers).status_code == 422


def test_h18_s3_upload_routes_exist(client: TestClient) -> None:
    pages = {"/console/screen", "/console/cases/{case_id}/evidence"}  # not in the OpenAPI
    paths = set(client.app.openapi()["paths"]) | pages  # type: ignore[attr-defined]
    assert paths >= UPLOAD_ROUTES
