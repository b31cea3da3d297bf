"""The HTML pages through the TestClient: sign-in, sessions and cookies, CSRF, scoping by
party and role, errors as pages, the main flows, and French."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import Response
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session

from ringfence.auth.service import create_user
from ringfence.core.security import SYSTEM, Principal, Role
from ringfence.core.settings import Environment, Settings
from ringfence.demo import demo_noc_shop, demo_product, demo_shop
from ringfence.enforcement.enums import CaseSource, CaseStatus, Decision, ReasonCode
from ringfence.enforcement.schemas import CaseIn, DecisionIn
from ringfence.enforcement.service import (
    case_events,
    case_exceptions,
    confirm_removal,
    counter_notice_token,
    decide,
    file_counter_notice,
    get_case,
    list_cases,
    open_case,
)
from ringfence.registry.service import compile_index
from ringfence.web import session as cookies
from ringfence.web.ratelimit import RateLimiter

PASSWORD = "correct horse battery"
TAKEDOWN_PENDING = "takedown requested"


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> TestClient:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def users(session: Session) -> dict[str, str]:
    made = {
        "ioc": ("ioc@example.org", "IOC", Role.rights_holder),
        "ned": ("ned@example.org", "NOC:NED", Role.rights_holder),
        "admin": ("admin@example.org", "IOC", Role.admin),
        "licensee": ("lic@example.org", "LIC:heritage-apparel", Role.licensee),
    }
    for email, party, role in made.values():
        create_user(session, email=email, name=email, party_id=party, role=role, password=PASSWORD)
    session.commit()
    return {k: v[0] for k, v in made.items()}


@pytest.fixture
def ioc_case(session: Session, app_settings: Settings) -> int:
    """A screening case on the Olympic rings: routed to the IOC, not to any NOC."""
    case, _ = open_case(
        session,
        principal=Principal(Role.marketplace, party_id="MKT:tmall"),
        data=CaseIn(
            source=CaseSource.screening,
            marketplace="MKT:tmall",
            listing_id="web-1",
            seller_id="SELLER:web-1",
            title="Olympic rings replica hoodie",
            marks=["symbol-olympic-rings"],
            findings=[
                {
                    "detector": "terms",
                    "rule": "variant:symbol-olympic-rings:en",
                    "score": 0.9,
                    "field": "title",
                    "text": "Olympic rings",
                    "start": 0,
                    "end": 13,
                    "mark": "symbol-olympic-rings",
                }
            ],
        ),
        settings=app_settings,
    )
    session.commit()
    return case.id


@pytest.fixture
def other(client: TestClient) -> Iterator[TestClient]:
    """A second browser on the same app (its own cookies)."""
    with TestClient(client.app) as second:
        yield second


# ------------------------------------------------------------------ sign-in and sessions


def test_sign_in_sets_a_hardened_session_cookie_and_lands_on_the_console(
    client: TestClient, users: dict[str, str]
) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"email": users["ioc"], "password": PASSWORD, "csrf_token": csrf(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    header = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(cookies.SESSION)
    )
    assert "HttpOnly" in header
    assert "SameSite=lax" in header
    assert client.get("/console").status_code == 200


def test_a_wrong_password_is_a_401_page_and_no_session(
    client: TestClient, users: dict[str, str]
) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"email": users["ioc"], "password": "wrong password", "csrf_token": csrf(form.text)},
    )
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
    assert cookies.SESSION not in client.cookies
    unknown = client.post(
        "/login",
        data={"email": "nobody@example.org", "password": PASSWORD, "csrf_token": csrf(form.text)},
    )
    assert unknown.status_code == 401


def test_signing_out_ends_the_session_on_the_server(
    client: TestClient, other: TestClient, users: dict[str, str]
) -> None:
    sign_in(client, users["ioc"])
    stolen = client.cookies[cookies.SESSION]
    assert other.get("/console", follow_redirects=False).status_code == 303
    page = client.get("/console")
    client.post("/logout", data={"csrf_token": csrf(page.text)})
    other.cookies.set(cookies.SESSION, stolen)
    assert client.get("/console", follow_redirects=False).status_code == 303
    response = other.get("/console", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_a_forged_session_cookie_is_ignored(client: TestClient, users: dict[str, str]) -> None:
    sign_in(client, users["ioc"])
    token, _, mac = client.cookies[cookies.SESSION].rpartition(".")
    client.cookies.clear()
    client.cookies.set(cookies.SESSION, f"{token}x.{mac}")
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client: TestClient) -> None:
    response = client.get("/console/queue", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fconsole%2Fqueue"


def test_sign_in_never_redirects_off_site(client: TestClient, users: dict[str, str]) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": users["ioc"],
            "password": PASSWORD,
            "next": "//evil.example/",
            "csrf_token": csrf(form.text),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/console"


def test_cookies_are_secure_outside_development() -> None:
    settings = Settings(
        environment=Environment.production,
        secret_key=SecretStr("x" * 40),
        notice_connector="webhook",
        webhook_secret=SecretStr("y" * 40),
    )
    response = Response()
    cookies.set_cookie(response, settings, cookies.SESSION, "token")
    assert "Secure" in response.headers["set-cookie"]
    dev = Response()
    cookies.set_cookie(dev, Settings(), cookies.SESSION, "token")
    assert "Secure" not in dev.headers["set-cookie"]


def test_signed_values_do_not_survive_tampering_or_a_change_of_name() -> None:
    settings = Settings()
    signed = cookies.sign(settings, cookies.CART, "abc")
    assert cookies.unsign(settings, cookies.CART, signed) == "abc"
    assert cookies.unsign(settings, cookies.ORDERS, signed) is None
    assert cookies.unsign(settings, cookies.CART, "abd" + signed[3:]) is None


# ------------------------------------------------------------------ CSRF


def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, users: dict[str, str], ioc_case: int
) -> None:
    sign_in(client, users["ioc"])
    decision = {"decision": "takedown", "reason_code": "counterfeit"}
    missing = client.post(f"/console/cases/{ioc_case}/decision", data=decision)
    assert missing.status_code == 403
    assert "csrf_failed" in missing.text
    wrong = client.post(
        f"/console/cases/{ioc_case}/decision", data={**decision, "csrf_token": "x" * 43}
    )
    assert wrong.status_code == 403
    assert client.get(f"/console/cases/{ioc_case}").status_code == 200  # unchanged: still open
    assert "takedown requested" not in client.get(f"/console/cases/{ioc_case}").text


def test_a_token_from_another_browser_is_refused(
    client: TestClient, other: TestClient, users: dict[str, str]
) -> None:
    token = csrf(other.get("/login").text)
    client.get("/login")
    response = client.post(
        "/login", data={"email": users["ioc"], "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 403


# ------------------------------------------------------------------ scoping and roles


def test_an_noc_never_sees_another_holders_case(
    client: TestClient, users: dict[str, str], ioc_case: int
) -> None:
    sign_in(client, users["ned"])
    queue = client.get("/console/queue")
    assert queue.status_code == 200
    assert f"/console/cases/{ioc_case}" not in queue.text
    hidden = client.get(f"/console/cases/{ioc_case}")
    assert hidden.status_code == 404
    assert "<html" in hidden.text  # an error page, not JSON
    token = csrf(queue.text)
    decided = client.post(
        f"/console/cases/{ioc_case}/decision",
        data={"decision": "takedown", "reason_code": "counterfeit", "csrf_token": token},
    )
    assert decided.status_code == 404


def test_an_noc_sees_only_its_own_licences(client: TestClient, users: dict[str, str]) -> None:
    sign_in(client, users["ned"])
    page = client.get("/console/licences").text
    licensors = set(re.findall(r"<td>(IOC|NOC:[A-Z]+)</td>", page))
    assert licensors <= {"NOC:NED"}


def test_a_licensee_cannot_open_the_console(client: TestClient, users: dict[str, str]) -> None:
    sign_in(client, users["licensee"])
    response = client.get("/console")
    assert response.status_code == 403
    assert client.get("/portal").status_code == 200


# ------------------------------------------------------------------ flows


def test_an_analyst_takes_down_a_listing_from_the_queue(
    client: TestClient, session: Session, users: dict[str, str], ioc_case: int
) -> None:
    sign_in(client, users["ioc"])
    queue = client.get("/console/queue")
    assert f"/console/cases/{ioc_case}" in queue.text
    assert "<mark>Olympic rings</mark> replica hoodie" in queue.text  # the matched span
    response = client.post(
        f"/console/cases/{ioc_case}/decision",
        data={
            "decision": "takedown",
            "reason_code": "counterfeit",
            "then": "case",
            "csrf_token": csrf(queue.text),
        },
    )
    assert response.status_code == 200
    assert TAKEDOWN_PENDING in response.text
    case = get_case(session, principal=SYSTEM, case_id=ioc_case)
    assert case.status is CaseStatus.takedown_requested


def test_a_bulk_decision_dismisses_every_ticked_case(
    client: TestClient, session: Session, users: dict[str, str], ioc_case: int
) -> None:
    sign_in(client, users["ioc"])
    queue = client.get("/console/queue")
    response = client.post(
        "/console/queue/bulk",
        data={
            "decision": "dismiss",
            "reason_code": "false_positive",
            "case_ids": [str(ioc_case)],
            "csrf_token": csrf(queue.text),
        },
    )
    assert response.status_code == 200
    assert get_case(session, principal=SYSTEM, case_id=ioc_case).status is CaseStatus.dismissed


def test_the_dashboard_draws_its_charts_as_svg(
    client: TestClient, users: dict[str, str], ioc_case: int
) -> None:
    sign_in(client, users["ioc"])
    page = client.get("/console").text
    assert page.count("<svg") == 6
    assert "SELLER:web-1" in page  # top sellers


def test_screening_an_uploaded_file_opens_cases_and_offers_the_verdicts(
    client: TestClient, session: Session, users: dict[str, str]
) -> None:
    sign_in(client, users["ioc"])
    form = client.get("/console/screen")
    listings = (
        "listing_id,seller_id,title,price,currency,ship_to\n"
        "up-1,SELLER:up,Olympic rings replica scarf,4,EUR,FR\n"
        "up-2,SELLER:up,Plain blue scarf,4,EUR,FR\n"
    )
    response = client.post(
        "/console/screen",
        data={"csrf_token": csrf(form.text), "marketplace": "MKT:tmall"},
        files={"file": ("listings.csv", listings.encode(), "text/csv")},
    )
    assert response.status_code == 200
    assert 'download="verdicts.csv"' in response.text
    opened = list_cases(session, principal=SYSTEM, seller_id="SELLER:up")
    assert [c.listing_id for c in opened] == ["up-1"]


def test_a_licensee_requests_codes_and_gets_the_csv_and_the_qr_sheet(
    client: TestClient, session: Session, users: dict[str, str]
) -> None:
    gtin = demo_product(session)
    session.commit()
    sign_in(client, users["licensee"])
    form = client.get("/portal/codes")
    issued = client.post(
        "/portal/codes", data={"gtin": gtin, "count": "3", "csrf_token": csrf(form.text)}
    )
    assert issued.status_code == 200
    batch = issued.url.path.rsplit("/", 1)[1]
    sheet = client.get(f"/portal/codes/{batch}/sheet")
    assert sheet.text.count('src="data:image/svg+xml;base64,') == 3
    rows = client.get(f"/portal/codes/{batch}/codes.csv").text.splitlines()
    assert rows[0] == "gtin,lot,serial,uri"
    assert len(rows) == 4


def test_a_guest_buys_without_javascript_and_sees_only_their_own_order(
    client: TestClient, other: TestClient, session: Session, users: dict[str, str]
) -> None:
    offer = demo_shop(session)
    session.commit()
    item = client.get(f"/shop/items/{offer}")
    client.post("/shop/cart", data={"offer": offer, "quantity": 2, "csrf_token": csrf(item.text)})
    form = client.get("/shop/checkout/IOC")
    attempt = re.search(r'name="attempt" value="([^"]+)"', form.text)
    assert attempt
    order = client.post(
        "/shop/checkout/IOC",
        data={
            "csrf_token": csrf(form.text),
            "attempt": attempt.group(1),
            "email": "fan@example.org",
            "name": "A Fan",
            "line1": "1 rue de Rivoli",
            "city": "Paris",
            "postal_code": "75001",
            "country": "FR",
            "card": "tok_visa",
        },
    )
    assert order.status_code == 200
    assert 'id="order-status">paid<' in order.text
    assert "Your cart is empty." in client.get("/shop/cart").text
    assert other.get(order.url.path).status_code == 404  # another browser: not its order
    order_id = order.url.path.rsplit("/", 1)[1]
    sign_in(other, users["ned"])
    assert order_id not in other.get("/console/orders").text  # not the NOC's store
    assert other.get(f"/console/orders/{order_id}").status_code == 404
    other.cookies.clear()
    sign_in(other, users["ioc"])
    assert f'href="/console/orders/{order_id}"' in other.get("/console/orders").text


def test_a_buyers_report_of_a_fake_opens_a_case(client: TestClient, session: Session) -> None:
    form = client.get("/verify")
    response = client.post(
        "/verify/report",
        data={
            "csrf_token": csrf(form.text),
            "gtin": "04006381333931",
            "serial": "FAKE1",
            "where": "a market stall",
        },
    )
    assert response.status_code == 200
    assert "Your report opened a case" in response.text
    reports = [
        c
        for c in list_cases(session, principal=SYSTEM)
        if c.source is CaseSource.buyer_report and c.listing_id == "04006381333931/FAKE1"
    ]
    assert len(reports) == 1


# ------------------------------------------------------------------ languages and errors


def test_the_browser_language_chooses_french(client: TestClient) -> None:
    page = client.get("/shop", headers={"accept-language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in page.text
    assert "Boutique officielle" in page.text


def test_the_switch_overrides_the_browser(client: TestClient) -> None:
    home = client.get("/", headers={"accept-language": "en"})
    client.post("/lang", data={"lang": "fr", "next": "/", "csrf_token": csrf(home.text)})
    page = client.get("/verify", headers={"accept-language": "en"})
    assert "Vérifier un code" in page.text


def test_french_error_pages_and_sign_in_failures(client: TestClient, users: dict[str, str]) -> None:
    french = {"accept-language": "fr"}
    missing = client.get("/no/such/page", headers={**french, "accept": "text/html"})
    assert missing.status_code == 404
    assert "<h1>Introuvable</h1>" in missing.text
    form = client.get("/login", headers=french)
    failed = client.post(
        "/login",
        data={"email": users["ioc"], "password": "nope nope nope", "csrf_token": csrf(form.text)},
        headers=french,
    )
    assert failed.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in failed.text


def test_bad_form_input_is_a_422_page_not_a_500(client: TestClient) -> None:
    page = client.get("/shop")
    response = client.post(
        "/shop/cart", data={"offer": "not a number", "csrf_token": csrf(page.text)}
    )
    assert response.status_code == 422
    assert "<html" in response.text
    huge = client.get("/shop/items/99999999999999999999999")
    assert huge.status_code == 422
    assert client.get("/shop/items/424242").status_code == 404


def test_the_api_keeps_json_errors(client: TestClient) -> None:
    response = client.get("/v1/parties", headers={"accept": "text/html"})
    assert response.status_code == 401
    assert response.json()["detail"][0]["code"] == "missing_api_key"


def test_the_marketplace_confirms_a_removal(
    client: TestClient, session: Session, users: dict[str, str], ioc_case: int
) -> None:
    create_user(
        session, email="mkt@example.org", name="Tmall", party_id="MKT:tmall",
        role=Role.marketplace, password=PASSWORD,
    )  # fmt: skip
    session.commit()
    sign_in(client, users["ioc"])
    page = client.get(f"/console/cases/{ioc_case}")
    assert "Confirm the listing is removed" not in page.text  # not the analyst's to confirm
    client.post(
        f"/console/cases/{ioc_case}/decision",
        data={"decision": "takedown", "reason_code": "counterfeit", "csrf_token": csrf(page.text)},
    )
    client.cookies.clear()
    sign_in(client, "mkt@example.org")
    page = client.get(f"/console/cases/{ioc_case}")
    response = client.post(
        f"/console/cases/{ioc_case}/removal", data={"csrf_token": csrf(page.text)}
    )
    assert response.status_code == 200
    assert get_case(session, principal=SYSTEM, case_id=ioc_case).status is CaseStatus.taken_down


def test_the_shop_browses_by_noc_category_and_search(client: TestClient, session: Session) -> None:
    demo_shop(session)
    demo_noc_shop(session, index=compile_index(session))
    session.commit()
    scarf, shirt = "TeamNL supporters&#39; scarf", "Olympic rings T-shirt"
    everything = client.get("/shop").text
    assert scarf in everything
    assert shirt in everything
    by_noc = client.get("/shop", params={"noc": "NED"}).text
    assert (scarf in by_noc, shirt in by_noc) == (True, False)
    by_category = client.get("/shop", params={"category": "apparel.clothing"}).text
    assert (scarf in by_category, shirt in by_category) == (False, True)
    french = client.get("/shop", params={"q": "scarf"}, headers={"accept-language": "fr"}).text
    assert "Écharpe des supporters TeamNL" in french


def test_password_guessing_is_rate_limited(client: TestClient, users: dict[str, str]) -> None:
    client.app.state.sign_in_limiter = RateLimiter(per_minute=0.001, burst=3)  # type: ignore[attr-defined]
    token = csrf(client.get("/login").text)
    answers = [
        client.post(
            "/login", data={"email": users["ioc"], "password": f"guess {i}", "csrf_token": token}
        ).status_code
        for i in range(4)
    ]
    assert answers == [401, 401, 401, 429]
    refused = client.post(
        "/login", data={"email": users["ioc"], "password": "x", "csrf_token": token}
    )
    assert "Retry-After" in refused.headers
    assert "<html" in refused.text


def test_the_owner_adds_an_exception_to_its_mark_and_no_one_else_can(
    client: TestClient, session: Session, users: dict[str, str]
) -> None:
    sign_in(client, users["ned"])
    assert client.get("/console/marks/symbol-olympic-rings").status_code == 404  # the IOC's
    token = csrf(client.get("/console/marks").text)
    refused = client.post(
        "/console/marks/symbol-olympic-rings/exceptions",
        data={"text": "Olympic Bakery", "reason": "grandfathered_brand", "csrf_token": token},
    )
    assert refused.status_code == 404
    client.cookies.clear()
    sign_in(client, users["ioc"])
    page = client.get("/console/marks/symbol-olympic-rings")
    added = client.post(
        "/console/marks/symbol-olympic-rings/exceptions",
        data={
            "text": "Olympic Bakery",
            "reason": "grandfathered_brand",
            "territories": "gr, cy",
            "csrf_token": csrf(page.text),
        },
    )
    assert added.status_code == 200
    assert "<td>Olympic Bakery</td><td>grandfathered brand</td><td>CY, GR</td>" in added.text


@pytest.fixture
def bakery_case(session: Session, app_settings: Settings) -> int:
    """A screening case of the IOC's word mark in a bakery's name, shipped to France."""
    case, _ = open_case(
        session,
        principal=Principal(Role.marketplace, party_id="MKT:tmall"),
        data=CaseIn(
            source=CaseSource.screening,
            marketplace="MKT:tmall",
            listing_id="web-bakery",
            seller_id="SELLER:web-2",
            title="Olympic Bakery butter cookies",
            marks=["word-olympic"],
            territories=["FR"],
            category="home",
            findings=[
                {
                    "detector": "terms",
                    "rule": "variant:word-olympic:en",
                    "score": 0.95,
                    "field": "title",
                    "text": "Olympic",
                    "start": 0,
                    "end": 7,
                    "mark": "word-olympic",
                }
            ],
        ),
        settings=app_settings,
    )
    session.commit()
    return case.id


def test_i16_dismissing_previews_a_scoped_exception_and_revokes_it(
    client: TestClient, session: Session, users: dict[str, str], bakery_case: int
) -> None:
    sign_in(client, users["ioc"])
    page = client.get(f"/console/cases/{bakery_case}")
    assert '<option value="0">Olympic (word-olympic)</option>' in page.text
    assert 'name="exception_text" value="Olympic Bakery"' in page.text  # the phrase around it
    form = {
        "decision": "dismiss",
        "reason_code": "exception_applies",
        "exception": "0",
        "exception_reason": "grandfathered_brand",
        "then": "case",
        "csrf_token": csrf(page.text),
    }
    # The bare mark word is refused, and nothing is decided.
    bare = client.post(
        f"/console/cases/{bakery_case}/decision", data=form | {"exception_text": "Olympic"}
    )
    assert bare.status_code == 422
    assert "exception_too_broad" in bare.text or "a mark alone" in bare.text
    # The phrase is previewed first: nothing is decided or saved yet.
    preview = client.post(
        f"/console/cases/{bakery_case}/decision", data=form | {"exception_text": "Olympic Bakery"}
    )
    assert preview.status_code == 200
    assert "Preview the exception" in preview.text
    assert "<dd>Olympic Bakery</dd>" in preview.text
    assert "<dd>FR</dd>" in preview.text
    assert "<dd>home</dd>" in preview.text
    assert 'id="preview-count"' in preview.text
    assert 'name="confirmed" value="1"' in preview.text
    assert get_case(session, principal=SYSTEM, case_id=bakery_case).status is CaseStatus.open
    # Confirmed from the preview's form: decided and saved, scoped.
    saved = client.post(
        f"/console/cases/{bakery_case}/decision",
        data=dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', preview.text)),
    )
    assert saved.status_code == 200
    assert "Exceptions made from this case" in saved.text
    assert "<td>Olympic Bakery</td><td>word-olympic</td><td>FR</td><td>home</td>" in saved.text
    mark = client.get("/console/marks/word-olympic").text
    assert "<td>Olympic Bakery</td><td>grandfathered brand</td><td>FR</td><td>home</td>" in mark
    # Revoked from the case page.
    revoke = re.search(r'action="(/console/exceptions/\d+/revoke)"', saved.text)
    assert revoke is not None
    revoked = client.post(revoke.group(1), data={"then": "case", "csrf_token": csrf(saved.text)})
    assert revoked.status_code == 200
    assert "The exception is revoked" in revoked.text
    assert "Exceptions made from this case" not in revoked.text
    assert "<td>Olympic Bakery</td>" not in client.get("/console/marks/word-olympic").text
    events = [e.kind for e in case_events(session, principal=SYSTEM, case_id=bakery_case)]
    assert events[-2:] == ["registry.exception_added", "registry.exception_revoked"]
    # In French, too.
    french = client.get("/console/marks/word-olympic", headers={"accept-language": "fr"})
    assert "<td>toutes catégories</td>" in french.text
    assert ">Révoquer</button>" in french.text


def test_i16_only_the_owner_revokes_from_the_console(
    client: TestClient, session: Session, users: dict[str, str], bakery_case: int
) -> None:
    ioc = Principal(Role.rights_holder, party_id="IOC", key_id="k")
    decide(
        session,
        principal=ioc,
        case_id=bakery_case,
        data=DecisionIn.model_validate(
            {
                "decision": "dismiss",
                "reason_code": "exception_applies",
                "add_exception": {
                    "mark": "word-olympic",
                    "text": "Olympic Bakery",
                    "reason": "grandfathered_brand",
                },
            }
        ),
        settings=Settings(),
    )
    session.commit()
    made = case_exceptions(session, principal=ioc, case_id=bakery_case)
    sign_in(client, users["ned"])
    home = client.get("/console")
    refused = client.post(
        f"/console/exceptions/{made[0].id}/revoke", data={"csrf_token": csrf(home.text)}
    )
    assert refused.status_code == 404
    assert case_exceptions(session, principal=ioc, case_id=bakery_case) == made


def test_the_analyst_decides_the_sellers_counter_notice(
    client: TestClient,
    session: Session,
    app_settings: Settings,
    users: dict[str, str],
    ioc_case: int,
) -> None:
    ioc = Principal(Role.rights_holder, party_id="IOC")
    decide(
        session,
        principal=ioc,
        case_id=ioc_case,
        data=DecisionIn(decision=Decision.takedown, reason_code=ReasonCode.unlicensed_use),
        settings=app_settings,
    )
    confirm_removal(
        session,
        principal=Principal(Role.marketplace, party_id="MKT:tmall"),
        case_id=ioc_case,
        settings=app_settings,
    )
    file_counter_notice(
        session,
        case_id=ioc_case,
        token=counter_notice_token(app_settings, ioc_case),
        statement="I hold a licence for these hoodies.",
        settings=app_settings,
    )
    session.commit()
    sign_in(client, users["ioc"])
    page = client.get(f"/console/cases/{ioc_case}")
    assert "I hold a licence for these hoodies." in page.text
    response = client.post(
        f"/console/cases/{ioc_case}/appeal",
        data={"outcome": "upheld", "reason_code": "licence_shown", "csrf_token": csrf(page.text)},
    )
    assert response.status_code == 200
    assert get_case(session, principal=SYSTEM, case_id=ioc_case).status is CaseStatus.reinstated


def test_the_verify_page_answers_not_genuine_in_french_with_the_report_form(
    client: TestClient,
) -> None:
    response = client.get(
        "/v/01/04006381333931/21/NOSUCHSERIAL",
        headers={"accept": "text/html", "accept-language": "fr"},
    )
    assert response.status_code == 200
    assert "<h1>Non authentique</h1>" in response.text
    assert 'action="/verify/report"' in response.text
    assert "Signaler une contrefaçon" in response.text
    pasted = client.get("/verify", params={"code": "not a link"})
    assert pasted.status_code == 422
    assert "This is not an authenticity code." in pasted.text


def test_pages_forbid_framing_and_outside_scripts(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "script-src" not in headers["content-security-policy"]  # default-src 'self' rules
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_h18_s4_console_upload_with_nested_json_is_an_error_row_or_a_refusal(
    client: TestClient, users: dict[str, str]
) -> None:
    sign_in(client, users["ioc"])
    token = csrf(client.get("/console/screen").text)
    nested = "[" * 1000 + "]" * 1000
    rows = f'listing_id,seller_id,title,image_paths\nup-9,SELLER:up,Plain mug,"{nested}"\n'
    response = client.post(
        "/console/screen",
        data={"csrf_token": token, "marketplace": "MKT:tmall"},
        files={"file": ("listings.csv", rows.encode(), "text/csv")},
    )
    assert response.status_code == 200
    assert "invalid_image_paths" in response.text
    # A JSON Lines file whose line itself nests too deeply is a refused file, not a crash.
    line = '{"listing_id": "up-10", "x": ' + nested + "}\n"
    refused = client.post(
        "/console/screen",
        data={"csrf_token": token, "marketplace": "MKT:tmall"},
        files={"file": ("listings.jsonl", line.encode(), "application/x-ndjson")},
    )
    assert refused.status_code == 422
    assert "invalid_file" in refused.text
