"""Unit codes without a database: GS1 parts, URIs, signatures, and the offline check."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ringfence.authenticity.codes import (
    UnitCode,
    gtin14,
    is_ai_value,
    is_gtin14,
    message,
    new_serials,
    parse_signature,
    parse_uri,
    verify_signature,
)
from ringfence.authenticity.signing import (
    b64url,
    generate,
    public_key,
    public_keys_from_jwks,
    sign_many,
    unseal,
)
from ringfence.core.errors import ConfigurationError, InvalidInput

KEY = Ed25519PrivateKey.generate()
KID = "0a1b2c3d"
PUBLIC = {KID: KEY.public_key()}
RESOLVER = "https://id.example.org/v"


def _code(
    gtin: str = "05901234123457", serial: str = "ABCDEF234567QRST", lot: str | None = None
) -> UnitCode:
    return UnitCode(gtin, serial, lot, KID, KEY.sign(message(gtin, serial, lot)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5901234123457", "05901234123457"),  # GTIN-13
        ("96385074", "00000096385074"),  # GTIN-8
        ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
        (" 05901234123457 ", "05901234123457"),
    ],
)
def test_gtins_are_kept_as_14_digits(value: str, expected: str) -> None:
    assert gtin14(value) == expected
    assert is_gtin14(expected)


@pytest.mark.parametrize("value", ["5901234123458", "590123412345", "59012341234X7", "", "1" * 15])
def test_bad_gtins_are_refused_with_a_code(value: str) -> None:
    with pytest.raises(InvalidInput) as info:
        gtin14(value)
    assert info.value.code == "invalid_gtin"


def test_serials_are_distinct_unguessable_gs1_values() -> None:
    serials = new_serials(5000)
    assert len(serials) == 5000
    assert all(len(s) == 16 and is_ai_value(s) for s in serials)
    assert len({s[:4] for s in serials}) > 1000  # not sequential


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("A", True),
        ("x" * 20, True),
        ("x" * 21, False),
        ("", False),
        ("a b", False),
        ("é", False),
        ("#", False),
    ],
)
def test_ai_values_follow_the_gs1_character_set(value: str, ok: bool) -> None:
    assert is_ai_value(value) is ok


@pytest.mark.parametrize("lot", [None, "L2026-11"])
def test_uris_round_trip_and_verify(lot: str | None) -> None:
    code = _code(lot=lot)
    uri = code.uri(RESOLVER)
    assert uri.startswith(f"{RESOLVER}/01/05901234123457/")
    assert ("/10/L2026-11/21/" in uri) is (lot is not None)
    parsed = parse_uri(uri)
    assert parsed == code
    assert verify_signature(parsed, PUBLIC)


def test_the_signature_survives_a_new_resolver_host() -> None:
    code = _code()
    moved = code.uri("https://verify.olympics.example")
    assert verify_signature(parse_uri(moved), PUBLIC)


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("ftp://x/01/05901234123457/21/A", "invalid_uri"),
        ("https://x/21/A", "invalid_uri"),
        ("https://x/01/05901234123457", "invalid_uri"),
        ("https://x/01/05901234123457/17/261231/21/A", "invalid_uri"),
        ("https://x/01/05901234123458/21/A", "invalid_gtin"),
        ("https://x/01/05901234123457/21/" + "A" * 21, "invalid_serial"),
        ("https://x/01/05901234123457/10/a%20b/21/A", "invalid_lot"),
    ],
)
def test_malformed_uris_name_what_is_wrong(uri: str, code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_uri(uri)
    assert info.value.code == code


@pytest.mark.parametrize(
    "s", [None, "", "nodot", "0a1b2c3d.short", "ZZZZZZZZ." + "A" * 86, "0a1b2c3d." + "!" * 86]
)
def test_malformed_signature_parameters_make_a_code_unverifiable(s: str | None) -> None:
    assert parse_signature(s) is None


def test_forged_and_altered_codes_do_not_verify() -> None:
    code = _code(lot="L1")
    forged = dataclasses.replace(code, signature=bytes(64))
    other_key = dataclasses.replace(code, signature=Ed25519PrivateKey.generate().sign(code.message))
    assert not verify_signature(forged, PUBLIC)
    assert not verify_signature(other_key, PUBLIC)
    assert not verify_signature(dataclasses.replace(code, gtin="00000096385074"), PUBLIC)
    assert not verify_signature(dataclasses.replace(code, serial="ABCDEF234567QRSU"), PUBLIC)
    assert not verify_signature(dataclasses.replace(code, lot=None), PUBLIC)
    assert not verify_signature(dataclasses.replace(code, key_id="ffffffff"), PUBLIC)
    assert not verify_signature(dataclasses.replace(code, key_id=None, signature=None), PUBLIC)


serials = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-./", min_size=1, max_size=20)
lots = st.none() | st.text(alphabet="0123456789ABCXYZ-", min_size=1, max_size=20)


@given(serial=serials, lot=lots)
def test_issued_codes_always_verify(serial: str, lot: str | None) -> None:
    code = _code(serial=serial, lot=lot)
    assert verify_signature(parse_uri(code.uri(RESOLVER)), PUBLIC)


@given(
    serial=serials,
    lot=lots,
    field=st.sampled_from(["serial", "lot", "signature", "gtin"]),
    data=st.data(),
)
def test_mutated_codes_never_verify(
    serial: str, lot: str | None, field: str, data: st.DataObject
) -> None:
    code = _code(serial=serial, lot=lot)
    if field == "signature":
        assert code.signature is not None
        i = data.draw(st.integers(0, 63))
        bit = data.draw(st.integers(0, 7))
        sig = bytearray(code.signature)
        sig[i] ^= 1 << bit
        mutated = dataclasses.replace(code, signature=bytes(sig))
    elif field == "gtin":
        mutated = dataclasses.replace(code, gtin="00000096385074")
    else:
        other = data.draw(serials if field == "serial" else lots)
        if other == getattr(code, field):
            return
        mutated = dataclasses.replace(code, **{field: other})
    assert not verify_signature(mutated, PUBLIC)


def test_private_keys_are_sealed_with_the_secret() -> None:
    key = generate("one secret")
    assert len(key.public_key) == 32
    private = unseal("one secret", key.key_id, key.sealed_private_key)
    assert public_key(key.public_key).verify(private.sign(b"m"), b"m") is None
    with pytest.raises(ConfigurationError) as info:
        unseal("another secret", key.key_id, key.sealed_private_key)
    assert info.value.code == "signing_key_sealed"
    with pytest.raises(ConfigurationError):  # bound to its key id
        unseal("one secret", "ffffffff", key.sealed_private_key)


def test_parallel_signing_gives_the_same_signatures(monkeypatch: pytest.MonkeyPatch) -> None:
    from ringfence.authenticity import signing

    monkeypatch.setattr(signing, "PARALLEL_FROM", 10)
    messages = [message("05901234123457", f"S{i}", None) for i in range(40)]
    assert sign_many(KEY, messages, workers=2) == [KEY.sign(m) for m in messages]


def test_published_key_sets_are_read_and_checked() -> None:
    raw = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    usable, revoked = public_keys_from_jwks(
        {
            "keys": [
                {"crv": "Ed25519", "kid": KID, "x": b64url(raw), "status": "active"},
                {"crv": "Ed25519", "kid": "99999999", "x": b64url(raw), "status": "revoked"},
            ]
        }
    )
    assert set(usable) == {KID}
    assert revoked == {"99999999"}
    assert verify_signature(_code(), usable)


@pytest.mark.parametrize(
    "document",
    [
        {"nokeys": []},
        [],
        {"keys": [{"crv": "Ed25519", "kid": KID, "x": "AAAA"}]},  # not 32 bytes
        {"keys": [{"crv": "P-256", "kid": KID, "x": "A" * 43}]},
        {"keys": [{"crv": "Ed25519", "x": "A" * 43}]},  # no kid
        {"keys": ["text"]},
    ],
)
def test_bad_key_sets_are_refused(document: object) -> None:
    with pytest.raises(InvalidInput) as info:
        public_keys_from_jwks(document)
    assert info.value.code == "invalid_keys"
