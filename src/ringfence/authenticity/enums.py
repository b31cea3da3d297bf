"""Statuses of the authenticity domain, stored by value."""

from __future__ import annotations

from enum import StrEnum


class KeyStatus(StrEnum):
    active = "active"  # signs new batches (one per party)
    retired = "retired"  # rotated out: signs nothing new, its codes stay valid
    revoked = "revoked"  # compromised: its codes answer revoked


class BatchStatus(StrEnum):
    active = "active"
    recalled = "recalled"


class ScanStatus(StrEnum):
    genuine = "genuine"
    not_genuine = "not_genuine"
    revoked = "revoked"
    suspicious = "suspicious"


class ScanReason(StrEnum):
    issued = "issued"  # genuine
    not_issued = "not_issued"  # unknown and forged codes alike
    batch_recalled = "batch_recalled"
    key_revoked = "key_revoked"
    many_countries = "many_countries"
    many_devices = "many_devices"
    too_many_scans = "too_many_scans"
    scanned_away_from_sale = "scanned_away_from_sale"
