"""API keys: creation (shown once), revocation and authentication in constant time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.auth.models import ApiKey
from ringfence.core.db import utcnow
from ringfence.core.errors import InvalidInput, NotFound, Unauthenticated
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

# Which kinds of party may hold a key of each role.
ROLE_PARTIES: dict[Role, frozenset[PartyKind]] = {
    Role.admin: frozenset({PartyKind.ioc}),
    Role.rights_holder: frozenset({PartyKind.ioc, PartyKind.noc, PartyKind.ocog}),
    Role.licensee: frozenset(set(PartyKind)),
    Role.marketplace: frozenset({PartyKind.marketplace}),
}


@dataclass(frozen=True)
class CreatedKey:
    id: str
    key: str
    party_id: str
    role: Role


def create_key(session: Session, *, party_id: str, role: Role, name: str = "") -> CreatedKey:
    party = session.get(Party, party_id)
    if party is None:
        raise InvalidInput(f"no party with id {party_id!r}", code="unknown_party", loc=("party",))
    if party.kind not in ROLE_PARTIES[role]:
        allowed = ", ".join(sorted(k.value for k in ROLE_PARTIES[role]))
        raise InvalidInput(
            f"a {role.value} key must belong to a party of kind {allowed}, not {party.kind.value}",
            code="role_not_allowed",
            loc=("role",),
        )
    if len(name) > MAX_NAME:
        raise InvalidInput(
            f"the key name is longer than {MAX_NAME} characters",
            code="name_too_long",
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
        raise NotFound(f"no API key with id {key_id!r}", code="key_not_found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.flush()


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at)))


def authenticate(session: Session, key: str) -> Principal:
    """The principal of a valid, unrevoked key; Unauthenticated otherwise (same error for all)."""
    refused = Unauthenticated("invalid or revoked API key", code="invalid_api_key")
    key_id = split_api_key(key)
    row = session.get(ApiKey, key_id) if key_id else None
    # Compare even when no row matched, so timing does not tell whether a key id exists.
    expected = row.key_hash if row is not None else "0" * 64
    if not constant_time_equals(expected, hash_api_key(key)) or row is None:
        raise refused
    if row.revoked_at is not None:
        raise refused
    return Principal(row.role, party_id=row.party_id, key_id=row.id)
