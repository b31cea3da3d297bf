"""Requests that share transactions: a thread runs whatever jobs are waiting as one batch.

A hot request that is a handful of small statements (a checkout, the scan of a printed code)
costs more in round trips, commits and per-statement overhead than in work. A :class:`Batcher`
has one thread per serving process that takes the jobs waiting when it is free (up to
``max_batch``), hands them to ``work`` in one session and commits. Under light load a batch is
one job and nothing waits for company; under a peak the batches grow by themselves.

Jobs go in lanes, each with its ``work``: a batch runs lane by lane, each lane's jobs in a
transaction of their own, and a lane's requests hear back as soon as it has committed (a
checkout's orders are placed, and their buyers go on to pay, before the batch records the
payments of others). One thread for all lanes: a thread each contended for the interpreter and
shrank the batches (checkout fell from 950 to 400-800 orders/s in its benchmark).

``work`` answers each job on its own: a result, or the exception that refused that job (which
its request raises). An exception out of ``work`` or the commit fails the lane's jobs in the
batch: each gets that exception (a database error answers 503, and may be retried)."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

Work = Callable[[Session, Sequence[Any]], Sequence[Any]]


@dataclass
class _Job:
    lane: str
    job: Any
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class Batcher:
    def __init__(
        self,
        factory: sessionmaker[Session],
        lanes: Mapping[str, Work],
        *,
        name: str,
        max_batch: int = 64,
    ) -> None:
        self._factory = factory
        self._lanes = dict(lanes)
        self._name = name
        self._max_batch = max_batch
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def submit(self, lane: str, job: Any) -> Any:
        """The job's result once its lane of a batch has committed; raises what refused it."""
        if lane not in self._lanes:
            raise ValueError(f"{self._name} has no lane {lane!r}")
        if self._thread is None:
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._jobs.put(_Job(lane, job, loop, future))
        return await future

    def stop(self, timeout: float | None = None) -> None:
        """Finish what was submitted, then end the thread (at the app's shutdown). With a
        ``timeout``, wait at most that long: a batch still waiting for the database then goes
        down with the process (a daemon thread; its transaction is never committed)."""
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join(timeout)
                if self._thread.is_alive():
                    log.warning("%s: still busy after %ss, not waited for", self._name, timeout)
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
            for lane, work in self._lanes.items():
                if jobs := [job for job in batch if job.lane == lane]:
                    self._run_lane(lane, work, jobs)

    def _run_lane(self, lane: str, work: Work, jobs: list[_Job]) -> None:
        results: Sequence[Any]
        try:
            with self._factory() as session:
                results = work(session, [job.job for job in jobs])
                session.commit()
        except Exception as exc:  # the lane's batch failed: every request in it hears why
            log.warning("%s: %s, a batch of %d failed: %s", self._name, lane, len(jobs), exc)
            results = [exc] * len(jobs)
        for job, result in zip(jobs, results, strict=True):
            job.loop.call_soon_threadsafe(_resolve, job.future, result)


def _resolve(future: asyncio.Future[Any], result: Any) -> None:
    if future.done():  # the request went away (its client disconnected)
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
