"""The unit of work of a request (web/deps.py): what a route wrote is committed after it
returns, nothing when it raised, and a registry change reaches the engine cache after the
commit. Routes and services never commit: a scan of the source keeps it so."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.errors import Conflict
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.registry import service as registry
from ringfence.registry.enums import PartyKind
from ringfence.registry.models import Party
from ringfence.registry.schemas import PartyIn
from ringfence.web.app import create_app
from ringfence.web.deps import SessionDep

SRC = Path(__file__).parents[2] / "src" / "ringfence"
ADMIN = Principal(Role.admin, "IOC")
# The places that own a transaction: the request's unit of work, the flows' commit points
# around an outside call (a payment, a notice), the CLI's commands, the batchers and the
# stream worker (each one unit of work per batch), and the database plumbing.
OWNERS = ("web/deps.py", "flows/", "cli/", "core/", "streaming/worker.py")


def _party(new_id: str) -> PartyIn:
    return PartyIn(id=new_id, kind=PartyKind.licensee, name=f"Test licensee {new_id}")


def _route(client: TestClient, party: PartyIn) -> None:
    """A route that writes a party and then fails when asked to."""

    @client.app.post("/_test/party")  # type: ignore[attr-defined]
    def write(session: SessionDep, fail: bool = False) -> dict[str, str]:
        registry.save_party(session, principal=ADMIN, data=party, create=True)
        if fail:
            raise Conflict("asked to fail after writing", code="test_failure")
        return {"id": party.id}


@pytest.fixture
def client(app_settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """The app with an engine cache that only an invalidation refreshes."""
    settings = app_settings.model_copy(update={"index_refresh_seconds": 3600})
    with TestClient(create_app(settings, session_factory=session_factory)) as c:
        yield c


def test_a_route_that_returns_is_committed_and_the_cache_told(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    party = _party("LIC:UOW")
    _route(client, party)
    cache = client.app.state.index_cache  # type: ignore[attr-defined]
    cache.get()
    assert cache.current() is not None
    assert client.post("/_test/party").status_code == 200
    with session_factory() as other:
        assert other.get(Party, "LIC:UOW") is not None
    assert cache.current() is None  # invalidated after the commit: the next request recompiles


def test_a_route_that_raises_commits_nothing_and_keeps_the_cache(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    party = _party("LIC:UOX")
    _route(client, party)
    cache = client.app.state.index_cache  # type: ignore[attr-defined]
    cache.get()
    response = client.post("/_test/party", params={"fail": "true"})
    assert response.status_code == 409, response.text
    assert response.json()["detail"][0]["code"] == "test_failure"
    with session_factory() as other:
        assert other.get(Party, "LIC:UOX") is None
    assert cache.current() is not None


def commits_outside_owners() -> list[str]:
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(("migrations/", *OWNERS)):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "commit"
                and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "writer")
            ):
                found.append(f"{rel}:{node.lineno}")
    return found


def test_routers_and_services_never_commit() -> None:
    assert commits_outside_owners() == []
    assert (SRC / "web" / "shop" / "api.py").exists()  # the scan reads the routers
