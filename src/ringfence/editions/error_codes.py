"""The error codes the editions package raises (docs/api.md, "Error codes"): stable,
machine-readable, each documented; a test fails on an undocumented one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    BUNDLE_CONFLICTS = "bundle_conflicts"
    EDITION_NOT_FOUND = "edition_not_found"
    HANDOVER_NOT_ALLOWED = "handover_not_allowed"
    ILLEGAL_TRANSITION = "illegal_transition"
    IOC_ONLY = "ioc_only"
    NOT_YOUR_EDITION = "not_your_edition"
    OCOG_NOT_FOUND = "ocog_not_found"
    RESTORE_MISMATCH = "restore_mismatch"
    ROW_CONFLICT = "row_conflict"
