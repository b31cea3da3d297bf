"""A sales peak against a real database (PostgreSQL when configured, and SQLite): 500 buyers
at once for 100 units sell exactly 100; one idempotency key, many concurrent retries, one
order. Committed transactions on a fresh database, not the per-test savepoint."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.db import make_engine, make_session_factory, unit_of_work
from ringfence.core.errors import Conflict
from ringfence.core.migrate import upgrade
from ringfence.demo import load_demo
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.service import compile_index
from ringfence.shop import service
from ringfence.shop.enums import OrderStatus
from ringfence.shop.models import IdempotencyKey, OfferStock, Order
from ringfence.shop.payments import SandboxProvider
from tests.dbs import backends, fresh_database
from tests.shop.conftest import NOW, checkout_body, seed_shop

# SQLite has one write lock and no fair queue for it: fewer buyers at a time there.
THREADS = {"sqlite": 4, "postgresql": 20}


@pytest.fixture(params=backends())
def shop(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[sessionmaker[Session], LicenceIndex, int, int]]:
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url, pool_size=20, max_overflow=0)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            load_demo(session)
            offer = seed_shop(session, stock=100)
            index = compile_index(session)  # as a server keeps it: compiled once, not per order
        yield factory, index, offer, THREADS[request.param]
        engine.dispose()


def _buy(
    factory: sessionmaker[Session],
    index: LicenceIndex,
    offer: int,
    provider: SandboxProvider,
    key: str | None,
) -> str:
    with factory() as session:
        try:
            placed = service.place_order(
                session,
                store_id="IOC",
                buyer="guest",
                data=checkout_body(offer),
                index=index,
                idempotency_key=key,
                now=NOW,
            )
            session.commit()
        except Conflict as exc:
            session.rollback()
            return exc.code
        if not placed.created:
            return "replayed:" + placed.order.id
        order = service.pay_order(
            session, order_id=placed.order.id, provider=provider, token="tok_visa", now=NOW
        )
        session.commit()
        return order.status.value


def test_500_buyers_for_100_units_buy_exactly_100(
    shop: tuple[sessionmaker[Session], LicenceIndex, int, int],
) -> None:
    factory, index, offer, threads = shop
    provider = SandboxProvider()
    with ThreadPoolExecutor(threads) as pool:
        outcomes = Counter(
            pool.map(lambda _: _buy(factory, index, offer, provider, None), range(500))
        )
    assert outcomes == {"paid": 100, "out_of_stock": 400}
    with factory() as session:
        assert session.get_one(OfferStock, offer).stock == 0
        paid = select(func.count()).select_from(Order).where(Order.status == OrderStatus.paid)
        assert session.scalar(paid) == 100


def test_concurrent_retries_with_one_key_make_one_order(
    shop: tuple[sessionmaker[Session], LicenceIndex, int, int],
) -> None:
    factory, index, offer, threads = shop
    provider = SandboxProvider()
    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(
            pool.map(lambda _: _buy(factory, index, offer, provider, "same-key"), range(30))
        )
    made = [o for o in outcomes if not o.startswith("replayed:")]
    assert made == ["paid"]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 1
        assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
        order_id = session.scalars(select(Order.id)).one()
        assert session.get_one(OfferStock, offer).stock == 99
    assert {o.removeprefix("replayed:") for o in outcomes if o.startswith("replayed:")} <= {
        order_id
    }
