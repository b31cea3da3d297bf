"""Cases end to end at the service level: dedup, routing, tenancy, decisions, notices, appeals,
deadlines (injected clock), strikes and reporter accuracy."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringfence.core import audit
from ringfence.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ringfence.core.security import Principal
from ringfence.core.settings import Settings
from ringfence.enforcement import service
from ringfence.enforcement.enums import (
    AppealStatus,
    CaseSource,
    CaseStatus,
    CaseSubject,
    Decision,
    NoticeStatus,
    ReasonCode,
)
from ringfence.enforcement.interfaces import InMemoryConnector
from ringfence.enforcement.models import Delivery, Evidence, Strike
from ringfence.enforcement.schemas import DecisionIn, ExceptionSpec
from ringfence.registry.enums import ExceptionReason
from ringfence.registry.service import get_licence, get_mark
from tests.enforcement.conftest import (
    ADMIN,
    FRA,
    FRA_MARK,
    LA28,
    LICENSEE,
    NED,
    NED_MARK,
    T0,
    TMALL,
    case_in,
    open_one,
)

TAKEDOWN = DecisionIn(decision=Decision.takedown, reason_code=ReasonCode.counterfeit)


def decide(
    session: Session,
    settings: Settings,
    case_id: int,
    principal: Principal = NED,
    now: datetime = T0,
    **body: Any,
) -> Any:
    data = DecisionIn.model_validate(body) if body else TAKEDOWN
    return service.decide(
        session, principal=principal, case_id=case_id, data=data, settings=settings, now=now
    )


def taken_down(
    session: Session,
    settings: Settings,
    now: datetime = T0,
    principal: Principal = NED,
    **over: Any,
) -> int:
    case = open_one(session, settings, now=now, **over)
    decide(session, settings, case.id, principal=principal, now=now)
    connector = InMemoryConnector()
    assert service.dispatch_notices(
        session, connector=connector, settings=settings, case_id=case.id, now=now
    ) == (1, 0)
    service.confirm_removal(session, principal=TMALL, case_id=case.id, settings=settings, now=now)
    return case.id


def token(settings: Settings, case_id: int) -> str:
    return service.counter_notice_token(settings, case_id)


# ------------------------------------------------------------------ dedup and routing


def test_same_listing_twice_opens_one_case(session: Session, settings: Settings) -> None:
    first, created = service.open_case(
        session, principal=TMALL, data=case_in(), settings=settings, now=T0
    )
    again, created_again = service.open_case(
        session, principal=TMALL, data=case_in(risk=0.3), settings=settings, now=T0
    )
    assert created
    assert not created_again
    assert again.id == first.id
    findings = session.scalars(select(Evidence).where(Evidence.case_id == first.id)).all()
    assert len(findings) == 2  # both reports' findings are kept as evidence
    assert audit.verify(session) == []


def test_new_version_of_a_listing_opens_a_new_case(session: Session, settings: Settings) -> None:
    a = open_one(session, settings)
    b = open_one(session, settings, listing_version="v2")
    c = open_one(session, settings, marketplace="MKT:other", principal=ADMIN)
    assert len({a.id, b.id, c.id}) == 3


@pytest.mark.parametrize(
    ("marks", "territories", "holder"),
    [
        ([NED_MARK], ["NL"], "NOC:NED"),
        ([FRA_MARK], ["FR"], "NOC:FRA"),
        (["word-olympic", NED_MARK], [], "NOC:NED"),  # an NOC's mark outranks the IOC's
        ([FRA_MARK, NED_MARK], ["NL"], "NOC:NED"),  # the NOC of the territory shipped to
        ([FRA_MARK, NED_MARK], [], "NOC:FRA"),  # else the first mark found
        (["edition-la28"], ["US"], "OCOG:la28"),
        (["word-olympic", "edition-la28"], [], "OCOG:la28"),
        (["word-olympic"], ["NL"], "IOC"),
        (["no-such-mark"], [], "IOC"),
    ],
)
def test_routing(
    session: Session, settings: Settings, marks: list[str], territories: list[str], holder: str
) -> None:
    case = open_one(session, settings, marks=marks, territories=territories)
    assert case.rights_holder == holder


def test_rights_holder_report_without_marks_goes_to_itself(
    session: Session, settings: Settings
) -> None:
    case = open_one(
        session, settings, principal=FRA, marks=[], source=CaseSource.rights_holder_report
    )
    assert (case.rights_holder, case.reporter) == ("NOC:FRA", "NOC:FRA")


def test_authenticity_scan_source_is_accepted(session: Session, settings: Settings) -> None:
    case = open_one(session, settings, source=CaseSource.authenticity_scan)
    assert case.source is CaseSource.authenticity_scan


def test_open_case_from_screening_verdict(session: Session, settings: Settings) -> None:
    from ringfence.screening.engine import Engine, listing_from_row

    engine = Engine.builtin()
    listing = listing_from_row(
        {"listing_id": "X-9", "seller_id": "s-9", "title": "Olympic rings replica hoodie"}
    )
    verdict = engine.screen(listing)
    assert verdict.verdict != "clean"
    opened = service.open_case_from_verdict(
        session,
        principal=TMALL,
        verdict=verdict,
        listing=listing,
        marketplace="MKT:tmall",
        settings=settings,
        now=T0,
    )
    assert opened is not None
    case, created = opened
    assert created
    assert case.rights_holder == "IOC"
    assert case.source is CaseSource.screening
    clean = engine.screen(listing_from_row({"listing_id": "c", "seller_id": "s", "title": "mug"}))
    assert (
        service.open_case_from_verdict(
            session,
            principal=TMALL,
            verdict=clean,
            listing=listing,
            marketplace="MKT:tmall",
            settings=settings,
        )
        is None
    )


def test_listing_case_needs_listing_id(session: Session, settings: Settings) -> None:
    with pytest.raises(InvalidInput) as info:
        open_one(session, settings, listing_id=None)
    assert info.value.code == "listing_required"


def test_marketplace_opens_only_on_itself(session: Session, settings: Settings) -> None:
    with pytest.raises(Forbidden):
        open_one(session, settings, marketplace="MKT:other")


# ------------------------------------------------------------------ tenancy


def test_one_noc_never_sees_anothers_cases(session: Session, settings: Settings) -> None:
    ned_case = open_one(session, settings)
    fra_case = open_one(
        session, settings, listing_id="F-1", marks=[FRA_MARK], territories=["FR"], seller_id="f"
    )
    assert [c.id for c in service.list_cases(session, principal=NED)] == [ned_case.id]
    assert [c.id for c in service.list_cases(session, principal=FRA)] == [fra_case.id]
    for call in (
        lambda: service.get_case(session, principal=FRA, case_id=ned_case.id),
        lambda: decide(session, settings, ned_case.id, principal=FRA),
        lambda: service.case_events(session, principal=FRA, case_id=ned_case.id),
        lambda: service.evidence_pack(
            session, principal=FRA, case_id=ned_case.id, settings=settings
        ),
        lambda: service.strikes(session, principal=FRA, seller_id="seller-42", settings=settings),
    ):
        with pytest.raises(NotFound):
            call()
    exported = csv.DictReader(io.StringIO(service.export_csv(session, principal=FRA)))
    assert [int(row["id"]) for row in exported] == [fra_case.id]
    # Nothing changed by the attempts.
    assert service.get_case(session, principal=NED, case_id=ned_case.id).status is CaseStatus.open


def test_admin_sees_all_marketplace_its_own_licensee_nothing(
    session: Session, settings: Settings
) -> None:
    a = open_one(session, settings)
    b = open_one(session, settings, principal=ADMIN, marketplace="MKT:other", listing_id="O-1")
    assert {c.id for c in service.list_cases(session, principal=ADMIN)} >= {a.id, b.id}
    assert [c.id for c in service.list_cases(session, principal=TMALL)] == [a.id]
    with pytest.raises(NotFound):
        service.get_case(session, principal=TMALL, case_id=b.id)
    with pytest.raises(Forbidden):
        service.list_cases(session, principal=LICENSEE)


def test_marketplace_cannot_decide(session: Session, settings: Settings) -> None:
    case = open_one(session, settings)
    with pytest.raises(Forbidden):
        decide(session, settings, case.id, principal=TMALL)


# ------------------------------------------------------------------ review


def test_queue_orders_by_trusted_then_risk_then_reach(session: Session, settings: Settings) -> None:
    low = open_one(session, settings, listing_id="a", risk=0.2, reach=5000)
    high_small = open_one(session, settings, listing_id="b", risk=0.9, reach=10)
    high_big = open_one(session, settings, listing_id="c", risk=0.9, reach=900)
    done = open_one(session, settings, listing_id="d", risk=1.0)
    decide(session, settings, done.id)
    queue = service.list_cases(session, principal=NED, queue=True)
    assert [c.id for c in queue] == [high_big.id, high_small.id, low.id]


def test_reason_code_must_fit_the_decision(session: Session, settings: Settings) -> None:
    case = open_one(session, settings)
    with pytest.raises(InvalidInput) as info:
        decide(session, settings, case.id, decision="takedown", reason_code="legitimate_use")
    assert info.value.code == "invalid_reason_code"


def test_decided_case_cannot_be_decided_again(session: Session, settings: Settings) -> None:
    case = open_one(session, settings)
    decide(session, settings, case.id, decision="dismiss", reason_code="false_positive")
    with pytest.raises(Conflict) as info:
        decide(session, settings, case.id)
    assert info.value.code == "illegal_case_transition"


def test_escalate_then_decide(session: Session, settings: Settings) -> None:
    case = open_one(session, settings)
    out = decide(session, settings, case.id, decision="escalate", reason_code="legal_review")
    assert out.status is CaseStatus.escalated
    assert out.decision is None
    out = decide(session, settings, case.id)
    assert out.status is CaseStatus.takedown_requested


def test_dismiss_adds_an_exception_to_the_registry(session: Session, settings: Settings) -> None:
    case = open_one(session, settings, title="TeamNL Bakery cookies")
    data = DecisionIn(
        decision=Decision.dismiss,
        reason_code=ReasonCode.exception_applies,
        add_exception=ExceptionSpec(
            mark=NED_MARK, text="TeamNL Bakery", reason=ExceptionReason.grandfathered_brand
        ),
    )
    out = service.decide(
        session, principal=NED, case_id=case.id, data=data, settings=settings, now=T0
    )
    assert out.status is CaseStatus.dismissed
    mark = get_mark(session, principal=NED, mark_id=NED_MARK)
    assert [x.text for x in mark.exceptions] == ["TeamNL Bakery"]
    # The same listing reported again finds the dismissed case: no new case.
    _, created = service.open_case(
        session,
        principal=TMALL,
        data=case_in(title="TeamNL Bakery cookies"),
        settings=settings,
        now=T0,
    )
    assert not created


def test_dismiss_cannot_touch_another_holders_mark(session: Session, settings: Settings) -> None:
    case = open_one(session, settings)
    data = DecisionIn(
        decision=Decision.dismiss,
        reason_code=ReasonCode.exception_applies,
        add_exception=ExceptionSpec(mark=FRA_MARK, text="x", reason=ExceptionReason.other),
    )
    with pytest.raises(NotFound):
        service.decide(session, principal=NED, case_id=case.id, data=data, settings=settings)


def test_licensed_adds_the_seller_to_a_licence(session: Session, settings: Settings) -> None:
    case = open_one(session, settings, seller_id="SELLER:tmall-4711")
    out = decide(
        session,
        settings,
        case.id,
        decision="licensed",
        reason_code="licence_in_force",
        add_to_licence="NED-2026-0003",
    )
    assert out.status is CaseStatus.licensed
    lic = get_licence(session, principal=NED, licence_id="NED-2026-0003")
    assert "SELLER:tmall-4711" in lic.sellers


def test_bulk_decision_over_one_sellers_listings(session: Session, settings: Settings) -> None:
    ids = [open_one(session, settings, listing_id=f"B-{i}").id for i in range(3)]
    other = open_one(session, settings, listing_id="B-x", seller_id="someone-else")
    fra = open_one(session, settings, listing_id="B-f", marks=[FRA_MARK])
    done = service.bulk_decide(
        session,
        principal=NED,
        seller_id="seller-42",
        case_ids=None,
        data=TAKEDOWN,
        settings=settings,
        now=T0,
    )
    assert sorted(c.id for c in done) == ids
    assert service.get_case(session, principal=NED, case_id=other.id).status is CaseStatus.open
    assert service.get_case(session, principal=FRA, case_id=fra.id).status is CaseStatus.open
    with pytest.raises(InvalidInput) as info:
        service.bulk_decide(
            session,
            principal=NED,
            seller_id="seller-42",
            case_ids=[other.id],
            data=TAKEDOWN,
            settings=settings,
        )
    assert info.value.code == "seller_mismatch"


# ------------------------------------------------------------------ notices


def test_takedown_notice_is_delivered_and_confirmed(session: Session, settings: Settings) -> None:
    case = open_one(session, settings)
    decide(session, settings, case.id)
    connector = InMemoryConnector(fail=1)
    assert service.dispatch_notices(session, connector=connector, settings=settings) == (0, 1)
    detail = service.get_case(session, principal=NED, case_id=case.id)
    assert detail.notices[0].status is NoticeStatus.failed
    assert service.dispatch_notices(session, connector=connector, settings=settings) == (1, 0)
    assert service.dispatch_notices(session, connector=connector, settings=settings) == (0, 0)
    (message,) = connector.received.values()
    assert message.payload["counter_notice"]["token"] == token(settings, case.id)
    log = service.deliveries(session, principal=NED, case_id=case.id)
    assert [(d.attempt, d.ok) for d in log] == [(1, False), (2, True)]
    with pytest.raises(Forbidden):
        service.confirm_removal(session, principal=NED, case_id=case.id, settings=settings)
    out = service.confirm_removal(
        session, principal=TMALL, case_id=case.id, settings=settings, now=T0
    )
    assert out.status is CaseStatus.taken_down
    assert out.counter_notice_due == T0 + timedelta(days=settings.counter_notice_days)
    with pytest.raises(Conflict):
        service.confirm_removal(session, principal=TMALL, case_id=case.id, settings=settings)


def test_confirm_needs_a_takedown(session: Session, settings: Settings) -> None:
    case = open_one(session, settings)
    with pytest.raises(InvalidInput):
        service.confirm_removal(session, principal=TMALL, case_id=case.id, settings=settings)


# ------------------------------------------------------------------ appeals and deadlines


def test_counter_notice_needs_the_cases_token(session: Session, settings: Settings) -> None:
    case_id = taken_down(session, settings)
    other = taken_down(session, settings, listing_id="L-other")
    for bad in ("", "0" * 64, token(settings, other)):
        with pytest.raises(NotFound):
            service.file_counter_notice(
                session, case_id=case_id, token=bad, statement="mine", settings=settings, now=T0
            )
    with pytest.raises(NotFound):
        service.file_counter_notice(
            session,
            case_id=999_999,
            token=token(settings, 999_999),
            statement="x",
            settings=settings,
        )


def test_appeal_upheld_reinstates(session: Session, settings: Settings) -> None:
    case_id = taken_down(session, settings)
    appeal = service.file_counter_notice(
        session,
        case_id=case_id,
        token=token(settings, case_id),
        statement="I hold a licence",
        settings=settings,
        now=T0 + timedelta(days=1),
    )
    assert appeal.decide_by == T0 + timedelta(days=1 + settings.appeal_decision_days)
    out = service.decide_appeal(
        session,
        principal=NED,
        case_id=case_id,
        outcome=AppealStatus.upheld,
        reason_code=ReasonCode.licence_shown,
        settings=settings,
        now=T0 + timedelta(days=2),
    )
    assert out.status is CaseStatus.reinstated
    notices = service.get_case(session, principal=NED, case_id=case_id).notices
    assert [(n.action, n.status) for n in notices] == [
        ("takedown", NoticeStatus.retracted),
        ("reinstate", NoticeStatus.pending),
    ]
    assert session.scalars(select(Strike).where(Strike.case_id == case_id)).all() == []
    with pytest.raises(Conflict):
        service.decide_appeal(
            session,
            principal=NED,
            case_id=case_id,
            outcome=AppealStatus.rejected,
            reason_code=ReasonCode.counter_notice_unsupported,
            settings=settings,
        )


def test_appeal_rejected_is_a_strike(session: Session, settings: Settings) -> None:
    case_id = taken_down(session, settings)
    service.file_counter_notice(
        session,
        case_id=case_id,
        token=token(settings, case_id),
        statement="no",
        settings=settings,
        now=T0,
    )
    with pytest.raises(InvalidInput):
        service.decide_appeal(
            session,
            principal=NED,
            case_id=case_id,
            outcome=AppealStatus.rejected,
            reason_code=ReasonCode.licence_shown,
            settings=settings,
        )
    out = service.decide_appeal(
        session,
        principal=NED,
        case_id=case_id,
        outcome=AppealStatus.rejected,
        reason_code=ReasonCode.counter_notice_unsupported,
        settings=settings,
        now=T0,
    )
    assert out.status is CaseStatus.closed_taken_down
    assert (
        service.strikes(
            session, principal=NED, seller_id="seller-42", settings=settings, now=T0
        ).strikes
        == 1
    )


def test_counter_notice_after_the_deadline_is_refused(session: Session, settings: Settings) -> None:
    case_id = taken_down(session, settings)
    due = T0 + timedelta(days=settings.counter_notice_days)
    with pytest.raises(InvalidInput) as info:
        service.file_counter_notice(
            session,
            case_id=case_id,
            token=token(settings, case_id),
            statement="late",
            settings=settings,
            now=due + timedelta(seconds=1),
        )
    assert info.value.code == "counter_notice_deadline_passed"
    appeal = service.file_counter_notice(
        session,
        case_id=case_id,
        token=token(settings, case_id),
        statement="just in time",
        settings=settings,
        now=due,
    )
    assert appeal.status is AppealStatus.filed


def test_scheduler_closes_unanswered_takedowns(session: Session, settings: Settings) -> None:
    case_id = taken_down(session, settings)
    due = T0 + timedelta(days=settings.counter_notice_days)
    assert service.run_deadlines(session, settings=settings, now=due).closed_without_appeal == []
    out = service.run_deadlines(session, settings=settings, now=due + timedelta(minutes=1))
    assert out.closed_without_appeal == [case_id]
    status = service.get_case(session, principal=NED, case_id=case_id).status
    assert status is CaseStatus.closed_taken_down
    again = service.run_deadlines(session, settings=settings, now=due + timedelta(days=1))
    assert again.closed_without_appeal == []  # idempotent
    with pytest.raises(Conflict):
        service.file_counter_notice(
            session,
            case_id=case_id,
            token=token(settings, case_id),
            statement="x",
            settings=settings,
            now=due + timedelta(days=1),
        )


def test_scheduler_upholds_appeals_left_undecided(session: Session, settings: Settings) -> None:
    case_id = taken_down(session, settings)
    appeal = service.file_counter_notice(
        session,
        case_id=case_id,
        token=token(settings, case_id),
        statement="x",
        settings=settings,
        now=T0,
    )
    assert (
        service.run_deadlines(
            session, settings=settings, now=appeal.decide_by
        ).appeals_upheld_by_default
        == []
    )
    out = service.run_deadlines(
        session, settings=settings, now=appeal.decide_by + timedelta(seconds=1)
    )
    assert out.appeals_upheld_by_default == [case_id]
    detail = service.get_case(session, principal=NED, case_id=case_id)
    assert detail.status is CaseStatus.reinstated
    assert detail.appeal is not None
    assert detail.appeal.reason_code is ReasonCode.decision_deadline_passed


# ------------------------------------------------------------------ strikes


def _strike(session: Session, settings: Settings, at: datetime, n: int, **over: Any) -> int:
    case_id = taken_down(session, settings, now=at, listing_id=f"S-{n}", **over)
    service.run_deadlines(
        session, settings=settings, now=at + timedelta(days=settings.counter_notice_days, hours=1)
    )
    return case_id


def test_three_counterfeit_strikes_in_a_year_open_a_seller_case(
    session: Session, settings: Settings
) -> None:
    _strike(session, settings, T0, 1)
    _strike(session, settings, T0 + timedelta(days=100), 2)
    assert not service.list_cases(session, principal=NED, status=[CaseStatus.open])
    _strike(session, settings, T0 + timedelta(days=200), 3)
    (seller_case,) = service.list_cases(session, principal=NED, status=[CaseStatus.open])
    assert seller_case.subject is CaseSubject.seller
    assert seller_case.source is CaseSource.repeat_infringer
    assert seller_case.seller_id == "seller-42"
    out = service.strikes(
        session,
        principal=NED,
        seller_id="seller-42",
        settings=settings,
        now=T0 + timedelta(days=215),
    )
    assert (out.strikes, out.repeat_infringer) == (3, True)
    # A fourth strike while the seller case is undecided opens no second one.
    _strike(session, settings, T0 + timedelta(days=250), 4)
    assert len(service.list_cases(session, principal=NED, status=[CaseStatus.open])) == 1
    # The seller-level action: a suspension notice, confirmed like a takedown; no new strike.
    at = T0 + timedelta(days=260)
    decide(
        session,
        settings,
        seller_case.id,
        now=at,
        decision="takedown",
        reason_code="repeat_infringer",
    )
    connector = InMemoryConnector()
    service.dispatch_notices(session, connector=connector, settings=settings, now=at)
    (message,) = connector.received.values()
    assert (message.action, message.payload["seller_id"]) == ("seller_suspension", "seller-42")
    assert message.payload["listing_id"] is None
    out = service.confirm_removal(
        session, principal=TMALL, case_id=seller_case.id, settings=settings, now=at
    )
    assert out.status is CaseStatus.taken_down
    service.run_deadlines(session, settings=settings, now=at + timedelta(days=30))
    assert (
        session.scalar(
            select(func.count()).select_from(Strike).where(Strike.case_id == seller_case.id)
        )
        == 0
    )


def test_strikes_outside_the_window_do_not_count(session: Session, settings: Settings) -> None:
    for n, days in enumerate((0, 200, 400)):
        _strike(session, settings, T0 + timedelta(days=days), n)
    assert not service.list_cases(session, principal=NED, status=[CaseStatus.open])
    out = service.strikes(
        session,
        principal=NED,
        seller_id="seller-42",
        settings=settings,
        now=T0 + timedelta(days=420),
    )
    assert out.strikes == 2


def test_only_counterfeit_takedowns_are_strikes(session: Session, settings: Settings) -> None:
    case = open_one(session, settings)
    decide(session, settings, case.id, decision="takedown", reason_code="unlicensed_use")
    service.dispatch_notices(session, connector=InMemoryConnector(), settings=settings)
    service.confirm_removal(session, principal=TMALL, case_id=case.id, settings=settings, now=T0)
    service.run_deadlines(session, settings=settings, now=T0 + timedelta(days=30))
    assert session.scalars(select(Strike)).all() == []


def test_strikes_follow_the_seller_across_rights_holders(
    session: Session, settings: Settings
) -> None:
    _strike(session, settings, T0, 1)
    _strike(session, settings, T0 + timedelta(days=1), 2, marks=[FRA_MARK], principal=FRA)
    _strike(session, settings, T0 + timedelta(days=2), 3, marks=["edition-la28"], principal=LA28)
    seller_cases = service.list_cases(session, principal=ADMIN, status=[CaseStatus.open])
    assert [(c.subject, c.rights_holder) for c in seller_cases] == [
        (CaseSubject.seller, "OCOG:la28")
    ]


# ------------------------------------------------------------------ reporters


def test_reporter_accuracy_and_trusted_lane(session: Session, settings: Settings) -> None:
    settings = settings.model_copy(update={"trusted_reporter_min_reports": 3})
    for n in range(3):
        case = open_one(
            session,
            settings,
            listing_id=f"R-{n}",
            reporter="buyer:ann",
            source=CaseSource.buyer_report,
        )
        decide(session, settings, case.id)
    stats = service.reporter_stats(
        session, principal=TMALL, reporter="buyer:ann", settings=settings
    )
    assert (stats.decided, stats.upheld, stats.upheld_share, stats.trusted) == (3, 3, 1.0, True)
    trusted = open_one(session, settings, listing_id="R-t", reporter="buyer:ann", risk=0.1)
    untrusted = open_one(session, settings, listing_id="R-u", reporter="buyer:bob", risk=0.9)
    assert trusted.trusted_reporter
    assert not untrusted.trusted_reporter
    queue = service.list_cases(session, principal=NED, queue=True)
    assert [c.id for c in queue][:2] == [trusted.id, untrusted.id]
    # A dismissal and a lost counter-notice bring the share down.
    bad = open_one(session, settings, listing_id="R-d", reporter="buyer:ann")
    decide(session, settings, bad.id, decision="dismiss", reason_code="false_positive")
    stats = service.reporter_stats(
        session, principal=ADMIN, reporter="buyer:ann", settings=settings
    )
    assert (stats.decided, stats.upheld, stats.trusted) == (4, 3, False)
    with pytest.raises(NotFound):
        service.reporter_stats(session, principal=NED, reporter="buyer:ann", settings=settings)


def test_counter_notice_loss_is_counted(session: Session, settings: Settings) -> None:
    case_id = taken_down(session, settings, reporter="buyer:cy")
    service.file_counter_notice(
        session,
        case_id=case_id,
        token=token(settings, case_id),
        statement="licensed",
        settings=settings,
        now=T0,
    )
    service.decide_appeal(
        session,
        principal=NED,
        case_id=case_id,
        outcome=AppealStatus.upheld,
        reason_code=ReasonCode.licence_shown,
        settings=settings,
        now=T0,
    )
    stats = service.reporter_stats(session, principal=ADMIN, reporter="buyer:cy", settings=settings)
    assert (stats.counter_notice_losses, stats.upheld) == (1, 0)


# ------------------------------------------------------------------ evidence files and exports

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_evidence_file_is_stored_by_hash(session: Session, settings: Settings) -> None:
    case = open_one(session, settings)
    ev = service.add_file(
        session,
        principal=TMALL,
        case_id=case.id,
        content=PNG,
        content_type="image/png",
        filename="../../shot.png",
        settings=settings,
        now=T0,
    )
    assert ev.filename == "shot.png"
    assert ev.size == len(PNG)
    stored = list(settings.evidence_dir.iterdir())
    assert [p.name for p in stored] == [ev.sha256]
    assert stored[0].read_bytes() == PNG


@pytest.mark.parametrize(
    ("content", "ctype", "code"),
    [
        (b"", "image/png", "empty_file"),
        (b"GIF89a....", "image/gif", "unsupported_content_type"),
        (b"not a png", "image/png", "content_type_mismatch"),
        (b"\xff\xfe\x00bad", "text/plain", "content_type_mismatch"),
        (b"%PDF-" + b"x" * 100, "application/pdf", "file_too_large"),
    ],
)
def test_evidence_file_checks(
    session: Session, settings: Settings, content: bytes, ctype: str, code: str
) -> None:
    settings = settings.model_copy(update={"evidence_max_bytes": 64})
    case = open_one(session, settings)
    with pytest.raises(InvalidInput) as info:
        service.add_file(
            session,
            principal=TMALL,
            case_id=case.id,
            content=content,
            content_type=ctype,
            filename="f",
            settings=settings,
        )
    assert info.value.code == code
    assert not settings.evidence_dir.exists() or list(settings.evidence_dir.iterdir()) == []


def test_csv_export(session: Session, settings: Settings) -> None:
    open_one(session, settings, title="=HYPERLINK(evil)")
    rows = list(csv.DictReader(io.StringIO(service.export_csv(session, principal=NED))))
    assert len(rows) == 1
    assert rows[0]["title"] == "'=HYPERLINK(evil)"
    assert rows[0]["marks"] == NED_MARK


def test_evidence_pack(session: Session, settings: Settings) -> None:
    case_id = taken_down(session, settings)
    ev = service.add_file(
        session,
        principal=NED,
        case_id=case_id,
        content=PNG,
        content_type="image/png",
        filename="shot.png",
        settings=settings,
        now=T0,
    )
    pack = zipfile.ZipFile(
        io.BytesIO(
            service.evidence_pack(session, principal=NED, case_id=case_id, settings=settings)
        )
    )
    assert sorted(pack.namelist()) == ["case.json", f"files/{ev.sha256}"]
    manifest = json.loads(pack.read("case.json"))
    assert manifest["case"]["id"] == case_id
    assert next(a["body"]["kind"] for a in manifest["audit"]) == "case.opened"
    assert manifest["deliveries"][0]["ok"] is True
    assert pack.read(f"files/{ev.sha256}") == PNG


def test_every_change_is_audited(session: Session, settings: Settings) -> None:
    case_id = taken_down(session, settings)
    kinds = [e.kind for e in service.case_events(session, principal=NED, case_id=case_id)]
    assert kinds == [
        "case.opened",
        "evidence.added",
        "case.decided",
        "notice.created",
        "notice.delivered",
        "case.removal_confirmed",
    ]
    assert session.scalars(select(Delivery)).all()
    assert audit.verify(session) == []


def test_seller_withdraws_the_counter_notice(session: Session, settings: Settings) -> None:
    case_id = taken_down(session, settings)
    service.file_counter_notice(
        session,
        case_id=case_id,
        token=token(settings, case_id),
        statement="x",
        settings=settings,
        now=T0,
    )
    with pytest.raises(NotFound):
        service.withdraw_counter_notice(
            session, case_id=case_id, token="bad", settings=settings, now=T0
        )
    appeal = service.withdraw_counter_notice(
        session, case_id=case_id, token=token(settings, case_id), settings=settings, now=T0
    )
    assert appeal.status is AppealStatus.withdrawn
    assert appeal.reason_code is ReasonCode.seller_withdrew
    detail = service.get_case(session, principal=NED, case_id=case_id)
    assert detail.status is CaseStatus.closed_taken_down
    assert session.scalars(select(Strike).where(Strike.case_id == case_id)).one()
    with pytest.raises(Conflict):
        service.withdraw_counter_notice(
            session, case_id=case_id, token=token(settings, case_id), settings=settings
        )


def test_a_marketplace_sees_only_the_reporters_it_forwarded(
    session: Session, settings: Settings
) -> None:
    open_one(session, settings, reporter="buyer:dee", source=CaseSource.buyer_report)
    other = Principal(TMALL.role, party_id="MKT:other")
    assert (
        service.reporter_stats(
            session, principal=TMALL, reporter="buyer:dee", settings=settings
        ).reports
        == 1
    )
    with pytest.raises(NotFound):
        service.reporter_stats(session, principal=other, reporter="buyer:dee", settings=settings)
    assert (
        service.reporter_stats(
            session, principal=other, reporter="MKT:other", settings=settings
        ).reports
        == 0
    )


def test_a_holder_reporting_its_own_mark_keeps_the_case(
    session: Session, settings: Settings
) -> None:
    case = open_one(
        session,
        settings,
        principal=FRA,
        marks=[NED_MARK, FRA_MARK],
        territories=["NL"],
        source=CaseSource.rights_holder_report,
    )
    assert case.rights_holder == "NOC:FRA"
    # Reported by someone else, the territory decides.
    other = open_one(
        session, settings, listing_id="L-9", marks=[NED_MARK, FRA_MARK], territories=["NL"]
    )
    assert other.rights_holder == "NOC:NED"


def test_dedup_never_shows_another_holders_case(session: Session, settings: Settings) -> None:
    ned_case = open_one(session, settings)  # routed to NOC:NED
    with pytest.raises(Conflict) as info:
        open_one(
            session,
            settings,
            principal=FRA,
            marks=[FRA_MARK],
            source=CaseSource.rights_holder_report,
        )
    assert info.value.code == "already_reported"
    assert str(ned_case.id) not in str(info.value)


@pytest.mark.parametrize("title", ["+SUM(1)", "-2+3", "@A1", "\t=1", "\r=1", "  =1+1"])
def test_h18_s8_csv_export_neutralises_every_formula(
    session: Session, settings: Settings, title: str
) -> None:
    open_one(session, settings, title=title, marks=[NED_MARK, "=evil()"])
    rows = list(csv.DictReader(io.StringIO(service.export_csv(session, principal=NED))))
    assert len(rows) == 1
    assert rows[0]["title"] == "'" + title
    assert rows[0]["marks"] == f"{NED_MARK};'=evil()"
