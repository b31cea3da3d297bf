"""Issuance, recall, rotation, revocation and verification against the database (SQLite and
PostgreSQL): every answer a buyer can get, and what is logged."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringfence.authenticity import service
from ringfence.authenticity.clones import Thresholds
from ringfence.authenticity.enums import KeyStatus, ScanReason, ScanStatus
from ringfence.authenticity.models import CodeUnit, Scan
from ringfence.authenticity.schemas import ProductIn
from ringfence.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.demo import DEMO_PRODUCT
from ringfence.registry.service import compile_index
from tests.authenticity.conftest import NOW, SECRET, Issue, Verify

HERITAGE = Principal(Role.licensee, "LIC:heritage-apparel")
OTHER_LICENSEE = Principal(Role.licensee, "LIC:oranje-fanwear")
IOC = Principal(Role.rights_holder, "IOC")
NED = Principal(Role.rights_holder, "NOC:NED")


def test_issued_codes_are_genuine_with_who_made_and_licensed_them(
    issue: Issue, check: Verify
) -> None:
    batch = issue(count=5, lot="L1")
    assert batch.batch.licence == "IOC-2026-0001"
    assert batch.batch.licensor == "IOC"
    assert len({c.serial for c in batch.codes}) == 5
    result = check(batch.codes[0])
    assert result.status is ScanStatus.genuine
    assert result.reason is ScanReason.issued
    assert result.product == DEMO_PRODUCT
    assert result.licensor == "International Olympic Committee"
    assert result.licensee == "Heritage Apparel Ltd"


def test_forged_altered_and_unknown_codes_get_the_same_answer(issue: Issue, check: Verify) -> None:
    code = issue(count=2, lot="L1").codes[0]
    assert code.signature is not None
    forged = dataclasses.replace(code, signature=bytes(64))
    flipped = dataclasses.replace(
        code, signature=bytes([code.signature[0] ^ 1]) + code.signature[1:]
    )
    other_serial = dataclasses.replace(code, serial="AAAAAAAAAAAAAAAA")
    other_gtin = dataclasses.replace(code, gtin="00000096385074")
    other_lot = dataclasses.replace(code, lot="L2")
    no_signature = dataclasses.replace(code, key_id=None, signature=None)
    other_key = dataclasses.replace(code, key_id="00000000")
    answers = {
        (r.status, r.reason, r.product, r.licensor, r.licensee)
        for r in map(
            check, [forged, flipped, other_serial, other_gtin, other_lot, no_signature, other_key]
        )
    }
    assert answers == {(ScanStatus.not_genuine, ScanReason.not_issued, None, None, None)}


def test_every_scan_is_logged_and_forged_ones_are_not_tied_to_the_unit(
    session: Session, issue: Issue, check: Verify
) -> None:
    code = issue(count=1).codes[0]
    check(code, country="FR", device="phone-1")
    check(dataclasses.replace(code, signature=bytes(64)), country="CN")
    rows = session.execute(
        select(Scan.unit_id, Scan.status, Scan.country, Scan.device).order_by(Scan.id)
    ).all()
    unit_id = session.scalar(select(CodeUnit.id).where(CodeUnit.serial == code.serial))
    assert [tuple(r) for r in rows[-2:]] == [
        (unit_id, ScanStatus.genuine, "FR", "phone-1"),
        (None, ScanStatus.not_genuine, "CN", None),
    ]


def test_a_recalled_batch_answers_revoked(session: Session, issue: Issue, check: Verify) -> None:
    batch = issue(count=2)
    service.recall_batch(
        session, principal=HERITAGE, batch_id=batch.batch.id, reason="stolen pallet"
    )
    result = check(batch.codes[1])
    assert (result.status, result.reason) == (ScanStatus.revoked, ScanReason.batch_recalled)
    assert result.product == DEMO_PRODUCT
    with pytest.raises(Conflict):
        service.recall_batch(session, principal=SYSTEM, batch_id=batch.batch.id, reason="again")


def test_codes_of_a_rotated_out_key_stay_valid(
    session: Session, issue: Issue, check: Verify
) -> None:
    old = issue(count=1)
    new_key = service.rotate_key(session, principal=IOC, party_id="IOC", secret=SECRET)
    new = issue(count=1)
    assert new.batch.key_id == new_key.id != old.batch.key_id
    statuses = {k.id: k.status for k in service.list_keys(session, principal=IOC)}
    assert statuses[old.batch.key_id] is KeyStatus.retired
    assert check(old.codes[0]).status is ScanStatus.genuine
    assert check(new.codes[0]).status is ScanStatus.genuine


def test_codes_of_a_revoked_key_answer_revoked(
    session: Session, issue: Issue, check: Verify
) -> None:
    batch = issue(count=1)
    service.revoke_key(session, principal=IOC, key_id=batch.batch.key_id, reason="leaked")
    result = check(batch.codes[0])
    assert (result.status, result.reason) == (ScanStatus.revoked, ScanReason.key_revoked)
    with pytest.raises(NotFound):  # another party's key is invisible
        service.revoke_key(session, principal=NED, key_id=batch.batch.key_id, reason="x")


def test_a_cloned_code_becomes_suspicious_for_good(
    session: Session, issue: Issue, check: Verify
) -> None:
    code = issue(count=1).codes[0]
    answers = [
        check(code, country=c, at=NOW + timedelta(minutes=i))
        for i, c in enumerate(["FR", "DE", "US", "BR"])
    ]
    assert [a.status for a in answers] == [ScanStatus.genuine] * 3 + [ScanStatus.suspicious]
    assert answers[3].reason is ScanReason.many_countries
    assert answers[3].newly_suspicious
    later = check(code, country="FR", at=NOW + timedelta(days=30))
    assert (later.status, later.reason, later.newly_suspicious) == (
        ScanStatus.suspicious,
        ScanReason.many_countries,
        False,
    )
    unit = session.scalar(select(CodeUnit).where(CodeUnit.serial == code.serial))
    assert unit is not None
    assert unit.suspicious_reason is ScanReason.many_countries


def test_the_same_clone_in_one_batch_of_scans(session: Session, issue: Issue) -> None:
    code = issue(count=1).codes[0]
    requests = [service.ScanRequest(code, device=f"phone-{i}") for i in range(8)]
    answers = service.verify(session, requests=requests, limits=Thresholds(max_devices=5), now=NOW)
    assert [a.status for a in answers] == [ScanStatus.genuine] * 5 + [ScanStatus.suspicious] * 3
    assert [a.newly_suspicious for a in answers] == [False] * 5 + [True, False, False]


def test_scans_after_a_sale_elsewhere(session: Session, issue: Issue, check: Verify) -> None:
    code = issue(count=1).codes[0]
    service.mark_sold(
        session, principal=HERITAGE, gtin=code.gtin, serial=code.serial, country="FR", at=NOW
    )
    assert check(code, country="NL", at=NOW + timedelta(days=2)).status is ScanStatus.genuine
    result = check(code, country="CN", at=NOW + timedelta(days=20))
    assert (result.status, result.reason) == (
        ScanStatus.suspicious,
        ScanReason.scanned_away_from_sale,
    )
    with pytest.raises(Conflict):
        service.mark_sold(
            session, principal=HERITAGE, gtin=code.gtin, serial=code.serial, country="FR"
        )


def test_issuance_is_refused_without_a_covering_licence(session: Session, issue: Issue) -> None:
    for gtin, licensee, category, marks in [
        ("96385074", "LIC:heritage-apparel", "toys", ["symbol-olympic-rings"]),  # category
        ("036000291452", "LIC:heritage-apparel", "apparel", ["edition-la28"]),  # mark
        ("012345678905", "LIC:oranje-fanwear", "apparel", ["symbol-olympic-rings"]),  # no licence
    ]:
        service.register_product(
            session,
            principal=SYSTEM,
            data=ProductIn(gtin=gtin, name="x", licensee=licensee, category=category, marks=marks),
        )
        with pytest.raises(Forbidden) as info:
            service.issue_batch(
                session,
                principal=SYSTEM,
                index=compile_index(session),
                secret=SECRET,
                gtin=gtin.zfill(14),
                count=1,
            )
        assert info.value.code == "licence_does_not_cover"
    # and outside the licence's dates (IOC-2026-0001 runs 2025-01-01 to 2028-12-31)
    with pytest.raises(Forbidden):
        service.issue_batch(
            session,
            principal=SYSTEM,
            index=compile_index(session),
            secret=SECRET,
            gtin="05901234123457",
            count=1,
            on=date(2029, 1, 1),
        )
    assert issue(count=1).batch.count == 1


def test_only_the_licensee_or_admin_issues_and_others_do_not_see_batches(
    session: Session, issue: Issue
) -> None:
    batch = issue(count=1).batch
    with pytest.raises(NotFound):
        service.issue_batch(
            session,
            principal=OTHER_LICENSEE,
            index=compile_index(session),
            secret=SECRET,
            gtin="05901234123457",
            count=1,
        )
    with pytest.raises(NotFound):
        service.get_batch(session, principal=OTHER_LICENSEE, batch_id=batch.id)
    with pytest.raises(NotFound):
        service.recall_batch(session, principal=NED, batch_id=batch.id, reason="x")
    assert service.get_batch(session, principal=IOC, batch_id=batch.id).id == batch.id
    assert [b.id for b in service.list_batches(session, principal=NED)] == []
    assert batch.id in [b.id for b in service.list_batches(session, principal=HERITAGE)]


def test_reprinted_codes_are_the_issued_ones(session: Session, issue: Issue) -> None:
    issued = issue(count=4, lot="L9")
    again = list(
        service.batch_codes(session, principal=HERITAGE, batch_id=issued.batch.id, secret=SECRET)
    )
    assert sorted(again, key=lambda c: c.serial) == sorted(issued.codes, key=lambda c: c.serial)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_issued_codes_verify_and_mutated_ones_never_do(
    session: Session, issue: Issue, data: st.DataObject
) -> None:
    issued = issue(count=2, lot=data.draw(st.none() | st.just("L1")))
    code = data.draw(st.sampled_from(issued.codes))
    limits = Thresholds(max_scans=10_000, max_devices=10_000, max_countries=10_000)
    (ok,) = service.verify(session, requests=[service.ScanRequest(code)], limits=limits, now=NOW)
    assert ok.status is ScanStatus.genuine
    assert code.signature is not None
    i, bit = data.draw(st.integers(0, 63)), data.draw(st.integers(0, 7))
    sig = bytearray(code.signature)
    sig[i] ^= 1 << bit
    serial = data.draw(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=1, max_size=20)
    )
    mutations = [dataclasses.replace(code, signature=bytes(sig))]
    if serial != code.serial:
        mutations.append(dataclasses.replace(code, serial=serial))
    for bad in mutations:
        (answer,) = service.verify(
            session, requests=[service.ScanRequest(bad)], limits=limits, now=NOW
        )
        assert answer.status is ScanStatus.not_genuine


def test_a_batch_stores_one_unit_per_code(session: Session, issue: Issue) -> None:
    batch = issue(count=7)
    assert (
        session.scalar(
            select(func.count()).select_from(CodeUnit).where(CodeUnit.batch_id == batch.batch.id)
        )
        == 7
    )


def test_i19_the_service_refuses_a_lot_outside_gs1_rules(issue: Issue) -> None:
    """The console's form hands the lot straight to the service: the rule holds there too."""
    with pytest.raises(InvalidInput) as exc:
        issue(count=1, lot="bad lot/?")
    assert (exc.value.code, exc.value.loc) == ("invalid_lot", ("lot",))
    assert issue(count=1, lot="L-2026/07").batch.lot == "L-2026/07"
