"""Issue 19, the analyst's case: what screening and the registry know about a case (the listing
as screened, the reasons, the seller's licences in and out of scope), team work (assign,
comment, @mention, my work) and the undo window of a take down or dismissal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.auth.service import create_user
from ringfence.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement import context, service, team
from ringfence.enforcement.enums import CaseStatus, Decision, NoticeStatus, ReasonCode
from ringfence.enforcement.interfaces import InMemoryConnector
from ringfence.enforcement.models import Notice
from ringfence.enforcement.schemas import DecisionIn
from ringfence.registry.service import export_document
from ringfence.screening.engine import Engine
from ringfence.screening.index import builtin_data
from tests.enforcement.conftest import NED, T0, TMALL, open_one

IOC = Principal(Role.rights_holder, party_id="IOC", key_id="k-ioc")
TAKEDOWN = DecisionIn(decision=Decision.takedown, reason_code=ReasonCode.counterfeit)
DISMISS = DecisionIn(decision=Decision.dismiss, reason_code=ReasonCode.false_positive)


def _screen(session: Session, settings: Settings, **row: str) -> int:
    engine = Engine(builtin_data(export_document(session)), compiled=False)
    base = {
        "listing_id": "i19-1",
        "seller_id": "SELLER:tmall-4711",
        "title": "Olympic rings 2026 replica hoodie, factory price",
        "price": "49",
        "currency": "EUR",
        "ship_to": "FR,DE",
        "url": "https://tmall.example/item/i19-1",
        "image_paths": "https://img.example/i19-1.jpg",
    }
    out = service.screen_and_open(
        session,
        principal=TMALL,
        engine=engine,
        marketplace="MKT:tmall",
        rows=[base | row],
        settings=settings,
        now=T0,
    )
    assert out[0].case_id is not None, out
    return out[0].case_id


def test_a_screened_case_keeps_the_listing_the_verdict_and_its_reasons(
    session: Session, settings: Settings
) -> None:
    case_id = _screen(session, settings)
    screened = context.screening(session, principal=IOC, case_id=case_id)
    assert screened.verdict == "infringing"
    assert "counterfeit_cue" in screened.reasons
    assert screened.listing["url"] == "https://tmall.example/item/i19-1"
    assert screened.listing["price"] == 49.0
    assert screened.listing["currency"] == "EUR"
    assert screened.listing["images"] == ["https://img.example/i19-1.jpg"]
    assert screened.marketplace_name == "Tmall"


def test_a_link_that_is_not_http_is_dropped_not_refused(
    session: Session, settings: Settings
) -> None:
    case_id = _screen(session, settings, listing_id="i19-js", url="javascript:alert(1)")
    assert "url" not in context.screening(session, principal=IOC, case_id=case_id).listing


def test_the_sellers_licence_is_shown_against_the_listing(
    session: Session, settings: Settings
) -> None:
    """SELLER:tmall-4711 sells under IOC-2026-0001 (rings and OLYMPIC on apparel, worldwide):
    a listing without a category cannot be confirmed in scope; with a category outside the
    licence it is out of scope, naming the failing condition."""
    case_id = _screen(session, settings)
    scopes = context.seller_licences(session, principal=IOC, case_id=case_id)
    assert [s.licence.id for s in scopes] == ["IOC-2026-0001"]
    checks = {c.name: c.ok for c in scopes[0].checks}
    assert checks["mark"] is True
    assert checks["territory"] is True
    assert checks["category"] is None  # the listing gave none
    assert scopes[0].in_scope is None
    assert context.seller_is_licensed(scopes, [])

    other = _screen(session, settings, listing_id="i19-2", category="toys")
    scope = context.seller_licences(session, principal=IOC, case_id=other)[0]
    assert scope.in_scope is False
    assert {c.name: c.ok for c in scope.checks}["category"] is False


def test_an_unlicensed_seller_has_no_licences(session: Session, settings: Settings) -> None:
    case = open_one(session, settings)
    assert context.seller_licences(session, principal=NED, case_id=case.id) == []


def test_undo_reverses_a_takedown_and_retracts_its_unsent_notice(
    session: Session, settings: Settings
) -> None:
    case = open_one(session, settings)
    service.decide(
        session, principal=NED, case_id=case.id, data=TAKEDOWN, settings=settings, now=T0,
        hold=service.UNDO_WINDOW,
    )  # fmt: skip
    connector = InMemoryConnector()
    # Inside the window, the dispatcher leaves the notice alone: nothing leaves.
    assert service.dispatch_notices(
        session, connector=connector, settings=settings, case_id=case.id, now=T0
    ) == (0, 0)
    assert connector.deliveries == 0
    until = service.undo_deadline(session, principal=NED, case_id=case.id, now=T0)
    assert until == T0 + service.UNDO_WINDOW
    out = service.undo_decision(
        session, principal=NED, case_id=case.id, now=T0 + timedelta(seconds=10)
    )
    assert out.status is CaseStatus.open
    assert out.decision is None
    notices = list(session.scalars(select(Notice).where(Notice.case_id == case.id)))
    assert [n.status for n in notices] == [NoticeStatus.retracted]
    kinds = [e.kind for e in service.case_events(session, principal=NED, case_id=case.id)]
    assert kinds[-1] == "case.decision_undone"
    # Back in the queue, decided again as any open case, and that decision undone too.
    service.decide(
        session, principal=NED, case_id=case.id, data=DISMISS, settings=settings, now=T0,
        hold=service.UNDO_WINDOW,
    )  # fmt: skip
    assert service.undo_deadline(session, principal=NED, case_id=case.id, now=T0) is not None


def test_undo_is_refused_after_the_window_and_the_notice_then_leaves(
    session: Session, settings: Settings
) -> None:
    case = open_one(session, settings)
    service.decide(
        session, principal=NED, case_id=case.id, data=TAKEDOWN, settings=settings, now=T0,
        hold=service.UNDO_WINDOW,
    )  # fmt: skip
    late = T0 + service.UNDO_WINDOW + timedelta(seconds=1)
    with pytest.raises(Conflict) as info:
        service.undo_decision(session, principal=NED, case_id=case.id, now=late)
    assert info.value.code == "undo_expired"
    delivered, _ = service.dispatch_notices(
        session, connector=InMemoryConnector(), settings=settings, case_id=case.id, now=late
    )
    assert delivered == 1


def test_undo_restores_an_escalated_case_and_only_its_decider_may_undo(
    session: Session, settings: Settings
) -> None:
    case = open_one(session, settings)
    escalate = DecisionIn(decision=Decision.escalate, reason_code=ReasonCode.legal_review)
    service.decide(session, principal=NED, case_id=case.id, data=escalate, settings=settings)
    service.decide(
        session, principal=NED, case_id=case.id, data=DISMISS, settings=settings, now=T0,
        hold=service.UNDO_WINDOW,
    )  # fmt: skip
    colleague = Principal(Role.rights_holder, party_id="NOC:NED", key_id="k-other")
    assert service.undo_deadline(session, principal=colleague, case_id=case.id, now=T0) is None
    with pytest.raises(Conflict):
        service.undo_decision(session, principal=colleague, case_id=case.id, now=T0)
    out = service.undo_decision(session, principal=NED, case_id=case.id, now=T0)
    assert out.status is CaseStatus.escalated


def test_a_decision_without_the_hold_cannot_be_undone(session: Session, settings: Settings) -> None:
    """The API's decisions are delivered at once: no undo window."""
    case = open_one(session, settings)
    service.decide(
        session, principal=NED, case_id=case.id, data=TAKEDOWN, settings=settings, now=T0
    )
    assert service.undo_deadline(session, principal=NED, case_id=case.id, now=T0) is None


def _user(session: Session, email: str, party: str, role: Role = Role.rights_holder) -> int:
    return create_user(
        session, email=email, name=email.partition("@")[0].title(), party_id=party, role=role,
        password="correct horse battery",
    ).id  # fmt: skip


def test_assign_only_to_a_user_of_the_cases_rights_holder(
    session: Session, settings: Settings
) -> None:
    case = open_one(session, settings)
    ned_user = _user(session, "anna@ned.example", "NOC:NED")
    fra_user = _user(session, "paul@fra.example", "NOC:FRA")
    licensee = _user(session, "lic@oranje.example", "LIC:oranje-fanwear", Role.licensee)
    assert team.assign(session, principal=NED, case_id=case.id, user_id=ned_user).assignee == (
        ned_user
    )
    for wrong in (fra_user, licensee, 10**6):
        with pytest.raises(InvalidInput) as info:
            team.assign(session, principal=NED, case_id=case.id, user_id=wrong)
        assert info.value.code == "not_a_team_member"
    with pytest.raises(Forbidden):  # a marketplace sees the case but may not assign it
        team.assign(session, principal=TMALL, case_id=case.id, user_id=ned_user)
    fra = Principal(Role.rights_holder, party_id="NOC:FRA", key_id="k-fra")
    with pytest.raises(NotFound):  # another tenant does not even see it
        team.assign(session, principal=fra, case_id=case.id, user_id=fra_user)
    assert team.assign(session, principal=NED, case_id=case.id, user_id=None).assignee is None
    kinds = [e.kind for e in service.case_events(session, principal=NED, case_id=case.id)]
    assert kinds[-2:] == ["case.assigned", "case.unassigned"]


def test_a_comment_mentions_colleagues_of_the_tenant_only(
    session: Session, settings: Settings
) -> None:
    case = open_one(session, settings)
    anna = _user(session, "anna@ned.example", "NOC:NED")
    bram = _user(session, "bram@ned.example", "NOC:NED")
    _user(session, "paul@fra.example", "NOC:FRA")
    made = team.comment(
        session, principal=NED, case_id=case.id, author_id=anna, author="Anna",
        body="@bram please check the licence; cc @paul@fra.example and @nobody",
    )  # fmt: skip
    assert [m.id for m in made.mentions] == [bram]
    assert [c.body for c in team.comments(session, principal=NED, case_id=case.id)] == [made.body]
    assert team.comments(session, principal=TMALL, case_id=case.id) == []  # internal to the team
    work = team.my_work(session, principal=NED, user_id=bram)
    assert [c.id for c in work.mentions] == [made.id]
    assert team.my_work(session, principal=NED, user_id=anna).mentions == []
    team.assign(session, principal=NED, case_id=case.id, user_id=bram)
    assert [c.id for c in team.my_work(session, principal=NED, user_id=bram).assigned] == [case.id]
    with pytest.raises(InvalidInput) as info:
        team.comment(
            session, principal=NED, case_id=case.id, author_id=anna, author="Anna", body="  "
        )
    assert info.value.code == "empty_comment"
