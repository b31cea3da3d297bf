"""API keys: creation (shown once), revocation and authentication in constant time."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ringfence.auth.error_codes import ErrorCode
from ringfence.auth.models import ApiKey, User, WebSession
from ringfence.core.db import utcnow
from ringfence.core.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from ringfence.core.security import (
    Principal,
    Role,
    constant_time_equals,
    hash_api_key,
    new_api_key,
    split_api_key,
)
from ringfence.registry.enums import PartyKind
from ringfence.registry.models import Party

MAX_NAME = 200

# Which kinds of party may hold a key (or a user) of each role: a role acts for its own kind of
# party only (a licensee-role key of an NOC or of a marketplace makes no sense).
ROLE_PARTIES: dict[Role, frozenset[PartyKind]] = {
    Role.admin: frozenset({PartyKind.ioc}),
    Role.rights_holder: frozenset({PartyKind.ioc, PartyKind.noc, PartyKind.ocog}),
    Role.licensee: frozenset({PartyKind.licensee}),
    Role.marketplace: frozenset({PartyKind.marketplace}),
}


@dataclass(frozen=True)
class CreatedKey:
    id: str
    key: str
    party_id: str
    role: Role


def create_key(session: Session, *, party_id: str, role: Role, name: str = "") -> CreatedKey:
    _check_role(session, party_id, role, "key")
    if len(name) > MAX_NAME:
        raise InvalidInput(
            f"the key name is longer than {MAX_NAME} characters",
            code=ErrorCode.NAME_TOO_LONG,
            loc=("name",),
        )
    key_id, key = new_api_key()
    session.add(
        ApiKey(
            id=key_id,
            name=name or f"{role.value} key for {party_id}",
            party_id=party_id,
            role=role,
            key_hash=hash_api_key(key),
        )
    )
    session.flush()
    return CreatedKey(key_id, key, party_id, role)


def revoke_key(session: Session, *, key_id: str) -> None:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id!r}", code=ErrorCode.KEY_NOT_FOUND)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.flush()
    principals.forget(key_id)


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at)))


# A key authenticated in the last KEY_CACHE_SECONDS is not looked up again: the cache holds the
# key's hash (compared in constant time, as the row's is), never the key. A key revoked in this
# process is forgotten at once; in another process (another server worker, the CLI) it is
# refused within KEY_CACHE_SECONDS. Refusals are not cached.
KEY_CACHE_SECONDS = 5.0
KEY_CACHE_SIZE = 1_024


@dataclass(frozen=True)
class _Known:
    key_hash: str
    principal: Principal
    until: float


class PrincipalCache:
    """Authenticated keys per (database, key id), each for ``seconds``; at most ``size``."""

    def __init__(self, *, seconds: float = KEY_CACHE_SECONDS, size: int = KEY_CACHE_SIZE) -> None:
        self.seconds, self.size = seconds, size
        self._known: dict[tuple[str, str], _Known] = {}
        self._lock = threading.Lock()

    def get(self, scope: str, key_id: str, key_hash: str) -> Principal | None:
        known = self._known.get((scope, key_id))
        if known is None or known.until < time.monotonic():
            return None
        return known.principal if constant_time_equals(known.key_hash, key_hash) else None

    def put(self, scope: str, key_id: str, key_hash: str, principal: Principal) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._known) >= self.size:  # the oldest out (dicts keep insertion order)
                self._known.pop(next(iter(self._known)))
            self._known.pop((scope, key_id), None)
            until = time.monotonic() + self.seconds
            self._known[(scope, key_id)] = _Known(key_hash, principal, until)

    def forget(self, key_id: str) -> None:
        with self._lock:
            for known in [k for k in self._known if k[1] == key_id]:
                del self._known[known]

    def clear(self) -> None:
        with self._lock:
            self._known.clear()


principals = PrincipalCache()


def cached_principal(session: Session, key: str) -> Principal | None:
    """The principal of ``key`` when it was authenticated less than ``KEY_CACHE_SECONDS``
    ago (no query, no connection), else None: then ``authenticate``."""
    key_id = split_api_key(key)
    if not key_id:
        return None
    return principals.get(_scope(session), key_id, hash_api_key(key))


def _scope(session: Session) -> str:
    return str(session.get_bind().engine.url)  # one cache, many databases (tests)


def authenticate(session: Session, key: str) -> Principal:
    """The principal of a valid, unrevoked key; Unauthenticated otherwise (same error for all).
    A key authenticated less than ``KEY_CACHE_SECONDS`` ago is answered from ``principals``."""
    refused = Unauthenticated("invalid or revoked API key", code=ErrorCode.INVALID_API_KEY)
    key_id = split_api_key(key)
    given = hash_api_key(key)
    scope = _scope(session)
    if key_id:
        cached = principals.get(scope, key_id, given)
        if cached is not None:
            return cached
    row = session.get(ApiKey, key_id) if key_id else None
    # Compare even when no row matched, so timing does not tell whether a key id exists.
    expected = row.key_hash if row is not None else "0" * 64
    if not constant_time_equals(expected, given) or row is None:
        raise refused
    if row.revoked_at is not None:
        raise refused
    principal = Principal(row.role, party_id=row.party_id, key_id=row.id)
    principals.put(scope, row.id, row.key_hash, principal)
    return principal


# ------------------------------------------------------------------ users (web sign-in)

SESSION_DAYS = 7
MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when no user has the e-mail, so a failed sign-in takes as long either way.
_DUMMY_HASH = _hasher.hash("ringfence-no-such-user")


@dataclass(frozen=True)
class SignedIn:
    """The user behind a web session, and the principal the services scope it with."""

    user_id: int
    email: str
    name: str
    principal: Principal


def _principal(user: User) -> Principal:
    return Principal(user.role, party_id=user.party_id, key_id=f"user{user.id}")


def hash_password(password: str) -> str:
    """The argon2id hash ``create_user`` stores for ``password``."""
    return _hasher.hash(password)


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    party_id: str,
    role: Role,
    password: str,
    password_hash: str | None = None,
) -> User:
    """A user acting for ``party_id`` with ``role`` (the same pairs as API keys allow).
    ``password_hash``: ``hash_password(password)`` when the caller made it already (the demo's
    users share one password, hashed once: each hash costs tens of milliseconds by design)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise InvalidInput(f"{email!r} is not an e-mail address", code=ErrorCode.INVALID_EMAIL)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password must have at least {MIN_PASSWORD} characters",
            code=ErrorCode.PASSWORD_TOO_SHORT,
            loc=("password",),
        )
    _check_role(session, party_id, role, "user")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with e-mail {email} exists", code=ErrorCode.USER_EXISTS)
    user = User(
        email=email,
        name=name.strip()[:MAX_NAME] or email,
        party_id=party_id,
        role=role,
        password_hash=password_hash or _hasher.hash(password),
    )
    session.add(user)
    session.flush()
    return user


def _check_role(session: Session, party_id: str, role: Role, what: str) -> None:
    party = session.get(Party, party_id)
    if party is None:
        raise InvalidInput(
            f"no party with id {party_id!r}", code=ErrorCode.UNKNOWN_PARTY, loc=("party",)
        )
    if party.kind not in ROLE_PARTIES[role]:
        allowed = ", ".join(sorted(k.value for k in ROLE_PARTIES[role]))
        raise InvalidInput(
            f"a {role.value} {what} must belong to a party of kind {allowed}, "
            f"not {party.kind.value}",
            code=ErrorCode.ROLE_NOT_ALLOWED,
            loc=("role",),
        )


def sign_in(
    session: Session, *, email: str, password: str, now: datetime | None = None
) -> tuple[str, SignedIn]:
    """Check the password and open a web session: ``(token, who)``. The token goes into the
    (signed) cookie; only its hash is stored. One error for every failure."""
    refused = Unauthenticated("wrong e-mail or password", code=ErrorCode.INVALID_CREDENTIALS)
    user = session.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise refused from None
    if user is None or user.disabled_at is not None:
        raise refused
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    now = now or utcnow()
    # The user's expired sessions go as a new one starts: the table does not grow forever.
    session.execute(
        delete(WebSession).where(WebSession.user_id == user.id, WebSession.expires_at <= now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=hash_api_key(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(days=SESSION_DAYS),
        )
    )
    session.flush()
    return token, SignedIn(user.id, user.email, user.name, _principal(user))


def session_user(session: Session, token: str, now: datetime | None = None) -> SignedIn | None:
    """The user of an unexpired session token, None otherwise."""
    row = session.get(WebSession, hash_api_key(token))
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return SignedIn(user.id, user.email, user.name, _principal(user))


def sign_out(session: Session, token: str) -> None:
    row = session.get(WebSession, hash_api_key(token))
    if row is not None:
        session.delete(row)
        session.flush()
