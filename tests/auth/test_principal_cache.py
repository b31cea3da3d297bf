"""The cache of authenticated API keys (``auth.service.principals``): a key revoked in this
process is refused at once, one revoked elsewhere within the cache's time, a wrong secret
under a cached key id always, and nothing of the key but its hash is kept."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from ringfence.auth import service
from ringfence.auth.models import ApiKey
from ringfence.core.db import utcnow
from ringfence.core.errors import Unauthenticated
from ringfence.core.security import Role


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch) -> service.PrincipalCache:
    cache = service.PrincipalCache(seconds=0.3, size=4)
    monkeypatch.setattr(service, "principals", cache)
    return cache


def _key(session: Session) -> service.CreatedKey:
    return service.create_key(session, party_id="MKT:tmall", role=Role.marketplace)


def test_a_key_revoked_here_is_refused_at_once(
    session: Session, cache: service.PrincipalCache
) -> None:
    key = _key(session)
    assert service.authenticate(session, key.key).key_id == key.id
    assert all(key.key not in repr(k) for k in cache._known.values())  # its hash only
    service.revoke_key(session, key_id=key.id)
    with pytest.raises(Unauthenticated):
        service.authenticate(session, key.key)


def test_a_key_revoked_elsewhere_is_refused_within_the_cache_time(
    session: Session, cache: service.PrincipalCache
) -> None:
    key = _key(session)
    service.authenticate(session, key.key)
    # Another process revokes it: this one's cache does not hear of it.
    session.execute(update(ApiKey).where(ApiKey.id == key.id).values(revoked_at=utcnow()))
    assert service.authenticate(session, key.key).key_id == key.id  # within 0.3 s
    time.sleep(0.35)
    with pytest.raises(Unauthenticated):
        service.authenticate(session, key.key)
    with pytest.raises(Unauthenticated):  # and a refusal is not cached as anything
        service.authenticate(session, key.key)


def test_a_wrong_secret_under_a_cached_key_id_is_refused(
    session: Session, cache: service.PrincipalCache
) -> None:
    key = _key(session)
    service.authenticate(session, key.key)
    forged = key.key[:-4] + ("AAAA" if not key.key.endswith("AAAA") else "BBBB")
    with pytest.raises(Unauthenticated):
        service.authenticate(session, forged)
    assert service.authenticate(session, key.key).key_id == key.id


def test_the_cache_is_bounded(session: Session, cache: service.PrincipalCache) -> None:
    keys = [_key(session) for _ in range(6)]
    for key in keys:
        service.authenticate(session, key.key)
    assert len(cache._known) == 4
    assert all(service.authenticate(session, k.key).key_id == k.id for k in keys)
