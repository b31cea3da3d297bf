"""Hand-over from LA28 (closing) to Brisbane 2032 (planned): exactly the documented set is
carried, a dry run changes nothing, and a second run carries nothing new."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringfence.authenticity.models import SigningKey
from ringfence.core import audit
from ringfence.core.audit import AuditEvent
from ringfence.core.errors import Conflict, Forbidden
from ringfence.core.security import SYSTEM
from ringfence.editions import bundle, service
from ringfence.enforcement.models import Case
from ringfence.registry.enums import EditionStatus
from ringfence.registry.models import Edition, Licence, Mark
from ringfence.shop.models import Storefront
from tests.editions.conftest import LA28, NOW, OCOG, Tenant

NEW = "OCOG:brisbane-2032"

# The documented set (docs/handover.md): what each part of a hand-over does.
EXPECTED = {
    "categories": "shared",
    "detection_rules": "shared",
    "notice_templates": "shared",
    "enforcement_policies": "shared",
    "marketplace_connectors": "shared",
    "trusted_reporters": "shared",
    "storefront_settings": "carried",
    "open_cases": "carried",
    "edition_marks": "not_carried",
    "licences": "not_carried",
    "other_cases": "not_carried",
    "signing_keys": "not_carried",
    "orders_and_ledger": "not_carried",
}


@pytest.fixture
def closing(session: Session, tenant: Tenant) -> Tenant:
    session.get_one(Edition, "la28").status = EditionStatus.closing
    session.flush()
    return tenant


def _handover(session: Session, *, dry_run: bool = False) -> service.HandoverPlan:
    return service.handover(
        session, principal=SYSTEM, source="la28", target="brisbane-2032", dry_run=dry_run, now=NOW
    )


def _owned_by_new(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(Mark).where(Mark.owner_id == NEW)) or 0,
        session.scalar(select(func.count()).select_from(Licence).where(Licence.licensor_id == NEW))
        or 0,
        session.scalar(
            select(func.count()).select_from(SigningKey).where(SigningKey.party_id == NEW)
        )
        or 0,
    )


@pytest.mark.parametrize(("part", "action"), list(EXPECTED.items()))
def test_each_part_does_what_is_documented(
    session: Session, closing: Tenant, part: str, action: str
) -> None:
    assert _handover(session).by_part()[part].action == action


def test_the_plan_is_exactly_the_documented_set(session: Session, closing: Tenant) -> None:
    plan = _handover(session, dry_run=True)
    assert [p.part for p in plan.parts] == list(EXPECTED)
    assert {p.part: p.action for p in plan.parts} == EXPECTED
    items = plan.by_part()
    assert items["open_cases"].items == [str(closing.case_ioc_mark)]
    assert items["other_cases"].items == [str(closing.case_own_mark)]
    assert items["storefront_settings"].items == [
        "name=Brisbane 2032 Official Store",
        "currency=USD",
        "ships_to=CA,US",
    ]
    assert items["licences"].items == ["LA28-2026-0007"]
    assert "edition-la28" in items["edition_marks"].items
    assert len(items["signing_keys"].items) == 1


def test_the_runbook_documents_every_part() -> None:
    text = (Path(__file__).parents[2] / "docs" / "handover.md").read_text()
    for part, action in EXPECTED.items():
        assert f"| `{part}` | {action} |" in text, part


def test_a_dry_run_changes_nothing(session: Session, closing: Tenant) -> None:
    before = bundle.table_digests(session)
    dry = _handover(session, dry_run=True)
    session.flush()
    assert bundle.table_digests(session) == before
    real = _handover(session)
    assert dry.as_dict() | {"dry_run": False} == real.as_dict()
    assert bundle.table_digests(session) != before


def test_what_is_carried_and_what_is_not(session: Session, closing: Tenant) -> None:
    owned = _owned_by_new(session)
    _handover(session)

    store = session.get_one(Storefront, NEW)
    assert (store.name, store.currency, store.ships_to, store.open) == (
        "Brisbane 2032 Official Store",
        "USD",
        ["CA", "US"],
        False,
    )
    assert session.get_one(Case, closing.case_ioc_mark).rights_holder_id == NEW
    assert session.get_one(Case, closing.case_own_mark).rights_holder_id == OCOG
    # Nothing of the old edition alone is created for the new one.
    assert _owned_by_new(session) == owned
    assert session.get_one(Licence, "LA28-2026-0007").licensor_id == OCOG
    # The re-routing is audited in both chains, and both chains stay intact.
    kinds = {
        (e.rights_holder_id, e.kind)
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == closing.case_ioc_mark)
        )
    }
    assert {(OCOG, "case.handed_over"), (NEW, "case.received")} <= kinds
    assert audit.verify(session) == []
    history = [e.detail for e in service.history(session, "brisbane-2032")]
    assert history[-1]["from"] == "la28"
    assert history[-1]["carried"]["open_cases"] == [str(closing.case_ioc_mark)]


def test_a_second_hand_over_carries_nothing_new(session: Session, closing: Tenant) -> None:
    _handover(session)
    again = _handover(session).by_part()
    assert again["open_cases"].items == []
    assert again["storefront_settings"].action == "not_carried"


@pytest.mark.parametrize(
    ("source_status", "target", "code"),
    [
        (EditionStatus.live, "brisbane-2032", "handover_not_allowed"),
        (EditionStatus.preparing, "brisbane-2032", "handover_not_allowed"),
        (EditionStatus.closing, "milano-cortina-2026", "handover_not_allowed"),  # archived
        (EditionStatus.closing, "la28", "handover_not_allowed"),
    ],
)
def test_when_a_hand_over_is_refused(
    session: Session, source_status: EditionStatus, target: str, code: str
) -> None:
    session.get_one(Edition, "la28").status = source_status
    session.flush()
    with pytest.raises(Conflict) as exc:
        service.handover(session, principal=SYSTEM, source="la28", target=target)
    assert exc.value.code == code


def test_only_the_ioc_hands_over(session: Session, closing: Tenant) -> None:
    with pytest.raises(Forbidden):
        service.handover(session, principal=LA28, source="la28", target="brisbane-2032")
