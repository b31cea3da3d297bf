"""Requests that share transactions: a thread runs whatever jobs are waiting as one batch.

A hot request that is a handful of small statements (a checkout, the scan of a printed code)
costs more in round trips, commits and per-statement overhead than in work. A :class:`Batcher`
has one thread per serving process that takes the jobs waiting when it is free (up to
``max_batch``), hands them to ``work`` in one session and commits. Under light load a batch is
one job and nothing waits for company; under a peak the batches grow by themselves.

``work`` answers each job on its own: a result, or the exception that refused that job (which
its request raises). An exception out of ``work`` or the commit fails the whole batch: every
job in it gets that exception (a database error answers 503, and the request may be retried)."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

J = TypeVar("J")
R = TypeVar("R")


@dataclass
class _Job(Generic[J]):
    job: J
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class Batcher(Generic[J, R]):
    def __init__(
        self,
        factory: sessionmaker[Session],
        work: Callable[[Session, Sequence[J]], Sequence[R | BaseException]],
        *,
        name: str,
        max_batch: int = 64,
    ) -> None:
        self._factory = factory
        self._work = work
        self._name = name
        self._max_batch = max_batch
        self._jobs: queue.SimpleQueue[_Job[J] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def submit(self, job: J) -> R:
        """The job's result once its batch has committed; raises what refused it."""
        if self._thread is None:
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._jobs.put(_Job(job, loop, future))
        result: R = await future
        return result

    def stop(self) -> None:
        """Finish what was submitted, then end the thread (at the app's shutdown)."""
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join()
                self._thread = None

    def _start(self) -> None:
        """The thread starts with the first job (an app that never gets one has none)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while (first := self._jobs.get()) is not None:
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._jobs.put(None)  # stop after this batch
                    break
                batch.append(more)
            self._run_batch(batch)

    def _run_batch(self, batch: list[_Job[J]]) -> None:
        results: Sequence[Any]
        try:
            with self._factory() as session:
                results = self._work(session, [j.job for j in batch])
                session.commit()
        except Exception as exc:  # the whole batch failed: every request in it hears why
            log.warning("%s: a batch of %d failed: %s", self._name, len(batch), exc)
            results = [exc] * len(batch)
        for job, result in zip(batch, results, strict=True):
            job.loop.call_soon_threadsafe(_resolve, job.future, result)


def _resolve(future: asyncio.Future[Any], result: Any) -> None:
    if future.done():  # the request went away (its client disconnected)
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
