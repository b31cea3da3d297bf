"""The webhook connector against a real HTTP server on 127.0.0.1 that fails the first N
requests: retries with backoff (no real sleeping), signatures, the delivery log, and that a
notice delivered more than once is acted on once (idempotency key)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy.orm import Session

from ringfence.core.settings import Settings
from ringfence.enforcement import service
from ringfence.enforcement.enums import NoticeStatus
from ringfence.enforcement.interfaces import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    NoticeMessage,
    WebhookConnector,
    sign,
    verify_signature,
)
from tests.enforcement.conftest import NED, T0, open_one
from tests.enforcement.test_service import TAKEDOWN

SECRET = "whsec-test"


@dataclass
class Marketplace:
    """What the test server saw and did."""

    fail_first: int = 0
    fail_status: int = 503
    requests: int = 0
    bad_signatures: int = 0
    acted: dict[str, bytes] = field(default_factory=dict)  # idempotency key -> body
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def marketplace() -> Iterator[tuple[Marketplace, str]]:
    state = Marketplace()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                state.requests += 1
                if state.requests <= state.fail_first:
                    self._answer(state.fail_status)
                    return
                if not verify_signature(
                    SECRET,
                    self.headers[TIMESTAMP_HEADER],
                    body,
                    self.headers[SIGNATURE_HEADER],
                    now=float(self.headers[TIMESTAMP_HEADER]),
                ):
                    state.bad_signatures += 1
                    self._answer(401)
                    return
                # Act once per idempotency key; a repeat is acknowledged, not acted on.
                state.acted.setdefault(self.headers[IDEMPOTENCY_HEADER], body)
            self._answer(200)

        def _answer(self, code: int) -> None:
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/notices"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connector(
    marketplace: tuple[Marketplace, str], sleeps: list[float]
) -> Iterator[WebhookConnector]:
    _, url = marketplace
    conn = WebhookConnector(
        {"MKT:tmall": url},
        SECRET,
        max_attempts=4,
        backoff=0.5,
        sleep=sleeps.append,
        clock=lambda: T0,
    )
    yield conn
    conn.close()


MESSAGE = NoticeMessage(7, "rf-takedown-7-abc", "takedown", "MKT:tmall", {"case": 7})


def test_retries_with_exponential_backoff(
    marketplace: tuple[Marketplace, str], connector: WebhookConnector, sleeps: list[float]
) -> None:
    state, _ = marketplace
    state.fail_first = 2
    report = connector.deliver(MESSAGE)
    assert report.delivered
    assert [(a.attempt, a.status_code, a.ok) for a in report.attempts] == [
        (1, 503, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert sleeps == [0.5, 1.0]
    assert [a.waited for a in report.attempts] == [0.0, 0.5, 1.0]
    assert list(state.acted) == [MESSAGE.idempotency_key]


def test_gives_up_after_max_attempts(
    marketplace: tuple[Marketplace, str], connector: WebhookConnector, sleeps: list[float]
) -> None:
    state, _ = marketplace
    state.fail_first = 10
    report = connector.deliver(MESSAGE)
    assert not report.delivered
    assert len(report.attempts) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert state.acted == {}


def test_a_client_error_is_not_retried(
    marketplace: tuple[Marketplace, str], connector: WebhookConnector
) -> None:
    state, _ = marketplace
    state.fail_first, state.fail_status = 1, 400
    report = connector.deliver(MESSAGE)
    assert not report.delivered
    assert [a.status_code for a in report.attempts] == [400]


def test_same_notice_twice_is_acted_on_once(
    marketplace: tuple[Marketplace, str], connector: WebhookConnector
) -> None:
    state, _ = marketplace
    assert connector.deliver(MESSAGE).delivered
    assert connector.deliver(MESSAGE).delivered
    assert state.requests == 2
    assert list(state.acted) == [MESSAGE.idempotency_key]


def test_wrong_secret_is_refused(marketplace: tuple[Marketplace, str]) -> None:
    state, url = marketplace
    with WebhookConnector({"MKT:tmall": url}, "not-the-secret", max_attempts=1) as conn:
        report = conn.deliver(MESSAGE)
    assert [a.status_code for a in report.attempts] == [401]
    assert state.bad_signatures == 1


def test_connection_errors_are_retried_and_logged(sleeps: list[float]) -> None:
    with WebhookConnector(
        {"MKT:tmall": "http://127.0.0.1:9/"}, SECRET, max_attempts=3, sleep=sleeps.append
    ) as conn:
        report = conn.deliver(MESSAGE)
    assert not report.delivered
    assert len(report.attempts) == 3
    assert all(a.status_code is None and a.error for a in report.attempts)
    assert sleeps == [0.5, 1.0]


def test_unknown_marketplace_is_one_failed_attempt() -> None:
    with WebhookConnector({}, SECRET) as conn:
        report = conn.deliver(MESSAGE)
    assert not report.delivered
    assert report.attempts[0].error == "no webhook URL for the marketplace"


def test_signature_verification() -> None:
    body = MESSAGE.body()
    now = time.time()
    ts = str(int(now))
    sig = sign(SECRET, ts, body)
    assert verify_signature(SECRET, ts, body, sig, now=now)
    assert not verify_signature(SECRET, ts, body + b" ", sig, now=now)
    assert not verify_signature("other", ts, body, sig, now=now)
    assert not verify_signature(SECRET, ts, body, sig, now=now + 301)  # a replay, too late
    assert not verify_signature(SECRET, "yesterday", body, sig, now=now)


def test_service_redelivery_keeps_the_idempotency_key(
    session: Session,
    settings: Settings,
    marketplace: tuple[Marketplace, str],
    connector: WebhookConnector,
) -> None:
    """A notice whose every attempt failed is dispatched again later with the same key; the
    delivery log keeps every attempt, numbered across dispatches."""
    state, _ = marketplace
    state.fail_first = 5  # the first dispatch (4 attempts) fails, the second's first too
    case = open_one(session, settings)
    service.decide(
        session, principal=NED, case_id=case.id, data=TAKEDOWN, settings=settings, now=T0
    )
    assert service.dispatch_notices(session, connector=connector, settings=settings) == (0, 1)
    assert service.dispatch_notices(session, connector=connector, settings=settings) == (1, 0)
    (notice,) = service.get_case(session, principal=NED, case_id=case.id).notices
    assert notice.status is NoticeStatus.sent
    assert notice.attempts == 6
    log = service.deliveries(session, principal=NED, case_id=case.id)
    assert [(d.attempt, d.status_code) for d in log] == [
        (1, 503),
        (2, 503),
        (3, 503),
        (4, 503),
        (5, 503),
        (6, 200),
    ]
    assert list(state.acted) == [notice.idempotency_key]


def test_connector_from_settings() -> None:
    from pydantic import SecretStr

    from ringfence.core.errors import ConfigurationError
    from ringfence.core.settings import load_settings
    from ringfence.enforcement.interfaces import InMemoryConnector, connector_from_settings

    assert isinstance(connector_from_settings(Settings()), InMemoryConnector)
    webhook = Settings(
        notice_connector="webhook",
        webhook_secret=SecretStr(SECRET),
        webhook_urls={"MKT:tmall": "http://127.0.0.1:9/"},
    )
    conn = connector_from_settings(webhook)
    assert isinstance(conn, WebhookConnector)
    assert conn.urls == {"MKT:tmall": "http://127.0.0.1:9/"}
    conn.close()
    with pytest.raises(ConfigurationError) as info:
        load_settings(notice_connector="webhook")
    assert "RINGFENCE_WEBHOOK_SECRET" in str(info.value)
