"""Keeps one compiled screening engine (and so the licence index inside it) per process, fresh
with the database.

A write in this process invalidates it at once; writes by other processes are seen within
``refresh_seconds`` through the registry revision counter (one tiny query per interval, never
one per decision)."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.db import READ_ONLY
from ringfence.registry.service import current_revision, export_document
from ringfence.screening.engine import Engine
from ringfence.screening.index import builtin_data


class IndexCache:
    def __init__(self, factory: sessionmaker[Session], *, refresh_seconds: float = 2.0) -> None:
        self._factory = factory
        self._refresh = refresh_seconds
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._revision = -1
        self._checked = 0.0

    def invalidate(self) -> None:
        with self._lock:
            self._engine = None

    def current(self) -> Engine | None:
        """The engine when it was checked against the registry within the interval."""
        engine = self._engine
        if engine is not None and time.monotonic() - self._checked < self._refresh:
            return engine
        return None

    def get(self) -> Engine:
        if (fresh := self.current()) is not None:
            return fresh
        now = time.monotonic()
        engine = self._engine
        # One thread looks at the revision; while it does, the others go on with the engine
        # they have (at most a refresh interval old, as between checks) instead of queueing
        # behind its query, which under load waits for a pooled connection of its own.
        if engine is None:
            self._lock.acquire()
        elif not self._lock.acquire(blocking=False):
            return engine
        try:
            with self._factory() as session:
                session.connection(execution_options={READ_ONLY: True})
                revision = current_revision(session)
                if self._engine is None or revision != self._revision:
                    self._engine = Engine(builtin_data(export_document(session)))
                    self._revision = revision
            self._checked = now
            return self._engine
        finally:
            self._lock.release()
