"""Keeps one compiled LicenceIndex per process, fresh with the database.

A write in this process invalidates it at once; writes by other processes are seen within
``refresh_seconds`` through the registry revision counter (one tiny query per interval, never
one per decision)."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from ringfence.registry.decision import LicenceIndex
from ringfence.registry.service import compile_index, current_revision


class IndexCache:
    def __init__(self, factory: sessionmaker[Session], *, refresh_seconds: float = 2.0) -> None:
        self._factory = factory
        self._refresh = refresh_seconds
        self._lock = threading.Lock()
        self._index: LicenceIndex | None = None
        self._revision = -1
        self._checked = 0.0

    def invalidate(self) -> None:
        with self._lock:
            self._index = None

    def get(self) -> LicenceIndex:
        now = time.monotonic()
        index = self._index
        if index is not None and now - self._checked < self._refresh:
            return index
        with self._lock:
            with self._factory() as session:
                revision = current_revision(session)
                if self._index is None or revision != self._revision:
                    self._index = compile_index(session)
                    self._revision = revision
            self._checked = now
            return self._index
