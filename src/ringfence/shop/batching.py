"""Checkout under a sales peak: the orders of concurrent requests share transactions.

One batcher thread per serving process (core/batching.py) with two lanes: new orders to place
(:func:`ringfence.shop.service.place_orders`: one statement per step for all of them, one
conditional stock UPDATE per offer) and payments to record
(:func:`ringfence.shop.service.settle_orders`), each lane's jobs in a transaction of their own.
Between its two steps each request calls the payment provider in its own thread, outside any
transaction. Each request still gets its own answer: its order, a replay, or the error that
refused it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.batching import Batcher
from ringfence.registry.decision import LicenceIndex
from ringfence.shop.checkout import OrderRequest, Placed, place_orders
from ringfence.shop.schemas import OrderOut
from ringfence.shop.settlement import Payment, settle_orders


@dataclass(frozen=True, slots=True)
class _Placing:
    request: OrderRequest
    index: LicenceIndex
    reservation: timedelta


def _place(session: Session, jobs: Sequence[_Placing]) -> list[Placed | BaseException]:
    """Place the batch, one call per licence index and reservation length (they change
    rarely: almost always one call)."""
    results: list[Placed | BaseException | None] = [None] * len(jobs)
    groups: dict[tuple[int, timedelta], list[int]] = {}
    for i, job in enumerate(jobs):
        groups.setdefault((id(job.index), job.reservation), []).append(i)
    for members in groups.values():
        first = jobs[members[0]]
        placed = place_orders(
            session,
            [jobs[i].request for i in members],
            index=first.index,
            reservation=first.reservation,
        )
        for i, result in zip(members, placed, strict=True):
            results[i] = result
    return [result for result in results if result is not None]


def _settle(session: Session, payments: Sequence[Payment]) -> list[OrderOut]:
    return settle_orders(session, payments)


class CheckoutBatcher:
    def __init__(self, factory: sessionmaker[Session], *, max_batch: int = 64) -> None:
        self._batcher = Batcher(
            factory, {"place": _place, "settle": _settle}, name="checkout", max_batch=max_batch
        )

    async def place(
        self, request: OrderRequest, *, index: LicenceIndex, reservation: timedelta
    ) -> Placed:
        """The request's order placed and committed (or its replay); raises what refused it."""
        placed = await self._batcher.submit("place", _Placing(request, index, reservation))
        assert isinstance(placed, Placed)
        return placed

    async def settle(self, payment: Payment) -> OrderOut:
        """The order with the payment's outcome recorded and committed."""
        order = await self._batcher.submit("settle", payment)
        assert isinstance(order, OrderOut)
        return order

    def stop(self, timeout: float | None = None) -> None:
        self._batcher.stop(timeout)
