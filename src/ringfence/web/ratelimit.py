"""Per-client rate limits for public endpoints: a token bucket per client address, in memory
(per process; put a shared limiter in the proxy when several processes serve)."""

from __future__ import annotations

import math
import threading
import time

from ringfence.core.errors import RateLimited
from ringfence.web.error_codes import ErrorCode

MAX_CLIENTS = 100_000  # buckets kept; the oldest half is dropped beyond it


class RateLimiter:
    def __init__(self, per_minute: float, burst: int) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)
        self._lock = threading.Lock()

    def hit(self, client: str, now: float | None = None) -> None:
        """Take one token for ``client`` or raise RateLimited with the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, at = self._buckets.get(client, (self._burst, now))
            tokens = min(self._burst, tokens + (now - at) * self._rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                error = RateLimited(
                    "too many requests from this client", code=ErrorCode.RATE_LIMITED
                )
                error.retry_after = max(1, math.ceil((1.0 - tokens) / self._rate))
                raise error
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_CLIENTS:
                for key in list(self._buckets)[: MAX_CLIENTS // 2]:
                    del self._buckets[key]
