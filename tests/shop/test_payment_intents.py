"""Issue 18, r1: checkout never keeps a payment for an order it does not pay. Each order is
placed with its payment intent; a charge whose outcome was not recorded (the database
connection killed between charge and settle, a worker killed after charging) is settled or
refunded by a retry with the same Idempotency-Key or by the reconciliation `shop maintain`
runs; a concurrent duplicate gets the original's answer. Committed transactions on a fresh
database, SQLite and PostgreSQL (the connection kill on PostgreSQL only)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.db import make_engine, make_session_factory, unit_of_work
from ringfence.core.migrate import upgrade
from ringfence.core.security import SYSTEM
from ringfence.core.settings import Settings
from ringfence.demo import load_demo
from ringfence.flows import checkout as purchase
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.service import compile_index
from ringfence.shop import service
from ringfence.shop.enums import EntryKind, IntentState, OrderStatus
from ringfence.shop.models import LedgerEntry, OfferStock, Order, OrderLine, PaymentIntent
from ringfence.shop.payments import Charge, SandboxProvider
from ringfence.web.app import create_app
from tests.dbs import backends, fresh_database
from tests.shop.conftest import ADDRESS, NOW, checkout_body, seed_shop

ORDERS = "/v1/shop/stores/IOC/orders"


@dataclass
class Shop:
    backend: str
    url: str
    engine: Engine
    factory: sessionmaker[Session]
    index: LicenceIndex
    offer: int


@contextmanager
def _shop(backend: str, tmp_path: Path) -> Iterator[Shop]:
    with fresh_database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            load_demo(session)
            offer = seed_shop(session, stock=10)
            index = compile_index(session)
        yield Shop(backend, url, engine, factory, index, offer)
        engine.dispose()


@pytest.fixture(params=backends())
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shop]:
    with _shop(request.param, tmp_path) as made:
        yield made


# Killing a backend (pg_terminate_backend) is PostgreSQL's: these tests run where it runs.
@pytest.fixture(params=[b for b in backends() if b == "postgresql"])
def pg_shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shop]:
    with _shop(request.param, tmp_path) as made:
        yield made


def _place(shop: Shop, key: str | None = None, token: str = "tok_visa") -> service.Placed:
    with unit_of_work(shop.factory) as session:
        return service.place_order(
            session,
            store_id="IOC",
            buyer="guest",
            data=checkout_body(shop.offer, 2, token),
            index=shop.index,
            idempotency_key=key,
            now=NOW,
        )


def _intent(shop: Shop, order_id: str) -> PaymentIntent:
    with shop.factory() as session:
        return session.get_one(PaymentIntent, order_id)


def _order(shop: Shop, order_id: str) -> Order:
    with shop.factory() as session:
        return session.get_one(Order, order_id)


def _stock(shop: Shop) -> int:
    with shop.factory() as session:
        return session.get_one(OfferStock, shop.offer).stock


def _reconcile(shop: Shop, provider: SandboxProvider, after: timedelta) -> service.Reconciled:
    with unit_of_work(shop.factory) as session:
        return service.reconcile_intents(session, provider=provider, now=NOW + after)


def _accrued(shop: Shop, order_id: str) -> int:
    """The ledger entries the order accrued."""
    with shop.factory() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(LedgerEntry)
                .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
                .where(OrderLine.order_id == order_id, LedgerEntry.kind == EntryKind.accrual)
            )
            or 0
        )


def test_h18_r1_the_intent_is_recorded_with_the_order_before_the_charge(shop: Shop) -> None:
    placed = _place(shop)
    intent = _intent(shop, placed.order.id)
    assert (intent.state, intent.reference, intent.amount_minor, intent.currency) == (
        IntentState.pending,
        placed.order.id,
        placed.order.total_minor,
        "EUR",
    )
    provider = SandboxProvider()
    for token, state in (("tok_visa", IntentState.paid), ("tok_declined", IntentState.failed)):
        order = _place(shop, token=token).order
        with unit_of_work(shop.factory) as session:
            service.pay_order(session, order_id=order.id, provider=provider, token=token, now=NOW)
        assert _intent(shop, order.id).state is state
    # A timeout leaves the outcome in doubt: the order is cancelled, its intent stays open.
    doubt = _place(shop, token="tok_timeout").order
    with unit_of_work(shop.factory) as session:
        paid = service.pay_order(
            session, order_id=doubt.id, provider=provider, token="tok_timeout", now=NOW
        )
    assert (paid.status, _intent(shop, doubt.id).state) == (
        OrderStatus.cancelled,
        IntentState.pending,
    )
    assert _intent(shop, doubt.id).error == "payment_timeout"


def test_h18_r1_a_worker_killed_after_charging_is_reconciled_as_paid(shop: Shop) -> None:
    provider = SandboxProvider()
    order = _place(shop).order
    service.charge(provider, order, "tok_visa")  # captured; the worker dies before recording
    # Its checkout may still be recording: a fresh intent is left alone.
    assert _reconcile(shop, provider, timedelta(seconds=10)) == service.Reconciled(pending=0)
    assert _intent(shop, order.id).state is IntentState.pending
    # Past the grace and even past its reservation: the money was taken, the order is paid.
    done = _reconcile(shop, provider, timedelta(minutes=20))
    assert done == service.Reconciled(paid=1)
    charge = provider.find(order.id)
    assert charge is not None
    assert (charge.captured, charge.refunded_minor) == (True, 0)
    assert (_order(shop, order.id).status, _order(shop, order.id).payment_ref) == (
        OrderStatus.paid,
        charge.payment_id,
    )
    assert (_intent(shop, order.id).state, _intent(shop, order.id).payment_ref) == (
        IntentState.paid,
        charge.payment_id,
    )
    assert _accrued(shop, order.id) == 2  # its royalty, both halves
    with unit_of_work(shop.factory) as session:  # and `maintain` does not expire it
        assert service.expire_reservations(session, now=NOW + timedelta(hours=1)) == 0
    assert _stock(shop) == 8


def test_h18_r1_a_payment_for_a_cancelled_order_is_refunded_once(shop: Shop) -> None:
    provider = SandboxProvider()
    order = _place(shop).order
    service.charge(provider, order, "tok_visa")  # captured, never recorded
    with unit_of_work(shop.factory) as session:  # the reservation runs out meanwhile
        assert service.expire_reservations(session, now=NOW + timedelta(minutes=16)) == 1
    assert _stock(shop) == 10
    assert _reconcile(shop, provider, timedelta(minutes=20)) == service.Reconciled(refunded=1)
    charge = provider.find(order.id)
    assert charge is not None
    assert charge.refunded_minor == order.total_minor
    assert _intent(shop, order.id).state is IntentState.refunded
    assert _order(shop, order.id).status is OrderStatus.cancelled
    # Nothing is pending any more: another run refunds nothing twice.
    assert _reconcile(shop, provider, timedelta(minutes=30)) == service.Reconciled()
    again = provider.find(order.id)
    assert again is not None
    assert again.refunded_minor == order.total_minor


def test_h18_r1_an_intent_never_charged_closes_when_its_reservation_runs_out(
    shop: Shop,
) -> None:
    provider = SandboxProvider()
    order = _place(shop).order  # the worker died before charging
    assert _reconcile(shop, provider, timedelta(minutes=2)) == service.Reconciled(pending=1)
    assert _reconcile(shop, provider, timedelta(minutes=16)) == service.Reconciled(failed=1)
    assert (_intent(shop, order.id).state, _intent(shop, order.id).error) == (
        IntentState.failed,
        "not_charged",
    )
    assert provider.find(order.id) is None


def test_h18_r1_a_retry_pays_the_order_its_first_request_left_waiting(shop: Shop) -> None:
    """The storefront's checkout (flows.checkout): a retry with the key after a charge that
    was never recorded settles the same payment, and takes nothing more."""
    provider = SandboxProvider()
    first = _place(shop, key="basket-1").order
    taken = service.charge(provider, first, "tok_visa")
    with shop.factory() as session:
        retry = purchase.checkout(
            session,
            store_id="IOC",
            buyer="guest",
            data=checkout_body(shop.offer, 2),
            index=shop.index,
            provider=provider,
            idempotency_key="basket-1",
        )
    assert (retry.created, retry.order.id, retry.order.status) == (
        False,
        first.id,
        OrderStatus.paid,
    )
    assert _order(shop, first.id).payment_ref == taken.ref
    charge = provider.find(first.id)
    assert charge == Charge(taken.ref or "", first.total_minor, "EUR", True, 0)


# ------------------------------------------------------------------ through the API


class GatedProvider(SandboxProvider):
    """The sandbox, where a capture waits until ``parties`` captures are under way: requests
    that reach the provider at the same time."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(parties, timeout=30)

    def capture(self, payment_id: str) -> None:
        self.barrier.wait()
        super().capture(payment_id)


def _app(shop: Shop, tmp_path: Path) -> FastAPI:
    settings = Settings(
        database_url=shop.url, index_refresh_seconds=0, evidence_dir=tmp_path / "evidence"
    )
    return create_app(settings, session_factory=shop.factory)


def _body(shop: Shop, token: str = "tok_visa") -> dict[str, Any]:
    return {
        "lines": [{"offer": shop.offer, "quantity": 2}],
        "email": "fan@example.org",
        "ship_to": ADDRESS,
        "payment_token": token,
    }


async def _post(app: FastAPI, *bodies: tuple[dict[str, Any], str]) -> list[httpx2.Response]:
    """The checkouts at once, each with its body and Idempotency-Key."""
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://shop") as client:
        return await asyncio.gather(
            *(client.post(ORDERS, json=body, headers={"Idempotency-Key": k}) for body, k in bodies)
        )


def _run(app: FastAPI, *bodies: tuple[dict[str, Any], str]) -> list[httpx2.Response]:
    try:
        return asyncio.run(_post(app, *bodies))
    finally:
        app.state.checkout_batcher.stop()


def test_h18_r1_a_concurrent_duplicate_gets_the_original_answer(shop: Shop, tmp_path: Path) -> None:
    app = _app(shop, tmp_path)
    provider = app.state.payment_provider = GatedProvider(parties=2)
    # Both requests are at the provider at once: the retry does not answer while the order
    # waits for its payment, and the provider takes the money once.
    first, duplicate = _run(app, (_body(shop), "k-1"), (_body(shop), "k-1"))
    assert sorted((first.status_code, duplicate.status_code)) == [200, 201], first.text
    assert first.json() == duplicate.json()
    assert first.json()["status"] == "paid"
    order_id = first.json()["id"]
    charge = provider.find(order_id)
    assert charge is not None
    assert (charge.captured, charge.refunded_minor) == (True, 0)
    assert _stock(shop) == 8
    with shop.factory() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 1
    # A declined card: the first request and its retry both answer 402 payment_declined.
    app = _app(shop, tmp_path)
    declined = _run(app, (_body(shop, "tok_declined"), "k-2"))
    retried = _run(app, (_body(shop, "tok_declined"), "k-2"))
    for response in (*declined, *retried):
        assert response.status_code == 402
        assert response.json()["detail"][0]["code"] == "payment_declined"
    assert _stock(shop) == 8


def _kill_settle(shop: Shop) -> list[int]:
    """Terminate the backend that records the next payment, as it starts (a database restart
    between charge and settle): its statement fails, the request answers 503. Returns the
    killed backends' ids (one, once it happened)."""
    killed: list[int] = []
    admin = make_engine(
        make_url(shop.url).render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )

    def kill(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if killed or not statement.startswith("UPDATE orders SET status"):
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killed.append(pid)

    event.listen(shop.engine, "before_cursor_execute", kill)
    return killed


@pytest.mark.parametrize("then", ["retry", "maintain", "cancelled"])
def test_h18_r1_a_connection_killed_between_charge_and_settle(
    pg_shop: Shop, tmp_path: Path, then: str
) -> None:
    """pg_terminate_backend between the charge and its record: the buyer's retry gets the paid
    order, or `shop maintain` pays it, or (the order cancelled meanwhile) refunds it; the
    payment is never kept for a cancelled order."""
    shop = pg_shop
    killed = _kill_settle(shop)
    app = _app(shop, tmp_path)
    provider: SandboxProvider = app.state.payment_provider
    (lost,) = _run(app, (_body(shop), "k-kill"))
    assert killed
    assert lost.status_code == 503, lost.text
    with shop.factory() as session:
        order_id = session.scalars(select(Order.id)).one()
    assert _order(shop, order_id).status is OrderStatus.placed  # charged, not recorded
    taken = provider.find(order_id)
    assert taken is not None
    assert taken.captured
    if then == "retry":
        (retry,) = _run(_app_with(shop, tmp_path, provider), (_body(shop), "k-kill"))
        assert retry.status_code == 200, retry.text
        assert (retry.json()["id"], retry.json()["status"]) == (order_id, "paid")
    elif then == "maintain":
        assert _reconcile(shop, provider, timedelta(days=30)) == service.Reconciled(paid=1)
    else:
        with unit_of_work(shop.factory) as session:
            service.advance_order(
                session,
                principal=SYSTEM,
                order_id=order_id,
                to=OrderStatus.cancelled,
            )
        assert _reconcile(shop, provider, timedelta(days=30)) == service.Reconciled(refunded=1)
    after = provider.find(order_id)
    assert after is not None
    assert after.payment_id == taken.payment_id
    order = _order(shop, order_id)
    if then == "cancelled":
        assert order.status is OrderStatus.cancelled
        assert after.refunded_minor == after.amount_minor
        assert _intent(shop, order_id).state is IntentState.refunded
        assert _stock(shop) == 10
    else:
        assert (order.status, order.payment_ref) == (OrderStatus.paid, taken.payment_id)
        assert after.refunded_minor == 0
        assert _intent(shop, order_id).state is IntentState.paid
        assert _stock(shop) == 8


def _app_with(shop: Shop, tmp_path: Path, provider: SandboxProvider) -> FastAPI:
    """A fresh app (a restarted server) with the same payment provider."""
    app = _app(shop, tmp_path)
    app.state.payment_provider = provider
    return app
