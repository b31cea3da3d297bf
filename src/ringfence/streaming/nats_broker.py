"""The NATS JetStream broker (extra ``ringfence[stream]``, nats-py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.js.api import AckPolicy, ConsumerConfig

from ringfence.core.errors import InvalidInput
from ringfence.streaming.error_codes import ErrorCode
from ringfence.streaming.interfaces import Delivery, Subjects

LINGER = 0.02  # seconds a fetch waits for more events once it had to wait for the first


class NatsBroker:
    """JetStream: three streams (listings, verdicts, dead letters) and a durable pull consumer
    ``<prefix>-worker`` on the listings, shared by every worker process (each message goes to
    one of them). Unacknowledged messages come back after ``ack_wait`` seconds."""

    def __init__(self, nc: Any, js: Any, sub: Any) -> None:
        self._nc, self._js, self._sub = nc, js, sub

    @classmethod
    async def connect(cls, url: str, subjects: Subjects, *, ack_wait: float = 30.0) -> NatsBroker:
        try:  # nats-py retries a refused first connection forever: check that one first
            host, _, port = url.split("://", 1)[1].rpartition("@")[2].partition(":")
            probe = asyncio.open_connection(host or "127.0.0.1", int(port or 4222))
            _, writer = await asyncio.wait_for(probe, timeout=5)
            writer.close()
            nc = await nats.connect(
                url, connect_timeout=5, max_reconnect_attempts=-1, allow_reconnect=True
            )
        except (OSError, TimeoutError, ValueError, nats.errors.Error) as exc:
            raise InvalidInput(
                f"{url}: cannot connect to NATS: {exc or type(exc).__name__}",
                code=ErrorCode.BROKER_UNREACHABLE,
            ) from None
        js = nc.jetstream()
        for what, names in (
            ("listings", [subjects.listings]),
            ("verdicts", [subjects.verdicts]),
            ("dead", [subjects.dead]),
        ):
            await _ensure_stream(js, subjects.stream(what), names)
        sub = await js.pull_subscribe(
            subjects.listings,
            durable=f"{subjects.prefix}-worker",
            stream=subjects.stream("listings"),
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=ack_wait,
                max_deliver=-1,
                max_ack_pending=20_000,
            ),
        )
        return cls(nc, js, sub)

    async def fetch(self, batch: int, timeout: float) -> list[Delivery]:
        """What is waiting, up to ``batch``, at once; when nothing is, the events that come
        within ``LINGER`` seconds of asking (asked again until ``timeout``). nats-py's own
        fetch, once one event came, waits out its whole timeout for the rest of the batch: an
        event published on a quiet stream would wait up to ``timeout`` for its verdict."""
        deadline = time.monotonic() + timeout
        while True:
            wait = min(LINGER, deadline - time.monotonic())
            if wait <= 0:
                return []
            try:
                messages = await self._sub.fetch(batch, timeout=wait)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            return [Delivery(m.subject, m.data, m.ack, _nak(m)) for m in messages]

    async def publish(self, subject: str, data: bytes, *, key: str | None = None) -> None:
        headers = {"Nats-Msg-Id": key} if key else None
        await self._js.publish(subject, data, headers=headers)

    async def close(self) -> None:
        # Not drain(): a pull subscription's leftover status messages keep it waiting forever.
        # Everything handled is acknowledged already; the rest is redelivered to another worker.
        await self._sub.unsubscribe()
        await self._nc.close()


async def _ensure_stream(js: Any, name: str, subjects: list[str]) -> None:
    try:
        await js.stream_info(name)
    except nats.js.errors.NotFoundError:
        await js.add_stream(name=name, subjects=subjects)


def _nak(message: Any) -> Callable[[float], Awaitable[None]]:
    async def nak(delay: float) -> None:
        await message.nak(delay=delay)

    return nak
