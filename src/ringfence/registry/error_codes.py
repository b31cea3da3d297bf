"""The error codes the registry package raises (docs/api.md, "Error codes"): stable,
machine-readable, each documented; a test fails on an undocumented one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_EXISTS = "already_exists"
    EDITION_ARCHIVED = "edition_archived"
    EMPTY_DOCUMENT = "empty_document"
    EXCEPTION_NOT_FOUND = "exception_not_found"
    FILE_NOT_FOUND = "file_not_found"
    FILE_TOO_LARGE = "file_too_large"
    FORBIDDEN = "forbidden"
    FORBIDDEN_ROLE = "forbidden_role"
    ILLEGAL_TRANSITION = "illegal_transition"
    IMAGE_NOT_FOUND = "image_not_found"
    INVALID_DOCUMENT = "invalid_document"
    INVALID_ENCODING = "invalid_encoding"
    INVALID_TERRITORY = "invalid_territory"
    INVALID_YAML = "invalid_yaml"
    LICENCE_NOT_FOUND = "licence_not_found"
    MARK_IN_USE = "mark_in_use"
    MARK_NOT_FOUND = "mark_not_found"
    NOT_A_FILE = "not_a_file"
    NOT_YOUR_LICENSEE = "not_your_licensee"
    NOT_YOUR_PARTY = "not_your_party"
    PARTY_IN_USE = "party_in_use"
    PARTY_NOT_FOUND = "party_not_found"
    READ_ONLY_ROLE = "read_only_role"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_CHANNEL = "unknown_channel"
    UNKNOWN_MARK = "unknown_mark"
    UNREADABLE_FILE = "unreadable_file"
