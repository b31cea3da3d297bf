"""Finding cases (issue 19): the search's filters and their validation, tenancy, the CSV rows,
saved views per user and party, and seller profiles with the repeat-infringer standing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from ringfence.auth.service import create_user
from ringfence.core.errors import Forbidden, InvalidInput, NotFound
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement import search, service
from ringfence.enforcement.enums import (
    AppealStatus,
    CaseSource,
    CaseStatus,
    Decision,
    ReasonCode,
)
from ringfence.enforcement.search import CaseQuery, parse_query, parse_query_string
from ringfence.enforcement.sellers import seller_profile
from ringfence.enforcement.service import CSV_COLUMNS
from tests.enforcement.conftest import ADMIN, FRA, LICENSEE, NED, NED_MARK, T0, TMALL, open_one
from tests.enforcement.test_service import decide, taken_down, token

SELLER = "seller-find-1"


def ids(session: Session, principal: Principal, **filters: object) -> list[int]:
    page = search.search_cases(
        session,
        principal=principal,
        query=CaseQuery(size=100, **filters),  # type: ignore[arg-type]
    )
    return [c.id for c in page.cases]


@pytest.fixture
def three(session: Session, settings: Settings) -> list[int]:
    """Three NED cases of one seller: low risk in NL, high risk in BE opened a week later (a
    buyer report), and one decided (dismissed)."""
    a = open_one(session, settings, listing_id="F-1", seller_id=SELLER, risk=0.3, now=T0)
    b = open_one(
        session,
        settings,
        listing_id="F-2",
        seller_id=SELLER,
        risk=0.95,
        territories=["BE"],
        title="TeamNL jersey from Brussels",
        now=T0 + timedelta(days=7),
    )
    c = open_one(session, settings, listing_id="F-3", seller_id=SELLER, risk=0.6, now=T0)
    decide(
        session,
        settings,
        c.id,
        now=T0 + timedelta(hours=2),
        decision="dismiss",
        reason_code="false_positive",
    )
    return [a.id, b.id, c.id]


def test_filters_find_decided_cases_too(
    session: Session, settings: Settings, three: list[int]
) -> None:
    a, b, c = three
    assert sorted(ids(session, NED, seller=SELLER)) == [a, b, c]
    assert ids(session, NED, seller=SELLER, status=(CaseStatus.dismissed,)) == [c]
    assert ids(session, NED, seller=SELLER, decision=Decision.dismiss) == [c]
    assert ids(session, NED, seller=SELLER, band="high") == [b]
    assert ids(session, NED, seller=SELLER, band="low") == [a]
    assert ids(session, NED, seller=SELLER, risk_min=0.5, risk_max=0.7) == [c]
    assert ids(session, NED, seller=SELLER, territory="BE") == [b]
    assert ids(session, NED, seller=SELLER, q="brussels JERSEY") == [b]
    assert sorted(ids(session, NED, mark=NED_MARK, seller=SELLER)) == [a, b, c]
    assert ids(session, NED, seller=SELLER, mark="emblem-noc-fra") == []
    day = (T0 + timedelta(days=7)).date()
    assert ids(session, NED, seller=SELLER, opened_from=day, opened_to=day) == [b]
    assert sorted(ids(session, NED, seller=SELLER, opened_to=T0.date())) == [a, c]
    assert ids(session, NED, seller=SELLER, decided_from=T0.date(), decided_to=T0.date()) == [c]
    assert ids(session, NED, seller=SELLER, source=(CaseSource.buyer_report,)) == []
    assert ids(session, NED, seller=SELLER, reporter="MKT:tmall", band="high") == [b]
    assert ids(session, NED, seller=SELLER, turnaround="1h_to_24h") == [c]
    assert ids(session, NED, seller=SELLER, turnaround="under_1h") == []
    # Orders: newest first by default, risk on demand.
    assert ids(session, NED, seller=SELLER) == [c, b, a]
    assert ids(session, NED, seller=SELLER, sort="risk") == [b, c, a]


def test_search_is_paginated_and_counted(
    session: Session, settings: Settings, three: list[int]
) -> None:
    first = search.search_cases(
        session, principal=NED, query=CaseQuery(seller=SELLER, size=2, page=1)
    )
    second = search.search_cases(
        session, principal=NED, query=CaseQuery(seller=SELLER, size=2, page=2)
    )
    assert (first.total, first.pages, len(first.cases), len(second.cases)) == (3, 2, 2, 1)
    assert {c.id for c in first.cases + second.cases} == set(three)


def test_search_keeps_to_the_tenant(session: Session, settings: Settings, three: list[int]) -> None:
    assert ids(session, FRA, seller=SELLER) == []
    assert sorted(ids(session, ADMIN, seller=SELLER)) == sorted(three)
    assert sorted(ids(session, TMALL, seller=SELLER)) == sorted(three)
    with pytest.raises(Forbidden):
        search.search_cases(session, principal=LICENSEE, query=CaseQuery())


def test_like_wildcards_in_the_words_are_literal(
    session: Session, settings: Settings, three: list[int]
) -> None:
    assert ids(session, NED, seller=SELLER, q="%") == []
    assert ids(session, NED, seller=SELLER, q="_") == []


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("risk_min=abc", "risk_min"),
        ("risk_max=1.5", "risk_max"),
        ("risk_min=nan", "risk_min"),
        ("risk_min=0.9&risk_max=0.1", "risk_max"),
        ("status=nope", "status"),
        ("source=robot", "source"),
        ("decision=burn", "decision"),
        ("appeal=maybe", "appeal"),
        ("band=extreme", "band"),
        ("turnaround=soon", "turnaround"),
        ("opened_from=yesterday", "opened_from"),
        ("opened_from=2026-12-05&opened_to=2026-12-01", "opened_to"),
        ("decided_to=2026-13-01", "decided_to"),
        ("sort=random", "sort"),
        ("size=0", "size"),
        ("size=101", "size"),
        ("page=-1", "page"),
        ("mark=a&mark=b", "mark"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_filters_are_refused_by_name(query: str, name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_query_string(query)
    assert caught.value.code == "invalid_filter"
    assert caught.value.loc == ("query", name)


def test_the_query_string_round_trips() -> None:
    query = parse_query_string(
        "status=open&status=dismissed&mark=m&territory=be&opened_from=2026-11-01"
        "&risk_min=0.2&band=high&appeal=upheld&sort=risk&size=25&page=3&unknown=1"
    )
    assert query.territory == "BE"
    assert query.status == (CaseStatus.open, CaseStatus.dismissed)
    assert query.appeal is AppealStatus.upheld
    assert query.opened_from == date(2026, 11, 1)
    assert parse_query_string(query.query_string(paging=True)) == query
    assert "page" not in query.query_string()  # a saved view keeps filters, not the page
    assert parse_query([]) == CaseQuery()
    assert CaseQuery().empty


def test_export_rows_follow_the_search(
    session: Session, settings: Settings, three: list[int]
) -> None:
    rows = search.export_rows(
        session, principal=NED, query=CaseQuery(seller=SELLER, sort="oldest"), limit=2
    )
    assert [r[0] for r in rows] == sorted(three)[:2]
    text = "".join(search.csv_chunks(rows, chunk=1))
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert len(text.splitlines()) == 3


# ------------------------------------------------------------------ saved views


def _user(session: Session, email: str, party: str) -> int:
    user = create_user(
        session, email=email, name=email, party_id=party, role=Role.rights_holder, password="x" * 12
    )
    return user.id


def test_saved_views_per_user_and_party(session: Session) -> None:
    me = _user(session, "find-me@example.org", "NOC:NED")
    other = _user(session, "find-other@example.org", "NOC:NED")
    query = CaseQuery(status=(CaseStatus.open,), band="high")
    view = search.save_view(session, principal=NED, user_id=me, name="  High  risk ", query=query)
    assert view.name == "High risk"
    assert parse_query_string(view.query) == query
    # The same name again replaces the filters; the list is the user's only.
    again = search.save_view(
        session, principal=NED, user_id=me, name="High risk", query=CaseQuery(band="low")
    )
    assert again.id == view.id
    assert [v.query for v in search.list_views(session, principal=NED, user_id=me)] == ["band=low"]
    assert search.list_views(session, principal=NED, user_id=other) == []
    # Another user (or the same user id acting for another party) cannot open or delete it.
    for user_id, principal in ((other, NED), (me, FRA)):
        with pytest.raises(NotFound):
            search.get_view(session, principal=principal, user_id=user_id, view_id=view.id)
        with pytest.raises(NotFound):
            search.delete_view(session, principal=principal, user_id=user_id, view_id=view.id)
    search.delete_view(session, principal=NED, user_id=me, view_id=view.id)
    assert search.list_views(session, principal=NED, user_id=me) == []


def test_saved_views_are_checked(session: Session) -> None:
    me = _user(session, "find-check@example.org", "NOC:NED")
    with pytest.raises(InvalidInput, match="name the view"):
        search.save_view(session, principal=NED, user_id=me, name=" ", query=CaseQuery(q="x"))
    with pytest.raises(InvalidInput) as caught:
        search.save_view(session, principal=NED, user_id=me, name="all", query=CaseQuery())
    assert caught.value.code == "empty_view"
    with pytest.raises(InvalidInput):
        search.save_view(session, principal=NED, user_id=me, name="n" * 101, query=CaseQuery(q="x"))
    with pytest.raises(Forbidden):
        search.save_view(session, principal=TMALL, user_id=me, name="m", query=CaseQuery(q="x"))
    for n in range(search.MAX_VIEWS):
        search.save_view(session, principal=NED, user_id=me, name=f"v{n}", query=CaseQuery(q="x"))
    with pytest.raises(InvalidInput) as caught:
        search.save_view(
            session, principal=NED, user_id=me, name="one more", query=CaseQuery(q="x")
        )
    assert caught.value.code == "too_many_views"


# ------------------------------------------------------------------ seller profiles


def test_seller_profile_lists_everything_and_the_standing(
    session: Session, settings: Settings
) -> None:
    seller = "seller-find-profile"
    struck = taken_down(session, settings, listing_id="P-1", seller_id=seller)
    service.file_counter_notice(
        session,
        case_id=struck,
        token=token(settings, struck),
        statement="mine",
        settings=settings,
        now=T0,
    )
    service.decide_appeal(
        session,
        principal=NED,
        case_id=struck,
        outcome=AppealStatus.rejected,
        reason_code=ReasonCode.counter_notice_unsupported,
        settings=settings,
        now=T0,
    )
    first = open_one(session, settings, listing_id="P-2", seller_id=seller, now=T0)
    second = open_one(
        session, settings, listing_id="P-2", listing_version="v2", seller_id=seller, now=T0
    )
    profile = seller_profile(
        session, principal=NED, seller_id=seller, settings=settings, now=T0 + timedelta(days=1)
    )
    assert profile.total == 3
    assert [c.id for c in profile.cases] == [second.id, first.id, struck]
    listings = {row.listing_id: row for row in profile.listings}
    assert listings["P-2"].versions == 2
    assert listings["P-2"].cases == [second.id, first.id]
    assert listings["P-1"].status is CaseStatus.closed_taken_down
    assert [(case_id, a.status) for case_id, a in profile.appeals] == [
        (struck, AppealStatus.rejected)
    ]
    assert [s.case_id for s in profile.strike_rows] == [struck]
    assert (profile.standing.strikes, profile.standing.repeat_infringer) == (1, False)
    assert profile.marketplaces == [("MKT:tmall", 3)]
    assert dict(profile.decisions) == {"": 2, "takedown": 1}


def test_seller_profile_keeps_to_the_tenant(session: Session, settings: Settings) -> None:
    open_one(session, settings, listing_id="Q-1", seller_id="seller-find-ned", now=T0)
    with pytest.raises(NotFound):
        seller_profile(session, principal=FRA, seller_id="seller-find-ned", settings=settings)
    with pytest.raises(NotFound):
        seller_profile(session, principal=NED, seller_id="nobody-at-all", settings=settings)
    with pytest.raises(Forbidden):
        seller_profile(session, principal=LICENSEE, seller_id="seller-find-ned", settings=settings)
