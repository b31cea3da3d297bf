"""Verdicts of the streaming worker, written once per listing version, and the enforcement case
a non-clean verdict opens (``enforcement.service.open_case_from_verdict``, itself de-duplicated
by (marketplace, listing, version))."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ringfence.core.db import utcnow
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement.service import open_case_from_verdict
from ringfence.screening.engine import Listing, Verdict
from ringfence.streaming.models import ListingVerdict
from ringfence.streaming.schemas import ListingEvent

_INSERTS: dict[str, Any] = {}


def _insert_new(session: Session, values: dict[str, Any]) -> bool:
    """Insert unless the listing version has its row: atomic (ON CONFLICT DO NOTHING), so two
    workers given the same event cannot both write. True when this call wrote it. (The
    statement is built once per dialect and given the values as parameters: building it per
    row cost more than running it.)"""
    dialect = session.get_bind().dialect.name
    statement = _INSERTS.get(dialect)
    if statement is None:
        table = ListingVerdict.__table__
        if dialect == "postgresql":
            statement = postgresql.insert(table).on_conflict_do_nothing()  # type: ignore[arg-type]
        elif dialect == "sqlite":
            statement = sqlite.insert(table).on_conflict_do_nothing()  # type: ignore[arg-type]
        else:  # pragma: no cover - the two supported databases are above
            statement = insert(table)  # type: ignore[arg-type]
        # RETURNING, not rowcount: with RETURNING (which SQLAlchemy adds for the key on
        # PostgreSQL) psycopg's rowcount says nothing about a skipped row.
        statement = statement.returning(table.c.id)
        _INSERTS[dialect] = statement
    return session.execute(statement, values).first() is not None


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
        session,
        {
            "marketplace_id": event.marketplace,
            "listing_id": event.listing_id,
            "listing_version": event.version,
            "seller_id": listing.seller_id,
            "verdict": verdict.verdict,
            "risk": verdict.risk,
            "marks": list(verdict.marks),
            "reasons": list(verdict.reasons),
            "index_version": index_version,
            "screened_at": now,
        },
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
