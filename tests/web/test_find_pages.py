"""Finding things through the pages (issue 19): the search page and its errors, the CSV export,
saved views, seller profiles, the evidence pack download, and the dashboard's date range and
drill-down links."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from urllib.parse import parse_qsl, urlsplit

from fastapi.testclient import TestClient

from ringfence.core.db import utcnow
from tests.web.test_pages import csrf, ioc_case, other, sign_in, users

__all__ = ["ioc_case", "other", "users"]  # fixtures used by name below

HTML = {"accept": "text/html"}


def _links(text: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', text)]


def test_search_finds_the_tenants_cases_with_links(
    client: TestClient, users: dict[str, str], ioc_case: int
) -> None:
    sign_in(client, users["ioc"])
    page = client.get("/console/search", params={"q": "replica hoodie", "seller": "SELLER:web-1"})
    assert page.status_code == 200
    assert f'href="/console/cases/{ioc_case}"' in page.text
    assert 'href="/console/sellers/SELLER%3Aweb-1"' in page.text
    assert f'href="/console/cases/{ioc_case}/evidence-pack"' in page.text
    assert "1 cases found" in page.text
    assert 'href="/console/search"' in page.text  # in the navigation
    # Suggestions: the user's marks and the marketplaces of the user's cases.
    assert '<option value="symbol-olympic-rings">' in page.text
    assert '<option value="MKT:tmall">' in page.text
    none = client.get("/console/search", params={"seller": "SELLER:web-1", "status": "dismissed"})
    assert "No case matches these filters." in none.text


def test_search_keeps_to_the_tenant_and_the_role(
    client: TestClient, other: TestClient, users: dict[str, str], ioc_case: int
) -> None:
    sign_in(client, users["ned"])
    page = client.get("/console/search", params={"seller": "SELLER:web-1"})
    assert page.status_code == 200
    assert f"/console/cases/{ioc_case}" not in page.text
    assert client.get("/console/sellers/SELLER:web-1", headers=HTML).status_code == 404
    assert client.get(f"/console/cases/{ioc_case}/evidence-pack", headers=HTML).status_code == 404
    sign_in(other, users["licensee"])
    assert other.get("/console/search", headers=HTML).status_code == 403
    anonymous = TestClient(client.app)
    away = anonymous.get("/console/search", follow_redirects=False)
    assert away.status_code in (302, 303)


def test_a_bad_filter_shows_the_form_and_the_message(
    client: TestClient, users: dict[str, str]
) -> None:
    sign_in(client, users["ioc"])
    for params, text in (
        ({"risk_min": "lots"}, "risk_min: &#39;lots&#39; is not a number"),
        ({"opened_from": "2026-12-05", "opened_to": "2026-12-01"}, "the range ends before"),
        ({"status": "burnt"}, "status: &#39;burnt&#39; is not one of"),
        ({"page": "0"}, "page: a whole number"),
    ):
        page = client.get("/console/search", params=params)
        assert page.status_code == 422, params
        assert 'role="alert"' in page.text
        assert text in page.text
        assert "invalid_filter" in page.text
        assert 'id="search-form"' in page.text  # the form again, with what was typed
    export = client.get("/console/search/export.csv", params={"band": "huge"})
    assert export.status_code == 422


def test_csv_export_of_the_current_search(
    client: TestClient, users: dict[str, str], ioc_case: int
) -> None:
    sign_in(client, users["ioc"])
    page = client.get("/console/search", params={"seller": "SELLER:web-1"})
    link = next(h for h in _links(page.text) if h.startswith("/console/search/export.csv"))
    assert dict(parse_qsl(urlsplit(link).query)) == {"seller": "SELLER:web-1"}
    answer = client.get(link)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith('attachment; filename="cases-')
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["id"], r["seller_id"]) for r in rows] == [(str(ioc_case), "SELLER:web-1")]


def test_saved_views_save_open_and_delete(
    client: TestClient, other: TestClient, users: dict[str, str], ioc_case: int
) -> None:
    sign_in(client, users["ioc"])
    page = client.get("/console/search", params={"seller": "SELLER:web-1", "band": "high"})
    token = csrf(page.text)
    query = html.unescape(re.search(r'name="query" value="([^"]*)"', page.text).group(1))  # type: ignore[union-attr]
    saved = client.post(
        "/console/search/views",
        data={"csrf_token": token, "name": "Web hoodies", "query": query},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "done=view_saved" in saved.headers["location"]
    listing = client.get(saved.headers["location"])
    assert "The view is saved." in listing.text
    view_link = next(h for h in _links(listing.text) if h.startswith("/console/search/views/"))
    view_id = int(view_link.rsplit("/", 1)[1])
    opened = client.get(view_link, follow_redirects=False)
    assert opened.status_code == 303
    assert dict(parse_qsl(urlsplit(opened.headers["location"]).query)) == {
        "seller": "SELLER:web-1",
        "band": "high",
    }
    # Without the form's token: refused. Another user: as if it did not exist.
    assert client.post(f"/console/search/views/{view_id}/delete", headers=HTML).status_code == 403
    sign_in(other, users["admin"])
    assert other.get(view_link, headers=HTML).status_code == 404
    theirs = csrf(other.get("/console/search").text)
    refused = other.post(
        f"/console/search/views/{view_id}/delete", data={"csrf_token": theirs}, headers=HTML
    )
    assert refused.status_code == 404
    deleted = client.post(
        f"/console/search/views/{view_id}/delete",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert "Web hoodies" not in client.get("/console/search").text
    empty = client.post(
        "/console/search/views", data={"csrf_token": token, "name": "x", "query": ""}, headers=HTML
    )
    assert empty.status_code == 422


def test_seller_profile_and_evidence_pack(
    client: TestClient, users: dict[str, str], ioc_case: int
) -> None:
    sign_in(client, users["ioc"])
    profile = client.get("/console/sellers/SELLER:web-1")
    assert profile.status_code == 200
    assert "Not a repeat infringer" in profile.text
    assert f'href="/console/cases/{ioc_case}"' in profile.text
    assert "web-1" in profile.text
    pack = client.get(f"/console/cases/{ioc_case}/evidence-pack")
    assert pack.status_code == 200
    assert pack.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(pack.content)) as z:
        manifest = json.loads(z.read("case.json"))
    assert manifest["case"]["id"] == ioc_case
    assert client.get("/console/cases/999999/evidence-pack", headers=HTML).status_code == 404


def test_dashboard_range_and_drill_down(
    client: TestClient, users: dict[str, str], ioc_case: int
) -> None:
    sign_in(client, users["ioc"])
    today = utcnow().date().isoformat()
    page = client.get("/console", params={"from": today, "to": today})
    assert page.status_code == 200
    assert f'value="{today}"' in page.text
    links = [h for h in _links(page.text) if h.startswith("/console/search?")]
    seller = next(h for h in links if "seller=SELLER%3Aweb-1" in h)
    assert dict(parse_qsl(urlsplit(seller).query)) == {
        "seller": "SELLER:web-1",
        "opened_from": today,
        "opened_to": today,
    }
    found = client.get(seller)
    assert f'href="/console/cases/{ioc_case}"' in found.text
    # Every chart links: opened per day, decisions per day, marks, sellers, turnaround, appeals.
    for key in ("source=screening", "decision=", "mark=", "seller=", "turnaround=", "appeal="):
        assert any(key in h for h in links), key
    mark = next(h for h in links if "mark=symbol-olympic-rings" in h)
    assert f'href="/console/cases/{ioc_case}"' in client.get(mark).text
    bad = client.get("/console", params={"from": "2026-12-05", "to": "2026-12-01"})
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text
    assert "invalid_date_range" in bad.text
    long = client.get("/console", params={"from": "2020-01-01", "to": "2026-01-01"})
    assert long.status_code == 422
