"""Checkouts in batches: each request of a batch gets its own answer, a batch never oversells,
and the batcher under many concurrent requests sells exactly the stock (SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.db import make_engine, make_session_factory, unit_of_work
from ringfence.core.errors import Conflict, InvalidInput, RingfenceError
from ringfence.core.migrate import upgrade
from ringfence.demo import load_demo
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.service import compile_index
from ringfence.shop import service
from ringfence.shop.batching import CheckoutBatcher
from ringfence.shop.enums import EntryKind, OrderStatus
from ringfence.shop.models import IdempotencyKey, LedgerEntry, OfferStock, Order
from ringfence.shop.schemas import OrderOut
from ringfence.shop.service import OrderRequest, Payment, Placed
from tests.dbs import backends, fresh_database
from tests.shop.conftest import NOW, checkout_body, seed_shop


def _request(offer: int, quantity: int = 1, key: str | None = None, **over: object) -> OrderRequest:
    return OrderRequest("IOC", "guest", checkout_body(offer, quantity, **over), key)


def _placed(result: Placed | RingfenceError) -> Placed:
    assert isinstance(result, Placed), result
    return result


def _refused(result: Placed | RingfenceError, kind: type[RingfenceError]) -> str:
    assert isinstance(result, kind), result
    return result.code


def _stock(session: Session, offer: int) -> int:
    return session.scalar(select(OfferStock.stock).where(OfferStock.offer_id == offer)) or 0


def test_each_request_of_a_batch_gets_its_own_answer(session: Session) -> None:
    offer = seed_shop(session, stock=5)
    index = compile_index(session)
    results = service.place_orders(
        session,
        [
            _request(offer, 2, key="a"),
            _request(999_999),  # not on sale
            _request(offer, 2, key="a"),  # the same request again, in the same batch
            _request(offer, 3, key="a"),  # the same key, another body
            _request(offer, 4, key="b"),  # more than is left once "a" has its two
            _request(offer, 3),
        ],
        index=index,
        now=NOW,
    )
    first, missing, again, reused, short, last = results
    assert _placed(first).created
    assert _refused(missing, InvalidInput) == "offer_not_on_sale"
    assert not _placed(again).created
    assert _placed(again).order == _placed(first).order
    assert _refused(reused, Conflict) == "idempotency_key_reused"
    assert _refused(short, Conflict) == "out_of_stock"
    assert _placed(last).created  # first come, first served: 2 + 3 = 5
    assert _stock(session, offer) == 0
    assert session.scalar(select(func.count()).select_from(Order)) == 2
    # The refused request left no key: its retry runs anew.
    assert session.get(IdempotencyKey, "IOC|guest|b") is None
    assert session.get(IdempotencyKey, "IOC|guest|a") is not None


def test_a_later_batch_replays_a_key_and_settles_each_payment(session: Session) -> None:
    offer = seed_shop(session, stock=10)
    index = compile_index(session)
    (result,) = service.place_orders(session, [_request(offer, 2, key="k")], index=index, now=NOW)
    placed = _placed(result)
    (result,) = service.place_orders(session, [_request(offer, 2, key="k")], index=index, now=NOW)
    assert not _placed(result).created
    assert _placed(result).order.id == placed.order.id
    (result,) = service.place_orders(session, [_request(offer, 3)], index=index, now=NOW)
    other = _placed(result)
    assert _stock(session, offer) == 5

    paid, declined, twice = service.settle_orders(
        session,
        [
            Payment(placed.order.id, ref="pay_1"),
            Payment(other.order.id, error="payment_declined"),
            Payment(placed.order.id, ref="pay_2"),  # a second word on a settled order: nothing
        ],
        now=NOW,
    )
    assert paid.status is OrderStatus.paid
    assert (declined.status, declined.status_reason) == (OrderStatus.cancelled, "payment_declined")
    assert twice == paid  # the answer the first payment of the batch got
    assert _stock(session, offer) == 8  # the declined order's three are back
    entries = session.scalars(select(LedgerEntry)).all()
    assert len(entries) == 2
    assert {e.kind for e in entries} == {EntryKind.accrual}
    assert sum(e.amount_minor for e in entries) == 0
    assert session.get_one(Order, placed.order.id).payment_ref == "pay_1"


@pytest.fixture(params=backends())
def shop(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[sessionmaker[Session], LicenceIndex, int]]:
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            load_demo(session)
            offer = seed_shop(session, stock=100)
            index = compile_index(session)
        yield factory, index, offer
        engine.dispose()


def test_the_batcher_sells_exactly_the_stock_to_concurrent_buyers(
    shop: tuple[sessionmaker[Session], LicenceIndex, int],
) -> None:
    """300 buyers at once for 100 units, and 20 more retrying one key: 100 orders and one."""
    factory, index, offer = shop
    batcher = CheckoutBatcher(factory, max_batch=16)

    async def buy(i: int, key: str | None) -> str:
        try:
            placed = await batcher.place(
                _request(offer, 1, key=key), index=index, reservation=timedelta(minutes=15)
            )
        except RingfenceError as exc:
            return exc.code
        if not placed.created:
            return "replay"
        settled: OrderOut = await batcher.settle(Payment(placed.order.id, ref=f"pay_{i}"))
        return settled.status.value

    async def peak() -> list[str]:
        buyers = [buy(i, None) for i in range(300)] + [buy(300 + i, "same") for i in range(20)]
        return await asyncio.gather(*buyers)

    try:
        outcomes = Counter(asyncio.run(peak()))
    finally:
        batcher.stop()
    assert outcomes["paid"] == 100
    assert set(outcomes) <= {"paid", "out_of_stock", "replay"}
    assert sum(outcomes.values()) == 320
    with factory() as session:
        # The key's first request bought one (the other 19 replay it), or none of them did.
        sold_to_key = session.get(IdempotencyKey, "IOC|guest|same") is not None
        assert outcomes["replay"] == (19 if sold_to_key else 0)
        assert _stock(session, offer) == 0
        assert (
            session.scalar(
                select(func.count()).select_from(Order).where(Order.status == OrderStatus.paid)
            )
            == 100
        )
        assert session.scalar(select(func.count()).select_from(Order)) == 100
