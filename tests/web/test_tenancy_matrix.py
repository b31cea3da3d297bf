"""The tenancy matrix: every ``/v1`` route of the app's route table x every non-owning role x a
resource of another tenant. Reads answer 404 (or 403 for a role that may not read the kind at
all, the same answer a missing id gets: nothing tells that the row exists); writes answer 404
or 403; and the database is unchanged after every probe.

A route the table below does not know fails the test: nobody adds an unchecked route.

The admin is not probed: it acts for the IOC over every tenant by design.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ringfence.auth.models import ApiKey, User, WebSession
from ringfence.authenticity import service as codes
from ringfence.authenticity.schemas import ProductIn
from ringfence.core.db import Base
from ringfence.core.security import SYSTEM, Principal, Role, hash_api_key, new_api_key
from ringfence.core.settings import Settings
from ringfence.enforcement import service as enforcement
from ringfence.enforcement.enums import CaseSource
from ringfence.enforcement.schemas import CaseIn
from ringfence.registry.enums import ExceptionReason, PartyKind
from ringfence.registry.schemas import (
    ExceptionIn,
    LicenceIn,
    OfficialImageIn,
    PartyIn,
    RegistryDocument,
)
from ringfence.registry.service import (
    compile_index,
    get_mark,
    import_document,
    list_licences,
    save_mark,
)
from tests.conftest import Keys
from tests.screening.imagegen import encode, official_photo
from tests.shop.conftest import ADDRESS, seed_shop

FRA_GTIN = "04006381333931"
HASH = "0f" * 32
MISSING = "nope-0"

# Tables whose rows a probe may legitimately leave behind: credentials made by the test itself.
UNCHECKED_TABLES = {ApiKey.__tablename__, User.__tablename__, WebSession.__tablename__}


@dataclass
class World:
    """Rows of other tenants: NOC:FRA's registry rows, product, batch, key and case (filed by
    another marketplace), and the IOC's store, offer and order."""

    fra_batch: str = ""
    fra_serial: str = ""
    fra_key: str = ""
    case: int = 0
    exception: int = 0
    offer: int = 0
    order: str = ""


@pytest.fixture
def world(session: Session, app_settings: Settings, client: TestClient, keys: Keys) -> World:
    import_document(
        session,
        RegistryDocument(
            parties=[PartyIn(id="MKT:other", kind=PartyKind.marketplace, name="Other market")],
            licences=[
                LicenceIn.model_validate(
                    {
                        "id": "FRA-MATRIX-1",
                        "licensor": "NOC:FRA",
                        "licensee": "LIC:bleus-textiles",
                        "valid_from": "2026-01-01",
                        "valid_until": "2027-06-30",
                        "marks": ["emblem-noc-fra"],
                        "categories": ["apparel"],
                        "territories": ["FR"],
                        "channels": ["retail"],
                    }
                )
            ],
            images=[
                OfficialImageIn(
                    id="fra-photo",
                    product="Bleus cap",
                    licence="FRA-MATRIX-1",
                    licensee="LIC:bleus-textiles",
                    pdq=HASH,
                    quality=90,
                    variants=[],
                )
            ],
        ),
    )
    codes.register_product(
        session,
        principal=SYSTEM,
        data=ProductIn(
            gtin=FRA_GTIN,
            name="Bleus cap",
            licensee="LIC:bleus-textiles",
            category="apparel.headwear",
            marks=["emblem-noc-fra"],
        ),
    )
    issued = codes.issue_batch(
        session,
        principal=SYSTEM,
        index=compile_index(session),
        secret=app_settings.secret_key.get_secret_value(),
        gtin=FRA_GTIN,
        count=1,
    )
    [fra_key] = [k.id for k in codes.list_keys(session, principal=SYSTEM) if k.party == "NOC:FRA"]
    case, _ = enforcement.open_case(
        session,
        principal=Principal(Role.marketplace, party_id="MKT:other"),
        data=CaseIn(
            source=CaseSource.screening,
            marketplace="MKT:other",
            listing_id="matrix-1",
            seller_id="seller-fra",
            title="Bleus cap",
            marks=["emblem-noc-fra"],
            territories=["FR"],
        ),
        settings=app_settings,
    )
    fra_mark = get_mark(session, principal=SYSTEM, mark_id="emblem-noc-fra")
    excepted = ExceptionIn(text="Bleus Bakery", reason=ExceptionReason.other, territories=["FR"])
    saved = save_mark(
        session,
        principal=SYSTEM,
        data=fra_mark.model_copy(update={"exceptions": [*fra_mark.exceptions, excepted]}),
        create=False,
    )
    offer = seed_shop(session)
    session.commit()
    order = client.post(
        "/v1/shop/stores/IOC/orders",
        json={
            "lines": [{"offer": offer, "quantity": 1}],
            "email": "fan@example.org",
            "ship_to": ADDRESS,
            "payment_token": "tok_visa",
        },
    )
    assert order.status_code == 201, order.text
    assert {lic.id for lic in list_licences(session, principal=SYSTEM)} >= {"FRA-MATRIX-1"}
    return World(
        fra_batch=issued.batch.id,
        fra_serial=issued.codes[0].serial,
        fra_key=fra_key,
        case=case.id,
        exception=saved.exceptions[-1].id or 0,
        offer=offer,
        order=order.json()["id"],
    )


# ------------------------------------------------------------------ the probes

Body = dict[str, Any] | None
Req = tuple[str, Body]  # (path with its query, JSON body)


@dataclass(frozen=True)
class Probe:
    """How to aim one route at another tenant's row: ``target`` gives the request; ``missing``
    the same request at an id that does not exist (reads must answer both alike); ``listing``
    marks a list read (200 without the other tenant's rows, or 403 for the role); ``public``
    a route anyone may call by design; ``own_name`` the roles for which the call is an action
    in the caller's own name by design (a rights holder reports a listing on any marketplace:
    the case goes to the marks' owner); ``headers`` extra headers."""

    target: Callable[[World], Req]
    missing: Callable[[World], Req] | None = None
    listing: bool = False
    public: bool = False
    own_name: frozenset[Role] = frozenset()
    headers: dict[str, str] = field(default_factory=dict)


def fixed(path: str, body: Body = None) -> Callable[[World], Req]:
    return lambda w: (path, body)


MARK = {
    "id": "emblem-noc-fra",
    "kind": "emblem",
    "name": "hijacked",
    "owner": "NOC:FRA",
    "territories": ["FR"],
}
LICENCE = {
    "id": "FRA-MATRIX-1",
    "licensor": "NOC:FRA",
    "licensee": "LIC:bleus-textiles",
    "status": "active",
    "valid_from": "2026-01-01",
    "valid_until": "2027-06-30",
    "marks": ["emblem-noc-fra"],
    "categories": ["apparel"],
    "territories": ["FR"],
    "channels": ["retail"],
}
PARTY = {"id": "LIC:bleus-textiles", "kind": "licensee", "name": "hijacked"}
CASE = {
    "source": "screening",
    "marketplace": "MKT:other",
    "listing_id": "matrix-2",
    "seller_id": "seller-fra",
    "marks": ["emblem-noc-fra"],
    "territories": ["FR"],
}
DECISION = {"decision": "dismiss", "reason_code": "legitimate_use"}
LISTING = {"listing_id": "l-1", "title": "Bleus cap", "marketplace": "MKT:other"}
PHOTO = base64.b64encode(encode(official_photo(2))).decode()
EVIDENCE = {"Content-Type": "text/plain", "X-Filename": "note.txt"}
TOKEN = {"X-Counter-Notice-Token": "0" * 64}

REPORTERS = frozenset({Role.rights_holder})

# (method, path template) -> probe. Every /v1 route must be here.
PROBES: dict[tuple[str, str], Probe] = {
    # shop: the IOC's store, offer on sale (public, so 403) and order (404)
    ("GET", "/v1/shop/stores"): Probe(fixed("/v1/shop/stores"), public=True),
    ("POST", "/v1/shop/stores"): Probe(
        fixed("/v1/shop/stores", {"id": "IOC", "name": "x", "currency": "EUR", "ships_to": ["FR"]})
    ),
    ("POST", "/v1/shop/stores/{store_id}/open"): Probe(fixed("/v1/shop/stores/IOC/open")),
    ("POST", "/v1/shop/stores/{store_id}/close"): Probe(fixed("/v1/shop/stores/IOC/close")),
    ("POST", "/v1/shop/stores/{store_id}/offers"): Probe(
        fixed(
            "/v1/shop/stores/IOC/offers",
            {"gtin": FRA_GTIN, "titles": {"en": "x"}, "price_minor": 1, "stock": 1},
        )
    ),
    ("GET", "/v1/shop/offers"): Probe(fixed("/v1/shop/offers"), public=True),
    ("POST", "/v1/shop/offers/{offer_id}/publish"): Probe(
        lambda w: (f"/v1/shop/offers/{w.offer}/publish", None)
    ),
    ("POST", "/v1/shop/offers/{offer_id}/unpublish"): Probe(
        lambda w: (f"/v1/shop/offers/{w.offer}/unpublish", None)
    ),
    ("PUT", "/v1/shop/offers/{offer_id}/stock"): Probe(
        lambda w: (f"/v1/shop/offers/{w.offer}/stock", {"stock": 0})
    ),
    # Checkout is open to anyone (guests included); probed with a refused payment it changes
    # nothing but a declined order's own rows, so it is checked elsewhere (tests/shop).
    ("POST", "/v1/shop/stores/{store_id}/orders"): Probe(
        lambda w: (
            "/v1/shop/stores/NOC:FRA/orders",
            {
                "lines": [{"offer": w.offer, "quantity": 1}],
                "email": "a@b.c",
                "ship_to": ADDRESS,
                "payment_token": "tok_visa",
            },
        ),
    ),
    ("GET", "/v1/shop/orders/{order_id}"): Probe(
        lambda w: (f"/v1/shop/orders/{w.order}", None), fixed(f"/v1/shop/orders/{MISSING}")
    ),
    **{
        ("POST", f"/v1/shop/orders/{{order_id}}/{action}"): Probe(
            lambda w, a=action, b=body: (f"/v1/shop/orders/{w.order}/{a}", b)  # type: ignore[misc]
        )
        for action, body in [
            ("fulfil", None),
            ("ship", None),
            ("deliver", None),
            ("cancel", None),
            ("refund", {"reason": "x"}),
        ]
    },
    ("GET", "/v1/royalties/statement"): Probe(
        fixed("/v1/royalties/statement?licensor=NOC:FRA&period=2026-11"),
        fixed("/v1/royalties/statement?licensor=NOC:ZZZ&period=2026-11"),
    ),
    # registry: NOC:FRA's licensee, mark, licence and bank photo
    ("GET", "/v1/parties"): Probe(fixed("/v1/parties"), listing=True),
    ("POST", "/v1/parties"): Probe(
        fixed(
            "/v1/parties",
            {"id": "NOC:ZZZ", "kind": "noc", "name": "x", "noc_code": "ZZZ", "territory": "NL"},
        )
    ),
    ("GET", "/v1/parties/{party_id}"): Probe(
        fixed("/v1/parties/LIC:bleus-textiles"), fixed(f"/v1/parties/LIC:{MISSING}")
    ),
    ("PUT", "/v1/parties/{party_id}"): Probe(fixed("/v1/parties/LIC:bleus-textiles", PARTY)),
    ("DELETE", "/v1/parties/{party_id}"): Probe(fixed("/v1/parties/LIC:bleus-textiles")),
    ("GET", "/v1/marks"): Probe(fixed("/v1/marks"), listing=True),
    ("POST", "/v1/marks"): Probe(fixed("/v1/marks", MARK | {"id": "emblem-new"})),
    ("GET", "/v1/marks/{mark_id}"): Probe(
        fixed("/v1/marks/emblem-noc-fra"), fixed(f"/v1/marks/{MISSING}")
    ),
    ("PUT", "/v1/marks/{mark_id}"): Probe(fixed("/v1/marks/emblem-noc-fra", MARK)),
    ("DELETE", "/v1/marks/{mark_id}"): Probe(fixed("/v1/marks/emblem-noc-fra")),
    ("GET", "/v1/licences"): Probe(fixed("/v1/licences"), listing=True),
    ("POST", "/v1/licences"): Probe(fixed("/v1/licences", LICENCE | {"id": "FRA-NEW"})),
    ("GET", "/v1/licences/{licence_id}"): Probe(
        fixed("/v1/licences/FRA-MATRIX-1"), fixed(f"/v1/licences/{MISSING}")
    ),
    ("PUT", "/v1/licences/{licence_id}"): Probe(fixed("/v1/licences/FRA-MATRIX-1", LICENCE)),
    ("DELETE", "/v1/licences/{licence_id}"): Probe(fixed("/v1/licences/FRA-MATRIX-1")),
    ("POST", "/v1/authorize"): Probe(
        fixed(
            "/v1/authorize",
            {
                "seller": "LIC:bleus-textiles",
                "marks": ["emblem-noc-fra"],
                "category": "apparel.headwear",
                "territory": "FR",
                "channel": "retail",
            },
        ),
        public=True,
    ),
    ("GET", "/v1/editions"): Probe(fixed("/v1/editions"), public=True),
    ("GET", "/v1/categories"): Probe(fixed("/v1/categories"), public=True),
    ("GET", "/v1/public/sellers/{party_id}"): Probe(
        fixed("/v1/public/sellers/LIC:bleus-textiles"), public=True
    ),
    ("GET", "/v1/bank/images"): Probe(fixed("/v1/bank/images"), listing=True),
    ("POST", "/v1/bank/images"): Probe(
        fixed(
            "/v1/bank/images",
            {"id": "fra-photo", "product": "x", "licence": "NED-2026-0003", "image_base64": PHOTO},
        )
    ),
    ("DELETE", "/v1/bank/images/{image_id}"): Probe(fixed("/v1/bank/images/fra-photo")),
    ("POST", "/v1/screen"): Probe(fixed("/v1/screen", {"listings": [LISTING]}), public=True),
    # authenticity: NOC:FRA's signing key, its licensee's product, batch and unit
    ("GET", "/v1/codes/keys"): Probe(fixed("/v1/codes/keys"), listing=True),
    ("POST", "/v1/codes/keys/{party_id}/rotate"): Probe(fixed("/v1/codes/keys/NOC:FRA/rotate")),
    ("POST", "/v1/codes/keys/{key_id}/revoke"): Probe(
        lambda w: (f"/v1/codes/keys/{w.fra_key}/revoke", {"reason": "x"})
    ),
    ("POST", "/v1/products"): Probe(
        fixed(
            "/v1/products",
            {
                "gtin": "4012345000016",
                "name": "x",
                "licensee": "LIC:bleus-textiles",
                "category": "apparel.headwear",
                "marks": ["emblem-noc-fra"],
            },
        )
    ),
    ("GET", "/v1/products"): Probe(fixed("/v1/products"), listing=True),
    ("GET", "/v1/products/{gtin}"): Probe(
        fixed(f"/v1/products/{FRA_GTIN}"), fixed("/v1/products/04012345000016")
    ),
    ("POST", "/v1/codes/batches"): Probe(
        fixed("/v1/codes/batches", {"gtin": FRA_GTIN, "count": 1})
    ),
    ("GET", "/v1/codes/batches"): Probe(fixed("/v1/codes/batches"), listing=True),
    ("GET", "/v1/codes/batches/{batch_id}"): Probe(
        lambda w: (f"/v1/codes/batches/{w.fra_batch}", None), fixed(f"/v1/codes/batches/{MISSING}")
    ),
    ("GET", "/v1/codes/batches/{batch_id}/codes.csv"): Probe(
        lambda w: (f"/v1/codes/batches/{w.fra_batch}/codes.csv", None),
        fixed(f"/v1/codes/batches/{MISSING}/codes.csv"),
    ),
    ("GET", "/v1/codes/batches/{batch_id}/units/{serial}/qr.{kind}"): Probe(
        lambda w: (f"/v1/codes/batches/{w.fra_batch}/units/{w.fra_serial}/qr.svg", None),
        lambda w: (f"/v1/codes/batches/{MISSING}/units/{w.fra_serial}/qr.svg", None),
    ),
    ("POST", "/v1/codes/batches/{batch_id}/recall"): Probe(
        lambda w: (f"/v1/codes/batches/{w.fra_batch}/recall", {"reason": "x"})
    ),
    ("POST", "/v1/codes/units/{gtin}/{serial}/sold"): Probe(
        lambda w: (f"/v1/codes/units/{FRA_GTIN}/{w.fra_serial}/sold", {"country": "FR"})
    ),
    ("GET", "/v1/codes/units/{gtin}/{serial}/scans"): Probe(
        lambda w: (f"/v1/codes/units/{FRA_GTIN}/{w.fra_serial}/scans", None),
        fixed(f"/v1/codes/units/{FRA_GTIN}/ZZZZZZZZZZZZ/scans"),
    ),
    ("POST", "/v1/codes/verify"): Probe(fixed("/v1/codes/verify", {"codes": ["x"]}), public=True),
    # enforcement: a case of NOC:FRA filed by another marketplace
    ("POST", "/v1/cases"): Probe(fixed("/v1/cases", CASE), own_name=REPORTERS),
    ("POST", "/v1/cases/screen"): Probe(
        fixed("/v1/cases/screen", {"marketplace": "MKT:other", "listings": [LISTING]}),
        own_name=REPORTERS,
    ),
    ("GET", "/v1/cases"): Probe(fixed("/v1/cases"), listing=True),
    ("GET", "/v1/cases/export.csv"): Probe(fixed("/v1/cases/export.csv"), listing=True),
    ("POST", "/v1/cases/bulk-decision"): Probe(
        lambda w: (
            "/v1/cases/bulk-decision",
            DECISION | {"seller_id": "seller-fra", "case_ids": [w.case]},
        )
    ),
    ("GET", "/v1/cases/{case_id}"): Probe(
        lambda w: (f"/v1/cases/{w.case}", None), fixed("/v1/cases/999999")
    ),
    ("POST", "/v1/cases/{case_id}/decision"): Probe(
        lambda w: (f"/v1/cases/{w.case}/decision", DECISION)
    ),
    ("POST", "/v1/cases/{case_id}/evidence"): Probe(
        lambda w: (f"/v1/cases/{w.case}/evidence", None), headers=EVIDENCE
    ),
    ("POST", "/v1/cases/{case_id}/removal-confirmation"): Probe(
        lambda w: (f"/v1/cases/{w.case}/removal-confirmation", None)
    ),
    ("POST", "/v1/cases/{case_id}/reinstatement-confirmation"): Probe(
        lambda w: (f"/v1/cases/{w.case}/reinstatement-confirmation", None)
    ),
    ("POST", "/v1/cases/{case_id}/counter-notice"): Probe(
        lambda w: (f"/v1/cases/{w.case}/counter-notice", {"statement": "mine"}), headers=TOKEN
    ),
    ("POST", "/v1/cases/{case_id}/counter-notice/withdrawal"): Probe(
        lambda w: (f"/v1/cases/{w.case}/counter-notice/withdrawal", None), headers=TOKEN
    ),
    ("POST", "/v1/cases/{case_id}/counter-notice/evidence"): Probe(
        lambda w: (f"/v1/cases/{w.case}/counter-notice/evidence", None),
        headers=TOKEN | EVIDENCE,
    ),
    ("POST", "/v1/cases/{case_id}/appeal-decision"): Probe(
        lambda w: (
            f"/v1/cases/{w.case}/appeal-decision",
            {"outcome": "upheld", "reason_code": "counterfeit"},
        )
    ),
    ("POST", "/v1/cases/{case_id}/exception-preview"): Probe(
        lambda w: (
            f"/v1/cases/{w.case}/exception-preview",
            {"mark": "emblem-noc-fra", "text": "Bleus cap", "reason": "other"},
        )
    ),
    ("GET", "/v1/cases/{case_id}/exceptions"): Probe(
        lambda w: (f"/v1/cases/{w.case}/exceptions", None), fixed("/v1/cases/999999/exceptions")
    ),
    ("DELETE", "/v1/exceptions/{exception_id}"): Probe(
        lambda w: (f"/v1/exceptions/{w.exception}", None)
    ),
    ("POST", "/v1/exceptions/{exception_id}/revoke"): Probe(
        lambda w: (f"/v1/exceptions/{w.exception}/revoke", None)
    ),
    ("GET", "/v1/cases/{case_id}/events"): Probe(
        lambda w: (f"/v1/cases/{w.case}/events", None), fixed("/v1/cases/999999/events")
    ),
    ("GET", "/v1/cases/{case_id}/deliveries"): Probe(
        lambda w: (f"/v1/cases/{w.case}/deliveries", None), fixed("/v1/cases/999999/deliveries")
    ),
    ("GET", "/v1/cases/{case_id}/evidence-pack"): Probe(
        lambda w: (f"/v1/cases/{w.case}/evidence-pack", None),
        fixed("/v1/cases/999999/evidence-pack"),
    ),
    ("GET", "/v1/sellers/{seller_id}/strikes"): Probe(
        fixed("/v1/sellers/seller-fra/strikes"), fixed(f"/v1/sellers/{MISSING}/strikes")
    ),
    ("GET", "/v1/reporters/{reporter}/accuracy"): Probe(
        fixed("/v1/reporters/MKT:other/accuracy"), fixed(f"/v1/reporters/{MISSING}/accuracy")
    ),
    ("GET", "/v1/audit/verify"): Probe(fixed("/v1/audit/verify"), listing=True),
    ("POST", "/v1/notices/dispatch"): Probe(fixed("/v1/notices/dispatch")),
    ("POST", "/v1/enforcement/deadlines"): Probe(fixed("/v1/enforcement/deadlines")),
    # editions: public reads; changes are the admin's
    ("GET", "/v1/editions/{edition_id}"): Probe(fixed("/v1/editions/paris-2024"), public=True),
    ("GET", "/v1/editions/{edition_id}/history"): Probe(
        fixed("/v1/editions/paris-2024/history"), public=True
    ),
    ("POST", "/v1/editions/{edition_id}/advance"): Probe(
        fixed("/v1/editions/paris-2024/advance", {})
    ),
    ("POST", "/v1/editions/handover"): Probe(
        fixed("/v1/editions/handover", {"from": "paris-2024", "to": "la-2028", "dry_run": False})
    ),
}

# Text of the other tenants' rows that no list answer to a non-owner may contain.
FOREIGN = ("emblem-noc-fra", "FRA-MATRIX-1", "LIC:bleus-textiles", "fra-photo", "seller-fra")
PROBERS = [
    ("NOC:NED", Role.rights_holder),
    ("LIC:oranje-fanwear", Role.licensee),
    ("MKT:tmall", Role.marketplace),
    # A licensee-role key of the IOC itself (which `keys create` now refuses, as an older
    # database may hold): the IOC's store, offer and order are not the licensee role's.
    ("IOC", Role.licensee),
]


def _routes(client: TestClient) -> set[tuple[str, str]]:
    def walk(routes: list[Any]) -> Any:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router (FastAPI >= 0.165)
                yield from walk(route.original_router.routes)
            else:
                yield route

    return {
        (method, route.path)
        for route in walk(client.app.routes)  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.path.startswith("/v1")
        for method in route.methods
    }


def legacy_key(factory: sessionmaker[Session], party: str, role: Role) -> dict[str, str]:
    key_id, key = new_api_key()
    with factory() as s:
        s.add(
            ApiKey(id=key_id, name="legacy", party_id=party, role=role, key_hash=hash_api_key(key))
        )
        s.commit()
    return {"Authorization": f"Bearer {key}"}


def snapshot(factory: sessionmaker[Session]) -> dict[str, str]:
    """A digest of every row of every table (but the credentials the test makes)."""
    with factory() as s:
        out = {}
        for table in Base.metadata.sorted_tables:
            if table.name in UNCHECKED_TABLES:
                continue
            rows = sorted(repr(tuple(row)) for row in s.execute(select(table)))
            out[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return out


def test_every_v1_route_has_a_probe(client: TestClient) -> None:
    routes = _routes(client)
    unknown = sorted(routes - set(PROBES))
    assert not unknown, f"routes without a tenancy probe in {__name__}.PROBES: {unknown}"
    stale = sorted(set(PROBES) - routes)
    assert not stale, f"probes of routes that no longer exist: {stale}"


def _call(client: TestClient, method: str, req: Req, headers: dict[str, str], probe: Probe) -> Any:
    path, body = req
    extra = headers | probe.headers
    if "X-Filename" in probe.headers:
        return client.request(method, path, content=b"evidence", headers=extra)
    return client.request(method, path, json=body, headers=extra)


@pytest.mark.parametrize(("party", "role"), PROBERS, ids=[f"{p}-{r.value}" for p, r in PROBERS])
def test_tenancy_matrix(
    client: TestClient,
    keys: Keys,
    world: World,
    session_factory: sessionmaker[Session],
    party: str,
    role: Role,
) -> None:
    headers = (
        keys(party, role)
        if role is not Role.licensee or party.startswith("LIC:")
        else (legacy_key(session_factory, party, role))
    )
    failures: list[str] = []
    for (method, template), probe in sorted(PROBES.items()):
        if role in probe.own_name:
            continue
        before = snapshot(session_factory)
        response = _call(client, method, probe.target(world), headers, probe)
        status = response.status_code
        where = f"{method} {template} as {role.value}: {status} {response.text[:200]}"
        if snapshot(session_factory) != before:
            failures.append(f"changed the database: {where}")
        if status >= 500:
            failures.append(where)
        elif probe.public:
            continue
        elif probe.listing:
            if status not in (200, 403) or any(f in response.text for f in FOREIGN):
                failures.append(f"list shows another tenant's rows: {where}")
        elif method == "GET":
            if status not in (403, 404):
                failures.append(f"read not refused: {where}")
            elif probe.missing is not None:
                unseen = _call(client, method, probe.missing(world), headers, probe)
                code = response.json()["detail"][0]["code"]
                if (unseen.status_code, unseen.json()["detail"][0]["code"]) != (status, code):
                    failures.append(f"answers unlike a missing row ({unseen.text}): {where}")
        elif status not in (403, 404):
            failures.append(f"write not refused: {where}")
    assert not failures, "\n".join(failures)
