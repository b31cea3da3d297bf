"""What the order pages read besides the order: its lines' names and where it ships, the
latter for the store that runs the order (and the admin) only."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from ringfence.core.errors import NotFound
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.shop import service
from tests.shop.conftest import ADDRESS
from tests.shop.test_service import IOC, NED, buy


def test_an_orders_lines_are_named_by_their_offers_titles(session: Session, offer: int) -> None:
    order = buy(session, offer)
    titles = service.offer_titles(session, [line.offer for line in order.lines])
    assert titles == {offer: {"en": "Olympic rings T-shirt", "fr": "T-shirt anneaux olympiques"}}
    assert service.offer_titles(session, []) == {}
    assert service.offer_titles(session, [987654321]) == {}  # no such offer: no name


def test_where_an_order_ships_is_for_its_store_and_the_admin(session: Session, offer: int) -> None:
    order = buy(session, offer)
    for who in (IOC, SYSTEM, Principal(Role.admin, "IOC")):
        found = service.order_delivery(session, principal=who, order_id=order.id)
        assert found.email == "fan@example.org"
        assert found.ship_to["line1"] == ADDRESS["line1"]
        assert found.ship_to["postal_code"] == "75001"
    for who in (NED, Principal(Role.licensee, "IOC"), Principal(Role.marketplace, "MKT:x")):
        with pytest.raises(NotFound):
            service.order_delivery(session, principal=who, order_id=order.id)
    with pytest.raises(NotFound):
        service.order_delivery(session, principal=SYSTEM, order_id="nosuchorder")
