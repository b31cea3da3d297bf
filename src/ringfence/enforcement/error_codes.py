"""The error codes the enforcement package raises (docs/api.md, "Error codes"): stable,
machine-readable, each documented; a test fails on an undocumented one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_REPORTED = "already_reported"
    CASE_CLOSED = "case_closed"
    CASE_NOT_FOUND = "case_not_found"
    CONTENT_TYPE_MISMATCH = "content_type_mismatch"
    COUNTER_NOTICE_DEADLINE_PASSED = "counter_notice_deadline_passed"
    EMPTY_FILE = "empty_file"
    EXCEPTION_NEEDS_TERRITORY = "exception_needs_territory"
    EXCEPTION_NOT_IN_LISTING = "exception_not_in_listing"
    EXCEPTION_OUTSIDE_CASE = "exception_outside_case"
    EXCEPTION_OUTSIDE_MARK = "exception_outside_mark"
    EXCEPTION_TOO_BROAD = "exception_too_broad"
    EXCEPTION_WITHOUT_MARK = "exception_without_mark"
    FILE_TOO_LARGE = "file_too_large"
    FORBIDDEN_ROLE = "forbidden_role"
    INVALID_CASE = "invalid_case"
    INVALID_COMBINATION = "invalid_combination"
    INVALID_REASON_CODE = "invalid_reason_code"
    LISTING_REQUIRED = "listing_required"
    MARK_NOT_FOUND = "mark_not_found"
    NOT_YOUR_PARTY = "not_your_party"
    NO_APPEAL = "no_appeal"
    NO_NOTICE = "no_notice"
    NO_OPEN_APPEAL = "no_open_appeal"
    REPORTER_NOT_CALLER = "reporter_not_caller"
    REPORTER_NOT_FOUND = "reporter_not_found"
    SELLER_MISMATCH = "seller_mismatch"
    SELLER_NOT_FOUND = "seller_not_found"
    UNSUPPORTED_CONTENT_TYPE = "unsupported_content_type"
