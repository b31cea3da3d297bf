"""Issuance: batches of serial unit codes, their printed codes, recalls, and single units."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ringfence.authenticity.codes import UnitCode, is_ai_value, message, new_serials
from ringfence.authenticity.enums import BATCH, BatchStatus
from ringfence.authenticity.error_codes import ErrorCode
from ringfence.authenticity.keys import _active_key, _new_key
from ringfence.authenticity.models import CodeBatch, CodeUnit, Scan, SigningKey
from ringfence.authenticity.products import _get_product
from ringfence.authenticity.schemas import BatchOut
from ringfence.authenticity.signing import sign_many, signature_digest, unseal
from ringfence.core.db import utcnow
from ringfence.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ringfence.core.security import Principal, Role
from ringfence.core.states import move
from ringfence.registry.archive import ensure_writable
from ringfence.registry.decision import LicenceIndex

# ------------------------------------------------------------------ issuance


@dataclass(frozen=True, slots=True)
class IssuedBatch:
    batch: BatchOut
    codes: list[UnitCode]


def issue_batch(
    session: Session,
    *,
    principal: Principal,
    index: LicenceIndex,
    secret: str,
    gtin: str,
    count: int,
    lot: str | None = None,
    on: date | None = None,
    workers: int = 1,
) -> IssuedBatch:
    """Issue ``count`` signed unit codes for a product. Refused unless the product's licensee
    holds, today, a licence covering every mark of the product in its category; the codes are
    signed by that licence's licensor (its first key is made on first use)."""
    product = _get_product(session, principal, gtin)
    if not (principal.is_admin or principal.acts_as(Role.licensee, product.licensee_id)):
        raise Forbidden(
            "codes are issued by the product's licensee or the admin", code=ErrorCode.NOT_YOUR_PARTY
        )
    if lot is not None and not is_ai_value(lot):  # every caller: API, pages, CLI
        raise InvalidInput(
            f"lot {lot!r}: a batch/lot (GS1 AI 10) is 1 to 20 characters of GS1 set 82 "
            "(letters, digits and !\"%&'()*+,-./:;<=>?_; no spaces)",
            code=ErrorCode.INVALID_LOT,
            loc=("lot",),
        )
    on = on or utcnow().date()
    covering = index.covering_licence(product.licensee_id, product.marks, product.category_id, on)
    if covering is None:
        raise Forbidden(
            f"no licence of {product.licensee_id} in force on {on} covers "
            f"{', '.join(product.marks)} in {product.category_id}",
            code=ErrorCode.LICENCE_DOES_NOT_COVER,
            loc=("gtin",),
        )
    licence_id, licensor_id = covering
    ensure_writable(session, licensor_id)  # an archived OCOG's codes verify, none are added
    key = _active_key(session, licensor_id) or _new_key(session, licensor_id, secret)
    private = unseal(secret, key.id, key.sealed_private_key)

    serials = list(new_serials(count))
    batch = CodeBatch(
        id="B" + secrets.token_hex(8),
        gtin=gtin,
        lot=lot,
        licence_id=licence_id,
        licensor_id=licensor_id,
        licensee_id=product.licensee_id,
        key_id=key.id,
        count=count,
        status=BatchStatus.active,
    )
    session.add(batch)
    session.flush()
    signatures = sign_many(private, [message(gtin, s, lot) for s in serials], workers)
    codes = [
        UnitCode(gtin, s, lot, key.id, sig) for s, sig in zip(serials, signatures, strict=True)
    ]
    _insert_units(
        session.connection(),
        [
            (gtin, s, batch.id, signature_digest(sig))
            for s, sig in zip(serials, signatures, strict=True)
        ],
    )
    return IssuedBatch(BatchOut.model_validate(batch), codes)


_UNIT_COLUMNS = "code_units (gtin, serial, batch_id, sig_digest)"


def _insert_units(connection: Connection, rows: list[tuple[str, str, str, bytes]]) -> None:
    """A million units at driver speed, in the session's transaction: COPY on PostgreSQL, one
    executemany on SQLite (no per-row parameter processing by the ORM or Core)."""
    if connection.dialect.name == "postgresql":
        raw = cast(Any, connection.connection.driver_connection)  # the psycopg connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {_UNIT_COLUMNS} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    connection.exec_driver_sql(f"INSERT INTO {_UNIT_COLUMNS} VALUES (?, ?, ?, ?)", rows)  # noqa: S608 - constant


def _get_batch(session: Session, principal: Principal, batch_id: str) -> CodeBatch:
    batch = session.get(CodeBatch, batch_id)
    if batch is None or not (
        principal.is_admin
        or principal.acts_as(Role.licensee, batch.licensee_id)
        or principal.acts_as(Role.rights_holder, batch.licensor_id)
    ):
        raise NotFound(f"no batch {batch_id!r}", code=ErrorCode.BATCH_NOT_FOUND, loc=("batch_id",))
    return batch


def get_batch(session: Session, *, principal: Principal, batch_id: str) -> BatchOut:
    return BatchOut.model_validate(_get_batch(session, principal, batch_id))


def list_batches(
    session: Session, *, principal: Principal, gtin: str | None = None
) -> list[BatchOut]:
    query = select(CodeBatch).order_by(CodeBatch.created_at, CodeBatch.id)
    if gtin is not None:
        query = query.where(CodeBatch.gtin == gtin)
    if not principal.is_admin:
        party = principal.party_id or ""
        if principal.role is Role.licensee:
            query = query.where(CodeBatch.licensee_id == party)
        elif principal.role is Role.rights_holder:
            query = query.where(CodeBatch.licensor_id == party)
        else:
            return []
    return [BatchOut.model_validate(b) for b in session.scalars(query)]


def batch_codes(
    session: Session, *, principal: Principal, batch_id: str, secret: str
) -> Iterator[UnitCode]:
    """The batch's codes again, for printing (re-signed; Ed25519 signatures are deterministic)."""
    batch = _get_batch(session, principal, batch_id)
    key = session.get_one(SigningKey, batch.key_id)
    sign = unseal(secret, key.id, key.sealed_private_key).sign
    serials = session.scalars(
        select(CodeUnit.serial).where(CodeUnit.batch_id == batch.id).order_by(CodeUnit.id)
    )
    for serial in serials:
        yield UnitCode(
            batch.gtin, serial, batch.lot, key.id, sign(message(batch.gtin, serial, batch.lot))
        )


def printed_code(session: Session, *, code: UnitCode, secret: str) -> UnitCode:
    """The code a label's printed text names (its GTIN and serial, and its lot when typed;
    ``codes.parse_printed``), signed as it was issued, so the verify page answers the text
    under a QR code like the QR code itself (the scan is logged and counted the same). The
    serial is matched as typed, then in capitals. A code that carries a signature, or names
    no issued unit, comes back as given: the latter is answered not genuine."""
    if code.signature is not None:
        return code
    serials = list(dict.fromkeys((code.serial, code.serial.upper())))
    row = session.execute(
        select(CodeUnit.serial, CodeBatch.lot, SigningKey.id, SigningKey.sealed_private_key)
        .join(CodeBatch, CodeBatch.id == CodeUnit.batch_id)
        .join(SigningKey, SigningKey.id == CodeBatch.key_id)
        .where(CodeUnit.gtin == code.gtin, CodeUnit.serial.in_(serials))
        .order_by(CodeUnit.serial != code.serial)  # the serial as typed first
        .limit(1)
    ).first()
    if row is None or (code.lot is not None and code.lot != row.lot):
        return code
    signature = unseal(secret, row.id, row.sealed_private_key).sign(
        message(code.gtin, row.serial, row.lot)
    )
    return UnitCode(code.gtin, row.serial, row.lot, row.id, signature)


def batch_code(
    session: Session, *, principal: Principal, batch_id: str, serial: str, secret: str
) -> UnitCode:
    """One unit's code again, for printing its label."""
    batch = _get_batch(session, principal, batch_id)
    if (
        session.scalar(
            select(CodeUnit.id).where(CodeUnit.batch_id == batch.id, CodeUnit.serial == serial)
        )
        is None
    ):
        raise NotFound(f"no unit {serial!r} in batch {batch_id}", code=ErrorCode.UNIT_NOT_FOUND)
    key = session.get_one(SigningKey, batch.key_id)
    signature = unseal(secret, key.id, key.sealed_private_key).sign(
        message(batch.gtin, serial, batch.lot)
    )
    return UnitCode(batch.gtin, serial, batch.lot, key.id, signature)


def recall_batch(session: Session, *, principal: Principal, batch_id: str, reason: str) -> BatchOut:
    """Revoke every code of a batch: they answer revoked from now on."""
    batch = _get_batch(session, principal, batch_id)
    if batch.status is BatchStatus.recalled:
        raise Conflict(f"batch {batch_id} is already recalled", code=ErrorCode.BATCH_RECALLED)
    move(batch, BATCH, BatchStatus.recalled)
    batch.recalled_at = utcnow()
    batch.recall_reason = reason
    return BatchOut.model_validate(batch)


def _get_unit(session: Session, principal: Principal, gtin: str, serial: str) -> CodeUnit:
    unit = session.scalar(select(CodeUnit).where(CodeUnit.gtin == gtin, CodeUnit.serial == serial))
    if unit is not None:
        try:
            _get_batch(session, principal, unit.batch_id)
        except NotFound:
            unit = None
    if unit is None:
        raise NotFound(f"no unit {gtin}/{serial}", code=ErrorCode.UNIT_NOT_FOUND, loc=("serial",))
    return unit


def mark_sold(
    session: Session,
    *,
    principal: Principal,
    gtin: str,
    serial: str,
    country: str,
    at: datetime | None = None,
) -> None:
    """Record a unit's sale (by its licensee, licensor or the admin): scans from other countries
    afterwards count towards ``scanned_away_from_sale``."""
    unit = _get_unit(session, principal, gtin, serial)
    if unit.sold_at is not None:
        raise Conflict(f"unit {gtin}/{serial} is already sold", code=ErrorCode.UNIT_SOLD)
    unit.sold_at = at or utcnow()
    unit.sold_country = country


def unit_scans(session: Session, *, principal: Principal, gtin: str, serial: str) -> list[Scan]:
    """A unit's scans, newest first (genuine-signature scans only; see models.Scan)."""
    unit = _get_unit(session, principal, gtin, serial)
    return list(
        session.scalars(
            select(Scan)
            .where(Scan.unit_id == unit.id)
            .order_by(Scan.scanned_at.desc(), Scan.id.desc())
        )
    )
