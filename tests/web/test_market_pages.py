"""Issue 19, marketplaces and licensees: the marketplace's to-do list of notices, screening
uploads (known marketplaces only, columns checked, no duplicate cases, results with titles,
marks, risk and reasons), the self-contained QR sheet and the verify form that takes what a
label prints."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta

import pytest
from fastapi import Response
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.auth.service import create_user
from ringfence.core.db import utcnow
from ringfence.core.errors import Forbidden
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.core.settings import Settings
from ringfence.demo import demo_product
from ringfence.enforcement.enums import (
    AppealStatus,
    CaseSource,
    CaseStatus,
    Decision,
    NoticeStatus,
    ReasonCode,
)
from ringfence.enforcement.models import Notice
from ringfence.enforcement.schemas import CaseIn, DecisionIn
from ringfence.enforcement.service import (
    confirm_removal,
    counter_notice_token,
    decide,
    decide_appeal,
    file_counter_notice,
    get_case,
    list_cases,
    marketplace_notices,
    open_case,
)
from tests.web.test_pages import PASSWORD, csrf, sign_in

MKT = "mkt@example.org"
IOC = "ioc-analyst@example.org"
ADMIN = "ioc-admin@example.org"


@pytest.fixture
def people(session: Session) -> None:
    for email, party, role in (
        (MKT, "MKT:tmall", Role.marketplace),
        (IOC, "IOC", Role.rights_holder),
        ("ned-analyst@example.org", "NOC:NED", Role.rights_holder),
        (ADMIN, "IOC", Role.admin),
    ):
        create_user(session, email=email, name=email, party_id=party, role=role, password=PASSWORD)
    session.commit()


def _taken_down_request(session: Session, settings: Settings, listing: str) -> int:
    """A case on the rings, decided for a takedown by the IOC: a notice to Tmall."""
    case, _ = open_case(
        session,
        principal=Principal(Role.marketplace, party_id="MKT:tmall"),
        data=CaseIn(
            source=CaseSource.screening,
            marketplace="MKT:tmall",
            listing_id=listing,
            seller_id="SELLER:n",
            title=f"Olympic rings replica hoodie {listing}",
            marks=["symbol-olympic-rings"],
        ),
        settings=settings,
    )
    decide(
        session,
        principal=Principal(Role.rights_holder, party_id="IOC"),
        case_id=case.id,
        data=DecisionIn(decision=Decision.takedown, reason_code=ReasonCode.counterfeit),
        settings=settings,
    )
    session.commit()
    return case.id


# ------------------------------------------------------------------ the marketplace's notices


def test_the_marketplace_lands_on_its_notices_and_confirms_a_removal_from_the_list(
    client: TestClient, session: Session, app_settings: Settings, people: None
) -> None:
    first = _taken_down_request(session, app_settings, "nt-1")
    second = _taken_down_request(session, app_settings, "nt-2")
    landing = client.post(
        "/login",
        data={"email": MKT, "password": PASSWORD, "csrf_token": csrf(client.get("/login").text)},
        follow_redirects=False,
    )
    assert landing.headers["location"] == "/console/notices"
    page = client.get("/console/notices")
    assert page.status_code == 200
    assert 'href="/console/notices" aria-current="page"' in page.text  # in the navigation
    cases = [int(c) for c in re.findall(r'data-case="(\d+)"', page.text)]
    assert first in cases
    assert second in cases
    assert "Olympic rings replica hoodie nt-1" in page.text
    assert "Confirm the removal" in page.text
    confirmed = client.post(
        "/console/notices/removal", data={"case_id": str(first), "csrf_token": csrf(page.text)}
    )
    assert confirmed.status_code == 200
    assert str(confirmed.url).endswith("/console/notices?done=removed")
    assert get_case(session, principal=SYSTEM, case_id=first).status is CaseStatus.taken_down
    left = [int(c) for c in re.findall(r'data-case="(\d+)"', confirmed.text)]
    assert first not in left
    assert second in left
    done = client.get("/console/notices?show=done")
    assert f'data-case="{first}"' in done.text
    # Twice: the case is no longer waiting for a removal, a clear 409 page.
    again = client.post(
        "/console/notices/removal", data={"case_id": str(first), "csrf_token": csrf(page.text)}
    )
    assert again.status_code == 409
    assert "illegal_case_transition" in again.text


def test_notices_are_the_marketplaces_own_and_have_a_deadline(
    session: Session, app_settings: Settings
) -> None:
    case_id = _taken_down_request(session, app_settings, "nt-3")
    mine = marketplace_notices(
        session, principal=Principal(Role.marketplace, party_id="MKT:tmall"), settings=app_settings
    )
    task = next(t for t in mine if t.case == case_id)
    notice = session.get_one(Notice, task.notice)
    assert task.deadline == notice.created_at + timedelta(hours=app_settings.removal_hours)
    assert task.can_confirm
    assert not task.overdue
    later = marketplace_notices(
        session,
        principal=Principal(Role.marketplace, party_id="MKT:tmall"),
        settings=app_settings,
        now=utcnow() + timedelta(hours=app_settings.removal_hours + 1),
    )
    assert next(t for t in later if t.case == case_id).overdue
    other = marketplace_notices(
        session, principal=Principal(Role.marketplace, party_id="MKT:other"), settings=app_settings
    )
    assert all(t.case != case_id for t in other)
    with pytest.raises(Forbidden) as refused:
        marketplace_notices(
            session, principal=Principal(Role.rights_holder, party_id="IOC"), settings=app_settings
        )
    assert refused.value.code == "forbidden_role"


def test_another_marketplace_cannot_confirm_and_an_analyst_cannot_see_the_list(
    client: TestClient, session: Session, app_settings: Settings, people: None
) -> None:
    case_id = _taken_down_request(session, app_settings, "nt-4")
    sign_in(client, IOC)
    page = client.get("/console/notices")
    assert page.status_code == 403
    token = csrf(client.get("/console/queue").text)
    refused = client.post(
        "/console/notices/removal", data={"case_id": str(case_id), "csrf_token": token}
    )
    assert refused.status_code == 403
    assert session.scalars(select(Notice).where(Notice.case_id == case_id)).one().status in (
        NoticeStatus.pending,
        NoticeStatus.sent,
        NoticeStatus.failed,
    )
    bad = client.post("/console/notices/removal", data={"case_id": "x", "csrf_token": token})
    assert bad.status_code == 422


def _reinstated(session: Session, settings: Settings, listing: str) -> int:
    """A case taken down, removed, counter-notified and upheld: a reinstate notice waits."""
    case_id = _taken_down_request(session, settings, listing)
    tmall = Principal(Role.marketplace, party_id="MKT:tmall")
    confirm_removal(session, principal=tmall, case_id=case_id, settings=settings)
    file_counter_notice(
        session,
        case_id=case_id,
        token=counter_notice_token(settings, case_id),
        statement="I hold a licence.",
        settings=settings,
    )
    decide_appeal(
        session,
        principal=Principal(Role.rights_holder, party_id="IOC"),
        case_id=case_id,
        outcome=AppealStatus.upheld,
        reason_code=ReasonCode.licence_shown,
        settings=settings,
    )
    session.commit()
    return case_id


def test_the_marketplace_confirms_a_listing_is_back_up_from_the_list(
    client: TestClient, session: Session, app_settings: Settings, people: None
) -> None:
    case_id = _reinstated(session, app_settings, "nt-back")
    removal = _taken_down_request(session, app_settings, "nt-down")
    sign_in(client, MKT)
    page = client.get("/console/notices")
    task = re.search(rf'data-case="{case_id}">(.*?)</li>', page.text, re.S)
    assert task is not None
    assert "Put the listing back up" in task.group(1)
    assert "Confirm it is back up" in task.group(1)
    assert "/console/notices/reinstatement" in task.group(1)
    removal_task = re.search(rf'data-case="{removal}">(.*?)</li>', page.text, re.S)
    assert removal_task is not None
    assert "/console/notices/reinstatement" not in removal_task.group(1)
    token = csrf(page.text)
    # a removal is not a reinstatement: the case has none to confirm
    wrong = client.post(
        "/console/notices/reinstatement", data={"case_id": str(removal), "csrf_token": token}
    )
    assert wrong.status_code == 422
    confirmed = client.post(
        "/console/notices/reinstatement", data={"case_id": str(case_id), "csrf_token": token}
    )
    assert confirmed.status_code == 200
    assert str(confirmed.url).endswith("/console/notices?done=reinstated")
    assert "The listing is confirmed back up." in confirmed.text
    notices = session.scalars(
        select(Notice).where(Notice.case_id == case_id).order_by(Notice.id)
    ).all()
    session.expire_all()
    assert [(n.action, n.status) for n in notices] == [
        ("takedown", NoticeStatus.retracted),
        ("reinstate", NoticeStatus.confirmed),
    ]
    assert notices[1].confirmed_at is not None
    assert f'data-case="{case_id}"' not in confirmed.text
    assert f'data-case="{case_id}"' in client.get("/console/notices?show=done").text
    again = client.post(
        "/console/notices/reinstatement", data={"case_id": str(case_id), "csrf_token": token}
    )
    assert again.status_code == 422
    assert "no_notice" in again.text


def test_the_admin_has_the_notices_in_its_navigation_and_an_analyst_has_not(
    client: TestClient, session: Session, people: None
) -> None:
    sign_in(client, ADMIN)
    page = client.get("/console/notices")
    assert page.status_code == 200
    assert 'href="/console/notices" aria-current="page"' in page.text
    assert 'href="/console/notices"' in client.get("/console").text
    client.post("/logout", data={"csrf_token": csrf(page.text)})
    sign_in(client, IOC)
    assert 'href="/console/notices"' not in client.get("/console").text


# ------------------------------------------------------------------ screening uploads


def _upload(
    client: TestClient, body: str, marketplace: str = "MKT:tmall", name: str = "listings.csv"
) -> Response:
    token = csrf(client.get("/console/screen").text)
    return client.post(
        "/console/screen",
        data={"csrf_token": token, "marketplace": marketplace},
        files={"file": (name, body.encode(), "text/csv")},
    )


HEADER = "listing_id,seller_id,title,ship_to,listing_version\n"


def test_the_marketplace_is_one_of_the_registrys(
    client: TestClient, session: Session, people: None
) -> None:
    sign_in(client, IOC)
    form = client.get("/console/screen").text
    assert '<select id="marketplace" name="marketplace" required>' in form
    assert '<option value="MKT:tmall" selected>Tmall (MKT:tmall)</option>' in form
    refused = _upload(client, HEADER + "mk-1,SELLER:mk,Olympic rings replica scarf,FR,\n", "ebay")
    assert refused.status_code == 422
    assert "Choose one of the registry" in refused.text
    assert 'id="screen-form"' in refused.text  # the form again, to choose
    assert list_cases(session, principal=SYSTEM, seller_id="SELLER:mk") == []
    # Another spelling of a known one is that one: no second marketplace, no second case.
    first = _upload(client, HEADER + "mk-1,SELLER:mk,Olympic rings replica scarf,FR,\n", "tmall")
    assert first.status_code == 200, first.text
    second = _upload(client, HEADER + "mk-1,SELLER:mk,Olympic rings replica scarf,FR,\n", "Tmall")
    assert second.status_code == 200
    cases = list_cases(session, principal=SYSTEM, seller_id="SELLER:mk")
    assert [(c.marketplace, c.listing_id) for c in cases] == [("MKT:tmall", "mk-1")]


def test_a_listing_under_an_undecided_case_opens_no_other(
    client: TestClient, session: Session, people: None
) -> None:
    sign_in(client, IOC)
    rows = (
        "dup-1,SELLER:dup,Olympic rings replica scarf,FR,1\n"
        "dup-1,SELLER:dup,Olympic rings replica scarf v2,FR,2\n"
    )
    page = _upload(client, HEADER + rows)
    assert page.status_code == 200
    cases = list_cases(session, principal=SYSTEM, seller_id="SELLER:dup")
    assert len(cases) == 1
    assert "already under this case" in page.text
    # Decided, a new version of the listing opens a case again.
    decide(
        session,
        principal=Principal(Role.rights_holder, party_id="IOC"),
        case_id=cases[0].id,
        data=DecisionIn(decision=Decision.dismiss, reason_code=ReasonCode.false_positive),
        settings=Settings(database_url="sqlite://"),
    )
    session.commit()
    _upload(client, HEADER + "dup-1,SELLER:dup,Olympic rings replica scarf v3,FR,3\n")
    assert len(list_cases(session, principal=SYSTEM, seller_id="SELLER:dup")) == 2


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("id,name,ship_to\n", ["missing: listing_id, seller_id, title", "unknown: id, name"]),
        ("listing_id,seller_id,title,colour\n", ["unknown: colour"]),
        ("listing_id,title\n", ["missing: seller_id"]),
    ],
)
def test_a_file_with_wrong_columns_is_refused_naming_them(
    client: TestClient, session: Session, people: None, header: str, named: list[str]
) -> None:
    sign_in(client, IOC)
    refused = _upload(client, header + "a,b,c,d\n")
    assert refused.status_code == 422
    for text in named:
        assert text in refused.text
    assert 'role="alert"' in refused.text
    line = '{"listing_id": "j-1", "seller_id": "s", "title": "Olympic scarf", "colour": "red"}\n'
    json_refused = _upload(client, line, name="listings.jsonl")
    assert json_refused.status_code == 422
    assert "unknown: colour" in json_refused.text


def test_results_show_the_title_with_its_marks_risk_and_reasons_and_link_only_what_opens(
    client: TestClient, session: Session, people: None
) -> None:
    sign_in(client, IOC)
    rows = (
        "res-1,SELLER:res,Olympic rings replica scarf,FR,\n"
        "res-2,SELLER:res,LA28 souvenir hoodie,US,\n"
        "res-3,SELLER:res,Plain blue scarf,FR,\n"
    )
    page = _upload(client, HEADER + rows)
    assert page.status_code == 200
    text = page.text
    assert '<p class="listing-title"><mark>Olympic rings</mark> <mark>replica</mark> scarf' in text
    assert re.search(r"risk [01]\.\d\d", text)
    assert "the seller holds no licence for the mark <code>no_licence</code>" in text
    cases = {c.listing_id: c for c in list_cases(session, principal=SYSTEM, seller_id="SELLER:res")}
    ours, theirs = cases["res-1"], cases["res-2"]
    assert ours.rights_holder == "IOC"
    assert f'href="/console/cases/{ours.id}"' in text
    # The LA28 listing went to the organising committee: no link the IOC's analyst would
    # follow to a 404, but what screening found and where the case went.
    assert theirs.rights_holder == "OCOG:la28"
    assert f'href="/console/cases/{theirs.id}"' not in text
    assert f"Case #{theirs.id}, routed to" in text
    assert client.get(f"/console/cases/{theirs.id}").status_code == 404
    assert 'data-listing="res-3"' in text


# ------------------------------------------------------------------ licensees and buyers

LICENSEE = "heritage@example.org"


@pytest.fixture
def batch(client: TestClient, session: Session) -> tuple[str, str]:
    """A batch of three codes (lot L-19/A) issued from the portal: (batch id, GTIN)."""
    gtin = demo_product(session)
    create_user(
        session, email=LICENSEE, name="Heritage", party_id="LIC:heritage-apparel",
        role=Role.licensee, password=PASSWORD,
    )  # fmt: skip
    session.commit()
    sign_in(client, LICENSEE)
    form = client.get("/portal/codes")
    issued = client.post(
        "/portal/codes",
        data={"gtin": gtin, "count": "3", "lot": "L-19/A", "csrf_token": csrf(form.text)},
    )
    assert issued.status_code == 200, issued.text
    return issued.url.path.rsplit("/", 1)[1], gtin


def test_a_lot_outside_gs1_rules_is_refused_with_a_clear_page(
    client: TestClient, batch: tuple[str, str]
) -> None:
    _, gtin = batch
    form = client.get("/portal/codes")
    assert 'pattern="' in form.text  # the browser checks it first
    refused = client.post(
        "/portal/codes",
        data={"gtin": gtin, "count": "1", "lot": "bad lot/?", "csrf_token": csrf(form.text)},
    )
    assert refused.status_code == 422
    assert "invalid_lot" in refused.text
    assert "GS1" in refused.text


def test_the_qr_sheet_stands_alone_and_prints(client: TestClient, batch: tuple[str, str]) -> None:
    batch_id, gtin = batch
    sheet = client.get(f"/portal/codes/{batch_id}/sheet", params={"download": "1"})
    assert sheet.status_code == 200
    assert sheet.headers["content-disposition"] == f'attachment; filename="{batch_id}-qr.html"'
    html = sheet.text
    assert "csrf_token" not in html
    assert "<nav" not in html
    assert "<form" not in html
    assert 'rel="stylesheet"' not in html  # nothing to fetch: it opens from disk as it is
    assert html.count('src="data:image/svg+xml;base64,') == 3
    assert html.count(f'class="printed"><span>{gtin} ·</span> <span>') == 3
    assert "Olympic rings T-shirt" in html
    assert "L-19/A" in html
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    assert "@media print" in style.group(1)
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in sheet.headers["content-security-policy"]


def _printed(client: TestClient, batch_id: str) -> tuple[str, str]:
    """The GTIN and a serial of the batch, as its CSV lists them."""
    rows = client.get(f"/portal/codes/{batch_id}/codes.csv").text.splitlines()
    gtin, _lot, serial, _uri = rows[1].split(",")
    return gtin, serial


@pytest.mark.parametrize(
    "typed",
    [
        "{gtin} · {serial}",
        "{gtin}{serial}",
        "  {gtin}   {serial} ",
        "{gtin_spaced} {serial_lower}",
        "(01){gtin}(21){serial}",
        "(01) {gtin} (10) L-19/A (21) {serial}",
    ],
)
def test_the_verify_form_takes_what_the_label_prints(
    client: TestClient, batch: tuple[str, str], typed: str
) -> None:
    batch_id, _ = batch
    gtin, serial = _printed(client, batch_id)
    text = typed.format(
        gtin=gtin,
        serial=serial,
        gtin_spaced=" ".join([gtin[:4], gtin[4:8], gtin[8:]]),
        serial_lower=serial.lower(),
    )
    client.cookies.clear()  # a buyer, not signed in
    answer = client.get("/verify", params={"code": text}, headers={"accept": "text/html"})
    assert answer.status_code == 200, answer.text
    assert "/21/" + serial in str(answer.url)
    assert "<h1>Genuine</h1>" in answer.text


def test_the_verify_form_still_takes_the_link_and_refuses_the_rest(
    client: TestClient, batch: tuple[str, str]
) -> None:
    batch_id, _ = batch
    rows = client.get(f"/portal/codes/{batch_id}/codes.csv").text.splitlines()
    uri = rows[1].split(",")[3]
    client.cookies.clear()
    linked = client.get("/verify", params={"code": uri}, headers={"accept": "text/html"})
    assert "<h1>Genuine</h1>" in linked.text
    gtin = rows[1].split(",")[0]
    unknown = client.get(
        "/verify", params={"code": f"{gtin} · ZZZZZZZZZZZZZZZZ"}, headers={"accept": "text/html"}
    )
    assert unknown.status_code == 200
    assert "<h1>Genuine</h1>" not in unknown.text
    wrong_lot = client.get(
        "/verify",
        params={"code": f"(01){gtin}(10)OTHER(21){rows[1].split(',')[2]}"},
        headers={"accept": "text/html"},
    )
    assert "<h1>Genuine</h1>" not in wrong_lot.text
    for bad in ("hello", "12345 · ABC", f"{gtin} ·", "(01)123(21)A"):
        refused = client.get("/verify", params={"code": bad})
        assert refused.status_code == 422, bad
        assert 'role="alert"' in refused.text
