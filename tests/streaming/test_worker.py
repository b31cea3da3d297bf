"""The streaming worker against the real NATS server (127.0.0.1:4222, or RINGFENCE_TEST_NATS_URL):
10,000 events with repeats and malformed ones, a redelivery, an index reload. Each test uses
its own subject prefix and streams, deleted afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import random
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from ringfence.core.settings import Settings
from ringfence.enforcement.models import Case
from ringfence.screening.index import ScreeningData, builtin_data, write_index
from ringfence.streaming.interfaces import Broker, Delivery, Subjects, connect_broker
from ringfence.streaming.models import ListingVerdict
from ringfence.streaming.worker import IndexSource, Worker
from tests.dbs import fresh_database

nats = pytest.importorskip("nats")
NATS_URL = os.environ.get("RINGFENCE_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _reachable(url: str) -> bool:
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def nats_url() -> str:
    if not _reachable(NATS_URL):
        message = f"no NATS server at {NATS_URL} (start it: see docs/scaling.md)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI has one: a missing server is a failure there
        pytest.skip(message)
    return NATS_URL


@pytest.fixture
def subjects(nats_url: str) -> Iterator[Subjects]:
    subjects = Subjects(f"rftest-{uuid.uuid4().hex[:10]}")
    yield subjects

    async def drop() -> None:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        for what in ("listings", "verdicts", "dead"):
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await js.delete_stream(subjects.stream(what))
        await nc.close()

    asyncio.run(drop())


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, evidence_dir=tmp_path / "evidence")


async def _publish(url: str, subject: str, payloads: list[bytes], timeout: float = 2.0) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    for start in range(0, len(payloads), 500):
        chunk = payloads[start : start + 500]
        await asyncio.gather(*(js.publish(subject, p, timeout=timeout) for p in chunk))
    await nc.close()


async def _stream(url: str, subjects: Subjects, what: str) -> list[dict[str, Any]]:
    """Every message of one of the run's output streams."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    subject = subjects.verdicts if what == "verdicts" else subjects.dead
    sub = await js.pull_subscribe(subject, stream=subjects.stream(what))
    # Keyed by the stream's sequence: a message this reader is sent twice (its ack came late on
    # a loaded machine) is one message of the stream, not two.
    out: dict[int, dict[str, Any]] = {}
    while True:
        try:
            batch = await sub.fetch(1000, timeout=1)
        except (TimeoutError, nats.errors.TimeoutError):  # nats-py raises either
            break
        out.update((m.metadata.sequence.stream, json.loads(m.data)) for m in batch)
        await asyncio.gather(*(m.ack() for m in batch))
    await nc.close()
    return list(out.values())


def _event(mkt: str, n: int, version: int, **over: Any) -> dict[str, Any]:
    titles = ["blue mug", "Running shoes size 42", "desk lamp", "Olympic Peninsula map",
              "garden chair"]  # fmt: skip
    title = "0lymp1c hoodie replica" if n % 40 == 0 else titles[n % 5]  # 1 in 40 infringes
    return {
        "type": "created" if version == 1 else "updated",
        "marketplace": mkt,
        "listing_id": f"L{n}",
        "version": str(version),
        "listing": {"seller_id": f"SELLER:{n % 50}", "title": f"{title} {n}",
                    "ship_to": ["FR"], "listed_at": "2026-06-01"},
        "published_at": time.time(),
    } | over  # fmt: skip


MALFORMED = [
    b"not json {",
    b"[1, 2, 3]",
    b"",
    b"\xff\xfe binary",
    json.dumps({"type": "created"}).encode(),
    json.dumps({"type": "moved", "marketplace": "M", "listing_id": "x", "version": "1"}).encode(),
]


def _malformed(mkt: str, i: int) -> bytes:
    """Broken envelopes, and listings the engine refuses (empty title, unknown territory)."""
    kind = i % 9
    if kind < len(MALFORMED):
        return MALFORMED[kind]
    listing = {"seller_id": "S", "title": ""} if kind == 6 else {"seller_id": "S", "title": "x"}
    if kind == 7:
        listing["ship_to"] = ["QQ"]
    body = _event(mkt, 900_000 + i, 1, listing=listing)
    if kind == 8:
        body.pop("listing")
    return json.dumps(body).encode()


async def _worker(
    url: str, subjects: Subjects, factory: sessionmaker[Session], settings: Settings,
    index: IndexSource, batch: int = 500,
) -> tuple[Worker, Broker]:  # fmt: skip
    broker = await connect_broker(url, subjects)
    return Worker(broker, subjects, factory, settings, index, batch=batch), broker


def test_ten_thousand_events_one_verdict_per_listing_version(
    nats_url: str, subjects: Subjects, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    mkt = f"MKT:{subjects.prefix}"
    rng = random.Random(5)
    distinct = [_event(mkt, n, v) for n in range(3_800) for v in (1, 2)]  # 7,600 versions
    repeats = [rng.choice(distinct) for _ in range(1_500)]
    deleted = [{"type": "deleted", "marketplace": mkt, "listing_id": f"L{n}", "version": "3"}
               for n in range(500)]  # fmt: skip
    malformed = [_malformed(mkt, i) for i in range(400)]
    payloads = [json.dumps(e).encode() for e in distinct + repeats + deleted] + malformed
    rng.shuffle(payloads)
    assert len(payloads) == 10_000

    async def scenario() -> Worker:
        worker, broker = await _worker(nats_url, subjects, session_factory, settings,
                                       IndexSource(None))  # fmt: skip
        await _publish(nats_url, subjects.listings, payloads)
        try:
            await worker.run(idle_exit=1.5)
        finally:
            await broker.close()
        return worker

    worker = asyncio.run(scenario())

    with session_factory() as session:
        rows = session.execute(
            select(ListingVerdict.listing_id, ListingVerdict.listing_version,
                   ListingVerdict.verdict, ListingVerdict.case_id)
            .where(ListingVerdict.marketplace_id == mkt)
        ).all()  # fmt: skip
        cases = session.execute(
            select(Case.listing_id, Case.listing_version).where(Case.marketplace_id == mkt)
        ).all()
    assert len(rows) == len({(r[0], r[1]) for r in rows}) == 7_600
    assert {(r[0], r[1]) for r in rows} == {(e["listing_id"], e["version"]) for e in distinct}
    actionable = [r for r in rows if r[2] in ("infringing", "review")]
    assert actionable  # the stream holds infringing listings
    assert all(r[3] is not None for r in actionable)
    assert sorted(cases) == sorted((r[0], r[1]) for r in actionable)  # one case each, no more
    assert worker.stats.verdicts == 7_600
    assert worker.stats.duplicates == 1_500
    assert worker.stats.deleted == 500
    assert worker.stats.dead == 400

    verdicts = asyncio.run(_stream(nats_url, subjects, "verdicts"))
    assert len(verdicts) == 7_600
    assert len({(v["listing_id"], v["version"]) for v in verdicts}) == 7_600
    dead = asyncio.run(_stream(nats_url, subjects, "dead"))
    assert len(dead) == 400
    assert all(d["reason"] for d in dead)
    assert sorted(d["data"] for d in dead) == sorted(
        m.decode("utf-8", errors="replace") for m in malformed
    )
    reasons = {d["reason"].split(":")[0] for d in dead}
    assert reasons == {"invalid_event", "invalid_listing"}


def test_a_redelivered_event_and_a_reloaded_index(
    nats_url: str,
    subjects: Subjects,
    session_factory: sessionmaker[Session],
    settings: Settings,
    demo_data: ScreeningData,
    tmp_path: Path,
) -> None:
    mkt = f"MKT:{subjects.prefix}"
    index = tmp_path / "registry.rfi"
    write_index(builtin_data(), index)  # no licences: the licensee's tee is infringing
    listing = {"seller_id": "LIC:heritage-apparel", "title": "Olympic rings tee",
               "ship_to": "CN", "category": "apparel", "listed_at": "2026-06-01"}  # fmt: skip
    first = json.dumps(_event(mkt, 1, 1, listing=listing)).encode()
    second = json.dumps(_event(mkt, 1, 2, listing=listing)).encode()

    async def scenario() -> tuple[Worker, str, str]:
        source = IndexSource(index, refresh=0)
        worker, broker = await _worker(nats_url, subjects, session_factory, settings, source)
        try:
            await _publish(nats_url, subjects.listings, [first])
            # Written, then the worker "dies" before acknowledging: the event comes back.
            got = await broker.fetch(1, timeout=5)
            assert len(got) == 1
            worker.handle(got)
            await got[0].nak(0)
            await worker.run(idle_exit=1.0)
            before = source.version
            write_index(demo_data, index)  # the licences arrive
            while source.reloads == 0:
                source.poll()
                await asyncio.sleep(0.05)
            await _publish(nats_url, subjects.listings, [second])
            await worker.run(idle_exit=1.0)
        finally:
            await broker.close()
        return worker, before, source.version

    worker, before, after = asyncio.run(scenario())
    assert before != after
    assert worker.stats.verdicts == 2
    assert worker.stats.duplicates == 1  # the redelivery
    with session_factory() as session:
        rows = session.execute(
            select(ListingVerdict.listing_version, ListingVerdict.verdict,
                   ListingVerdict.index_version)
            .where(ListingVerdict.marketplace_id == mkt)
            .order_by(ListingVerdict.listing_version)
        ).all()  # fmt: skip
        cases = session.scalar(select(func.count()).where(Case.marketplace_id == mkt))
    assert rows == [("1", "infringing", before), ("2", "authorized", after)]
    assert cases == 1
    verdicts = asyncio.run(_stream(nats_url, subjects, "verdicts"))
    assert [(v["version"], v["verdict"]) for v in verdicts] == [("1", "infringing"),
                                                               ("2", "authorized")]  # fmt: skip


def test_unknown_broker_and_unreachable_server(tmp_path: Path) -> None:
    from ringfence.core.errors import ConfigurationError, InvalidInput

    with pytest.raises(ConfigurationError, match="no broker for scheme 'kafka'"):
        asyncio.run(connect_broker("kafka://127.0.0.1:9092", Subjects("x")))
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    free = port.getsockname()[1]
    port.close()
    with pytest.raises(InvalidInput, match="cannot connect to NATS"):
        asyncio.run(connect_broker(f"nats://127.0.0.1:{free}", Subjects("x")))


def test_the_command_refuses_an_unknown_broker_in_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    ringfence = str(Path(sys.executable).with_name("ringfence"))
    env = os.environ | {"RINGFENCE_DATABASE_URL": f"sqlite:///{tmp_path / 'rf.db'}"}
    subprocess.run([ringfence, "db", "upgrade"], env=env, check=True, capture_output=True)  # noqa: S603
    done = subprocess.run(  # noqa: S603
        [ringfence, "worker", "--broker-url", "kafka://127.0.0.1:9092", "--idle-exit", "0"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "no broker for scheme 'kafka'" in done.stderr


class _FailingDeadLetters:
    """The real broker, but every dead letter is refused (as the server refuses one over its
    message size limit)."""

    def __init__(self, broker: Broker, dead: str) -> None:
        self.broker, self.dead = broker, dead

    async def fetch(self, batch: int, timeout: float) -> Any:
        return await self.broker.fetch(batch, timeout)

    async def publish(self, subject: str, data: bytes, *, key: str | None = None) -> None:
        if subject == self.dead:
            raise nats.errors.MaxPayloadError
        await self.broker.publish(subject, data, key=key)

    async def close(self) -> None:
        await self.broker.close()


def _poison(mkt: str) -> list[bytes]:
    """An 800 KB event of quoted quotes (its dead letter, escaped whole, would be 1.6 MB), an
    oversized envelope, invalid JSON, invalid UTF-8, and nesting deeper than any parser goes."""
    quotes = json.dumps(_event(mkt, 1, 1, listing={"seller_id": "S", "title": '"' * 400_000,
                                                   "ship_to": ["QQ"]})).encode()  # fmt: skip
    deep = b'{"type": "created", "listing": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"
    nested = (
        json.dumps(_event(mkt, 2, 1))
        .replace('"ship_to": ["FR"]', '"ship_to": ' + "[" * 900 + "]" * 900)
        .encode()
    )
    return [quotes, b"{" * 900_000, b"not json {", b'{"title": "\xff\xfe"}', deep, nested]


@pytest.mark.parametrize("dead_letters_fail", [False, True])
def test_h18_r2_poison_events_never_stop_the_worker(
    nats_url: str, subjects: Subjects, session_factory: sessionmaker[Session], settings: Settings,
    dead_letters_fail: bool,
) -> None:  # fmt: skip
    mkt = f"MKT:{subjects.prefix}"
    poison = _poison(mkt)
    good = [json.dumps(_event(mkt, n, 1)).encode() for n in range(10, 30)]

    async def scenario() -> tuple[Worker, int]:
        worker, broker = await _worker(nats_url, subjects, session_factory, settings,
                                       IndexSource(None), batch=8)  # fmt: skip
        if dead_letters_fail:
            worker.broker = _FailingDeadLetters(broker, subjects.dead)  # type: ignore[assignment]
        await _publish(
            nats_url, subjects.listings, [*poison[:3], *good[:10], *poison[3:], *good[10:]]
        )
        try:
            await worker.run(idle_exit=1.5)
            left = len(await broker.fetch(100, timeout=1))  # nothing comes back: all acked
        finally:
            await broker.close()
        return worker, left

    worker, left = asyncio.run(scenario())
    assert left == 0
    assert worker.stats.verdicts == len(good)
    assert worker.stats.dead == len(poison)
    with session_factory() as session:
        written = session.scalar(select(func.count()).where(ListingVerdict.marketplace_id == mkt))
    assert written == len(good)
    dead = asyncio.run(_stream(nats_url, subjects, "dead"))
    if dead_letters_fail:
        assert dead == []
        return
    assert len(dead) == len(poison)
    by_digest = {d["sha256"]: d for d in dead}
    for original in poison:
        letter = by_digest[hashlib.sha256(original).hexdigest()]
        assert letter["size"] == len(original)
        assert len(letter["data"].encode()) <= 3 * 4096  # bounded (replacement chars: 3 bytes)
        assert letter["truncated"] is (len(original) > 4096)


ACK_WAIT = 3.0  # seconds before an unacknowledged event comes back (the worker's default: 30)


def _rows(engine: Engine, mkt: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).where(ListingVerdict.marketplace_id == mkt)) or 0


def _consumer_left(url: str, subjects: Subjects) -> tuple[int, int]:
    """(events not yet delivered, events delivered and not acknowledged) of the workers'
    durable consumer."""

    async def info() -> tuple[int, int]:
        nc = await nats.connect(url)
        try:
            got = await nc.jetstream().consumer_info(
                subjects.stream("listings"), f"{subjects.prefix}-worker"
            )
        finally:
            await nc.close()
        return got.num_pending or 0, got.num_ack_pending or 0

    return asyncio.run(info())


def _until(
    done: Callable[[], bool], seconds: float, what: Callable[[], str], every: float = 0.02
) -> None:
    """Wait, bounded, for ``done``; fail saying ``what`` was the state."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:.0f} s: {what()}")
        time.sleep(every)


class _WorkerProcess:
    """A real `ringfence worker` subprocess, its output in a file."""

    def __init__(self, env: dict[str, str], tmp: Path, name: str) -> None:
        import subprocess
        import sys

        self.out = tmp / f"{name}.out"
        with self.out.open("wb") as sink:
            self.process = subprocess.Popen(  # noqa: S603
                [str(Path(sys.executable).with_name("ringfence")), "worker", "--batch", "100"],
                env=env, cwd=tmp, stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def running(self) -> bool:
        assert self.process.poll() is None, f"the worker stopped: {self.log()}"
        return True

    def log(self) -> str:
        return self.out.read_text(errors="replace")[-3000:]

    def stop(self, sig: int) -> int:
        try:
            self.process.send_signal(sig)
            return self.process.wait(timeout=20)
        finally:
            self.process.kill()
            self.process.wait(timeout=10)


def _kill_mid_stream(env: dict[str, str], tmp: Path, engine: Engine, mkt: str) -> int:
    """SIGKILL a worker once it has written some verdicts; how many it had written."""
    import signal

    first = _WorkerProcess(env, tmp, "first")
    try:
        _until(lambda: first.running() and _rows(engine, mkt) > 0, 40,
               lambda: f"no verdict written: {first.log()}")  # fmt: skip
    finally:
        code = first.stop(signal.SIGKILL)
    assert code == -signal.SIGKILL, first.log()
    if engine.dialect.name == "postgresql":  # its server process ends a commit sent before
        alone = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND backend_type = 'client backend'"
        )

        def one_connection() -> bool:
            with engine.connect() as conn:
                return conn.scalar(alone) == 1

        _until(one_connection, 10, lambda: "the killed worker's connection is still open")
    return _rows(engine, mkt)


def test_h18_r2_stream_worker_killed_mid_batch_resumes_exactly_once(
    nats_url: str, subjects: Subjects, database_url: str, tmp_path: Path
) -> None:
    """A real `ringfence worker` SIGKILLed while it works through a backlog (batches committed
    and acknowledged, perhaps one committed and not acknowledged, one half-written), then a new
    worker: every listing version has exactly one verdict row, one verdict event and at most
    one case; nothing is lost or doubled. The test makes the durable consumer as the worker
    would, but with a 3 s ack wait, so that the killed batch comes back in seconds, not 30."""
    import signal

    from ringfence.core.db import make_engine, unit_of_work
    from ringfence.core.migrate import upgrade
    from ringfence.registry.builtin import builtin_document
    from ringfence.registry.service import import_document
    from ringfence.streaming.nats_broker import NatsBroker

    mkt = f"MKT:{subjects.prefix}"
    events = [_event(mkt, n, v) for n in range(1_000) for v in (1, 2)]
    random.Random(18).shuffle(events)
    total = len(events)  # 2,000 listing versions

    async def prepare() -> None:
        broker = await NatsBroker.connect(nats_url, subjects, ack_wait=ACK_WAIT)
        await broker.close()
        await _publish(nats_url, subjects.listings, [json.dumps(e).encode() for e in events])

    asyncio.run(prepare())
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with fresh_database(backend, tmp_path) as url:  # its own: the workers commit to it
        upgrade(url)
        engine = make_engine(url, poolclass=NullPool)
        with unit_of_work(sessionmaker(bind=engine)) as session:
            import_document(session, builtin_document())  # the rights holders cases name
        env = os.environ | {
            "RINGFENCE_DATABASE_URL": url,
            "RINGFENCE_BROKER_URL": nats_url,
            "RINGFENCE_BROKER_PREFIX": subjects.prefix,
            "RINGFENCE_EVIDENCE_DIR": str(tmp_path / "evidence"),
        }
        killed = _kill_mid_stream(env, tmp_path, engine, mkt)
        assert 0 < killed < total, f"killed too late: {killed} of {total} verdicts written"

        second = _WorkerProcess(env, tmp_path, "second")
        try:
            _until(
                lambda: second.running() and _consumer_left(nats_url, subjects) == (0, 0),
                40,
                lambda: (
                    f"not drained: (pending, unacknowledged) {_consumer_left(nats_url, subjects)}"
                    f", {_rows(engine, mkt)} of {total} verdicts, worker: {second.log()}"
                ),
                every=0.25,
            )
        finally:
            code = second.stop(signal.SIGTERM)
        assert code == 0, second.log()
        stopped = re.search(r"worker stopped: (\d+) verdicts", second.log())
        assert stopped, second.log()
        assert int(stopped[1]) == total - killed  # it wrote what was missing, nothing more

        with engine.connect() as conn:
            rows = conn.execute(
                select(ListingVerdict.listing_id, ListingVerdict.listing_version,
                       ListingVerdict.verdict, ListingVerdict.case_id)
                .where(ListingVerdict.marketplace_id == mkt)
            ).all()  # fmt: skip
            cases = conn.execute(
                select(Case.listing_id, Case.listing_version).where(Case.marketplace_id == mkt)
            ).all()
        engine.dispose()
    versions = [(r[0], r[1]) for r in rows]
    assert len(versions) == len(set(versions)) == total, "a listing version doubled or lost"
    assert set(versions) == {(e["listing_id"], e["version"]) for e in events}
    actionable = [r for r in rows if r[2] in ("infringing", "review")]
    assert actionable  # the stream holds infringing listings
    assert all(r[3] is not None for r in actionable)
    assert sorted((c[0], c[1]) for c in cases) == sorted((r[0], r[1]) for r in actionable)
    verdicts = asyncio.run(_stream(nats_url, subjects, "verdicts"))
    assert sorted((v["listing_id"], v["version"]) for v in verdicts) == sorted(versions)
    assert asyncio.run(_stream(nats_url, subjects, "dead")) == []


async def _noop(*_args: Any) -> None:
    return None


def test_i21_a_row_the_database_refuses_is_dead_lettered_alone(
    session_factory: sessionmaker[Session], settings: Settings, database_url: str
) -> None:
    """The verdicts that open no case go to the database in one statement. A value PostgreSQL
    refuses (a NUL in the seller id) makes the worker write that batch row by row: the bad
    event is dead-lettered and the others written. SQLite stores the value: all are written."""
    mkt = f"MKT:bulk-{uuid.uuid4().hex[:6]}"
    events = [_event(mkt, n, 1) for n in range(1, 12)]  # n % 40: none opens a case
    events[4]["listing"]["seller_id"] = "SELLER:\x00bad"
    deliveries = [Delivery("l", json.dumps(e).encode(), _noop, _noop) for e in events]
    worker = Worker(None, Subjects("t"), session_factory, settings, IndexSource(None))  # type: ignore[arg-type]
    outs = worker.handle(deliveries)
    refuses = database_url.startswith("postgresql")
    assert [o.subject for o in outs] == ["t.verdicts"] * 4 + [
        "t.dead" if refuses else "t.verdicts"
    ] + ["t.verdicts"] * 6
    assert worker.stats.verdicts == 10 + (not refuses)
    with session_factory() as session:
        written = session.scalar(select(func.count()).where(ListingVerdict.marketplace_id == mkt))
    assert written == 10 + (not refuses)
    # Again: every version is there already, nothing is written twice.
    again = worker.handle(deliveries)
    assert worker.stats.duplicates == 10 + (not refuses)
    assert [o.subject for o in again] == [o.subject for o in outs]
