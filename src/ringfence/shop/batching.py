"""Checkout under a sales peak: the orders of concurrent requests share transactions.

Placing an order and recording its payment are a dozen statements each; one at a time they cost
more in round trips, commits and per-statement overhead than in work. A batcher thread per
serving process takes whatever requests are waiting when it is free (up to ``max_batch``) and
places them in one transaction (:func:`ringfence.shop.service.place_orders`: one statement per
step for all of them, one conditional stock UPDATE per offer); each request then calls the
payment provider in its own thread, outside any transaction, and the batcher records the
outcomes together (:func:`ringfence.shop.service.settle_orders`). Under light load a batch is one
request and nothing waits for company; under a peak the batches grow by themselves.

Each request still gets its own answer: its order, a replay, or the error that refused it. A
database failure fails the batch it happened in (every request in it answers 503 and may be
retried with its Idempotency-Key)."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ringfence.registry.decision import LicenceIndex
from ringfence.shop.schemas import OrderOut
from ringfence.shop.service import (
    OrderRequest,
    Payment,
    Placed,
    place_orders,
    settle_orders,
)

log = logging.getLogger(__name__)


@dataclass
class _Job:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    place: OrderRequest | None = None
    settle: Payment | None = None
    index: LicenceIndex | None = None
    reservation: timedelta = field(default_factory=lambda: timedelta(minutes=15))


class CheckoutBatcher:
    def __init__(self, factory: sessionmaker[Session], *, max_batch: int = 64) -> None:
        self._factory = factory
        self._max_batch = max_batch
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _start(self) -> None:
        """The thread starts with the first checkout (an app that sells nothing has none)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="checkout-batcher", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        """Finish what was submitted, then end the thread (at the app's shutdown)."""
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join()
                self._thread = None

    async def place(
        self, request: OrderRequest, *, index: LicenceIndex, reservation: timedelta
    ) -> Placed:
        """The request's order placed and committed (or its replay); raises what refused it."""
        placed: Placed = await self._submit(place=request, index=index, reservation=reservation)
        return placed

    async def settle(self, payment: Payment) -> OrderOut:
        """The order with the payment's outcome recorded and committed."""
        order: OrderOut = await self._submit(settle=payment)
        return order

    async def _submit(self, **job: Any) -> Any:
        if self._thread is None:
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._jobs.put(_Job(loop, future, **job))
        return await future

    # ------------------------------------------------------------------ the batcher's thread

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            batch = [job]
            while len(batch) < self._max_batch:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._jobs.put(None)  # stop after this batch
                    break
                batch.append(more)
            places = [j for j in batch if j.place is not None]
            settles = [j for j in batch if j.settle is not None]
            # One index and one reservation length per transaction (they change rarely).
            groups: dict[tuple[int, timedelta], list[_Job]] = {}
            for j in places:
                groups.setdefault((id(j.index), j.reservation), []).append(j)
            for group in groups.values():
                self._in_transaction(group, self._place)
            if settles:
                self._in_transaction(settles, self._settle)

    def _place(self, session: Session, jobs: list[_Job]) -> list[Any]:
        first = jobs[0]
        assert first.index is not None
        return list(
            place_orders(
                session,
                [j.place for j in jobs if j.place is not None],
                index=first.index,
                reservation=first.reservation,
            )
        )

    def _settle(self, session: Session, jobs: list[_Job]) -> list[Any]:
        return list(settle_orders(session, [j.settle for j in jobs if j.settle is not None]))

    def _in_transaction(self, jobs: list[_Job], work: Any) -> None:
        try:
            with self._factory() as session:
                results = work(session, jobs)
                session.commit()
        except Exception as exc:  # the whole batch failed: every request in it hears why
            log.warning("checkout batch of %d failed: %s", len(jobs), exc)
            results = [exc] * len(jobs)
        for job, result in zip(jobs, results, strict=True):
            job.loop.call_soon_threadsafe(_resolve, job.future, result)


def _resolve(future: asyncio.Future[Any], result: Any) -> None:
    if future.done():  # the request went away (client disconnected)
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
