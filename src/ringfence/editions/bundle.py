"""Edition bundles: one edition's data as a signed, self-describing ``.tar.zst``.

Layout: a zstd-compressed tar holding ``manifest.json`` and one ``tables/<table>.jsonl`` per
table (canonical JSON, one row a line, ordered by primary key). The manifest names the format,
the schema version (the Alembic revision the rows follow), the edition, and for each table its
row count and the SHA-256 of its file; it is signed with HMAC-SHA256 under a key derived from
``RINGFENCE_SECRET_KEY`` (docs/handover.md says why not Ed25519).

What "one edition's data" is lives in :data:`SELECTION` (seed rows per table), closed over
foreign keys so that the bundle restores into an empty deployment: every row a selected row
refers to (a category, the IOC as a licensee's manager, an IOC mark a licence covers) comes
along.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import tarfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import zstandard
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    Date,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    func,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import Enum as SAEnum

# Every module that defines tables: the metadata must be complete to walk foreign keys.
import ringfence.auth.models
import ringfence.authenticity.models
import ringfence.editions.models
import ringfence.enforcement.models
import ringfence.registry.models
import ringfence.shop.models
import ringfence.streaming.models  # noqa: F401
from ringfence.core import jsontext
from ringfence.core.db import Base, UTCDateTime, utcnow
from ringfence.core.errors import Conflict, InvalidInput
from ringfence.editions import merge
from ringfence.editions.error_codes import ErrorCode
from ringfence.editions.service import get_edition, ocog_id
from ringfence.registry.service import _bump_revision  # the index must see the imported rows

FORMAT = "ringfence-edition-bundle"
FORMAT_VERSION = 1
SCHEMA_VERSION = "0014"  # the Alembic head these rows follow (a test keeps them in step)
SIGNATURE_ALG = "HMAC-SHA256"
MANIFEST = "manifest.json"

Row = dict[str, Any]
Rows = dict[str, list[Row]]


def _t(name: str) -> Table:
    return Base.metadata.tables[name]


# --------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Scope:
    edition: str
    ocog: str


def _ids(table: str, column: str, where: Callable[[Scope], ColumnElement[bool]]) -> Any:
    """A subquery: ``column`` of the ``table`` rows ``where`` picks (for child tables)."""

    def sub(scope: Scope) -> Any:
        t = _t(table)
        return select(t.c[column]).where(where(scope))

    return sub


def _col(table: str, column: str) -> Column[Any]:
    return _t(table).c[column]


def _licences(s: Scope) -> ColumnElement[bool]:
    return _col("licences", "licensor_id") == s.ocog


def _marks(s: Scope) -> ColumnElement[bool]:
    return or_(_col("marks", "edition_id") == s.edition, _col("marks", "owner_id") == s.ocog)


def _batches(s: Scope) -> ColumnElement[bool]:
    return _col("code_batches", "licensor_id") == s.ocog


def _offers(s: Scope) -> ColumnElement[bool]:
    return _col("offers", "storefront_id") == s.ocog


def _orders(s: Scope) -> ColumnElement[bool]:
    return _col("orders", "storefront_id") == s.ocog


def _cases(s: Scope) -> ColumnElement[bool]:
    return _col("enforcement_cases", "rights_holder_id") == s.ocog


def _in(table: str, column: str, sub: Any) -> Callable[[Scope], ColumnElement[bool]]:
    return lambda s: _col(table, column).in_(sub(s))


# The seed of one edition's data, table by table; rows these refer to are added by the
# foreign-key closure. Deployment-level tables (API keys, the registry revision counter) are
# never carried: a new deployment issues its own keys.
SELECTION: dict[str, Callable[[Scope], ColumnElement[bool]]] = {
    "editions": lambda s: _col("editions", "id") == s.edition,
    "parties": lambda s: or_(
        _col("parties", "id") == s.ocog, _col("parties", "managed_by_id") == s.ocog
    ),
    "marks": _marks,
    "mark_variants": _in("mark_variants", "mark_id", _ids("marks", "id", _marks)),
    "mark_exceptions": _in("mark_exceptions", "mark_id", _ids("marks", "id", _marks)),
    "licences": _licences,
    "licence_marks": _in("licence_marks", "licence_id", _ids("licences", "id", _licences)),
    "licence_categories": _in(
        "licence_categories", "licence_id", _ids("licences", "id", _licences)
    ),
    "licence_sellers": _in("licence_sellers", "licence_id", _ids("licences", "id", _licences)),
    "official_images": _in("official_images", "licence_id", _ids("licences", "id", _licences)),
    "mark_images": _in("mark_images", "mark_id", _ids("marks", "id", _marks)),
    "signing_keys": lambda s: _col("signing_keys", "party_id") == s.ocog,
    "code_batches": _batches,
    "code_units": _in("code_units", "batch_id", _ids("code_batches", "id", _batches)),
    "scans": _in(
        "scans",
        "unit_id",
        _ids(
            "code_units", "id", _in("code_units", "batch_id", _ids("code_batches", "id", _batches))
        ),
    ),
    "storefronts": lambda s: _col("storefronts", "id") == s.ocog,
    "offers": _offers,
    "offer_stock": _in("offer_stock", "offer_id", _ids("offers", "id", _offers)),
    "orders": _orders,
    "order_lines": _in("order_lines", "order_id", _ids("orders", "id", _orders)),
    # Its royalties (wherever the sale was) and both halves of every posting of its store.
    "ledger_entries": lambda s: or_(
        _col("ledger_entries", "licensor_id") == s.ocog,
        _col("ledger_entries", "order_line_id").in_(
            _ids(
                "order_lines", "id", _in("order_lines", "order_id", _ids("orders", "id", _orders))
            )(s)
        ),
    ),
    "idempotency_keys": _in("idempotency_keys", "order_id", _ids("orders", "id", _orders)),
    # With its orders: a pending intent is reconciled with the provider where the orders are.
    "payment_intents": _in("payment_intents", "order_id", _ids("orders", "id", _orders)),
    "enforcement_cases": _cases,
    "enforcement_evidence": _in(
        "enforcement_evidence", "case_id", _ids("enforcement_cases", "id", _cases)
    ),
    "enforcement_notices": _in(
        "enforcement_notices", "case_id", _ids("enforcement_cases", "id", _cases)
    ),
    "enforcement_deliveries": _in(
        "enforcement_deliveries",
        "notice_id",
        _ids(
            "enforcement_notices",
            "id",
            _in("enforcement_notices", "case_id", _ids("enforcement_cases", "id", _cases)),
        ),
    ),
    "enforcement_appeals": _in(
        "enforcement_appeals", "case_id", _ids("enforcement_cases", "id", _cases)
    ),
    "enforcement_strikes": _in(
        "enforcement_strikes", "case_id", _ids("enforcement_cases", "id", _cases)
    ),
    "audit_events": lambda s: _col("audit_events", "rights_holder_id") == s.ocog,
    "audit_heads": lambda s: _col("audit_heads", "rights_holder_id") == s.ocog,
    "edition_events": lambda s: _col("edition_events", "edition_id") == s.edition,
}

# Never in a bundle: secrets (API keys, web users and their sessions), per-deployment counters,
# the streaming worker's verdicts (a deployment's record of the marketplace listings it
# screened, not the edition's data), and what follows the web users: their saved searches, the
# team's comments on cases and their mentions (a case's assignee is left out of its row too).
NOT_CARRIED = frozenset(
    {
        "api_keys",
        "registry_revision",
        "users",
        "web_sessions",
        "listing_verdicts",
        "saved_views",
        "enforcement_comments",
        "enforcement_mentions",
    }
)


def _pk(table: Table) -> list[Column[Any]]:
    return list(table.primary_key.columns)


def _key(table: Table, row: Row) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in _pk(table))


def select_rows(session: Session, edition_id: str) -> Rows:
    """The rows of one edition's data, closed over foreign keys, per table, by primary key."""
    get_edition(session, edition_id)
    scope = Scope(edition_id, ocog_id(edition_id))
    found: dict[str, dict[tuple[Any, ...], Row]] = {name: {} for name in _tables()}
    for name, where in SELECTION.items():
        for row in session.execute(select(_t(name)).where(where(scope))).mappings():
            found[name][_key(_t(name), dict(row))] = dict(row)
    for case in found["enforcement_cases"].values():
        case["assignee_id"] = None  # a web user of this deployment: users are not carried
    # Close over foreign keys until nothing new comes in.
    pending = {name for name, rows in found.items() if rows}
    while pending:
        added: set[str] = set()
        for name in sorted(pending):
            table = _t(name)
            for fk in table.foreign_key_constraints:
                target = fk.referred_table
                if target.name not in found:  # not carried (users): the column is left empty
                    continue
                local = [c.name for c in fk.columns]
                remote = [e.column.name for e in fk.elements]
                wanted = {
                    tuple(r[c] for c in local)
                    for r in found[name].values()
                    if all(r[c] is not None for c in local)
                }
                have = {tuple(r[c] for c in remote) for r in found[target.name].values()}
                missing = sorted(wanted - have, key=repr)
                for chunk in _chunks(missing, 500):
                    cols = [target.c[c] for c in remote]
                    cond = (
                        cols[0].in_([m[0] for m in chunk])
                        if len(cols) == 1
                        else tuple_(*cols).in_(chunk)
                    )
                    for row in session.execute(select(target).where(cond)).mappings():
                        key = _key(target, dict(row))
                        if key not in found[target.name]:
                            found[target.name][key] = dict(row)
                            added.add(target.name)
        pending = added
    return {name: [rows[k] for k in sorted(rows, key=_sort_key)] for name, rows in found.items()}


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((0, v) if isinstance(v, int) else (1, str(v)) for v in key)


def _tables() -> list[str]:
    """Every table a bundle may hold, parents before children."""
    return [t.name for t in Base.metadata.sorted_tables if t.name not in NOT_CARRIED]


# --------------------------------------------------------------------------- encoding


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _decode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return Decimal(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    if isinstance(kind, SAEnum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, (JSON, Boolean, Integer)):
        return value
    return value


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def table_lines(rows: list[Row]) -> bytes:
    """The canonical JSON lines of rows (in the order given)."""
    return "".join(canonical({k: _encode(v) for k, v in r.items()}) + "\n" for r in rows).encode()


def digest(rows: list[Row]) -> str:
    return hashlib.sha256(table_lines(rows)).hexdigest()


def table_digests(session: Session, tables: Iterable[str] | None = None) -> dict[str, str]:
    """SHA-256 of every row of each table (all of it, not one edition's), by primary key: what
    a round trip into an empty deployment must reproduce."""
    out = {}
    for name in tables if tables is not None else _tables():
        table = _t(name)
        rows = [dict(r) for r in session.execute(select(table)).mappings()]
        out[name] = digest(sorted(rows, key=lambda r: _sort_key(_key(table, r))))
    return out


# --------------------------------------------------------------------------- signing


def _signing_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"ringfence edition bundle v1", hashlib.sha256).digest()


def sign(manifest: Mapping[str, Any], secret: str) -> str:
    body = canonical({k: v for k, v in manifest.items() if k != "signature"})
    return hmac.new(_signing_key(secret), body.encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class Exported:
    data: bytes
    manifest: dict[str, Any]


def pack(tables: Mapping[str, bytes], manifest: Mapping[str, Any]) -> bytes:
    """A .tar.zst of the manifest and the table files (fixed member metadata: the same data
    gives the same bytes)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        members = {MANIFEST: (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()}
        members.update({f"tables/{name}.jsonl": data for name, data in tables.items()})
        for path, data in members.items():
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return zstandard.ZstdCompressor(level=10, write_checksum=True).compress(raw.getvalue())


def export_bundle(
    session: Session, *, edition_id: str, secret: str, now: datetime | None = None
) -> Exported:
    rows = select_rows(session, edition_id)
    files = {name: table_lines(r) for name, r in rows.items()}
    manifest = make_manifest(
        files,
        edition=edition_id,
        counts={n: len(r) for n, r in rows.items()},
        created_at=(now or utcnow()).isoformat(),
        secret=secret,
    )
    return Exported(pack(files, manifest), manifest)


def make_manifest(
    files: Mapping[str, bytes],
    *,
    edition: str,
    counts: Mapping[str, int],
    created_at: str,
    secret: str,
    schema: str = SCHEMA_VERSION,
) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": schema,
        "created_at": created_at,
        "edition": edition,
        "tables": {
            name: {
                "file": f"tables/{name}.jsonl",
                "rows": counts[name],
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            for name, data in files.items()
        },
        "signature_alg": SIGNATURE_ALG,
    }
    manifest["signature"] = sign(manifest, secret)
    return manifest


# --------------------------------------------------------------------------- reading


def _refuse(msg: str, code: str) -> InvalidInput:
    return InvalidInput(f"bundle refused: {msg}", code=code)


@dataclass(frozen=True)
class Limits:
    """What a bundle may inflate to, checked while it streams (a small .tar.zst can expand to
    gigabytes): the manifest, each member, all members together, and how many there are."""

    manifest: int = 1024**2
    member: int = 1024**3
    total: int = 2 * 1024**3
    members: int = 4 * len(Base.metadata.tables) + 1
    json_depth: int = 64


LIMITS = Limits()


_HEADERS = 64 * 1024  # what one member's tar headers (PAX records included) may take


class _Budget(io.RawIOBase):
    """The inflated stream, yielding only the bytes granted so far: a header's worth, then
    each member's declared size once it passed the limits. Tar headers (PAX records too) come
    from the same stream, so nothing is inflated past what was granted whatever a header
    claims."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.left = inner, _HEADERS

    def grant(self, size: int) -> None:
        self.left += size + _HEADERS

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if len(view) and not self.left:
            raise _refuse("a tar header is beyond the size limit", "bundle_too_large")
        data = self.inner.read(min(len(view), self.left))
        self.left -= len(data)
        view[: len(data)] = data
        return len(data)


def _members(data: bytes, limits: Limits) -> Iterator[tuple[str, bytes]]:
    """The bundle's members in archive order, each checked against the limits from its tar
    header before a byte of it is inflated; ``corrupt_bundle`` when it is not a readable
    .tar.zst of plain files."""
    budget = _Budget(zstandard.ZstdDecompressor().stream_reader(data))
    total = count = 0
    try:
        with tarfile.open(fileobj=budget, mode="r|") as tar:
            for info in tar:
                count += 1
                cap = limits.manifest if info.name == MANIFEST else limits.member
                if count > limits.members:
                    raise _refuse(f"more than {limits.members} files", "bundle_too_large")
                if not info.isfile():
                    raise _refuse(f"{info.name} is not a plain file", "corrupt_bundle")
                total += info.size
                if info.size > cap or total > limits.total:
                    raise _refuse(
                        f"{info.name} inflates to {info.size} bytes, beyond the size limit",
                        "bundle_too_large",
                    )
                budget.grant(info.size)
                extracted = tar.extractfile(info)
                if extracted is None:  # pragma: no cover - isfile() said it is a file
                    raise _refuse(f"cannot read {info.name}", "corrupt_bundle")
                yield info.name, extracted.read()
    except zstandard.ZstdError as exc:
        raise _refuse(f"not a zstd archive or damaged ({exc})", "corrupt_bundle") from None
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _refuse(f"the archive is truncated or damaged ({exc})", "corrupt_bundle") from None


def _manifest(raw: bytes, limits: Limits) -> dict[str, Any]:
    try:
        manifest = jsontext.loads(raw, max_depth=limits.json_depth)
    except ValueError as exc:
        raise _refuse(f"manifest.json is not JSON ({exc})", "corrupt_bundle") from None
    if not isinstance(manifest, dict):
        raise _refuse("manifest.json is not an object", "corrupt_bundle")
    return manifest


def unpack(data: bytes, limits: Limits = LIMITS) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the table files, unverified (see :func:`read` for a bundle to trust);
    InvalidInput ``corrupt_bundle`` when it is not a readable .tar.zst with a manifest,
    ``bundle_too_large`` past the limits."""
    members: dict[str, bytes] = {}
    for name, body in _members(data, limits):
        if name in members:
            raise _refuse(f"{name} is in it twice", "tampered_bundle")
        members[name] = body
    if MANIFEST not in members:
        raise _refuse("it has no manifest.json", "corrupt_bundle")
    return _manifest(members.pop(MANIFEST), limits), members


def read(
    data: bytes, secret: str, limits: Limits = LIMITS
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the table files of a bundle this deployment can trust: the manifest
    (the first member, as :func:`pack` writes it) is verified before any table file is
    inflated, and each table file is checked against its listed checksum as it streams."""
    members = _members(data, limits)
    first = next(members, None)
    if first is None or first[0] != MANIFEST:
        raise _refuse("it does not begin with manifest.json", "corrupt_bundle")
    manifest = _manifest(first[1], limits)
    verify_manifest(manifest, secret)
    listed = {f"tables/{name}.jsonl": entry for name, entry in manifest["tables"].items()}
    files: dict[str, bytes] = {}
    for name, body in members:
        entry = listed.get(name)
        if entry is None or name in files:
            raise _refuse(f"files not in the manifest: {name}", "tampered_bundle")
        _check_file(name, body, entry)
        files[name] = body
    missing = sorted(set(listed) - set(files))
    if missing:
        raise _refuse(f"{missing[0]} is missing", "corrupt_bundle")
    return manifest, files


def _schema_number(version: Any) -> int:
    if not isinstance(version, str) or not version.isdigit():
        raise _refuse(f"schema version {version!r} is not a revision number", "unknown_format")
    return int(version)


def verify_manifest(manifest: Mapping[str, Any], secret: str) -> None:
    """Format and signature of the manifest, and that it lists tables; InvalidInput with the
    reason."""
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise _refuse(
            f"unknown format {manifest.get('format')!r} version "
            f"{manifest.get('format_version')!r} (this is {FORMAT} {FORMAT_VERSION})",
            "unknown_format",
        )
    given = manifest.get("signature")
    if manifest.get("signature_alg") != SIGNATURE_ALG or not isinstance(given, str):
        raise _refuse("the manifest is not signed", "bad_signature")
    if not hmac.compare_digest(given, sign(manifest, secret)):
        raise _refuse(
            "the signature does not match (the manifest was changed, or it was signed with "
            "another deployment's secret key)",
            "bad_signature",
        )
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(isinstance(e, dict) for e in tables.values()):
        raise _refuse("the manifest lists no tables", "unknown_format")


def _check_file(name: str, data: bytes, entry: Mapping[str, Any]) -> None:
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise _refuse(f"{name} does not match its checksum", "checksum_mismatch")


def verify(manifest: Mapping[str, Any], files: Mapping[str, bytes], secret: str) -> None:
    """Format, signature, then every file's checksum; InvalidInput with the reason."""
    verify_manifest(manifest, secret)
    tables = manifest["tables"]
    listed = {f"tables/{name}.jsonl" for name in tables}
    extra = sorted(set(files) - listed)
    if extra:
        raise _refuse(f"files not in the manifest: {', '.join(extra)}", "tampered_bundle")
    for name, entry in sorted(tables.items()):
        data = files.get(f"tables/{name}.jsonl")
        if data is None:
            raise _refuse(f"tables/{name}.jsonl is missing", "corrupt_bundle")
        _check_file(f"tables/{name}.jsonl", data, entry)


# --------------------------------------------------------------------------- upgrades


def _to_0005(rows: Rows) -> None:
    """0005 added the edition's history; an older bundle has none."""
    rows.setdefault("edition_events", [])


def _to_0006(rows: Rows) -> None:
    """0006 moved each offer's stock into offer_stock."""
    stock = rows.setdefault("offer_stock", [])
    for offer in rows.get("offers", []):
        stock.append({"offer_id": offer["id"], "stock": offer.pop("stock")})


def _to_0007(rows: Rows) -> None:
    """0007 added web users and their sessions, which no bundle carries: nothing to do."""


def _to_0008(rows: Rows) -> None:
    """0008 added the image bank and the emblems' reference images; an older bundle has none."""
    rows.setdefault("official_images", [])
    rows.setdefault("mark_images", [])


def _to_0011(rows: Rows) -> None:
    """0011 added payment intents; an older bundle's orders are settled and need none."""
    rows.setdefault("payment_intents", [])


def _to_0012(rows: Rows) -> None:
    """0012 scoped exceptions: an older exception applies in every category and was made by
    no case; an older case keeps no category."""
    for row in rows.get("mark_exceptions", []):
        for column in ("category", "created_by", "created_at", "case_id"):
            row.setdefault(column, None)
    for row in rows.get("enforcement_cases", []):
        row.setdefault("category", None)


def _to_0014(rows: Rows) -> None:
    """0014 case team work: an older case has no assignee, an older notice waits for no undo
    window; comments and mentions are not carried."""
    for row in rows.get("enforcement_cases", []):
        row.setdefault("assignee_id", None)
    for row in rows.get("enforcement_notices", []):
        row.setdefault("hold_until", None)


# Ordered row transforms: each brings the rows of a bundle at the version before it to its
# version. A migration that changes a carried table adds its transform here.
UPGRADES: list[tuple[str, Callable[[Rows], None]]] = [
    ("0005", _to_0005),
    ("0006", _to_0006),
    ("0007", _to_0007),
    ("0008", _to_0008),
    ("0009", lambda rows: None),  # 0009 added listing_verdicts, which bundles do not carry
    ("0010", lambda rows: None),  # 0010 added official_images.features, which may be null
    ("0011", _to_0011),
    ("0012", _to_0012),
    ("0013", lambda rows: None),  # 0013 added saved_views, which bundles do not carry
    ("0014", _to_0014),
]


def upgrade_rows(rows: Rows, version: str) -> Rows:
    for target, transform in UPGRADES:
        if _schema_number(target) > _schema_number(version):
            transform(rows)
    return rows


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class Imported:
    edition: str
    schema_version: str
    upgraded: bool
    inserted: dict[str, int]
    present: dict[str, int]  # rows already here with the same contents
    updated: dict[str, int] = field(default_factory=dict)  # the edition's row, moved on
    renumbered: dict[str, int] = field(default_factory=dict)  # new ids for ids taken here
    dry_run: bool = False


def import_bundle(
    session: Session,
    *,
    data: bytes,
    secret: str,
    limits: Limits = LIMITS,
    dry_run: bool = False,
) -> Imported:
    """Verify, upgrade and merge a bundle in the session's transaction (editions/merge.py:
    rows already here with the same contents are kept, the edition's own row moves on, ids
    taken here are renumbered; every other difference is a conflict, and any conflict refuses
    the whole bundle with a report of each: Conflict ``bundle_conflicts``). ``dry_run`` plans
    and writes nothing. The caller commits; on any error nothing is written."""
    manifest, files = read(data, secret, limits)
    version = manifest["schema_version"]
    if _schema_number(version) > _schema_number(SCHEMA_VERSION):
        raise _refuse(
            f"it follows schema {version}, newer than this deployment's {SCHEMA_VERSION}: "
            "upgrade ringfence first",
            "newer_schema",
        )
    known = set(_tables())
    unknown = sorted(set(manifest["tables"]) - known)
    if unknown and version == SCHEMA_VERSION:
        raise _refuse(f"unknown tables: {', '.join(unknown)}", "unknown_format")
    rows: Rows = {}
    for name in manifest["tables"]:
        try:
            rows[name] = [
                jsontext.loads(line, max_depth=limits.json_depth)
                for line in files[f"tables/{name}.jsonl"].splitlines()
            ]
        except ValueError:
            raise _refuse(f"tables/{name}.jsonl is not JSON lines", "corrupt_bundle") from None
    rows = upgrade_rows(rows, version)
    unknown = sorted(set(rows) - known)
    if unknown:
        raise _refuse(f"unknown tables: {', '.join(unknown)}", "unknown_format")

    tables = [_t(name) for name in _tables() if name in rows]
    decoded = [
        (table, [{c.name: _decode(c, r.get(c.name)) for c in table.columns} for r in rows[t]])
        for t, table in ((table.name, table) for table in tables)
    ]
    plan = merge.plan(session, decoded)
    plan.refuse_on_conflict()
    counts = plan.counts()
    result = Imported(
        str(manifest.get("edition")),
        version,
        version != SCHEMA_VERSION,
        inserted={name: c["inserted"] for name, c in counts.items()},
        present={name: c["kept"] for name, c in counts.items()},
        updated={name: c["updated"] for name, c in counts.items() if c["updated"]},
        renumbered={name: c["renumbered"] for name, c in counts.items() if c["renumbered"]},
        dry_run=dry_run,
    )
    if dry_run:
        return result
    merge.apply(session, tables, plan)
    _check_merged(session, plan)
    _reset_sequences(session, [n for n, count in result.inserted.items() if count])
    # No history row for the import itself: the edition restores exactly as it was.
    _bump_revision(session)
    session.flush()
    return result


def _check_merged(session: Session, plan: merge.Plan) -> None:
    """Read back every row the import wrote and compare its canonical form: the import wrote
    exactly what it planned, or it is rolled back."""
    for name, step in plan.tables.items():
        wanted = step.insert + step.update
        if not wanted:
            continue
        table = _t(name)
        got = list(merge.rows_by_key(session, table, [_key(table, r) for r in wanted]).values())
        order = [
            merge.content(table, r) for r in sorted(got, key=lambda r: _sort_key(_key(table, r)))
        ]
        expected = [
            merge.content(table, r) for r in sorted(wanted, key=lambda r: _sort_key(_key(table, r)))
        ]
        if digest(order) != digest(expected):  # pragma: no cover - a backend losing data
            raise Conflict(f"{name} did not restore exactly", code=ErrorCode.RESTORE_MISMATCH)


def _reset_sequences(session: Session, tables: list[str]) -> None:
    """PostgreSQL: move each identity sequence past the ids just inserted."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in tables:
        pk = _pk(_t(name))
        if len(pk) != 1 or not isinstance(pk[0].type, Integer) or not pk[0].autoincrement:
            continue
        sequence = session.scalar(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": name, "c": pk[0].name}
        )
        if sequence is None:
            continue
        top = session.scalar(select(func.max(pk[0])))
        session.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": top})
