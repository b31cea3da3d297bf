"""The error codes the authenticity package raises (docs/api.md, "Error codes"): stable,
machine-readable, each documented; a test fails on an undocumented one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    BATCH_NOT_FOUND = "batch_not_found"
    BATCH_RECALLED = "batch_recalled"
    INVALID_CODE = "invalid_code"
    INVALID_GTIN = "invalid_gtin"
    INVALID_KEYS = "invalid_keys"
    INVALID_LOT = "invalid_lot"
    INVALID_SERIAL = "invalid_serial"
    INVALID_URI = "invalid_uri"
    KEY_NOT_FOUND = "key_not_found"
    KEY_REVOKED = "key_revoked"
    LICENCE_DOES_NOT_COVER = "licence_does_not_cover"
    NOT_A_LICENSOR = "not_a_licensor"
    NOT_YOUR_PARTY = "not_your_party"
    PARTY_NOT_FOUND = "party_not_found"
    PRODUCT_EXISTS = "product_exists"
    PRODUCT_NOT_FOUND = "product_not_found"
    SIGNING_KEY_SEALED = "signing_key_sealed"
    UNIT_NOT_FOUND = "unit_not_found"
    UNIT_SOLD = "unit_sold"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_LICENSEE = "unknown_licensee"
    UNKNOWN_MARK = "unknown_mark"
