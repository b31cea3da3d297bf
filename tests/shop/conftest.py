"""An IOC storefront selling Heritage Apparel's rings T-shirt (demo licence IOC-2026-0001:
rings and OLYMPIC on apparel, worldwide, official store, royalty 12%)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from ringfence.core.security import SYSTEM
from ringfence.demo import demo_product
from ringfence.registry.service import compile_index
from ringfence.shop import service
from ringfence.shop.schemas import CheckoutIn, OfferIn, StorefrontIn

GTIN = "05901234123457"
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ADDRESS = {
    "name": "A. Fan",
    "line1": "1 Rue de Rivoli",
    "city": "Paris",
    "postal_code": "75001",
    "country": "FR",
}


def seed_shop(session: Session, stock: int = 10) -> int:
    """Store, product and a published offer; returns the offer id."""
    service.create_storefront(
        session,
        principal=SYSTEM,
        data=StorefrontIn(
            id="IOC", name="Olympic Shop", currency="EUR", ships_to=["FR", "NL", "US"]
        ),
    )
    demo_product(session, GTIN)
    offer = service.add_offer(
        session,
        principal=SYSTEM,
        store_id="IOC",
        data=OfferIn(
            gtin=GTIN,
            titles={"en": "Olympic rings T-shirt", "fr": "T-shirt anneaux olympiques"},
            price_minor=2500,
            stock=stock,
        ),
    )
    service.publish_offer(
        session, principal=SYSTEM, offer_id=offer.id, index=compile_index(session), on=TODAY
    )
    return offer.id


@pytest.fixture
def offer(session: Session) -> int:
    return seed_shop(session)


def checkout_body(
    offer: int, quantity: int = 1, token: str = "tok_visa", **over: Any
) -> CheckoutIn:
    body = {
        "lines": [{"offer": offer, "quantity": quantity}],
        "email": "fan@example.org",
        "ship_to": ADDRESS,
        "payment_token": token,
    } | over
    return CheckoutIn.model_validate(body)


Buy = Callable[..., Any]
