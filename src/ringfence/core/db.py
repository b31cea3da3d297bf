"""Database plumbing: the declarative base, engines and the unit-of-work session."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import JSON, Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        list[str]: JSON(),
    }


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, issue BEGIN: SAVEPOINTs then work as documented.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode, NORMAL syncs at checkpoints, not at every commit: a commit survives a crash
    # of the process, and only a power cut can lose the last few (SQLite's own advice for WAL).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and ":memory:" not in path and url.startswith("sqlite:///"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Writers queue for the one write lock: wait up to 15 s for it (sqlite3's default is 5)
        # before a request gives up with 503.
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_SECONDS})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        _queue_writers(engine)
        return engine
    engine = create_engine(url, **kwargs)
    _ping_idle_connections(engine)
    return engine


IDLE_PING_SECONDS = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection that sat idle for a while before handing it out.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip per transaction, two of
    the fourteen a checkout makes. A connection in steady use is known to be alive; one idle for
    more than IDLE_PING_SECONDS (the server restarted, a firewall dropped it) is pinged, and a
    dead one is replaced before anyone uses it. Should the server go away between two uses, the
    statement fails (503), SQLAlchemy discards the pool, and the next request gets a fresh one."""
    since = "ringfence_idle_since"

    def checkin(_dbapi: Any, record: Any) -> None:
        record.info[since] = time.monotonic()

    def checkout(dbapi: Any, record: Any, _proxy: Any) -> None:
        idle = record.info.pop(since, None)
        if idle is not None and time.monotonic() - idle > IDLE_PING_SECONDS:
            try:
                engine.dialect.do_ping(dbapi)
            except Exception as exc:  # any failure: this connection is not to be trusted
                raise DisconnectionError("the pooled connection did not answer") from exc

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


SQLITE_BUSY_SECONDS = 15.0


# Execution option for a transaction that only reads: on SQLite it starts with a plain BEGIN and
# takes neither lock, so it can run while the same thread holds the write lock in another
# session (the licence index cache looks at the registry revision in the middle of requests).
READ_ONLY = "ringfence_read_only"


def _queue_writers(engine: Engine) -> None:
    """Every SQLite transaction starts with BEGIN IMMEDIATE, behind a lock of this engine
    (but those marked READ_ONLY).

    IMMEDIATE: a transaction takes the write lock when it starts, waiting for it under the busy
    timeout. A deferred one that reads and then writes cannot wait for it (its snapshot may be
    stale) and fails with "database is locked" at once, which is what concurrent requests
    writing scan logs or registry changes did (Rails made the same change for the same reason).

    The in-process lock: SQLite's busy handler waits by sleeping (up to 100 ms a try), so
    threads queueing on it idle while the lock is free; under load 39% of a server's samples
    sat there. Threads of this process queue on a Python lock instead and are woken the moment
    the transaction before them ends. Other processes still meet the busy timeout. The lock is
    given up when the root transaction commits or rolls back (the next writer's BEGIN may then
    meet the COMMIT in flight and wait a millisecond in SQLite), and, as a safety net, when the
    connection goes back to the pool."""
    lock = threading.Lock()

    def release(info: dict[Any, Any]) -> None:
        if info.pop("ringfence_writer", False):
            lock.release()

    def begin(conn: Connection) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")  # WAL: reads the last commit, waits for no writer
            return
        if not conn.info.get("ringfence_writer") and lock.acquire(timeout=SQLITE_BUSY_SECONDS):
            conn.info["ringfence_writer"] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            release(conn.info)
            raise

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", lambda conn: release(conn.info))
    event.listen(engine, "rollback", lambda conn: release(conn.info))
    event.listen(engine, "checkin", lambda _dbapi, record: release(record.info))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def read_only_engine(engine: Engine) -> Engine:
    """The same engine (and pool) whose transactions are READ_ONLY: sessions of requests that
    only read (GET, HEAD) never take SQLite's write lock."""
    return engine.execution_options(**{READ_ONLY: True})


@contextmanager
def reading(session: Session) -> Iterator[Session]:
    """A read in a transaction of its own, ended when the block ends: on SQLite it takes neither
    lock (READ_ONLY), and the connection goes back to the pool before the caller goes on, so
    that no request holds a connection (or the write lock) while it waits for another (a
    batch, the licence index). A session already in a transaction reads in that one."""
    if session.in_transaction():
        yield session
        return
    session.connection(execution_options={READ_ONLY: True})
    try:
        yield session
    finally:
        session.rollback()  # nothing was written: ends the transaction, frees the connection


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
