"""How notices reach marketplaces: the connector Protocol, an in-memory connector (development
and tests) and a webhook connector (signed JSON over HTTPS, retries with exponential backoff).

Signature: ``X-Ringfence-Signature: sha256=<hex>`` where hex is HMAC-SHA256 with the shared
secret over ``<timestamp>.<body>`` (the ``X-Ringfence-Timestamp`` header, Unix seconds, then a
dot, then the raw body bytes). Every delivery of one notice carries the same
``Idempotency-Key``: a marketplace acts on a key once."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx2

from ringfence.core.audit import canonical_json
from ringfence.core.db import utcnow
from ringfence.core.settings import Settings

SIGNATURE_HEADER = "X-Ringfence-Signature"
TIMESTAMP_HEADER = "X-Ringfence-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class NoticeMessage:
    notice_id: int
    idempotency_key: str
    action: str  # takedown, reinstate
    marketplace_id: str
    payload: dict[str, Any]

    def body(self) -> bytes:
        return canonical_json(
            {
                "notice": self.notice_id,
                "idempotency_key": self.idempotency_key,
                "action": self.action,
                "marketplace": self.marketplace_id,
                **self.payload,
            }
        ).encode()


@dataclass(frozen=True)
class Attempt:
    attempt: int
    at: datetime
    ok: bool
    status_code: int | None = None
    error: str | None = None
    waited: float = 0.0


@dataclass(frozen=True)
class DeliveryReport:
    delivered: bool
    attempts: tuple[Attempt, ...]


class NoticeConnector(Protocol):
    """Delivers one notice, retrying as it sees fit, and reports every attempt."""

    def deliver(self, message: NoticeMessage) -> DeliveryReport: ...


@dataclass
class InMemoryConnector:
    """Keeps what it was sent, once per idempotency key; ``fail`` makes the next N deliveries
    fail (to test the retry path of the service)."""

    fail: int = 0
    received: dict[str, NoticeMessage] = field(default_factory=dict)
    deliveries: int = 0

    def deliver(self, message: NoticeMessage) -> DeliveryReport:
        self.deliveries += 1
        if self.fail > 0:
            self.fail -= 1
            return DeliveryReport(False, (Attempt(1, utcnow(), False, error="unavailable"),))
        self.received.setdefault(message.idempotency_key, message)
        return DeliveryReport(True, (Attempt(1, utcnow(), True, status_code=200),))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float | None = None,
    tolerance: float = 300.0,
) -> bool:
    """What a marketplace does with a delivery: the signature matches (in constant time) and
    the timestamp is within ``tolerance`` seconds of now (no replays of old deliveries)."""
    try:
        sent = float(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookConnector:
    """POSTs each notice to the marketplace's URL. Retries connection errors and 408/425/429/5xx
    with exponential backoff (``backoff * 2**n`` seconds before retry n+1); another 4xx is final.
    ``sleep`` and ``clock`` are injectable so that tests never wait."""

    def __init__(
        self,
        urls: Mapping[str, str],
        secret: str,
        *,
        max_attempts: int = 5,
        backoff: float = 0.5,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utcnow,
        client: httpx2.Client | None = None,
    ) -> None:
        self.urls = dict(urls)
        self.secret = secret
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.sleep = sleep
        self.clock = clock
        self.client = client or httpx2.Client(timeout=timeout)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> WebhookConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def deliver(self, message: NoticeMessage) -> DeliveryReport:
        url = self.urls.get(message.marketplace_id)
        if url is None:
            attempt = Attempt(1, self.clock(), False, error="no webhook URL for the marketplace")
            return DeliveryReport(False, (attempt,))
        body = message.body()
        attempts: list[Attempt] = []
        waited = 0.0
        for n in range(1, self.max_attempts + 1):
            if n > 1:
                waited = self.backoff * 2 ** (n - 2)
                self.sleep(waited)
            at = self.clock()
            timestamp = str(int(at.astimezone(UTC).timestamp()))
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self.secret, timestamp, body),
                IDEMPOTENCY_HEADER: message.idempotency_key,
            }
            try:
                response = self.client.post(url, content=body, headers=headers)
            except httpx2.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
                attempts.append(Attempt(n, at, False, error=error, waited=waited))
                continue
            ok = 200 <= response.status_code < 300
            attempts.append(
                Attempt(
                    n,
                    at,
                    ok,
                    status_code=response.status_code,
                    error=None if ok else f"HTTP {response.status_code}",
                    waited=waited,
                )
            )
            if ok or response.status_code not in RETRY_STATUSES:
                break
        return DeliveryReport(bool(attempts) and attempts[-1].ok, tuple(attempts))


def connector_from_settings(settings: Settings) -> NoticeConnector:
    """The connector ``RINGFENCE_NOTICE_CONNECTOR`` names: ``webhook`` or ``memory``."""
    if settings.notice_connector == "webhook":
        return WebhookConnector(
            settings.webhook_urls,
            settings.webhook_secret.get_secret_value(),
            max_attempts=settings.webhook_max_attempts,
            backoff=settings.webhook_backoff_seconds,
            timeout=settings.webhook_timeout_seconds,
        )
    return InMemoryConnector()
