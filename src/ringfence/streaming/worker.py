"""The streaming screening worker: listing events in, verdict events out, every listing version
screened once by the engine ``ringfence screen`` uses.

Per fetched batch: parse and validate each event (a malformed one is a dead letter, with the
reason), screen the listings together through the engine's batch path (``screening.rows``),
write in one transaction the verdicts that open no case in one statement and each that opens a
case in its own savepoint (a listing version already written is left as it is: no second
verdict, no second case; a row the database refuses is retried alone and dead-lettered), commit,
publish the verdict events and the dead letters, and only then acknowledge the batch. A dead
letter carries a bounded excerpt and the digest of the event, and one that cannot be published
never stops the batch: a poison event never stops the worker (issue 18, r2). A worker
killed anywhere before the acknowledgement gets the batch again: at-least-once, and idempotent.
A database that fails (not a bad event) sends the batch back for later and the worker goes on.
The next batch is fetched, screened and written while the broker stores the last one's verdicts
(its transaction is committed by then): the wait on the broker overlaps the work.

The index file is watched: a new version is loaded in a background thread while the current
one keeps screening, and swapped in between two batches; no message waits for the load, none is
dropped, and each verdict records the index version that made it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ringfence.core.db import utcnow
from ringfence.core.errors import RingfenceError
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement.service import (
    ACTIONABLE_VERDICTS,
    Screened,
    open_cases_from_verdicts,
)
from ringfence.screening.engine import ERROR, Engine, Listing, Verdict, listing_from_row
from ringfence.screening.index import ScreeningData, builtin_data, content_version, load_index
from ringfence.screening.rows import screen_row, screen_rows
from ringfence.streaming.interfaces import Broker, Delivery, Subjects
from ringfence.streaming.schemas import DEAD_LETTER_EXCERPT, DeadLetter, ListingEvent, VerdictEvent
from ringfence.streaming.service import (
    Key,
    insert_verdicts,
    record_verdict,
    set_case_ids,
    verdict_rows,
    verdict_values,
)

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


@dataclass(frozen=True)
class _Row:
    """A verdict row as written by ``insert_verdicts`` (no case)."""

    marketplace_id: str
    listing_id: str
    listing_version: str
    seller_id: str
    verdict: str
    risk: float
    marks: list[str]
    reasons: list[str]
    index_version: str
    screened_at: datetime
    case_id: int | None = None


class _Case(NamedTuple):
    """An event whose verdict opens a case, at index ``i`` of its batch."""

    i: int
    event: ListingEvent
    row: dict[str, Any]
    verdict: Verdict


class _OneByOne(Exception):
    """Leave the batch's cases to the one-by-one path."""


def _screen_one(engine: Engine, row: dict[str, Any], today: date) -> Verdict:
    try:
        return screen_row(engine, row, today=today)
    except RecursionError:
        return Verdict(str(row.get("listing_id")), ERROR, 0.0, reasons=("nested too deeply",))


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
        depth: int = 1,
    ) -> None:
        self.broker, self.subjects, self.sessions = broker, subjects, sessions
        self.settings, self.index, self.batch, self.depth = settings, index, batch, depth
        self.stats = Stats()
        self._settling: deque[asyncio.Future[None]] = deque()

    async def run(
        self, *, stop: asyncio.Event | None = None, idle_exit: float | None = None
    ) -> Stats:
        """Consume until ``stop`` is set or, with ``idle_exit``, no event came for that long.
        While one batch's verdicts are being published and acknowledged, the next is fetched
        and screened (``depth`` batches in flight after the one in hand); every batch handled
        is settled before this returns."""
        idle_since = time.monotonic()
        try:
            while stop is None or not stop.is_set():
                self.index.poll()
                handled = await self.step(timeout=0.5, depth=self.depth)
                if handled:
                    idle_since = time.monotonic()
                elif idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                    break
        finally:
            await self._settled(0)
        return self.stats

    async def step(self, timeout: float = 0.5, *, depth: int = 0) -> int:
        """Fetch and handle one batch; return once at most ``depth`` handled batches are still
        publishing (0: this one is published and acknowledged too)."""
        deliveries = await self.broker.fetch(self.batch, timeout)
        if not deliveries:
            await self._settled(0)
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
        self._settling.append(asyncio.ensure_future(self._settle_all(outs)))
        await self._settled(depth)
        return len(deliveries)

    async def _settled(self, depth: int) -> None:
        """Wait for the oldest batches in flight until at most ``depth`` are left."""
        while len(self._settling) > depth:
            await self._settling.popleft()

    async def _settle_all(self, outs: list[_Out]) -> None:
        await asyncio.gather(*(self._settle(o) for o in outs))

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
        """Parse, screen (the whole batch through the engine's batch path), write (one
        transaction); what to publish per delivery, in the deliveries' order."""
        engine, version = self.index.engine, self.index.version
        today = datetime.now(UTC).date()
        outs: list[_Out | None] = [None] * len(deliveries)
        events: list[tuple[int, ListingEvent, dict[str, Any]]] = []
        for i, delivery in enumerate(deliveries):
            parsed = self._parse(delivery)
            if isinstance(parsed, _Out):
                outs[i] = parsed
            else:
                assert parsed.listing is not None
                events.append((i, parsed, parsed.listing | {"listing_id": parsed.listing_id}))
        verdicts = self._screen(engine, [row for _, _, row in events], today)
        plain: list[tuple[int, ListingEvent, dict[str, Any]]] = []
        cases: list[_Case] = []
        now = utcnow()
        with self.sessions() as session:
            for (i, event, row), verdict in zip(events, verdicts, strict=True):
                if verdict.verdict == ERROR:
                    outs[i] = self._dead(deliveries[i], f"invalid_listing: {verdict.reasons[0]}")
                elif verdict.verdict in ACTIONABLE_VERDICTS:  # opens a case
                    cases.append(_Case(i, event, row, verdict))
                else:
                    plain.append(
                        (
                            i,
                            event,
                            verdict_values(event, str(row["seller_id"]), verdict, version, now),
                        )
                    )
            for i, out in self._record_cases(session, deliveries, cases, version, now):
                outs[i] = out
            for i, out in self._record_plain(session, deliveries, plain):
                outs[i] = out
            session.commit()
        assert all(o is not None for o in outs)
        return [o for o in outs if o is not None]

    def _parse(self, delivery: Delivery) -> ListingEvent | _Out:
        """The event to screen, or what to do with a delivery that has none."""
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
        return event

    @staticmethod
    def _screen(engine: Engine, rows: list[dict[str, Any]], today: date) -> list[Verdict]:
        try:
            return screen_rows(engine, rows, today=today)
        except RecursionError:  # a listing nested past any sense (issue 18, r2): find it
            return [_screen_one(engine, row, today) for row in rows]

    def _record_plain(
        self,
        session: Session,
        deliveries: list[Delivery],
        plain: list[tuple[int, ListingEvent, dict[str, Any]]],
    ) -> list[tuple[int, _Out]]:
        """Verdicts that open no case (clean, authorized), written in one statement; when the
        database refuses it (a value it cannot hold), each in its own savepoint instead."""
        try:
            with session.begin_nested():
                written = insert_verdicts(session, [values for _, _, values in plain])
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, OperationalError) or exc.connection_invalidated:
                raise  # the database, not the events: the whole batch comes back later
            return [
                (i, self._record_values(session, deliveries[i], event, values))
                for i, event, values in plain
            ]
        keys = [(e.marketplace, e.listing_id, e.version) for _, e, _ in plain]
        before = verdict_rows(session, [k for k in keys if k not in written])
        first: dict[Key, _Row] = {}  # a version twice in the batch: the first was written
        out = []
        for (i, event, values), key in zip(plain, keys, strict=True):
            row: Any
            if key in written and key not in first:
                row = first[key] = _Row(**values)
                self._count(row.verdict, created=True)
            else:
                row = first.get(key) or before[key]
                self._count(row.verdict, created=False)
            out.append((i, self._verdict_out(deliveries[i], event, row)))
        return out

    def _record_cases(
        self,
        session: Session,
        deliveries: list[Delivery],
        cases: list[_Case],
        version: str,
        now: datetime,
    ) -> list[tuple[int, _Out]]:
        """Verdicts that open a case: their rows in one statement, the cases opened together
        (``open_cases_from_verdicts``), the case ids in one statement. When the database
        refuses a value or a case cannot be opened, each in its own savepoint instead."""
        if not cases:
            return []
        try:
            with session.begin_nested():
                done, counts = self._record_cases_together(session, deliveries, cases, version, now)
        except _OneByOne:
            pass
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, OperationalError) or exc.connection_invalidated:
                raise  # the database, not the events: the whole batch comes back later
        else:
            for verdict, created in counts:
                self._count(verdict, created=created)
            return done
        return [
            (c.i, self._record(session, deliveries[c.i], c.event, listing_from_row(c.row),
                               c.verdict, version))
            for c in cases
        ]  # fmt: skip

    def _record_cases_together(
        self,
        session: Session,
        deliveries: list[Delivery],
        cases: list[_Case],
        version: str,
        now: datetime,
    ) -> tuple[list[tuple[int, _Out]], list[tuple[str, bool]]]:
        values = [
            verdict_values(c.event, str(c.row["seller_id"]), c.verdict, version, now) for c in cases
        ]
        written = insert_verdicts(session, values)
        keys = [(c.event.marketplace, c.event.listing_id, c.event.version) for c in cases]
        first: dict[Key, int] = {}  # the case of the batch whose row was written, per version
        for n, key in enumerate(keys):
            if key in written and key not in first:
                first[key] = n
        by_marketplace: dict[str, list[int]] = {}
        for key, n in first.items():
            by_marketplace.setdefault(key[0], []).append(n)
        case_of: dict[int, int] = {}
        for marketplace, ns in by_marketplace.items():
            opened = open_cases_from_verdicts(
                session,
                principal=Principal(Role.marketplace, party_id=marketplace, key_id="worker"),
                items=[self._screened(cases[n], marketplace) for n in ns],
                settings=self.settings,
                now=now,
            )
            for n, result in zip(ns, opened, strict=True):
                if isinstance(result, RingfenceError):
                    raise _OneByOne  # e.g. a case the enforcement rules refuse: find it alone
                if result is not None:
                    case_of[n] = result[0]
        set_case_ids(session, [(keys[n], case_id) for n, case_id in case_of.items()])
        before = verdict_rows(session, [k for k in keys if k not in first])
        rows: dict[int, _Row] = {
            n: _Row(**values[n], case_id=case_of.get(n)) for n in first.values()
        }
        out, counts = [], []
        for n, (c, key) in enumerate(zip(cases, keys, strict=True)):
            row: Any = rows[first[key]] if key in first else before[key]
            counts.append((row.verdict, first.get(key) == n))
            out.append((c.i, self._verdict_out(deliveries[c.i], c.event, row)))
        return out, counts

    @staticmethod
    def _screened(case: _Case, marketplace: str) -> Screened:
        return Screened(case.verdict, listing_from_row(case.row), marketplace, case.event.version)

    def _record_values(
        self, session: Session, delivery: Delivery, event: ListingEvent, values: dict[str, Any]
    ) -> _Out:
        """One verdict row that opens no case, in its own savepoint."""
        try:
            with session.begin_nested():
                written = insert_verdicts(session, [values])
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, OperationalError) or exc.connection_invalidated:
                raise
            return self._dead(delivery, f"rejected: {type(exc.orig).__name__}")
        key = (event.marketplace, event.listing_id, event.version)
        self._count(values["verdict"], created=key in written)
        row: Any = _Row(**values) if key in written else verdict_rows(session, [key])[key]
        return self._verdict_out(delivery, event, row)

    def _record(
        self,
        session: Session,
        delivery: Delivery,
        event: ListingEvent,
        listing: Listing,
        verdict: Verdict,
        version: str,
    ) -> _Out:
        """A verdict that opens a case, in its own savepoint."""
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
        self._count(row.verdict, created=created)
        return self._verdict_out(delivery, event, row)

    def _count(self, verdict: str, *, created: bool) -> None:
        if created:
            self.stats.verdicts += 1
            self.stats.by_verdict[verdict] = self.stats.by_verdict.get(verdict, 0) + 1
        else:
            self.stats.duplicates += 1

    def _verdict_out(self, delivery: Delivery, event: ListingEvent, row: Any) -> _Out:
        """The verdict event of the row written for ``event``'s listing version."""
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
