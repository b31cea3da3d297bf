"""Signing keys: each licensor's active key, rotation, revocation and the published keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.authenticity.enums import KEY, KeyStatus
from ringfence.authenticity.error_codes import ErrorCode
from ringfence.authenticity.models import SigningKey
from ringfence.authenticity.schemas import JwkOut, KeyOut
from ringfence.authenticity.signing import b64url, generate
from ringfence.core.db import utcnow
from ringfence.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ringfence.core.security import Principal, Role
from ringfence.core.states import move
from ringfence.registry.archive import ensure_writable
from ringfence.registry.enums import PartyKind
from ringfence.registry.models import Party

LICENSORS = (PartyKind.ioc, PartyKind.ocog, PartyKind.noc)


def _key_out(key: SigningKey) -> KeyOut:
    return KeyOut(
        id=key.id,
        party=key.party_id,
        status=key.status,
        public_key=b64url(key.public_key),
        created_at=key.created_at,
        retired_at=key.retired_at,
        revoked_at=key.revoked_at,
    )


def _licensor(session: Session, principal: Principal, party_id: str) -> Party:
    if not principal.is_admin and not (
        principal.role is Role.rights_holder and principal.party_id == party_id
    ):
        raise Forbidden(
            "signing keys are managed by their own rights holder or the admin",
            code=ErrorCode.NOT_YOUR_PARTY,
            loc=("party",),
        )
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(f"no party {party_id!r}", code=ErrorCode.PARTY_NOT_FOUND, loc=("party",))
    if party.kind not in LICENSORS:
        raise InvalidInput(
            f"{party_id} is a {party.kind.value}: only the IOC, OCOGs and NOCs sign codes",
            code=ErrorCode.NOT_A_LICENSOR,
            loc=("party",),
        )
    return party


def _new_key(session: Session, party_id: str, secret: str) -> SigningKey:
    fresh = generate(secret)
    key = SigningKey(
        id=fresh.key_id,
        party_id=party_id,
        status=KeyStatus.active,
        public_key=fresh.public_key,
        sealed_private_key=fresh.sealed_private_key,
    )
    session.add(key)
    session.flush()
    return key


def _active_key(session: Session, party_id: str) -> SigningKey | None:
    return session.scalar(
        select(SigningKey)
        .where(SigningKey.party_id == party_id, SigningKey.status == KeyStatus.active)
        .with_for_update()
    )


def rotate_key(session: Session, *, principal: Principal, party_id: str, secret: str) -> KeyOut:
    """Give the party a new active key; the old one is retired: it signs nothing new and its
    codes stay valid. Also how a party's first key is made."""
    _licensor(session, principal, party_id)
    ensure_writable(session, party_id)
    old = _active_key(session, party_id)
    if old is not None:
        move(old, KEY, KeyStatus.retired)
        old.retired_at = utcnow()
    return _key_out(_new_key(session, party_id, secret))


def revoke_key(session: Session, *, principal: Principal, key_id: str, reason: str) -> KeyOut:
    """A compromised key: every code it signed answers revoked from now on."""
    key = session.get(SigningKey, key_id)
    if key is None or not (
        principal.is_admin or principal.acts_as(Role.rights_holder, key.party_id)
    ):
        raise NotFound(f"no signing key {key_id!r}", code=ErrorCode.KEY_NOT_FOUND, loc=("key_id",))
    _licensor(session, principal, key.party_id)
    if key.status is KeyStatus.revoked:
        raise Conflict(f"key {key_id} is already revoked", code=ErrorCode.KEY_REVOKED)
    move(key, KEY, KeyStatus.revoked)
    key.revoked_at = utcnow()
    key.revoked_reason = reason
    return _key_out(key)


def list_keys(session: Session, *, principal: Principal) -> list[KeyOut]:
    query = select(SigningKey).order_by(SigningKey.party_id, SigningKey.created_at)
    if not principal.is_admin:
        if principal.role is not Role.rights_holder:
            return []
        query = query.where(SigningKey.party_id == principal.party_id)
    return [_key_out(k) for k in session.scalars(query)]


def published_keys(session: Session) -> list[JwkOut]:
    """Every public key, revoked ones included (marked so), for offline verifiers."""
    return [
        JwkOut(kid=k.id, x=b64url(k.public_key), party=k.party_id, status=k.status)
        for k in session.scalars(select(SigningKey).order_by(SigningKey.id))
    ]
