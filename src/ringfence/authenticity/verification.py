"""Verification: answering a scan of a unit code, and the scan history it records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, aliased

from ringfence.authenticity.clones import ScanFact, Thresholds, clone_reason
from ringfence.authenticity.codes import UnitCode
from ringfence.authenticity.enums import BatchStatus, KeyStatus, ScanReason, ScanStatus
from ringfence.authenticity.models import CodeBatch, CodeUnit, Product, Scan, SigningKey
from ringfence.authenticity.signing import signature_digest
from ringfence.core.db import utcnow
from ringfence.core.security import constant_time_equals
from ringfence.registry.models import Party

_NO_DIGEST = b"\x00" * 16
# Core tables for the bulk statements (a million units, a batch of scans): no ORM objects.
_UNITS = cast(Table, CodeUnit.__table__)
_SCANS = cast(Table, Scan.__table__)

# What a scan of each kind tells the person who scanned it (the API and the verify page).
MESSAGES = {
    ScanReason.issued: "This code was issued for an officially licensed product.",
    ScanReason.not_issued: (
        "This code was not issued for any officially licensed product. The item may be counterfeit."
    ),
    ScanReason.batch_recalled: "The licensee has withdrawn the batch this code belongs to.",
    ScanReason.key_revoked: "The key that signed this code has been revoked.",
    ScanReason.many_countries: (
        "This genuine code has been scanned in too many countries in a short time: it has "
        "probably been copied onto other items."
    ),
    ScanReason.many_devices: (
        "This genuine code has been scanned on too many devices in a short time: it has "
        "probably been copied onto other items."
    ),
    ScanReason.too_many_scans: (
        "This genuine code has been scanned far more often than one item is: it has probably "
        "been copied onto other items."
    ),
    ScanReason.scanned_away_from_sale: (
        "This code's item was sold elsewhere and is now being scanned in other countries: it "
        "has probably been copied onto other items."
    ),
}


# ------------------------------------------------------------------ verification


@dataclass(frozen=True, slots=True)
class ScanRequest:
    code: UnitCode
    country: str | None = None
    ip_prefix: str | None = None
    device: str | None = None


@dataclass(frozen=True, slots=True)
class Verification:
    status: ScanStatus
    reason: ScanReason
    code: UnitCode
    product: str | None = None
    licensor: str | None = None
    licensee: str | None = None
    newly_suspicious: bool = False  # this scan made the unit suspicious: a case for its owner


_licensor_party = aliased(Party)
_licensee_party = aliased(Party)
_UNIT_QUERY = (
    select(
        CodeUnit.id.label("unit_id"),
        CodeUnit.gtin,
        CodeUnit.serial,
        CodeUnit.sig_digest,
        CodeUnit.sold_at,
        CodeUnit.sold_country,
        CodeUnit.suspicious_reason,
        CodeBatch.status.label("batch_status"),
        CodeBatch.lot,
        CodeBatch.key_id,
        SigningKey.status.label("key_status"),
        Product.name.label("product"),
        _licensor_party.name.label("licensor"),
        _licensee_party.name.label("licensee"),
    )
    .join(CodeBatch, CodeBatch.id == CodeUnit.batch_id)
    .join(SigningKey, SigningKey.id == CodeBatch.key_id)
    .join(Product, Product.gtin == CodeBatch.gtin)
    .join(_licensor_party, _licensor_party.id == CodeBatch.licensor_id)
    .join(_licensee_party, _licensee_party.id == CodeBatch.licensee_id)
)
# Built once with expanding parameters: a scan pays for no statement construction. Two IN
# lists rather than one of (gtin, serial) pairs, so both backends walk the unique (serial,
# gtin) index from its selective serial column (SQLite scans the table for row-value IN lists,
# and a gtin-first index made PostgreSQL read every unit of the GTIN); rows that only
# cross-match are never looked up.
_UNITS_BY_CODE = _UNIT_QUERY.where(
    CodeUnit.gtin.in_(bindparam("gtins", expanding=True)),
    CodeUnit.serial.in_(bindparam("serials", expanding=True)),
)
# Every earlier scan of the live units: at most clone_max_scans each, since one more makes the
# unit suspicious for good and its history is no longer read.
_HISTORY = select(Scan.unit_id, Scan.scanned_at, Scan.country, Scan.device).where(
    Scan.unit_id.in_(bindparam("units", expanding=True))
)


def verify(
    session: Session,
    *,
    requests: Sequence[ScanRequest],
    limits: Thresholds,
    now: datetime | None = None,
) -> list[Verification]:
    """Answer and log a batch of scans (one request is a batch of one): three statements
    whatever the batch size, plus one per unit that turns suspicious.

    The presented signature is compared, in constant time, with the digest of the one issued
    (equality with the issued signature is stricter than an Ed25519 check and a hundred times
    cheaper); a code that was never issued is compared with a dummy, so unknown and forged codes
    take the same path and get the same answer."""
    now = now or utcnow()
    session.flush()  # the Core statements below bypass the session's autoflush
    connection = session.connection()
    found = connection.execute(
        _UNITS_BY_CODE,
        {
            "gtins": list({r.code.gtin for r in requests}),
            "serials": [r.code.serial for r in requests],
        },
    )
    rows = {(row.gtin, row.serial): row for row in found}

    matched: list[Any] = []  # the unit's row where the code matched what was issued
    for r in requests:
        row = rows.get((r.code.gtin, r.code.serial))
        presented = signature_digest(r.code.signature or b"")
        ok = constant_time_equals(presented, row.sig_digest if row is not None else _NO_DIGEST)
        ok = ok and row is not None and r.code.key_id == row.key_id and r.code.lot == row.lot
        matched.append(row if ok else None)

    live = {
        row.unit_id
        for row in matched
        if row is not None
        and row.suspicious_reason is None
        and row.batch_status is BatchStatus.active
        and row.key_status is not KeyStatus.revoked
    }
    history: dict[int, list[ScanFact]] = defaultdict(list)
    if live:
        for scan in connection.execute(_HISTORY, {"units": list(live)}):
            history[scan.unit_id].append(ScanFact(scan.scanned_at, scan.country, scan.device))

    out: list[Verification] = []
    log: list[dict[str, object]] = []
    turned: dict[int, ScanReason] = {}
    for r, row in zip(requests, matched, strict=True):
        answer = _answer(r, row, history, turned, limits, now)
        out.append(answer)
        log.append(
            {
                "scanned_at": now,
                "unit_id": row.unit_id if row is not None else None,
                "gtin": r.code.gtin,
                "serial": r.code.serial,
                "status": answer.status,
                "reason": answer.reason,
                "country": r.country,
                "ip_prefix": r.ip_prefix,
                "device": r.device,
            }
        )
    connection.execute(insert(_SCANS), log)
    for unit_id, reason in turned.items():
        connection.execute(
            update(_UNITS)
            .where(CodeUnit.id == unit_id, CodeUnit.suspicious_reason.is_(None))
            .values(suspicious_reason=reason, suspicious_at=now)
        )
    return out


def _answer(
    r: ScanRequest,
    row: Row[Any] | None,
    history: dict[int, list[ScanFact]],
    turned: dict[int, ScanReason],
    limits: Thresholds,
    now: datetime,
) -> Verification:
    if row is None:
        return Verification(ScanStatus.not_genuine, ScanReason.not_issued, r.code)

    def said(status: ScanStatus, reason: ScanReason, newly: bool = False) -> Verification:
        return Verification(status, reason, r.code, row.product, row.licensor, row.licensee, newly)

    if row.batch_status is BatchStatus.recalled:
        return said(ScanStatus.revoked, ScanReason.batch_recalled)
    if row.key_status is KeyStatus.revoked:
        return said(ScanStatus.revoked, ScanReason.key_revoked)
    sticky = row.suspicious_reason or turned.get(row.unit_id)
    if sticky is not None:
        return said(ScanStatus.suspicious, sticky)
    facts = history[row.unit_id]
    facts.append(ScanFact(now, r.country, r.device))
    reason = clone_reason(facts, row.sold_at, row.sold_country, limits)
    if reason is None:
        return said(ScanStatus.genuine, ScanReason.issued)
    turned[row.unit_id] = reason
    return said(ScanStatus.suspicious, reason, newly=True)
