"""Request dependencies: the database session, the principal, the compiled licence index."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from ringfence.auth.service import authenticate
from ringfence.core.errors import Unauthenticated
from ringfence.core.security import Principal
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.index_cache import IndexCache


def get_session(request: Request) -> Iterator[Session]:
    """One session per request. Write endpoints commit explicitly before they answer, so a
    failed commit is an error response and never a half-applied change."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(
    session: SessionDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Principal:
    key = x_api_key
    if key is None and authorization is not None:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value:
            key = value.strip()
    if not key:
        raise Unauthenticated(
            "an API key is required (Authorization: Bearer <key>)", code="missing_api_key"
        )
    return authenticate(session, key)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def get_index_cache(request: Request) -> IndexCache:
    cache: IndexCache = request.app.state.index_cache
    return cache


IndexCacheDep = Annotated[IndexCache, Depends(get_index_cache)]


def get_index(cache: IndexCacheDep) -> LicenceIndex:
    return cache.get()


IndexDep = Annotated[LicenceIndex, Depends(get_index)]
