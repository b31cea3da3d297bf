"""Issue 19's leftovers at the service, on every backend: one function checks every screening
upload (the registry's marketplaces only, one undecided case per listing), and a marketplace
confirms a reinstated listing back up along the notice machine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.audit import AuditEvent
from ringfence.core.errors import Forbidden, InvalidInput, NotFound
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement import reinstatements, service, uploads
from ringfence.enforcement.enums import AppealStatus, CaseStatus, NoticeStatus, ReasonCode
from ringfence.enforcement.models import Notice
from ringfence.registry.service import export_document
from ringfence.screening.engine import Engine
from ringfence.screening.index import builtin_data
from tests.enforcement.conftest import ADMIN, NED, T0, TMALL
from tests.enforcement.test_service import taken_down, token

OTHER_MARKET = Principal(Role.marketplace, party_id="MKT:other", key_id="k-other")


@pytest.mark.parametrize("given", ["MKT:tmall", "mkt:TMALL", "tmall", " Tmall "])
def test_any_spelling_of_a_registry_marketplace_is_its_one_id(session: Session, given: str) -> None:
    assert uploads.upload_marketplace(session, principal=ADMIN, given=given) == "MKT:tmall"
    assert uploads.upload_marketplace(session, principal=TMALL, given=given) == "MKT:tmall"


def test_other_marketplaces_are_refused(session: Session) -> None:
    with pytest.raises(InvalidInput) as unknown:
        uploads.upload_marketplace(session, principal=ADMIN, given="ebay")
    assert unknown.value.code == "unknown_marketplace"
    assert uploads.upload_marketplace(session, principal=TMALL, given="") == "MKT:tmall"
    for given in ("ebay", "MKT:other"):
        with pytest.raises(Forbidden) as other:
            uploads.upload_marketplace(session, principal=TMALL, given=given)
        assert other.value.code == "not_your_party"


def test_a_listing_under_an_undecided_case_opens_no_second_whatever_its_version(
    session: Session, settings: Settings
) -> None:
    engine = Engine(builtin_data(export_document(session)), compiled=False)
    row = {"listing_id": "up-1", "seller_id": "s", "title": "Olympic rings replica hoodie"}

    def upload(version: str, principal: Principal = TMALL) -> uploads.ScreenedListing:
        return uploads.screen_upload(
            session,
            principal=principal,
            engine=engine,
            marketplace="Tmall",
            rows=[row | {"listing_version": version}],
            settings=settings,
            now=T0,
        )[0]

    first = upload("1")
    assert first.out.created is True
    again = upload("2")
    assert (again.out.case_id, again.out.created, again.out.reason) == (
        first.out.case_id,
        False,
        "already_under_case",
    )
    # an NOC's analyst may not see the IOC's case: told only that the listing is reported
    hidden = upload("3", principal=NED)
    assert (hidden.out.case_id, hidden.out.reason) == (None, "already_reported")


def _reinstated(session: Session, settings: Settings) -> int:
    case_id = taken_down(session, settings)
    service.file_counter_notice(
        session,
        case_id=case_id,
        token=token(settings, case_id),
        statement="licensed",
        settings=settings,
        now=T0 + timedelta(days=1),
    )
    service.decide_appeal(
        session,
        principal=NED,
        case_id=case_id,
        outcome=AppealStatus.upheld,
        reason_code=ReasonCode.licence_shown,
        settings=settings,
        now=T0 + timedelta(days=2),
    )
    return case_id


def test_the_marketplace_confirms_a_reinstatement(session: Session, settings: Settings) -> None:
    case_id = _reinstated(session, settings)
    tasks = service.marketplace_notices(session, principal=TMALL, settings=settings)
    task = next(t for t in tasks if t.case == case_id)
    assert (task.action, task.status) == ("reinstate", NoticeStatus.pending)
    assert reinstatements.can_confirm_reinstatement(task)
    assert not task.can_confirm  # not a removal
    with pytest.raises(Forbidden):
        reinstatements.confirm_reinstatement(session, principal=NED, case_id=case_id)
    with pytest.raises(NotFound):  # another marketplace's case
        reinstatements.confirm_reinstatement(session, principal=OTHER_MARKET, case_id=case_id)
    later = T0 + timedelta(days=3)
    out = reinstatements.confirm_reinstatement(session, principal=TMALL, case_id=case_id, now=later)
    assert out.status is CaseStatus.reinstated
    notice = session.scalars(
        select(Notice).where(Notice.case_id == case_id, Notice.action == "reinstate")
    ).one()
    assert (notice.status, notice.sent_at, notice.confirmed_at) == (
        NoticeStatus.confirmed,
        later,
        later,
    )
    kinds = session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case_id)).all()
    assert "case.reinstatement_confirmed" in kinds
    with pytest.raises(InvalidInput) as again:
        reinstatements.confirm_reinstatement(session, principal=TMALL, case_id=case_id)
    assert again.value.code == "no_notice"
    done = service.marketplace_notices(session, principal=TMALL, settings=settings, done=True)
    assert not reinstatements.can_confirm_reinstatement(
        next(t for t in done if t.notice == notice.id)
    )


def test_a_removal_is_not_a_reinstatement(session: Session, settings: Settings) -> None:
    case_id = taken_down(session, settings)
    with pytest.raises(InvalidInput) as refused:
        reinstatements.confirm_reinstatement(session, principal=TMALL, case_id=case_id)
    assert refused.value.code == "no_notice"
