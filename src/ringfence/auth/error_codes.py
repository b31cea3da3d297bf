"""The error codes the auth package raises (docs/api.md, "Error codes"): stable,
machine-readable, each documented; a test fails on an undocumented one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_API_KEY = "invalid_api_key"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_EMAIL = "invalid_email"
    KEY_NOT_FOUND = "key_not_found"
    NAME_TOO_LONG = "name_too_long"
    PASSWORD_TOO_SHORT = "password_too_short"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    UNKNOWN_PARTY = "unknown_party"
    USER_EXISTS = "user_exists"
