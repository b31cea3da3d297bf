"""The shop's rules on SQLite and PostgreSQL: only licensed goods, stock, payments, the order
state machine, royalties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.authenticity.clones import Thresholds
from ringfence.authenticity.enums import ScanStatus
from ringfence.authenticity.schemas import ProductIn
from ringfence.authenticity.service import ScanRequest, batch_codes, register_product, verify
from ringfence.core.errors import Conflict, Forbidden, InvalidInput
from ringfence.core.money import royalty
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.registry.service import compile_index
from ringfence.shop import service
from ringfence.shop.enums import EntryKind, OfferStatus, OrderStatus
from ringfence.shop.models import LedgerEntry, Offer, OfferStock, Order
from ringfence.shop.payments import CAPTURE_FAILS, DECLINED, TIMEOUT, SandboxProvider
from ringfence.shop.schemas import OfferIn, OrderOut, StorefrontIn
from tests.shop.conftest import GTIN, NOW, TODAY, checkout_body, seed_shop

IOC = Principal(Role.rights_holder, "IOC")
RATE = Decimal("0.12")  # the royalty rate of the demo licence IOC-2026-0001
NED = Principal(Role.rights_holder, "NOC:NED")


def buy(
    session: Session,
    offer: int,
    quantity: int = 1,
    token: str = "tok_visa",
    key: str | None = None,
    provider: SandboxProvider | None = None,
) -> OrderOut:
    placed = service.place_order(
        session,
        store_id="IOC",
        buyer="guest",
        data=checkout_body(offer, quantity, token),
        index=compile_index(session),
        idempotency_key=key,
        now=NOW,
    )
    return service.pay_order(
        session,
        order_id=placed.order.id,
        provider=provider or SandboxProvider(),
        token=token,
        now=NOW,
    )


def stock(session: Session, offer: int) -> int:
    session.flush()
    session.expire_all()
    return session.scalar(select(OfferStock.stock).where(OfferStock.offer_id == offer)) or 0


def test_a_paid_order_takes_stock_and_accrues_the_royalty(session: Session, offer: int) -> None:
    order = buy(session, offer, quantity=3)
    assert order.status is OrderStatus.paid
    assert order.total_minor == 7500
    assert stock(session, offer) == 7
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.licensor_id == "IOC")).all()
    assert sorted((e.account, e.amount_minor) for e in entries) == [
        ("royalty_payable:LIC:heritage-apparel", -900),
        ("royalty_receivable:IOC", 900),
    ]  # 12% of 75.00 EUR
    assert service.ledger_balance(session) == 0


@pytest.mark.parametrize("token", [DECLINED, TIMEOUT, CAPTURE_FAILS])
def test_a_failed_payment_cancels_and_releases_the_stock(
    session: Session, offer: int, token: str
) -> None:
    order = buy(session, offer, quantity=4, token=token)
    assert order.status is OrderStatus.cancelled
    assert order.status_reason in {"payment_declined", "payment_timeout", "capture_failed"}
    assert stock(session, offer) == 10
    assert session.scalars(select(LedgerEntry)).all() == []


def test_never_more_than_the_stock(session: Session, offer: int) -> None:
    buy(session, offer, quantity=8)
    with pytest.raises(Conflict) as info:
        buy(session, offer, quantity=3)
    assert info.value.code == "out_of_stock"
    assert buy(session, offer, quantity=2).status is OrderStatus.paid
    assert stock(session, offer) == 0


def test_the_same_idempotency_key_makes_one_order(session: Session, offer: int) -> None:
    first = service.place_order(
        session,
        store_id="IOC",
        buyer="guest",
        data=checkout_body(offer, 2),
        index=compile_index(session),
        idempotency_key="k-1",
        now=NOW,
    )
    again = service.place_order(
        session,
        store_id="IOC",
        buyer="guest",
        data=checkout_body(offer, 2),
        index=compile_index(session),
        idempotency_key="k-1",
        now=NOW,
    )
    assert (first.created, again.created) == (True, False)
    assert again.order.id == first.order.id
    assert stock(session, offer) == 8
    with pytest.raises(Conflict) as info:
        service.place_order(
            session,
            store_id="IOC",
            buyer="guest",
            data=checkout_body(offer, 3),
            index=compile_index(session),
            idempotency_key="k-1",
            now=NOW,
        )
    assert info.value.code == "idempotency_key_reused"
    other_buyer = service.place_order(
        session,
        store_id="IOC",
        buyer="NOC:NED",
        data=checkout_body(offer, 2),
        index=compile_index(session),
        idempotency_key="k-1",
        now=NOW,
    )
    assert other_buyer.created  # keys are scoped to the buyer


def test_expired_reservations_give_the_stock_back(session: Session, offer: int) -> None:
    placed = service.place_order(
        session,
        store_id="IOC",
        buyer="guest",
        data=checkout_body(offer, 5),
        index=compile_index(session),
        now=NOW,
    )
    assert stock(session, offer) == 5
    assert service.expire_reservations(session, now=NOW + timedelta(minutes=14)) == 0
    assert service.expire_reservations(session, now=NOW + timedelta(minutes=16)) == 1
    assert stock(session, offer) == 10
    order = session.get_one(Order, placed.order.id)
    assert (order.status, order.status_reason) == (
        OrderStatus.cancelled,
        "reservation_expired",
    )


ALL = list(OrderStatus)


@pytest.mark.parametrize("start", ALL)
@pytest.mark.parametrize("end", ALL)
def test_every_order_transition(start: OrderStatus, end: OrderStatus) -> None:
    order = Order(id="O1", status=start)
    allowed = {
        (OrderStatus.placed, OrderStatus.paid),
        (OrderStatus.placed, OrderStatus.cancelled),
        (OrderStatus.paid, OrderStatus.fulfilled),
        (OrderStatus.paid, OrderStatus.refunded),
        (OrderStatus.fulfilled, OrderStatus.shipped),
        (OrderStatus.fulfilled, OrderStatus.refunded),
        (OrderStatus.shipped, OrderStatus.delivered),
        (OrderStatus.shipped, OrderStatus.refunded),
        (OrderStatus.delivered, OrderStatus.refunded),
    }
    if (start, end) in allowed:
        service.transition(order, end)
        assert order.status is end
    else:
        with pytest.raises(Conflict) as info:
            service.transition(order, end)
        assert info.value.code == "illegal_transition"
        assert order.status is start


def test_fulfilment_gives_every_unit_a_genuine_code(session: Session, offer: int) -> None:
    order = buy(session, offer, quantity=2)
    out = service.fulfil_order(
        session, principal=IOC, order_id=order.id, index=compile_index(session), secret="s"
    )
    (line,) = out.lines
    assert line.code_batch is not None
    codes = list(batch_codes(session, principal=SYSTEM, batch_id=line.code_batch, secret="s"))
    assert len(codes) == 2
    results = verify(session, requests=[ScanRequest(c) for c in codes], limits=Thresholds())
    assert {r.status for r in results} == {ScanStatus.genuine}
    shipped = service.advance_order(
        session, principal=IOC, order_id=order.id, to=OrderStatus.shipped
    )
    assert shipped.status is OrderStatus.shipped


def test_a_refund_reverses_the_royalty(session: Session, offer: int) -> None:
    provider = SandboxProvider()
    order = buy(session, offer, quantity=2, provider=provider)
    refunded = service.refund_order(
        session, principal=IOC, order_id=order.id, provider=provider, reason="changed mind", now=NOW
    )
    assert refunded.status is OrderStatus.refunded
    kinds = sorted(e.kind for e in session.scalars(select(LedgerEntry)))
    assert kinds == [EntryKind.accrual, EntryKind.accrual, EntryKind.reversal, EntryKind.reversal]
    assert service.ledger_balance(session) == 0
    statement = service.royalty_statement(session, principal=IOC, licensor="IOC", period="2026-Q4")
    assert statement.totals == {"EUR": 0}
    assert stock(session, offer) == 10  # refunded before shipping: back on sale
    with pytest.raises(Conflict):
        service.refund_order(
            session, principal=IOC, order_id=order.id, provider=provider, reason="again"
        )


def test_only_licensed_goods_are_published(session: Session, offer: int) -> None:
    # A cap in "toys" bearing the rings: Heritage's licence covers the rings on apparel only.
    service.create_storefront(
        session,
        principal=NED,
        data=StorefrontIn(id="NOC:NED", name="TeamNL shop", currency="EUR", ships_to=["NL"]),
    )
    register_product(
        session,
        principal=SYSTEM,
        data=ProductIn(
            gtin="96385074",
            name="Cap",
            licensee="LIC:heritage-apparel",
            category="toys",
            marks=["symbol-olympic-rings"],
        ),
    )
    draft = service.add_offer(
        session,
        principal=NED,
        store_id="NOC:NED",
        data=OfferIn(gtin="96385074", titles={"en": "Cap"}, price_minor=1000, stock=5),
    )
    with pytest.raises(Conflict) as info:
        service.publish_offer(
            session, principal=NED, offer_id=draft.id, index=compile_index(session), on=TODAY
        )
    assert info.value.code == "offer_not_licensed"
    with pytest.raises(Forbidden):
        service.add_offer(
            session,
            principal=NED,
            store_id="IOC",
            data=OfferIn(gtin=GTIN, titles={"en": "x"}, price_minor=1, stock=1),
        )
    # after the licence ends, the sweep unpublishes the IOC offer
    assert service.sweep_offers(session, index=compile_index(session), on=date(2029, 1, 1)) == 1
    session.flush()
    session.expire_all()
    assert session.get_one(Offer, offer).status is OfferStatus.unpublished


def test_checkout_refuses_what_cannot_be_shipped_or_sold(session: Session, offer: int) -> None:
    index = compile_index(session)
    with pytest.raises(InvalidInput) as info:
        service.place_order(
            session,
            store_id="IOC",
            buyer="guest",
            data=checkout_body(
                offer,
                ship_to={
                    "name": "x",
                    "line1": "y",
                    "city": "Tokyo",
                    "postal_code": "100-0001",
                    "country": "JP",
                },
            ),
            index=index,
            now=NOW,
        )
    assert info.value.code == "not_shipped_there"
    with pytest.raises(InvalidInput) as info:
        service.place_order(
            session,
            store_id="IOC",
            buyer="guest",
            data=checkout_body(999_999),
            index=index,
            now=NOW,
        )
    assert info.value.code == "offer_not_on_sale"
    service.set_store_open(session, principal=IOC, store_id="IOC", is_open=False)
    with pytest.raises(Conflict) as info:
        service.place_order(
            session, store_id="IOC", buyer="guest", data=checkout_body(offer), index=index, now=NOW
        )
    assert info.value.code == "store_closed"


def test_search(session: Session, offer: int) -> None:
    assert [o.id for o in service.search_offers(session, q="anneaux")] == [offer]
    assert [o.id for o in service.search_offers(session, q="RINGS t-shirt")] == [offer]
    assert service.search_offers(session, q="mascot") == []
    assert [o.id for o in service.search_offers(session, category="apparel")] == [offer]
    assert service.search_offers(session, category="toys") == []
    assert service.search_offers(session, min_price=2501) == []
    assert [o.id for o in service.search_offers(session, max_price=2500)] == [offer]
    assert service.search_offers(session, noc="NED") == []


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("2026", "2026-01-01", "2027-01-01"),
        ("2026-Q4", "2026-10-01", "2027-01-01"),
        ("2026-q2", "2026-04-01", "2026-07-01"),
        ("2026-12", "2026-12-01", "2027-01-01"),
    ],
)
def test_periods(period: str, start: str, end: str) -> None:
    a, b = service.period_bounds(period)
    assert (a.date().isoformat(), b.date().isoformat()) == (start, end)


@pytest.mark.parametrize("period", ["2026-Q5", "2026-13", "26", "2026-", "Q1-2026", ""])
def test_bad_periods(period: str) -> None:
    with pytest.raises(InvalidInput):
        service.period_bounds(period)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    history=st.lists(
        st.tuples(st.integers(1, 3), st.sampled_from(["pay", "decline", "refund"])),
        min_size=1,
        max_size=6,
    )
)
def test_the_statement_always_equals_the_ledger(
    session: Session, history: list[tuple[int, str]]
) -> None:
    with session.begin_nested() as nested:
        offer_id = seed_shop(session, stock=100)
        provider = SandboxProvider()
        expected = 0
        for quantity, action in history:
            service.set_stock(session, principal=SYSTEM, offer_id=offer_id, stock=100)
            order = buy(
                session,
                offer_id,
                quantity,
                DECLINED if action == "decline" else "tok_visa",
                provider=provider,
            )
            if action == "pay":
                expected += royalty(order.total_minor, RATE)
            elif action == "refund":
                service.refund_order(
                    session,
                    principal=SYSTEM,
                    order_id=order.id,
                    provider=provider,
                    reason="r",
                    now=NOW,
                )
        statement = service.royalty_statement(
            session, principal=SYSTEM, licensor="IOC", period="2026"
        )
        ledger = sum(
            e.amount_minor
            for e in session.scalars(
                select(LedgerEntry).where(LedgerEntry.account == "royalty_receivable:IOC")
            )
        )
        assert statement.totals.get("EUR", 0) == ledger == expected
        assert sum(line.royalty_minor for line in statement.lines) == ledger
        assert service.ledger_balance(session) == 0
        nested.rollback()
