"""Verdicts of the streaming worker, written once per listing version, and the enforcement case
a non-clean verdict opens (``enforcement.service.open_case_from_verdict``, itself de-duplicated
by (marketplace, listing, version))."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ringfence.core.db import utcnow
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement.service import open_case_from_verdict
from ringfence.screening.engine import Listing, Verdict
from ringfence.streaming.models import ListingVerdict
from ringfence.streaming.schemas import ListingEvent

_INSERTS: dict[tuple[str, str], Any] = {}
Key = tuple[str, str, str]  # (marketplace, listing, version)


def _insert(session: Session, returning: str) -> Any:
    """Insert unless the listing version has its row: atomic (ON CONFLICT DO NOTHING), so two
    workers given the same event cannot both write. RETURNING the new rows' ``id`` or ``key``,
    not rowcount: with RETURNING (which SQLAlchemy adds for the key on PostgreSQL) psycopg's
    rowcount says nothing about a skipped row. (Built once per dialect and given the values as
    parameters: building it per row cost more than running it.)"""
    dialect = session.get_bind().dialect.name
    statement = _INSERTS.get((dialect, returning))
    if statement is None:
        table = ListingVerdict.__table__
        if dialect == "postgresql":
            statement = postgresql.insert(table).on_conflict_do_nothing()  # type: ignore[arg-type]
        elif dialect == "sqlite":
            statement = sqlite.insert(table).on_conflict_do_nothing()  # type: ignore[arg-type]
        else:  # pragma: no cover - the two supported databases are above
            statement = insert(table)  # type: ignore[arg-type]
        columns = (
            (table.c.id,)
            if returning == "id"
            else (table.c.marketplace_id, table.c.listing_id, table.c.listing_version)
        )
        statement = statement.returning(*columns)
        _INSERTS[(dialect, returning)] = statement
    return statement


def _insert_new(session: Session, values: dict[str, Any]) -> bool:
    """Write one verdict row unless its listing version has one; True when this call wrote it."""
    return session.execute(_insert(session, "id"), values).first() is not None


def insert_verdicts(session: Session, rows: list[dict[str, Any]]) -> set[Key]:
    """Write verdict rows that open no case (``record_verdict``'s values) in one statement,
    each unless its listing version has one; the keys of the rows this call wrote."""
    if not rows:
        return set()
    written = session.execute(_insert(session, "key"), rows)
    return {(m, listing, v) for m, listing, v in written}


def set_case_ids(session: Session, cases: list[tuple[Key, int]]) -> None:
    """Record the case each listing version's verdict opened (one statement)."""
    if not cases:
        return
    table: Any = ListingVerdict.__table__
    statement = (
        update(table)
        .where(
            table.c.marketplace_id == bindparam("m"),
            table.c.listing_id == bindparam("l"),
            table.c.listing_version == bindparam("v"),
        )
        .values(case_id=bindparam("case"))
    )
    session.execute(statement, [{"m": m, "l": lst, "v": v, "case": c} for (m, lst, v), c in cases])


def verdict_rows(session: Session, keys: list[Key]) -> dict[Key, ListingVerdict]:
    """The rows written for these listing versions."""
    if not keys:
        return {}
    table = ListingVerdict
    rows = session.scalars(
        select(table).where(
            tuple_(table.marketplace_id, table.listing_id, table.listing_version).in_(keys)
        )
    )
    return {(r.marketplace_id, r.listing_id, r.listing_version): r for r in rows}


def verdict_values(
    event: ListingEvent, seller_id: str, verdict: Verdict, index_version: str, now: datetime
) -> dict[str, Any]:
    """The ``listing_verdicts`` row of ``event``'s listing version."""
    return {
        "marketplace_id": event.marketplace,
        "listing_id": event.listing_id,
        "listing_version": event.version,
        "seller_id": seller_id,
        "verdict": verdict.verdict,
        "risk": verdict.risk,
        "marks": list(verdict.marks),
        "reasons": list(verdict.reasons),
        "index_version": index_version,
        "screened_at": now,
    }


def record_verdict(
    session: Session,
    *,
    event: ListingEvent,
    listing: Listing,
    verdict: Verdict,
    index_version: str,
    settings: Settings,
    now: datetime | None = None,
) -> tuple[ListingVerdict, bool]:
    """Write the verdict of ``event``'s listing version, and open a case when it is not clean;
    or return the row already written (``created`` False) and do nothing else."""
    now = now or utcnow()
    created = _insert_new(
        session, verdict_values(event, listing.seller_id, verdict, index_version, now)
    )
    row = session.scalars(
        select(ListingVerdict).where(
            ListingVerdict.marketplace_id == event.marketplace,
            ListingVerdict.listing_id == event.listing_id,
            ListingVerdict.listing_version == event.version,
        )
    ).one()
    if created:
        opened = open_case_from_verdict(
            session,
            principal=Principal(Role.marketplace, party_id=event.marketplace, key_id="worker"),
            verdict=verdict,
            listing=listing,
            marketplace=event.marketplace,
            listing_version=event.version,
            settings=settings,
            now=now,
        )
        if opened is not None:
            row.case_id = opened[0].id
            session.flush()
    return row, created


def kept_verdicts(
    session: Session, since: datetime, limit: int
) -> tuple[int, int, list[tuple[str, int]]]:
    """The verdicts kept since ``since``: how many listings were screened, how many opened a
    case, and the latest ``limit`` of those as (listing id, case id), newest first
    (``enforcement.service.KeptVerdicts``, for the preview of an exception)."""
    kept = ListingVerdict.screened_at >= since
    screened = session.scalar(select(func.count()).select_from(ListingVerdict).where(kept)) or 0
    flagged_query = select(ListingVerdict.listing_id, ListingVerdict.case_id).where(
        kept, ListingVerdict.case_id.is_not(None)
    )
    flagged = session.scalar(select(func.count()).select_from(flagged_query.subquery())) or 0
    latest = session.execute(
        flagged_query.order_by(ListingVerdict.screened_at.desc(), ListingVerdict.id.desc()).limit(
            limit
        )
    ).all()
    return screened, flagged, [(lid, case) for lid, case in latest if case is not None]
