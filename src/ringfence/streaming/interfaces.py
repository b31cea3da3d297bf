"""The message broker behind the streaming worker: a small Protocol, and its NATS JetStream
implementation (extra ``ringfence[stream]``). Another broker (Kafka: a consumer group with
manual commits, an idempotent producer keyed by listing version) is another class with these
four methods, chosen by the scheme of ``RINGFENCE_BROKER_URL``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from ringfence.core.errors import ConfigurationError, InvalidInput
from ringfence.streaming.error_codes import ErrorCode


@dataclass(frozen=True)
class Delivery:
    """One message as consumed: acknowledge it once handled, or ask for it again later."""

    subject: str
    data: bytes
    ack: Callable[[], Awaitable[None]]
    nak: Callable[[float], Awaitable[None]]


class Broker(Protocol):
    async def fetch(self, batch: int, timeout: float) -> list[Delivery]:
        """Up to ``batch`` messages of the listings subject; [] after ``timeout`` seconds."""
        ...

    async def publish(self, subject: str, data: bytes, *, key: str | None = None) -> None:
        """Publish durably (returns once stored); ``key`` de-duplicates repeats."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Subjects:
    """Where a deployment's events go, from one prefix (``RINGFENCE_BROKER_PREFIX``)."""

    prefix: str

    @property
    def listings(self) -> str:
        return f"{self.prefix}.listings"

    @property
    def verdicts(self) -> str:
        return f"{self.prefix}.verdicts"

    @property
    def dead(self) -> str:
        return f"{self.prefix}.dead"

    def stream(self, what: str) -> str:
        return f"{self.prefix.upper().replace('-', '_')}_{what.upper()}"


async def connect_broker(url: str, subjects: Subjects) -> Broker:
    """The broker for ``url``'s scheme."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme in ("nats", "tls"):
        try:
            from ringfence.streaming.nats_broker import NatsBroker  # noqa: PLC0415 - extra
        except ImportError:
            raise InvalidInput(
                "the worker needs the optional extra: pip install 'ringfence[stream]'",
                code=ErrorCode.MISSING_EXTRA,
            ) from None
        return await NatsBroker.connect(url, subjects)
    raise ConfigurationError(
        f"RINGFENCE_BROKER_URL {url!r}: no broker for scheme {scheme!r} (nats:// is built in)",
        code=ErrorCode.UNKNOWN_BROKER,
    )


async def publish_all(broker: Broker, items: list[tuple[str, bytes, str | None]]) -> None:
    """Publish concurrently and wait for every acknowledgement."""
    await asyncio.gather(*(broker.publish(s, d, key=k) for s, d, k in items))
