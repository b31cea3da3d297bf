"""The edition state machine (every pair of states, allowed or not), who may move an edition,
and the read-only rules once it is archived."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.authenticity import service as authenticity
from ringfence.authenticity.clones import Thresholds
from ringfence.authenticity.enums import ScanStatus
from ringfence.core.errors import Conflict, Forbidden
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.editions import service
from ringfence.editions.models import EditionEvent
from ringfence.enforcement import service as enforcement
from ringfence.registry import archive
from ringfence.registry import service as registry
from ringfence.registry.enums import EditionStatus, LicenceStatus, MarkKind
from ringfence.registry.models import Edition, Licence
from ringfence.registry.schemas import LicenceIn, MarkIn
from ringfence.shop import service as shop
from ringfence.shop.enums import OrderStatus
from ringfence.shop.models import Order, Storefront
from ringfence.shop.schemas import OfferIn
from tests.editions.conftest import GTIN, LA28, NOW, OCOG, SECRET, TODAY, Tenant, checkout

S = EditionStatus
ALLOWED = {
    (S.planned, S.preparing),
    (S.preparing, S.live),
    (S.live, S.closing),
    (S.closing, S.archived),
}


@pytest.mark.parametrize(
    ("before", "after"),
    list(itertools.product(S, S)),
    ids=lambda s: s.value,
)
def test_every_transition(session: Session, before: S, after: S) -> None:
    edition = session.get_one(Edition, "la28")
    edition.status = before
    session.flush()
    if (before, after) in ALLOWED:
        got = service.advance(session, principal=SYSTEM, edition_id="la28", to=after, now=NOW)
        assert got.status is after
        (event,) = service.history(session, "la28")
        assert event.detail == {"from": before.value, "to": after.value}
    else:
        with pytest.raises(Conflict) as exc:
            service.advance(session, principal=SYSTEM, edition_id="la28", to=after)
        assert exc.value.code == "illegal_transition"
        assert session.get_one(Edition, "la28").status is before
        assert service.history(session, "la28") == []


def test_the_transition_table_is_a_line_ending_in_the_archive() -> None:
    assert {(a, b) for a, bs in service.TRANSITIONS.items() for b in bs} == ALLOWED


def test_advance_without_a_target_takes_the_next_step(session: Session) -> None:
    statuses = []
    for _ in range(3):
        statuses.append(service.advance(session, principal=SYSTEM, edition_id="la28").status)
    assert statuses == [S.live, S.closing, S.archived]
    with pytest.raises(Conflict) as exc:
        service.advance(session, principal=SYSTEM, edition_id="la28")
    assert exc.value.code == "illegal_transition"


@pytest.mark.parametrize(
    ("principal", "to", "code"),
    [
        (LA28, S.live, None),
        (Principal(Role.rights_holder, party_id="OCOG:brisbane-2032"), S.live, "not_your_edition"),
        (Principal(Role.rights_holder, party_id="NOC:USA"), S.live, "not_your_edition"),
        (Principal(Role.licensee, party_id="LIC:la-headwear"), S.live, "not_your_edition"),
    ],
)
def test_who_moves_an_edition(
    session: Session, principal: Principal, to: S, code: str | None
) -> None:
    if code is None:
        assert service.advance(session, principal=principal, edition_id="la28", to=to).status is to
    else:
        with pytest.raises(Forbidden) as exc:
            service.advance(session, principal=principal, edition_id="la28", to=to)
        assert exc.value.code == code


def test_only_the_ioc_archives(session: Session) -> None:
    session.get_one(Edition, "la28").status = S.closing
    with pytest.raises(Forbidden) as exc:
        service.advance(session, principal=LA28, edition_id="la28", to=S.archived)
    assert exc.value.code == "ioc_only"


def _archive(session: Session) -> None:
    session.get_one(Edition, "la28").status = S.closing
    session.flush()
    service.advance(session, principal=SYSTEM, edition_id="la28", to=S.archived, now=NOW)


def test_archiving_waits_for_unsettled_orders(session: Session, tenant: Tenant) -> None:
    placed = shop.place_order(
        session,
        store_id=OCOG,
        buyer="guest",
        data=checkout(tenant.offer),
        index=registry.compile_index(session),
        now=NOW,
    )
    with pytest.raises(Conflict) as exc:
        _archive(session)
    assert exc.value.code == "unsettled_orders"
    shop.transition(session.get_one(Order, placed.order.id), OrderStatus.cancelled)
    _archive(session)
    assert session.get_one(Edition, "la28").status is S.archived


def _refused(call: object) -> str:
    assert callable(call)
    with pytest.raises(Conflict) as exc:
        call()
    return exc.value.code


def test_an_archived_edition_is_read_only(session: Session, tenant: Tenant) -> None:
    licence_before = registry.get_licence(session, principal=SYSTEM, licence_id="LA28-2026-0007")
    _archive(session)

    # The store is closed and refuses changes and checkout.
    assert session.get_one(Storefront, OCOG).open is False
    writes = {
        "reopen": lambda: shop.set_store_open(
            session, principal=SYSTEM, store_id=OCOG, is_open=True
        ),
        "add offer": lambda: shop.add_offer(
            session,
            principal=SYSTEM,
            store_id=OCOG,
            data=OfferIn(gtin=GTIN, titles={"en": "again"}, price_minor=1, stock=1),
        ),
        "stock": lambda: shop.set_stock(session, principal=SYSTEM, offer_id=tenant.offer, stock=9),
        "unpublish": lambda: shop.unpublish_offer(session, principal=SYSTEM, offer_id=tenant.offer),
        "new licence": lambda: registry.save_licence(
            session,
            principal=SYSTEM,
            data=LicenceIn(
                id="LA28-2026-0099",
                licensor=OCOG,
                licensee="LIC:la-headwear",
                valid_from=date(2026, 1, 1),
                valid_until=date(2028, 12, 31),
                marks=["edition-la28"],
                categories=["apparel"],
                territories=["US"],
                channels=["retail"],
            ),
            create=True,
        ),
        "delete licence": lambda: registry.delete_licence(
            session, principal=SYSTEM, licence_id="LA28-2026-0007"
        ),
        "new mark": lambda: registry.save_mark(
            session,
            principal=SYSTEM,
            data=MarkIn(
                id="mascot-la28",
                kind=MarkKind.mascot,
                name="A mascot",
                owner=OCOG,
                edition="la28",
            ),
            create=True,
        ),
        "new key": lambda: authenticity.rotate_key(
            session, principal=SYSTEM, party_id=OCOG, secret=SECRET
        ),
        "new codes": lambda: authenticity.issue_batch(
            session,
            principal=SYSTEM,
            index=registry.compile_index(session),
            secret=SECRET,
            gtin=GTIN,
            count=1,
            on=TODAY,
        ),
    }
    assert {what: _refused(call) for what, call in writes.items()} == dict.fromkeys(
        writes, "edition_archived"
    )
    body = checkout(tenant.offer)
    index = registry.compile_index(session)
    assert (
        _refused(
            lambda: shop.place_order(
                session, store_id=OCOG, buyer="guest", data=body, index=index, now=NOW
            )
        )
        == "store_closed"
    )
    assert session.scalar(select(Order.id).where(Order.storefront_id == OCOG)) is None

    # Licences are left to expire on their own terms.
    assert registry.get_licence(session, principal=SYSTEM, licence_id="LA28-2026-0007") == (
        licence_before
    )
    assert session.get_one(Licence, "LA28-2026-0007").status is LicenceStatus.active
    # Cases stay visible to the OCOG.
    visible = {c.id for c in enforcement.list_cases(session, principal=LA28)}
    assert {tenant.case_ioc_mark, tenant.case_own_mark} <= visible
    # Codes issued under it verify, now and later.
    results = authenticity.verify(
        session,
        requests=[authenticity.ScanRequest(code) for code in tenant.codes],
        limits=Thresholds(),
        now=NOW,
    )
    assert [r.status for r in results] == [ScanStatus.genuine] * len(tenant.codes)
    assert [r.licensor for r in results] == ["Organising Committee for LA28"] * len(tenant.codes)


def test_other_tenants_stay_writable_after_an_archive(session: Session, tenant: Tenant) -> None:
    _archive(session)
    # The IOC's and an NOC's own writes are untouched by la28's archive.
    archive.ensure_writable(session, "IOC")
    archive.ensure_writable(session, "NOC:USA")
    archive.ensure_writable(session, "OCOG:brisbane-2032")
    kinds = session.scalars(select(EditionEvent.kind).where(EditionEvent.edition_id == "la28"))
    assert list(kinds) == ["transition"]


def test_new_cases_for_an_archived_editions_marks_go_to_the_ioc(session: Session) -> None:
    assert enforcement.route(session, marks=["edition-la28"], territories=["US"]) == OCOG
    _archive(session)
    assert enforcement.route(session, marks=["edition-la28"], territories=["US"]) == "IOC"
    assert enforcement.route(session, marks=["edition-paris-2024"], territories=[]) == "IOC"
