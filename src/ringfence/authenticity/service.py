"""Authenticity: signing keys, products, issuance, recalls, sales, verification and scans.

Services take the session keyword-only and never commit. Scoping: the admin sees everything; a
licensee (role) its own products and batches; a rights holder (IOC, OCOG, NOC) its own keys and
the batches it signed, and the products of the licensees it manages. Role and party both count.
Rows a principal may not see are 404.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from ringfence.authenticity.clones import ScanFact, Thresholds, clone_reason
from ringfence.authenticity.codes import UnitCode, is_ai_value, message, new_serials
from ringfence.authenticity.enums import (
    BATCH,
    KEY,
    BatchStatus,
    KeyStatus,
    ScanReason,
    ScanStatus,
)
from ringfence.authenticity.error_codes import ErrorCode
from ringfence.authenticity.models import CodeBatch, CodeUnit, Product, Scan, SigningKey
from ringfence.authenticity.schemas import BatchOut, JwkOut, KeyOut, ProductIn, ProductOut
from ringfence.authenticity.signing import b64url, generate, sign_many, signature_digest, unseal
from ringfence.core.db import utcnow
from ringfence.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ringfence.core.security import Principal, Role, constant_time_equals
from ringfence.core.states import move
from ringfence.registry.archive import ensure_writable
from ringfence.registry.builtin import IOC_ID
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.enums import PartyKind
from ringfence.registry.models import Category, Mark, Party
from ringfence.registry.service import manages

LICENSORS = (PartyKind.ioc, PartyKind.ocog, PartyKind.noc)
_NO_DIGEST = b"\x00" * 16
# Core tables for the bulk statements (a million units, a batch of scans): no ORM objects.
_UNITS = cast(Table, CodeUnit.__table__)
_SCANS = cast(Table, Scan.__table__)

# ------------------------------------------------------------------ signing keys

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


def _key_out(key: SigningKey) -> KeyOut:
    return KeyOut(
        id=key.id,
        party=key.party_id,
        status=key.status,
        public_key=b64url(key.public_key),
        created_at=key.created_at,
        retired_at=key.retired_at,
        revoked_at=key.revoked_at,
    )


def _licensor(session: Session, principal: Principal, party_id: str) -> Party:
    if not principal.is_admin and not (
        principal.role is Role.rights_holder and principal.party_id == party_id
    ):
        raise Forbidden(
            "signing keys are managed by their own rights holder or the admin",
            code=ErrorCode.NOT_YOUR_PARTY,
            loc=("party",),
        )
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(f"no party {party_id!r}", code=ErrorCode.PARTY_NOT_FOUND, loc=("party",))
    if party.kind not in LICENSORS:
        raise InvalidInput(
            f"{party_id} is a {party.kind.value}: only the IOC, OCOGs and NOCs sign codes",
            code=ErrorCode.NOT_A_LICENSOR,
            loc=("party",),
        )
    return party


def _new_key(session: Session, party_id: str, secret: str) -> SigningKey:
    fresh = generate(secret)
    key = SigningKey(
        id=fresh.key_id,
        party_id=party_id,
        status=KeyStatus.active,
        public_key=fresh.public_key,
        sealed_private_key=fresh.sealed_private_key,
    )
    session.add(key)
    session.flush()
    return key


def _active_key(session: Session, party_id: str) -> SigningKey | None:
    return session.scalar(
        select(SigningKey)
        .where(SigningKey.party_id == party_id, SigningKey.status == KeyStatus.active)
        .with_for_update()
    )


def rotate_key(session: Session, *, principal: Principal, party_id: str, secret: str) -> KeyOut:
    """Give the party a new active key; the old one is retired: it signs nothing new and its
    codes stay valid. Also how a party's first key is made."""
    _licensor(session, principal, party_id)
    ensure_writable(session, party_id)
    old = _active_key(session, party_id)
    if old is not None:
        move(old, KEY, KeyStatus.retired)
        old.retired_at = utcnow()
    return _key_out(_new_key(session, party_id, secret))


def revoke_key(session: Session, *, principal: Principal, key_id: str, reason: str) -> KeyOut:
    """A compromised key: every code it signed answers revoked from now on."""
    key = session.get(SigningKey, key_id)
    if key is None or not (
        principal.is_admin or principal.acts_as(Role.rights_holder, key.party_id)
    ):
        raise NotFound(f"no signing key {key_id!r}", code=ErrorCode.KEY_NOT_FOUND, loc=("key_id",))
    _licensor(session, principal, key.party_id)
    if key.status is KeyStatus.revoked:
        raise Conflict(f"key {key_id} is already revoked", code=ErrorCode.KEY_REVOKED)
    move(key, KEY, KeyStatus.revoked)
    key.revoked_at = utcnow()
    key.revoked_reason = reason
    return _key_out(key)


def list_keys(session: Session, *, principal: Principal) -> list[KeyOut]:
    query = select(SigningKey).order_by(SigningKey.party_id, SigningKey.created_at)
    if not principal.is_admin:
        if principal.role is not Role.rights_holder:
            return []
        query = query.where(SigningKey.party_id == principal.party_id)
    return [_key_out(k) for k in session.scalars(query)]


def published_keys(session: Session) -> list[JwkOut]:
    """Every public key, revoked ones included (marked so), for offline verifiers."""
    return [
        JwkOut(kid=k.id, x=b64url(k.public_key), party=k.party_id, status=k.status)
        for k in session.scalars(select(SigningKey).order_by(SigningKey.id))
    ]


# ------------------------------------------------------------------ products


def _may_see_licensee(session: Session, principal: Principal, licensee_id: str) -> bool:
    """The licensee itself (a licensee-role key), its managing rights holder, or the admin."""
    return principal.acts_as(Role.licensee, licensee_id) or manages(session, principal, licensee_id)


def register_product(session: Session, *, principal: Principal, data: ProductIn) -> ProductOut:
    if principal.role is Role.marketplace or not _may_see_licensee(
        session, principal, data.licensee
    ):
        raise Forbidden(
            "products are registered by their licensee, its managing party or the admin",
            code=ErrorCode.NOT_YOUR_PARTY,
            loc=("licensee",),
        )
    licensee = session.get(Party, data.licensee)
    if licensee is None or licensee.kind is not PartyKind.licensee:
        raise InvalidInput(
            f"{data.licensee!r} is not a licensee",
            code=ErrorCode.UNKNOWN_LICENSEE,
            loc=("licensee",),
        )
    if session.get(Category, data.category) is None:
        raise InvalidInput(
            f"unknown category {data.category!r}",
            code=ErrorCode.UNKNOWN_CATEGORY,
            loc=("category",),
        )
    for i, mark in enumerate(data.marks):
        if session.get(Mark, mark) is None:
            raise InvalidInput(
                f"unknown mark {mark!r}", code=ErrorCode.UNKNOWN_MARK, loc=("marks", i)
            )
    if session.get(Product, data.gtin) is not None:
        raise Conflict(f"GTIN {data.gtin} is already registered", code=ErrorCode.PRODUCT_EXISTS)
    product = Product(
        gtin=data.gtin,
        name=data.name,
        licensee_id=data.licensee,
        category_id=data.category,
        marks=list(dict.fromkeys(data.marks)),
    )
    session.add(product)
    session.flush()
    return ProductOut.model_validate(product)


def _get_product(session: Session, principal: Principal, gtin: str) -> Product:
    product = session.get(Product, gtin)
    if product is None or not _may_see_licensee(session, principal, product.licensee_id):
        raise NotFound(
            f"no product with GTIN {gtin}", code=ErrorCode.PRODUCT_NOT_FOUND, loc=("gtin",)
        )
    return product


def get_product(session: Session, *, principal: Principal, gtin: str) -> ProductOut:
    return ProductOut.model_validate(_get_product(session, principal, gtin))


def list_products(session: Session, *, principal: Principal) -> list[ProductOut]:
    query = select(Product).order_by(Product.gtin)
    if not principal.is_admin:
        party = principal.party_id or ""
        if principal.role is Role.licensee:
            query = query.where(Product.licensee_id == party)
        elif principal.role is Role.rights_holder:
            # The same rule as ``manages``: the parties it manages (the IOC: nobody's too).
            mine = Party.managed_by_id == party
            if party == IOC_ID:
                mine = or_(mine, Party.managed_by_id.is_(None))
            managed = select(Party.id).where(mine)
            query = query.where(Product.licensee_id.in_(managed))
        else:
            return []
    return [ProductOut.model_validate(p) for p in session.scalars(query)]


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
