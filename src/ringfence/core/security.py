"""Secrets: API key generation, hashing and constant-time checks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

KEY_PREFIX = "rf"


def new_api_key() -> tuple[str, str]:
    """Return ``(key_id, full_key)``. The key id is public; the rest is shown once."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secret}"


def split_api_key(key: str) -> str | None:
    """The key id of a well-formed key, or None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 12 or not parts[2]:
        return None
    return parts[1]


def hash_api_key(key: str) -> str:
    # API keys carry 256 random bits, so a fast hash is as strong as a slow one here
    # (the same choice GitHub and Stripe make for tokens); passwords get argon2.
    return hashlib.sha256(key.encode()).hexdigest()


def constant_time_equals(a: str | bytes, b: str | bytes) -> bool:
    """Compare secrets (keys, tokens, signature digests) in time independent of where they
    differ."""
    return hmac.compare_digest(
        a.encode() if isinstance(a, str) else a, b.encode() if isinstance(b, str) else b
    )


class Role(StrEnum):
    admin = "admin"  # the IOC's platform team: everything
    rights_holder = "rights_holder"  # an NOC, OCOG (or the IOC): its own marks and licences
    licensee = "licensee"  # read-only: its own licences
    marketplace = "marketplace"  # screening and licence decisions only


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: the role and the party it acts for. Services enforce scoping on it."""

    role: Role
    party_id: str | None = None
    key_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    def acts_as(self, role: Role, party_id: str | None) -> bool:
        """Whether this principal acts for ``party_id`` in ``role``: the party alone is not
        enough (a licensee-role key of an NOC is not the NOC's rights holder)."""
        return self.role is role and party_id is not None and self.party_id == party_id


SYSTEM = Principal(Role.admin, party_id="IOC", key_id=None)
