"""A listing version's verdict is written once, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringfence.core.settings import Settings
from ringfence.enforcement.models import Case
from ringfence.screening.engine import Engine, listing_from_row
from ringfence.streaming.models import ListingVerdict
from ringfence.streaming.schemas import ListingEvent
from ringfence.streaming.service import record_verdict


def test_a_second_write_of_a_listing_version_changes_nothing(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=database_url, evidence_dir=tmp_path)
    engine = Engine.builtin()
    event = ListingEvent(type="created", marketplace="MKT:svc-test", listing_id="L1", version="1",
                         listing={"seller_id": "S", "title": "0lymp1c hoodie replica"})  # fmt: skip
    listing = listing_from_row((event.listing or {}) | {"listing_id": "L1"})
    verdict = engine.screen(listing)
    first, created = record_verdict(session, event=event, listing=listing, verdict=verdict,
                                    index_version="a", settings=settings)  # fmt: skip
    again, created_again = record_verdict(session, event=event, listing=listing, verdict=verdict,
                                          index_version="b", settings=settings)  # fmt: skip
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert again.index_version == "a"
    assert first.verdict == "infringing"
    assert first.case_id is not None
    count = select(func.count()).select_from(ListingVerdict)
    assert session.scalar(count.where(ListingVerdict.marketplace_id == "MKT:svc-test")) == 1
    assert session.scalar(select(func.count()).where(Case.marketplace_id == "MKT:svc-test")) == 1
