"""The streaming screening worker: listing events in, verdict events out, every listing version
screened once by the engine ``ringfence screen`` uses.

Per fetched batch: parse and validate each event (a malformed one is a dead letter, with the
reason), screen the listings, write each verdict in its own savepoint of one transaction (a
listing version already written is left as it is: no second verdict, no second case), commit,
publish the verdict events and the dead letters, and only then acknowledge the batch. A dead
letter carries a bounded excerpt and the digest of the event, and one that cannot be published
never stops the batch: a poison event never stops the worker (issue 18, r2). A worker
killed anywhere before the acknowledgement gets the batch again: at-least-once, and idempotent.
A database that fails (not a bad event) sends the batch back for later and the worker goes on.

The index file is watched: a new version is loaded in a background thread while the current
one keeps screening, and swapped in between two batches; no message waits for the load, none is
dropped, and each verdict records the index version that made it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ringfence.core.errors import RingfenceError
from ringfence.core.settings import Settings
from ringfence.screening.engine import Engine, RowError, listing_from_row
from ringfence.screening.index import ScreeningData, builtin_data, content_version, load_index
from ringfence.streaming.interfaces import Broker, Delivery, Subjects
from ringfence.streaming.schemas import DEAD_LETTER_EXCERPT, DeadLetter, ListingEvent, VerdictEvent
from ringfence.streaming.service import record_verdict

log = logging.getLogger(__name__)
RETRY_SECONDS = 2.0


class IndexSource:
    """The current engine; ``path`` (if any) is checked every ``refresh`` seconds and a changed
    file loaded in the background. A file that does not load keeps the current engine."""

    def __init__(self, path: Path | None, *, refresh: float = 2.0) -> None:
        self.path, self.refresh = path, refresh
        data = load_index(path) if path is not None else builtin_data()
        self.engine, self.version = self._engine(data)
        self._stamp = self._stat()
        self._checked = time.monotonic()
        self._loading: asyncio.Task[tuple[Engine, str]] | None = None
        self.reloads = 0

    @staticmethod
    def _engine(data: ScreeningData) -> tuple[Engine, str]:
        return Engine(data), content_version(data)[:16]

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat() if self.path is not None else None
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size) if st is not None else None

    def _load(self) -> tuple[Engine, str]:
        assert self.path is not None
        return self._engine(load_index(self.path))

    def poll(self) -> None:
        """Swap in a finished load; start a load when the file changed."""
        if self._loading is not None and self._loading.done():
            task, self._loading = self._loading, None
            try:
                engine, version = task.result()
            except RingfenceError as exc:
                log.error("index %s not loaded, keeping %s: %s", self.path, self.version, exc)
            else:
                if version != self.version:
                    log.info("index reloaded: %s -> %s", self.version, version)
                    self.engine, self.version = engine, version
                    self.reloads += 1
        now = time.monotonic()
        if self.path is None or self._loading is not None or now - self._checked < self.refresh:
            return
        self._checked = now
        stamp = self._stat()
        if stamp is not None and stamp != self._stamp:
            self._stamp = stamp
            self._loading = asyncio.create_task(asyncio.to_thread(self._load))


@dataclass
class Stats:
    verdicts: int = 0  # written by this worker
    duplicates: int = 0  # listing versions already written (redeliveries, repeats)
    deleted: int = 0
    dead: int = 0
    retried: int = 0  # batches sent back (database unavailable)
    by_verdict: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"{self.verdicts} verdicts, {self.duplicates} duplicates, {self.deleted} deletions, "
            f"{self.dead} dead letters, {self.retried} batches retried"
        )


@dataclass
class _Out:
    delivery: Delivery
    subject: str | None = None  # None: acknowledge only
    data: bytes = b""
    key: str | None = None


class Worker:
    def __init__(
        self,
        broker: Broker,
        subjects: Subjects,
        sessions: Callable[[], Session],
        settings: Settings,
        index: IndexSource,
        *,
        batch: int = 256,
    ) -> None:
        self.broker, self.subjects, self.sessions = broker, subjects, sessions
        self.settings, self.index, self.batch = settings, index, batch
        self.stats = Stats()

    async def run(
        self, *, stop: asyncio.Event | None = None, idle_exit: float | None = None
    ) -> Stats:
        """Consume until ``stop`` is set or, with ``idle_exit``, no event came for that long."""
        idle_since = time.monotonic()
        while stop is None or not stop.is_set():
            self.index.poll()
            handled = await self.step(timeout=0.5)
            if handled:
                idle_since = time.monotonic()
            elif idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                break
        return self.stats

    async def step(self, timeout: float = 0.5) -> int:
        deliveries = await self.broker.fetch(self.batch, timeout)
        if not deliveries:
            return 0
        try:
            outs = self.handle(deliveries)
        except (OperationalError, DBAPIError) as exc:
            first = str(exc.orig or exc).strip().splitlines()[0]
            log.warning("database unavailable, batch sent back: %s", first)
            self.stats.retried += 1
            await asyncio.gather(*(d.nak(RETRY_SECONDS) for d in deliveries))
            await asyncio.sleep(RETRY_SECONDS)
            return len(deliveries)
        await asyncio.gather(*(self._settle(o) for o in outs))
        return len(deliveries)

    async def _settle(self, out: _Out) -> None:
        """Publish what the delivery produced, then acknowledge it. A verdict that cannot be
        published sends its event back (the redelivery finds the verdict written and publishes
        it again); a dead letter that cannot be published is logged by digest and the poison
        event acknowledged all the same: neither stops the batch nor the worker."""
        if out.subject:
            try:
                await self.broker.publish(out.subject, out.data, key=out.key)
            except Exception as exc:  # the broker refused or failed: this delivery only
                if out.subject != self.subjects.dead:
                    log.warning("verdict not published, event sent back: %r", exc)
                    await out.delivery.nak(RETRY_SECONDS)
                    return
                letter = DeadLetter.model_validate_json(out.data)
                log.error("dead letter of %s not published: %r", letter.sha256, exc)
        await out.delivery.ack()

    # ------------------------------------------------------------------ one batch

    def handle(self, deliveries: list[Delivery]) -> list[_Out]:
        """Parse, screen, write (one transaction); what to publish per delivery."""
        engine, version = self.index.engine, self.index.version
        today = datetime.now(UTC).date()
        outs: list[_Out] = []
        with self.sessions() as session:
            for delivery in deliveries:
                outs.append(self._one(session, delivery, engine, version, today))
            session.commit()
        return outs

    def _one(
        self, session: Session, delivery: Delivery, engine: Engine, version: str, today: object
    ) -> _Out:
        try:
            event = ListingEvent.model_validate_json(delivery.data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "event"
            return self._dead(delivery, f"invalid_event: {where}: {first['msg']}")
        if event.type == "deleted":
            self.stats.deleted += 1
            return _Out(delivery)
        if event.listing is None:
            return self._dead(delivery, "invalid_event: listing: required for created/updated")
        try:
            listing = listing_from_row(event.listing | {"listing_id": event.listing_id})
            verdict = engine.screen(listing, today=today)  # type: ignore[arg-type]
        except RowError as exc:
            return self._dead(delivery, f"invalid_listing: {exc.reason}")
        except RecursionError:  # a listing nested past any sense (issue 18, r2)
            return self._dead(delivery, "invalid_listing: nested too deeply")
        try:
            with session.begin_nested():
                row, created = record_verdict(
                    session,
                    event=event,
                    listing=listing,
                    verdict=verdict,
                    index_version=version,
                    settings=self.settings,
                )
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, OperationalError) or exc.connection_invalidated:
                raise  # the database, not the event: the whole batch comes back later
            return self._dead(delivery, f"rejected: {type(exc.orig).__name__}")
        except RingfenceError as exc:  # e.g. a case the enforcement rules refuse
            return self._dead(delivery, f"rejected: {exc}")
        if created:
            self.stats.verdicts += 1
            self.stats.by_verdict[row.verdict] = self.stats.by_verdict.get(row.verdict, 0) + 1
        else:
            self.stats.duplicates += 1
        out = VerdictEvent(
            marketplace=event.marketplace,
            listing_id=event.listing_id,
            version=event.version,
            verdict=row.verdict,
            risk=row.risk,
            marks=list(row.marks),
            reasons=list(row.reasons),
            index_version=row.index_version,
            case_id=row.case_id,
            published_at=event.published_at,
        )
        return _Out(delivery, self.subjects.verdicts, out.model_dump_json().encode(), event.key)

    def _dead(self, delivery: Delivery, reason: str) -> _Out:
        self.stats.dead += 1
        digest = hashlib.sha256(delivery.data).hexdigest()
        excerpt = delivery.data[:DEAD_LETTER_EXCERPT]
        letter = DeadLetter(
            reason=reason,
            subject=delivery.subject,
            data=excerpt.decode("utf-8", errors="replace"),
            size=len(delivery.data),
            sha256=digest,
            truncated=len(excerpt) < len(delivery.data),
        )
        return _Out(delivery, self.subjects.dead, letter.model_dump_json().encode())
