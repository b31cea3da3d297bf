"""The worker's cases of one batch, written together (``Worker.handle`` without a broker): one
verdict row and one case per listing version, and a case the enforcement rules refuse sends
that event alone to the dead letters while the rest of the batch is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.settings import Settings
from ringfence.enforcement import events
from ringfence.enforcement.models import Case
from ringfence.streaming.interfaces import Delivery, Subjects
from ringfence.streaming.models import ListingVerdict
from ringfence.streaming.worker import IndexSource, Worker

SUBJECTS = Subjects("rfcases")
MKT = "MKT:tmall"


async def _nothing(*_: Any) -> None:
    return None


def _delivery(
    listing_id: str, title: str, seller: str = "seller-1", version: str = "1"
) -> Delivery:
    body = {"type": "created", "marketplace": MKT, "listing_id": listing_id, "version": version,
            "listing": {"seller_id": seller, "title": title, "ship_to": "FR"}}  # fmt: skip
    return Delivery(SUBJECTS.listings, json.dumps(body).encode(), _nothing, _nothing)


def _worker(session_factory: sessionmaker[Session], database_url: str, tmp: Path) -> Worker:
    settings = Settings(database_url=database_url, evidence_dir=tmp / "evidence")
    return Worker(None, SUBJECTS, session_factory, settings, IndexSource(None))  # type: ignore[arg-type]


def test_a_batch_opens_one_case_per_listing_version(
    session_factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    worker = _worker(session_factory, database_url, tmp_path)
    batch = [
        _delivery("W-1", "Olympic rings tee"),
        _delivery("W-2", "blue mug"),
        _delivery("W-3", "Olympic torch replica"),
        _delivery("W-1", "Olympic rings tee, again"),  # the same version: one verdict, one case
    ]
    outs = worker.handle(batch)
    verdicts = [json.loads(o.data) for o in outs]
    assert [v["listing_id"] for v in verdicts] == ["W-1", "W-2", "W-3", "W-1"]
    assert verdicts[0]["case_id"] is not None
    assert verdicts[3]["case_id"] == verdicts[0]["case_id"]
    assert verdicts[1]["case_id"] is None
    assert verdicts[2]["case_id"] is not None
    assert (worker.stats.verdicts, worker.stats.duplicates) == (3, 1)
    again = worker.handle([_delivery("W-3", "Olympic torch replica")])  # redelivered
    assert json.loads(again[0].data)["case_id"] == verdicts[2]["case_id"]
    with session_factory() as session:
        rows = session.execute(
            select(ListingVerdict.listing_id, ListingVerdict.case_id)
            .where(ListingVerdict.marketplace_id == MKT, ListingVerdict.listing_id.like("W-%"))
        ).all()  # fmt: skip
        cases = session.scalars(select(Case.listing_id).where(Case.listing_id.like("W-%"))).all()
        assert sorted(cases) == ["W-1", "W-3"]
        assert dict(rows) == {"W-1": verdicts[0]["case_id"], "W-2": None,
                              "W-3": verdicts[2]["case_id"]}  # fmt: skip
        assert events.verify(session) == []


def test_a_refused_case_is_a_dead_letter_and_the_batch_goes_on(
    session_factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    worker = _worker(session_factory, database_url, tmp_path)
    refused = "seller\t7"  # screened, but no case takes a reference with a control character
    outs = worker.handle([
        _delivery("R-1", "Olympic rings tee"),
        _delivery("R-2", "Olympic rings tee", seller=refused),
        _delivery("R-3", "Olympic torch replica"),
    ])  # fmt: skip
    assert [o.subject for o in outs] == [SUBJECTS.verdicts, SUBJECTS.dead, SUBJECTS.verdicts]
    assert json.loads(outs[1].data)["reason"].startswith("rejected: seller_id")
    with session_factory() as session:
        written = session.scalars(
            select(ListingVerdict.listing_id).where(ListingVerdict.listing_id.like("R-%"))
        ).all()
        cases = session.scalars(select(Case.listing_id).where(Case.listing_id.like("R-%"))).all()
    assert sorted(written) == sorted(cases) == ["R-1", "R-3"]
