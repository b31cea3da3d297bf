"""Unit codes in the GS1 convention, signed with Ed25519. Framework-free: the offline verifier
(a buyer's app, a customs officer's laptop) needs only this module and the published keys.

A unit is a GTIN (AI 01) plus a serial (AI 21), optionally a batch/lot (AI 10), written as a
GS1 Digital Link URI with one extra query parameter ``s=<key id>.<signature>``::

    https://<resolver>/01/05901234123457/21/7KQ2M4XW9TB3HJ6P?s=3f9a1c2e.<86 base64url chars>

The signature covers the GS1 data only (``rf1|<gtin14>|<lot>|<serial>``), never the resolver
host, so a code keeps verifying when the resolver moves.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gtin import Gtin
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ringfence.authenticity.error_codes import ErrorCode
from ringfence.core.errors import InvalidInput

SERIAL_BYTES = 10  # 80 random bits: 16 base32 characters, within AI 21's 20
SIGNATURE_CHARS = 86  # 64 bytes, base64url without padding
# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1), up to 20 long.
_AI_X20 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")
_KEY_ID = re.compile(r"[0-9a-f]{8}")
_DUMMY_KEY = Ed25519PublicKey.from_public_bytes(b"\x01" * 32)


def gtin14(value: str) -> str:
    """A GTIN-8/12/13/14 as 14 digits; raises InvalidInput naming what is wrong."""
    try:
        return Gtin.parse(value.strip()).as_gtin_14()
    except ParseError as exc:
        raise InvalidInput(str(exc), code=ErrorCode.INVALID_GTIN, loc=("gtin",)) from None


def is_gtin14(value: str) -> bool:
    """The cheap check the verifier makes: 14 digits with a correct GS1 check digit."""
    return (
        len(value) == 14
        and value.isascii()
        and value.isdecimal()
        and gs1_standard_check_digit(value[:13]) == int(value[13])
    )


def is_ai_value(value: str) -> bool:
    """A valid AI 21 (serial) or AI 10 (batch/lot) value."""
    return _AI_X20.fullmatch(value) is not None


def new_serials(count: int) -> set[str]:
    """``count`` distinct serials, non-sequential and unguessable: 80 random bits each, as 16
    upper-case base32 characters (10 bytes encode to exactly 16, so one encoding of one
    random buffer cuts cleanly into serials)."""
    out: set[str] = set()
    while len(out) < count:
        need = count - len(out)
        text = base64.b32encode(secrets.token_bytes(SERIAL_BYTES * need)).decode()
        out.update(text[i : i + 16] for i in range(0, len(text), 16))
    return out


def message(gtin: str, serial: str, lot: str | None = None) -> bytes:
    """The bytes a unit's signature covers."""
    return f"rf1|{gtin}|{lot or ''}|{serial}".encode()


def signature_param(key_id: str, signature: bytes) -> str:
    return f"{key_id}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


@dataclass(frozen=True, slots=True)
class UnitCode:
    """A parsed unit code. ``key_id``/``signature`` are None when the ``s`` parameter is
    missing or malformed: such a code can only ever be answered not genuine."""

    gtin: str
    serial: str
    lot: str | None
    key_id: str | None
    signature: bytes | None

    def path(self) -> str:
        lot = f"/10/{quote(self.lot, safe='')}" if self.lot else ""
        return f"/01/{self.gtin}{lot}/21/{quote(self.serial, safe='')}"

    def uri(self, resolver: str) -> str:
        s = signature_param(self.key_id, self.signature) if self.key_id and self.signature else ""
        return f"{resolver.rstrip('/')}{self.path()}" + (f"?s={s}" if s else "")

    @property
    def message(self) -> bytes:
        return message(self.gtin, self.serial, self.lot)


def parse_signature(value: str | None) -> tuple[str, bytes] | None:
    """``<key id>.<base64url signature>`` or None when malformed."""
    if not value or len(value) != 9 + SIGNATURE_CHARS or value[8] != ".":
        return None
    key_id, sig = value[:8], value[9:]
    if _KEY_ID.fullmatch(key_id) is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(sig + "==")
    except ValueError:
        return None
    return (key_id, raw) if len(raw) == 64 else None


def unit_code(gtin: str, serial: str, lot: str | None, s: str | None) -> UnitCode:
    """Check the GS1 parts of a code (InvalidInput naming the part when malformed); a bad
    signature parameter is not an input error, it makes the code not genuine."""
    if not is_gtin14(gtin):
        raise InvalidInput(
            "the GTIN must be 14 digits with a valid GS1 check digit",
            code=ErrorCode.INVALID_GTIN,
            loc=("gtin",),
        )
    if not is_ai_value(serial):
        raise InvalidInput(
            "the serial (AI 21) must be 1 to 20 characters of the GS1 character set 82",
            code=ErrorCode.INVALID_SERIAL,
            loc=("serial",),
        )
    if lot is not None and not is_ai_value(lot):
        raise InvalidInput(
            "the batch/lot (AI 10) must be 1 to 20 characters of the GS1 character set 82",
            code=ErrorCode.INVALID_LOT,
            loc=("lot",),
        )
    parsed = parse_signature(s)
    key_id, signature = parsed if parsed else (None, None)
    return UnitCode(gtin, serial, lot, key_id, signature)


def parse_uri(uri: str) -> UnitCode:
    """A GS1 Digital Link URI (any resolver host, optional path prefix) as a UnitCode."""
    parts = urlsplit(uri.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("not an http(s) URI", code=ErrorCode.INVALID_URI, loc=("uri",))
    segments = [unquote(p) for p in parts.path.split("/")]
    try:
        at = segments.index("01")
    except ValueError:
        raise InvalidInput(
            "no GTIN (/01/) in the URI", code=ErrorCode.INVALID_URI, loc=("uri",)
        ) from None
    pairs = segments[at:]
    if len(pairs) % 2:
        raise InvalidInput(
            "the URI path must be AI/value pairs", code=ErrorCode.INVALID_URI, loc=("uri",)
        )
    ais = dict(zip(pairs[::2], pairs[1::2], strict=True))
    if set(ais) - {"01", "10", "21"} or "21" not in ais:
        raise InvalidInput(
            "a unit code is /01/<gtin>[/10/<lot>]/21/<serial>",
            code=ErrorCode.INVALID_URI,
            loc=("uri",),
        )
    s = parse_qs(parts.query).get("s", [None])[0]
    return unit_code(ais["01"], ais["21"], ais.get("10"), s)


# GS1 element string in its human-readable form: (01)05901234123457(10)LOT(21)SERIAL.
_ELEMENT = re.compile(r"\(\s*(\d{2})\s*\)\s*([^()]*)")
_DOTS = re.compile(r"[\s\u00b7\u2022\u2219\u22c5\u30fb]+")  # spaces and middle dots
_DOT = re.compile(r"[\u00b7\u2022\u2219\u22c5\u30fb]")
_SEPARATORS = ".-:/|,;"


def parse_printed(text: str) -> UnitCode:
    """What a label prints, as a buyer types it: the code's link (``parse_uri``, the scheme
    may be left out), a GS1 element string (``(01)…(10)…(21)…``), or the GTIN and serial
    printed under the QR code (``05901234123457 · 7KQ2M4XW9TB3HJ6P``: with or without the
    dot, with spaces anywhere, or another separator). Only a link carries the signature; the
    others are a UnitCode without one (``key_id`` None). InvalidInput naming the part that
    is wrong, ``invalid_code`` when the text is none of these."""
    given = text.strip()
    if not given:
        raise InvalidInput("type the code printed on the label", code=ErrorCode.INVALID_CODE)
    lowered = given.lower()
    if lowered.startswith(("http://", "https://")):
        return parse_uri(given)
    if "/01/" in given:  # a link typed without its scheme
        return parse_uri("https://" + given)
    if given.startswith("("):
        ais: dict[str, str] = {}
        at = 0
        for found in _ELEMENT.finditer(given):
            if given[at : found.start()].strip():
                break
            ais[found.group(1)] = _DOTS.sub("", found.group(2))
            at = found.end()
        if given[at:].strip() or set(ais) - {"01", "10", "21"} or not {"01", "21"} <= set(ais):
            raise InvalidInput(
                "a GS1 element string is (01)<gtin>[(10)<lot>](21)<serial>",
                code=ErrorCode.INVALID_CODE,
            )
        return unit_code(_gtin_of(ais["01"]), ais["21"], ais.get("10") or None, None)
    dot = _DOT.search(given)
    if dot is not None:  # GTIN · serial: the dot says where the GTIN ends
        left, right = _DOTS.sub("", given[: dot.start()]), _DOTS.sub("", given[dot.end() :])
        if not (8 <= len(left) <= 14 and left.isascii() and left.isdecimal()):
            raise InvalidInput(
                "the GTIN before the dot must be 8 to 14 digits", code=ErrorCode.INVALID_GTIN
            )
        if not right:
            raise InvalidInput(
                "the serial is missing after the GTIN", code=ErrorCode.INVALID_SERIAL
            )
        return unit_code(_gtin_of(left), right, None, None)
    compact = _DOTS.sub("", given)
    digits = len(compact) - len(compact.lstrip("0123456789"))
    if digits < 8:
        raise InvalidInput(
            "type the GTIN and the serial printed under the QR code, or its link",
            code=ErrorCode.INVALID_CODE,
        )
    size = 14 if digits >= 14 else digits
    serial = compact[size:]
    if serial[:1] in tuple(_SEPARATORS):
        serial = serial[1:]
    if not serial:
        raise InvalidInput("the serial is missing after the GTIN", code=ErrorCode.INVALID_SERIAL)
    return unit_code(_gtin_of(compact[:size]), serial, None, None)


def _gtin_of(value: str) -> str:
    """A GTIN-8/12/13/14 as printed, as the 14 digits a code holds."""
    return gtin14(value) if len(value) != 14 else value


def verify_signature(code: UnitCode, public_keys: Mapping[str, Ed25519PublicKey]) -> bool:
    """Ed25519 check against the key named in the code. An unknown key is checked against a
    dummy key, so unknown and forged codes take the same path."""
    if code.key_id is None or code.signature is None:
        return False
    key = public_keys.get(code.key_id)
    try:
        (key or _DUMMY_KEY).verify(code.signature, code.message)
    except InvalidSignature:
        return False
    return key is not None
