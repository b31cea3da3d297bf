"""Statuses of the authenticity domain, stored by value."""

from __future__ import annotations

from enum import StrEnum

from ringfence.core.states import Machine


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


# A key is rotated out (retired) or revoked; a retired key can still be revoked.
KEY = Machine(
    "signing_keys.status",
    "key",
    {
        KeyStatus.active: frozenset({KeyStatus.retired, KeyStatus.revoked}),
        KeyStatus.retired: frozenset({KeyStatus.revoked}),
        KeyStatus.revoked: frozenset(),
    },
    chain=lambda key: key.party_id,
)

BATCH = Machine(
    "code_batches.status",
    "batch",
    {
        BatchStatus.active: frozenset({BatchStatus.recalled}),
        BatchStatus.recalled: frozenset(),
    },
    chain=lambda batch: batch.licensor_id,
)

# A scan is a log line, written once with its answer: it never changes state.
SCAN = Machine(
    "scans.status",
    "scan",
    {s: frozenset() for s in ScanStatus},
    recorded_by="authenticity (the scan log: a scan is its own record)",
)
