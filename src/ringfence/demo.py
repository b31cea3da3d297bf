"""Demo data for ``ringfence demo``: the built-in registry plus a few licensees and licences,
and one API key per role."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.auth.service import create_key
from ringfence.authenticity.models import Product
from ringfence.authenticity.schemas import ProductIn
from ringfence.authenticity.service import issue_batch, register_product
from ringfence.core.db import utcnow
from ringfence.core.security import SYSTEM, Role
from ringfence.registry.builtin import builtin_document
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.fileformat import parse_document
from ringfence.registry.service import compile_index, import_document
from ringfence.shop.models import Offer, Storefront
from ringfence.shop.schemas import OfferIn, StorefrontIn
from ringfence.shop.service import add_offer, create_storefront, publish_offer


@dataclass(frozen=True)
class DemoResult:
    summary: str
    keys: list[str]
    example: str


def demo_document_text() -> str:
    return files("ringfence.registry").joinpath("data", "demo.yaml").read_text(encoding="utf-8")


def load_demo(session: Session) -> DemoResult:
    builtin = import_document(session, builtin_document())
    demo = import_document(session, parse_document(demo_document_text(), source="demo.yaml"))
    keys = []
    for party, role in (
        ("IOC", Role.admin),
        ("NOC:NED", Role.rights_holder),
        ("LIC:oranje-fanwear", Role.licensee),
        ("MKT:tmall", Role.marketplace),
    ):
        created = create_key(session, party_id=party, role=role, name=f"demo {role.value}")
        keys.append(f"demo key, {role.value} for {party}: KEY={created.key}")
    example = json.dumps(
        {
            "seller": "SELLER:tmall-4711",
            "marks": ["symbol-olympic-rings"],
            "category": "apparel.clothing.tops",
            "territory": "CN",
            "channel": "marketplace",
        }
    )
    return DemoResult(f"built-in {builtin}; demo {demo}", keys, example)


DEMO_GTIN = "04006381333931"
DEMO_PRODUCT = "Olympic rings T-shirt"


def demo_product(session: Session, gtin: str = DEMO_GTIN) -> str:
    """Heritage Apparel's Olympic rings T-shirt under the demo licence IOC-2026-0001 (rings and
    OLYMPIC on apparel, worldwide, official store and marketplaces, royalty 12%), registered
    once under ``gtin``; the demo, the tests and the benchmarks sell and code it."""
    if session.get(Product, gtin) is None:
        register_product(
            session,
            principal=SYSTEM,
            data=ProductIn(
                gtin=gtin,
                name=DEMO_PRODUCT,
                licensee="LIC:heritage-apparel",
                category="apparel.clothing.tops",
                marks=["symbol-olympic-rings"],
            ),
        )
    return gtin


def demo_codes(
    session: Session, *, secret: str, resolver: str, index: LicenceIndex | None = None
) -> str:
    """A licensed demo product with three signed unit codes; returns one code's URI."""
    issued = issue_batch(
        session,
        principal=SYSTEM,
        index=index or compile_index(session),
        secret=secret,
        gtin=demo_product(session),
        count=3,
        lot="DEMO",
    )
    return issued.codes[0].uri(resolver)


def demo_shop(session: Session, *, stock: int = 100, index: LicenceIndex | None = None) -> int:
    """The IOC's storefront selling the demo product (once); returns the offer id."""
    gtin = demo_product(session)
    if session.get(Storefront, "IOC") is None:
        create_storefront(
            session,
            principal=SYSTEM,
            data=StorefrontIn(
                id="IOC", name="Olympic Shop", currency="EUR", ships_to=["FR", "DE", "NL", "US"]
            ),
        )
    existing = session.scalar(
        select(Offer.id).where(Offer.storefront_id == "IOC", Offer.gtin == gtin)
    )
    if existing is not None:
        return existing
    offer = add_offer(
        session,
        principal=SYSTEM,
        store_id="IOC",
        data=OfferIn(
            gtin=gtin,
            titles={"en": DEMO_PRODUCT, "fr": "T-shirt anneaux olympiques"},
            price_minor=2900,
            stock=stock,
        ),
    )
    publish_offer(
        session,
        principal=SYSTEM,
        offer_id=offer.id,
        index=index or compile_index(session),
        on=utcnow().date(),
    )
    return offer.id
