"""Signing keys: Ed25519 per licensor, private halves encrypted at rest.

The private key is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from
``RINGFENCE_SECRET_KEY``; the key id is the associated data, so a sealed key cannot be moved to
another row. Signing is deterministic (Ed25519), which lets a batch's codes be printed again
later without storing their signatures.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ringfence.authenticity.error_codes import ErrorCode
from ringfence.core.errors import ConfigurationError, InvalidInput

_NONCE = 12
PARALLEL_FROM = 20_000  # fewer signatures are not worth starting processes for
_RAW = serialization.Encoding.Raw


def new_key_id() -> str:
    return secrets.token_hex(4)


def _wrapping_key(secret: str) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ringfence signing keys v1")
    return AESGCM(hkdf.derive(secret.encode()))


@dataclass(frozen=True, slots=True)
class NewKey:
    key_id: str
    public_key: bytes  # 32 raw bytes
    sealed_private_key: bytes  # nonce + AES-GCM ciphertext


def generate(secret: str) -> NewKey:
    key_id = new_key_id()
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    nonce = secrets.token_bytes(_NONCE)
    sealed = nonce + _wrapping_key(secret).encrypt(nonce, raw, key_id.encode())
    return NewKey(
        key_id, private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw), sealed
    )


def unseal(secret: str, key_id: str, sealed: bytes) -> Ed25519PrivateKey:
    try:
        raw = _wrapping_key(secret).decrypt(sealed[:_NONCE], sealed[_NONCE:], key_id.encode())
    except InvalidTag:
        raise ConfigurationError(
            f"signing key {key_id} cannot be unsealed: RINGFENCE_SECRET_KEY differs from the "
            "one it was sealed with",
            code=ErrorCode.SIGNING_KEY_SEALED,
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def _sign_chunk(raw: bytes, messages: list[bytes]) -> list[bytes]:
    sign = Ed25519PrivateKey.from_private_bytes(raw).sign
    return [sign(m) for m in messages]


def sign_many(private: Ed25519PrivateKey, messages: list[bytes], workers: int = 1) -> list[bytes]:
    """Sign every message, in ``workers`` processes for large batches (an Ed25519 signature
    costs ~35 us: a million is ~35 s on one core). The raw key goes to the workers through a
    local pipe and lives only in their memory."""
    if workers <= 1 or len(messages) < PARALLEL_FROM:
        sign = private.sign
        return [sign(m) for m in messages]
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    step = -(-len(messages) // (workers * 4))
    chunks = [messages[i : i + step] for i in range(0, len(messages), step)]
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        parts = pool.map(_sign_chunk, [raw] * len(chunks), chunks)
        return [sig for part in parts for sig in part]


def public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signature_digest(signature: bytes) -> bytes:
    """What the database keeps of a unit's signature: 128 bits of its SHA-256."""
    return hashlib.sha256(signature).digest()[:16]


def public_keys_from_jwks(
    document: object,
) -> tuple[dict[str, Ed25519PublicKey], frozenset[str]]:
    """The usable public keys of a published key set by id, and the ids of revoked keys."""
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise InvalidInput(
            "a key set is a JSON object with a 'keys' list", code=ErrorCode.INVALID_KEYS
        )
    usable: dict[str, Ed25519PublicKey] = {}
    revoked: set[str] = set()
    for i, jwk in enumerate(keys):
        try:
            kid, x, status = jwk["kid"], jwk["x"], jwk.get("status", "active")
            raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
            if jwk.get("crv") != "Ed25519" or len(raw) != 32:
                raise ValueError("not an Ed25519 key")
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise InvalidInput(
                f"key {i} is not an Ed25519 JWK: {exc}",
                code=ErrorCode.INVALID_KEYS,
                loc=("keys", i),
            ) from None
        if status == "revoked":
            revoked.add(kid)
        else:
            usable[kid] = public_key(raw)
    return usable, frozenset(revoked)
