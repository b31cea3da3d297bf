"""The error codes the web package raises (docs/api.md, "Error codes"): stable,
machine-readable, each documented; a test fails on an undocumented one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    BODY_TOO_LARGE = "body_too_large"
    CART_FULL = "cart_full"
    CSRF_FAILED = "csrf_failed"
    FILE_TOO_LARGE = "file_too_large"
    FORBIDDEN_ROLE = "forbidden_role"
    GEOIP_UNAVAILABLE = "geoip_unavailable"
    GEOIP_UNREADABLE = "geoip_unreadable"
    ID_MISMATCH = "id_mismatch"
    INVALID_BASE64 = "invalid_base64"
    INVALID_COLUMNS = "invalid_columns"
    INVALID_COUNTRY = "invalid_country"
    INVALID_DATE = "invalid_date"
    INVALID_DATE_RANGE = "invalid_date_range"
    INVALID_EXCEPTION = "invalid_exception"
    INVALID_FILE = "invalid_file"
    INVALID_FILTER = "invalid_filter"
    INVALID_ROW_COUNT = "invalid_row_count"
    INVALID_USER = "invalid_user"
    MISSING_API_KEY = "missing_api_key"
    ORDER_NOT_FOUND = "order_not_found"
    RATE_LIMITED = "rate_limited"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    SIGN_IN_REQUIRED = "sign_in_required"
    STORE_NOT_FOUND = "store_not_found"
    UNKNOWN_FINDING = "unknown_finding"
    UNKNOWN_LANGUAGE = "unknown_language"
