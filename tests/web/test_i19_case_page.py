"""Issue 19, the analyst's case page through the TestClient (no JavaScript): the listing, the
screening reasons and the seller's licences side by side; assign, comment and @mention; the
undo of a take down; bulk decisions that cannot be applied say why on the queue page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ringfence.auth.service import create_user
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement.enums import CaseSource, CaseStatus
from ringfence.enforcement.schemas import CaseIn
from ringfence.enforcement.service import add_file, get_case, open_case
from tests.web.test_pages import csrf, sign_in

PASSWORD = "correct horse battery"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def team(session: Session) -> dict[str, int]:
    made = {}
    for email, party, role in (
        ("ana@ioc.example", "IOC", Role.rights_holder),
        ("ben@ioc.example", "IOC", Role.rights_holder),
        ("noc@ned.example", "NOC:NED", Role.rights_holder),
        ("trust@tmall.example", "MKT:tmall", Role.marketplace),
    ):
        user = create_user(
            session, email=email, name=email.split("@", 1)[0].title(), party_id=party,
            role=role, password=PASSWORD,
        )  # fmt: skip
        made[email] = user.id
    session.commit()
    return made


def _case(session: Session, settings: Settings, listing_id: str, **over: object) -> int:
    data = {
        "source": CaseSource.screening,
        "marketplace": "MKT:tmall",
        "listing_id": listing_id,
        "seller_id": "SELLER:tmall-4711",
        "title": "Olympic rings 2026 replica hoodie, factory price",
        "marks": ["symbol-olympic-rings"],
        "territories": ["FR", "DE"],
        "risk": 0.99,
        "verdict": "infringing",
        "reasons": ["counterfeit_cue", "insufficient_listing_data"],
        "listing": {
            "url": "https://tmall.example/item/1",
            "price": 49,
            "currency": "EUR",
            "images": ["https://img.example/1.jpg"],
        },
        "findings": [
            {
                "detector": "terms",
                "rule": "variant:symbol-olympic-rings:en",
                "score": 0.95,
                "field": "title",
                "text": "Olympic rings",
                "start": 0,
                "end": 13,
                "mark": "symbol-olympic-rings",
            }
        ],
    } | over
    case, _ = open_case(
        session,
        principal=Principal(Role.marketplace, party_id="MKT:tmall"),
        data=CaseIn.model_validate(data),
        settings=settings,
    )
    session.commit()
    return case.id


def test_the_case_page_shows_the_listing_the_reasons_and_the_licences(
    client: TestClient, session: Session, app_settings: Settings, team: dict[str, int]
) -> None:
    case_id = _case(session, app_settings, "web19-1")
    add_file(
        session, principal=SYSTEM, case_id=case_id, content=PNG, content_type="image/png",
        filename="screenshot.png", settings=app_settings,
    )  # fmt: skip
    session.commit()
    sign_in(client, "ana@ioc.example", PASSWORD)
    page = client.get(f"/console/cases/{case_id}").text
    assert "The seller holds a licence." in page
    assert "<mark>Olympic rings</mark> 2026 replica hoodie" in page
    assert 'href="https://tmall.example/item/1"' in page
    assert "€49.00" in page
    assert "https://img.example/1.jpg" in page
    assert "IOC-2026-0001" in page  # the seller's licence, beside the listing
    assert "cannot tell" in page  # no category: its scope cannot be confirmed
    assert "words of a counterfeit" in page  # the reason, in words
    assert "(counterfeit_cue)" in page
    evidence = re.search(rf'href="(/console/cases/{case_id}/evidence/\d+)"', page)
    assert evidence, "the screenshot is linked"
    shot = client.get(evidence.group(1))
    assert shot.status_code == 200
    assert shot.content == PNG
    assert shot.headers["content-type"] == "image/png"
    assert "opened the case" in page  # the audit trail
    other = client.get(f"/console/cases/{case_id}/evidence/999999")
    assert other.status_code == 404


def test_a_screenshot_uploaded_on_the_page_becomes_evidence(
    client: TestClient, session: Session, app_settings: Settings, team: dict[str, int]
) -> None:
    case_id = _case(session, app_settings, "web19-up")
    sign_in(client, "ana@ioc.example", PASSWORD)
    token = csrf(client.get(f"/console/cases/{case_id}").text)
    added = client.post(
        f"/console/cases/{case_id}/evidence",
        data={"csrf_token": token},
        files={"file": ("shot.png", PNG, "image/png")},
    )
    assert "The file is added to the case" in added.text
    assert re.search(rf'<img src="/console/cases/{case_id}/evidence/\d+"', added.text)
    fake = client.post(
        f"/console/cases/{case_id}/evidence",
        data={"csrf_token": token},
        files={"file": ("shot.png", b"not a png", "image/png")},
    )
    assert fake.status_code == 422
    assert "content_type_mismatch" in fake.text


def test_a_category_outside_the_licence_is_out_of_scope(
    client: TestClient, session: Session, app_settings: Settings, team: dict[str, int]
) -> None:
    case_id = _case(session, app_settings, "web19-2", category="toys")
    sign_in(client, "ana@ioc.example", PASSWORD)
    page = client.get(f"/console/cases/{case_id}").text
    assert "out of scope" in page
    assert "not covered" in page


def test_assign_comment_and_mention_show_in_my_work_and_the_trail(
    client: TestClient, session: Session, app_settings: Settings, team: dict[str, int]
) -> None:
    case_id = _case(session, app_settings, "web19-3")
    sign_in(client, "ana@ioc.example", PASSWORD)
    page = client.get(f"/console/cases/{case_id}").text
    assert "noc@ned.example" not in page  # another tenant's users are not offered
    token = csrf(page)
    done = client.post(
        f"/console/cases/{case_id}/assign",
        data={"user_id": str(team["ben@ioc.example"]), "csrf_token": token},
    )
    assert "Assigned to Ben." in done.text
    refused = client.post(
        f"/console/cases/{case_id}/assign",
        data={"user_id": str(team["noc@ned.example"]), "csrf_token": token},
    )
    assert refused.status_code == 422
    assert "not_a_team_member" in refused.text
    bad = client.post(
        f"/console/cases/{case_id}/assign", data={"user_id": "x1", "csrf_token": token}
    )
    assert bad.status_code == 422
    commented = client.post(
        f"/console/cases/{case_id}/comments",
        data={"body": "@ben is this the licensed store?", "csrf_token": token},
    )
    assert "@ben is this the licensed store?" in commented.text
    assert "assigned the case" in commented.text
    assert "commented" in commented.text
    empty = client.post(
        f"/console/cases/{case_id}/comments", data={"body": " ", "csrf_token": token}
    )
    assert empty.status_code == 422
    client.post("/logout", data={"csrf_token": csrf(client.get("/console/queue").text)})
    sign_in(client, "ben@ioc.example", PASSWORD)
    mine = client.get("/console/mine").text
    assert f'href="/console/cases/{case_id}"' in mine
    assert "is this the licensed store?" in mine
    assert "Assigned to me: 1 · mentions: 1" in client.get("/console/queue").text


def test_the_marketplace_sees_the_case_but_not_the_team(
    client: TestClient, session: Session, app_settings: Settings, team: dict[str, int]
) -> None:
    case_id = _case(session, app_settings, "web19-4")
    sign_in(client, "trust@tmall.example", PASSWORD)
    page = client.get(f"/console/cases/{case_id}")
    assert page.status_code == 200
    assert 'id="comment-form"' not in page.text
    assert client.get("/console/mine").status_code == 403


def test_a_takedown_can_be_undone_from_the_page_that_follows(
    client: TestClient, session: Session, app_settings: Settings, team: dict[str, int]
) -> None:
    case_id = _case(session, app_settings, "web19-5")
    sign_in(client, "ana@ioc.example", PASSWORD)
    token = csrf(client.get("/console/queue").text)
    decided = client.post(
        f"/console/cases/{case_id}/decision",
        data={"decision": "takedown", "reason_code": "counterfeit", "then": "queue",
              "csrf_token": token},
    )  # fmt: skip
    assert f'action="/console/cases/{case_id}/undo"' in decided.text
    assert "nothing is sent to the marketplace before then" in decided.text
    case = get_case(session, principal=SYSTEM, case_id=case_id)
    assert case.status is CaseStatus.takedown_requested
    assert case.notices[0].status.value == "pending"
    undone = client.post(
        f"/console/cases/{case_id}/undo", data={"then": "queue", "csrf_token": token}
    )
    assert "The decision is undone" in undone.text
    case = get_case(session, principal=SYSTEM, case_id=case_id)
    assert case.status is CaseStatus.open
    assert case.notices[0].status.value == "retracted"
    again = client.post(f"/console/cases/{case_id}/undo", data={"csrf_token": token})
    assert again.status_code == 409
    assert "undo_expired" in again.text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"decision": "takedown", "reason_code": "counterfeit"}, "tick at least one case"),
        ({"decision": "", "reason_code": "counterfeit", "pick": True}, "choose a decision"),
        ({"decision": "dismiss", "reason_code": "", "pick": True}, "choose a reason"),
        (
            {"decision": "dismiss", "reason_code": "ambush_marketing", "pick": True},
            "does not go with",
        ),
    ],
)
def test_a_bulk_decision_that_cannot_apply_says_why_on_the_queue(
    client: TestClient,
    session: Session,
    app_settings: Settings,
    team: dict[str, int],
    form: dict[str, object],
    message: str,
) -> None:
    case_id = _case(session, app_settings, "web19-6")
    sign_in(client, "ana@ioc.example", PASSWORD)
    queue = client.get("/console/queue").text
    assert '<option value="" selected>Choose a reason</option>' in queue  # no silent default
    data: dict[str, object] = {
        "decision": form["decision"],
        "reason_code": form["reason_code"],
        "csrf_token": csrf(queue),
    }
    if form.get("pick"):
        data["case_ids"] = [str(case_id)]
    response = client.post("/console/queue/bulk", data=data)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert message in response.text
    assert "<h1>Review queue</h1>" in response.text
    assert get_case(session, principal=SYSTEM, case_id=case_id).status is CaseStatus.open
