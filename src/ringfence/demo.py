"""Demo data for ``ringfence demo``: the built-in registry plus a few licensees and licences,
one API key and one web user per role, and cases for every kind of rights holder (the IOC, an
NOC and an organising committee) to review."""

from __future__ import annotations

import json
import math
import struct
import zlib
from dataclasses import dataclass
from importlib.resources import files

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.auth.models import ApiKey, User
from ringfence.auth.service import create_key, create_user, hash_password, revoke_key
from ringfence.authenticity.models import CodeBatch, Product
from ringfence.authenticity.schemas import ProductIn
from ringfence.authenticity.service import batch_codes, issue_batch, register_product
from ringfence.core.db import utcnow
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement.enums import Decision, ReasonCode
from ringfence.enforcement.schemas import DecisionIn
from ringfence.enforcement.service import add_file, decide
from ringfence.enforcement.uploads import screen_upload
from ringfence.registry.builtin import builtin_document
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.fileformat import parse_document
from ringfence.registry.service import compile_index, import_document
from ringfence.screening.engine import Engine
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


# One API key per role, each for the party of that role's demo web user (DEMO_USERS): the
# licensee's key and the licensee's web user act for the same licensee.
DEMO_KEYS = (
    ("IOC", Role.admin),
    ("NOC:NED", Role.rights_holder),
    ("LIC:heritage-apparel", Role.licensee),
    ("MKT:tmall", Role.marketplace),
)


def demo_key_name(role: Role) -> str:
    return f"demo {role.value}"


def load_demo(session: Session) -> DemoResult:
    """The built-in registry, the demo registry and one fresh API key per role. A key is shown
    only when it is made (only its hash is stored), so a second run cannot print the first
    run's keys: it revokes the demo keys of earlier runs instead, and exactly one set of demo
    keys is valid at a time, the last one printed."""
    builtin = import_document(session, builtin_document())
    demo = import_document(session, parse_document(demo_document_text(), source="demo.yaml"))
    keys = []
    for party, role in DEMO_KEYS:
        earlier = session.scalars(
            select(ApiKey.id).where(
                ApiKey.party_id == party,
                ApiKey.role == role,
                ApiKey.name == demo_key_name(role),
                ApiKey.revoked_at.is_(None),
            )
        ).all()
        for key_id in earlier:
            revoke_key(session, key_id=key_id)
        created = create_key(session, party_id=party, role=role, name=demo_key_name(role))
        revoked = f" (revoked {len(earlier)} earlier)" if earlier else ""
        keys.append(f"demo key, {role.value} for {party}: KEY={created.key}{revoked}")
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
DEMO_LOT = "DEMO"
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
    """A licensed demo product with three signed unit codes (lot ``DEMO``), issued once:
    a second run finds the batch and prints the same first code again (re-signed: Ed25519
    signatures are deterministic). Returns that code's URI."""
    gtin = demo_product(session)
    earlier = session.scalar(
        select(CodeBatch.id)
        .where(CodeBatch.gtin == gtin, CodeBatch.lot == DEMO_LOT)
        .order_by(CodeBatch.created_at, CodeBatch.id)
        .limit(1)
    )
    if earlier is not None:
        first = next(batch_codes(session, principal=SYSTEM, batch_id=earlier, secret=secret))
        return first.uri(resolver)
    issued = issue_batch(
        session,
        principal=SYSTEM,
        index=index or compile_index(session),
        secret=secret,
        gtin=gtin,
        count=3,
        lot=DEMO_LOT,
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


DEMO_PASSWORD = "ringfence-demo"  # noqa: S105 - demo accounts on a development database
DEMO_USERS = (
    ("admin@ioc.example", "IOC platform team", "IOC", Role.admin),
    ("analyst@ioc.example", "IOC brand analyst", "IOC", Role.rights_holder),
    ("analyst@ned.example", "NOC*NSF brand analyst", "NOC:NED", Role.rights_holder),
    ("analyst@la28.example", "LA28 brand protection", "OCOG:la28", Role.rights_holder),
    ("licensee@heritage.example", "Heritage Apparel", "LIC:heritage-apparel", Role.licensee),
    ("trust@tmall.example", "Tmall trust and safety", "MKT:tmall", Role.marketplace),
)


def demo_users(session: Session, password: str = DEMO_PASSWORD) -> list[str]:
    """One web user per role (once); returns a line per user for the demo's output."""
    lines = []
    hashed: str | None = None  # one argon2 hash for all: they share the password
    for email, name, party, role in DEMO_USERS:
        if session.scalar(select(User.id).where(User.email == email)) is None:
            hashed = hashed or hash_password(password)
            create_user(
                session,
                email=email,
                name=name,
                party_id=party,
                role=role,
                password=password,
                password_hash=hashed,
            )
        lines.append(f"demo user, {role.value} for {party}: {email} / {password}")
    return lines


DEMO_LISTINGS = (
    ("tm-1001", "SELLER:tmall-4711", "Olympic rings 2026 replica hoodie, factory price", "49"),
    ("tm-1002", "SELLER:tmall-4711", "0lympic rings tee 🔵⚫🔴🟡🟢 cheap", "5"),
    ("tm-1003", "SELLER:tmall-8800", "Official OLYMPIC GAMES cap, team edition", "12"),
    ("tm-1004", "SELLER:tmall-9001", "Olympic Peninsula hiking map", "9"),
    ("tm-1005", "SELLER:tmall-8800", "O L Y M P I C scarf, Milano Cortina 2026", "8"),
    ("tm-1006", "SELLER:tmall-1234", "Plain blue running shorts", "15"),
    # The NOC's own marks: routed to NOC*NSF (analyst@ned.example).
    ("tm-1007", "SELLER:tmall-5150", "TeamNL supporters hoodie, orange, all sizes", "19"),
    ("tm-1008", "SELLER:tmall-5150", "Team Netherlands fan scarf 2026", "7"),
    # An edition's marks: routed to its organising committee, LA28 (analyst@la28.example).
    ("tm-1009", "SELLER:tmall-6060", "LA28 snapback cap, Los Angeles 2028 games", "11"),
    ("tm-1010", "SELLER:tmall-6060", "LA 2028 souvenir keyring, bulk lot of 50", "30"),
)


def demo_cases(session: Session, *, settings: Settings, engine: Engine) -> int:
    """Screen a few marketplace listings as Tmall does: the non-clean ones open cases in the
    review queues of the IOC, of NOC*NSF (its emblem) and of LA28 (its edition's marks); the IOC
    has taken one down already. Returns the number of cases opened (none on a second run)."""
    rows = [
        {
            "listing_id": listing_id,
            "seller_id": seller,
            "title": title,
            "price": price,
            "currency": "EUR",
            "ship_to": "FR,DE,NL",
            "url": f"https://tmall.example/item/{listing_id}",  # the case page links it
        }
        for listing_id, seller, title, price in DEMO_LISTINGS
    ]
    tmall = Principal(Role.marketplace, party_id="MKT:tmall")
    screened = screen_upload(
        session,
        principal=tmall,
        engine=engine,
        marketplace="MKT:tmall",
        rows=rows,
        settings=settings,
    )
    out = [s.out for s in screened]
    # Tmall's screenshot of the first listing, stored as the case's evidence (once: only a case
    # opened now gets it), so the case page (and the README's first image) shows evidence.
    shot = next((r.case_id for r in out if r.created and r.listing_id == "tm-1001"), None)
    if shot is not None:
        add_file(
            session,
            principal=tmall,
            case_id=shot,
            content=demo_screenshot(),
            content_type="image/png",
            filename="tm-1001-listing.png",
            settings=settings,
        )
    # One decided already, so that the dashboard has a decision and a takedown to show.
    decided = next((r.case_id for r in out if r.created and r.listing_id == "tm-1002"), None)
    if decided is not None:
        decide(
            session,
            principal=Principal(Role.rights_holder, party_id="IOC"),
            case_id=decided,
            data=DecisionIn(decision=Decision.takedown, reason_code=ReasonCode.counterfeit),
            settings=settings,
        )
    return sum(1 for r in out if r.created)


# The five rings' colours (blue, black, red on top; yellow, green below) and their centres.
_RINGS = (
    ((0, 129, 200), 0, 0),
    ((0, 0, 0), 1, 0),
    ((238, 51, 78), 2, 0),
    ((252, 177, 49), 0.5, 1),
    ((0, 166, 81), 1.5, 1),
)


def demo_screenshot(width: int = 320, height: int = 240) -> bytes:
    """A small PNG standing for a marketplace's screenshot of the demo's first listing (a
    hoodie with rings on it), drawn here so the demo needs no image library: the same bytes
    every time (so a re-run stores nothing new)."""
    background, hoodie = (196, 206, 220), (250, 250, 250)
    radius, thickness = width / 16, width / 110
    step = radius * 2.2
    left = width / 2 - step
    top = height * 0.42
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            colour = background
            body = width * 0.22 <= x <= width * 0.78 and height * 0.18 <= y <= height * 0.92
            sleeve = height * 0.25 <= y <= height * 0.7 and (
                width * 0.08 <= x < width * 0.22 or width * 0.78 < x <= width * 0.92
            )
            hood = math.hypot(x - width / 2, y - height * 0.18) <= width * 0.13
            if body or sleeve or hood:
                colour = hoodie
            for ring, col, row in _RINGS:
                cx, cy = left + col * step, top + row * radius * 1.1
                if abs(math.hypot(x - cx, y - cy) - radius) <= thickness:
                    colour = ring
            rows += bytes(colour)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


NED_GTIN = "08712345678906"


def demo_noc_shop(session: Session, *, index: LicenceIndex) -> None:
    """NOC*NSF's store (NOC:NED) selling Oranje Fanwear's supporters' scarf under licence
    NED-2026-0003 (the NOC's emblem on scarves, Netherlands only), once: the storefront then
    has more than one NOC to browse by."""
    if session.get(Storefront, "NOC:NED") is not None:
        return
    if session.get(Product, NED_GTIN) is None:
        register_product(
            session,
            principal=SYSTEM,
            data=ProductIn(
                gtin=NED_GTIN,
                name="TeamNL supporters' scarf",
                licensee="LIC:oranje-fanwear",
                category="apparel.scarves",
                marks=["emblem-noc-ned"],
            ),
        )
    create_storefront(
        session,
        principal=SYSTEM,
        data=StorefrontIn(id="NOC:NED", name="TeamNL Shop", currency="EUR", ships_to=["NL"]),
    )
    offer = add_offer(
        session,
        principal=SYSTEM,
        store_id="NOC:NED",
        data=OfferIn(
            gtin=NED_GTIN,
            titles={"en": "TeamNL supporters' scarf", "fr": "Écharpe des supporters TeamNL"},
            price_minor=1995,
            stock=50,
        ),
    )
    publish_offer(session, principal=SYSTEM, offer_id=offer.id, index=index, on=utcnow().date())
