"""Request dependencies: the database session, the principal, the compiled licence index."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from ringfence.auth.service import authenticate, cached_principal, principals
from ringfence.core.audit import act_as, principal_actor
from ringfence.core.db import reading
from ringfence.core.errors import Unauthenticated
from ringfence.core.security import Principal
from ringfence.core.settings import Settings
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.service import registry_changed
from ringfence.screening.engine import Engine
from ringfence.web.error_codes import ErrorCode
from ringfence.web.index_cache import IndexCache


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The unit of work of a request: one session; when the route has returned, what it wrote
    is committed and, when the registry changed, the engine cache is told (after the commit);
    when it raised, nothing is committed. Routes and services never commit (docs/architecture.md).
    The commit runs before the response is sent (``scope="function"`` below), so a failed
    commit is an error response and never a half-applied change.

    An async dependency on purpose: its clean-up, which commits and gives the connection back
    to the pool, runs on the event loop. A sync one runs it in a worker thread; under load every
    worker thread can be inside a route waiting for a connection while the connections wait for
    a thread to be given back: a deadlock (seen at 200 concurrent requests).

    A request that only reads (GET, HEAD) gets a READ_ONLY session: on SQLite it never takes
    the write lock (core/db.py), so reads run side by side and never queue behind a writer."""
    state = request.app.state
    reads = request.method in READ_METHODS
    factory = state.read_session_factory if reads else state.session_factory
    session: Session = factory()
    try:
        yield session
        if not reads and session.in_transaction():
            session.commit()
            if registry_changed(session):
                state.index_cache.invalidate()
                principals.clear()  # a deleted party took its keys: none is answered from cache
    finally:
        session.close()  # rolls back whatever was not committed


READ_METHODS = frozenset({"GET", "HEAD"})

SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# Dependencies that only read app state are ``async def``: FastAPI runs a plain ``def`` one in
# the thread pool, a hop per dependency per request that costs more than the work.


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="The API key")


def missing_api_key() -> Unauthenticated:
    """What a request without an API key gets, from this dependency and from the body guard
    (web/limits.py), which answers it before reading the request's body."""
    return Unauthenticated(
        "an API key is required (Authorization: Bearer <key>)", code=ErrorCode.MISSING_API_KEY
    )


def has_api_key(headers: Mapping[str, str]) -> bool:
    return bool(headers.get("x-api-key") or headers.get("authorization"))


async def get_principal(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
    api_key: Annotated[str | None, Security(_api_key)] = None,
) -> Principal:
    """The caller. An ``async`` dependency: a key authenticated in the last few seconds is
    answered from the cache on the event loop (no query, no thread); only a lookup in the
    database runs in a worker thread (a plain ``def`` dependency would hop to one on every
    request, the hop costing more than the cache's answer)."""
    key = api_key or (bearer.credentials if bearer is not None else None)
    if not key:
        raise missing_api_key()
    if (principal := cached_principal(session, key)) is None:  # no connection for it
        principal = await run_in_threadpool(_look_up, session, key)
    act_as(session, principal_actor(principal))  # the actor of the request's audit events
    return principal


def _look_up(session: Session, key: str) -> Principal:
    # A read of its own, ended before the route goes on: the request then holds no connection
    # (nor, on SQLite, the write lock) while it waits for the licence index or a batch.
    with reading(session):
        return authenticate(session, key)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_optional_principal(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
    api_key: Annotated[str | None, Security(_api_key)] = None,
) -> Principal | None:
    """The principal when a key is given (a bad key is still 401), None for anonymous callers
    (answered on the event loop: a guest checkout or a public scan needs no thread for it)."""
    if not (api_key or bearer):
        return None
    return await get_principal(session, bearer, api_key)


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_index_cache(request: Request) -> IndexCache:
    cache: IndexCache = request.app.state.index_cache
    return cache


IndexCacheDep = Annotated[IndexCache, Depends(get_index_cache)]


async def _engine(cache: IndexCache) -> Engine:
    """The compiled engine; a look at the registry revision (a query) runs in a thread."""
    engine = cache.current()
    return engine if engine is not None else await run_in_threadpool(cache.get)


async def get_engine(cache: IndexCacheDep) -> Engine:
    return await _engine(cache)


EngineDep = Annotated[Engine, Depends(get_engine)]


async def get_index(request: Request) -> LicenceIndex:
    """The licence index (straight from app state: checkout resolves it on every order)."""
    return (await _engine(request.app.state.index_cache)).licences


IndexDep = Annotated[LicenceIndex, Depends(get_index)]
