"""The error codes the streaming package raises (docs/api.md, "Error codes"): stable,
machine-readable, each documented; a test fails on an undocumented one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    BROKER_UNREACHABLE = "broker_unreachable"
    MISSING_EXTRA = "missing_extra"
    UNKNOWN_BROKER = "unknown_broker"
