"""An LA28 tenant with something in every domain: a storefront selling LA Headwear's cap under
the demo licence LA28-2026-0007 (edition-la28 on headwear in US/CA/MX), signed codes for the cap,
and an enforcement case routed to the OCOG."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from ringfence.authenticity import service as authenticity
from ringfence.authenticity.codes import UnitCode
from ringfence.authenticity.schemas import ProductIn
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement import service as enforcement
from ringfence.enforcement.enums import CaseSource
from ringfence.enforcement.schemas import CaseIn
from ringfence.registry.service import compile_index
from ringfence.shop import service as shop
from ringfence.shop.schemas import CheckoutIn, OfferIn, StorefrontIn

SECRET = "test-secret-for-signing-keys"
GTIN = "00012345678905"
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OCOG = "OCOG:la28"
LA28 = Principal(Role.rights_holder, party_id=OCOG, key_id="k-la28")


@dataclass
class Tenant:
    offer: int
    codes: list[UnitCode]
    case_ioc_mark: int  # a listing with the rings and the LA28 name: routed to the OCOG
    case_own_mark: int  # a listing with the LA28 name only


def seed_tenant(session: Session) -> Tenant:
    shop.create_storefront(
        session,
        principal=SYSTEM,
        data=StorefrontIn(
            id=OCOG, name="LA28 Official Store", currency="USD", ships_to=["US", "CA"]
        ),
    )
    authenticity.register_product(
        session,
        principal=SYSTEM,
        data=ProductIn(
            gtin=GTIN,
            name="LA28 cap",
            licensee="LIC:la-headwear",
            category="apparel.headwear",
            marks=["edition-la28"],
        ),
    )
    index = compile_index(session)
    offer = shop.add_offer(
        session,
        principal=SYSTEM,
        store_id=OCOG,
        data=OfferIn(gtin=GTIN, titles={"en": "LA28 cap"}, price_minor=3000, stock=5),
    )
    shop.publish_offer(session, principal=SYSTEM, offer_id=offer.id, index=index, on=TODAY)
    issued = authenticity.issue_batch(
        session, principal=SYSTEM, index=index, secret=SECRET, gtin=GTIN, count=2, on=TODAY
    )
    cases = []
    for listing, marks in (
        ("L-rings", ["word-olympic", "edition-la28"]),
        ("L-own", ["edition-la28"]),
    ):
        case, _ = enforcement.open_case(
            session,
            principal=SYSTEM,
            data=CaseIn(
                source=CaseSource.screening,
                marketplace="MKT:tmall",
                listing_id=listing,
                seller_id="S-1",
                title=f"cheap {listing}",
                marks=marks,
                territories=["US"],
                risk=0.9,
            ),
            settings=Settings(),
            now=NOW,
        )
        assert case.rights_holder == OCOG
        cases.append(case.id)
    session.flush()
    return Tenant(offer.id, issued.codes, cases[0], cases[1])


def checkout(offer: int) -> CheckoutIn:
    return CheckoutIn.model_validate(
        {
            "email": "fan@example.com",
            "ship_to": {
                "name": "A. Fan",
                "line1": "1 Main St",
                "city": "Los Angeles",
                "postal_code": "90001",
                "country": "US",
            },
            "lines": [{"offer": offer, "quantity": 1}],
            "payment_token": "tok_ok",
        }
    )


@pytest.fixture
def tenant(session: Session) -> Tenant:
    return seed_tenant(session)
