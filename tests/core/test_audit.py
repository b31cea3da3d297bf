"""The audit trail of every domain (core/audit.py): typed kinds, a status change of each domain
writing its event to the right chain with the actor of its unit of work (a web request, a CLI
command), a tracked row's changes, and `audit verify` finding an edited event of a new kind."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.authenticity import service as codes
from ringfence.core import audit
from ringfence.core.audit import AuditEvent
from ringfence.core.security import SYSTEM, Role
from ringfence.core.states import MACHINES, Machine
from ringfence.editions import service as editions
from ringfence.registry import service as registry
from ringfence.registry.enums import EditionStatus, LicenceStatus
from ringfence.shop import service as shop
from ringfence.shop.enums import OrderStatus
from tests import audit_catalogue
from tests.cli.conftest import Cli
from tests.conftest import Keys
from tests.shop.conftest import seed_shop
from tests.shop.test_service import buy

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def events_since(session: Session, since: int, chain: str | None = None) -> list[AuditEvent]:
    session.flush()
    query = select(AuditEvent).where(AuditEvent.id > since).order_by(AuditEvent.id)
    if chain is not None:
        query = query.where(AuditEvent.rights_holder_id == chain)
    return list(session.scalars(query))


def last_id(session: Session) -> int:
    session.flush()
    return max(session.scalars(select(AuditEvent.id)), default=0)


def payload(event: AuditEvent) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(event.body)
    return body["payload"]  # type: ignore[no-any-return]


def status_events(events: list[AuditEvent], kind: str) -> list[tuple[str, Any, Any, Any]]:
    return [
        (e.rights_holder_id, payload(e)["id"], payload(e)["from"], payload(e)["to"])
        for e in events
        if e.kind == kind
    ]


# ------------------------------------------------------------------ kinds


def test_the_table_of_kinds_in_the_docs_is_what_the_source_declares() -> None:
    assert audit_catalogue.current() == audit_catalogue.section(), (
        "docs/audit.md is stale: python -m tests.audit_catalogue --write"
    )


def test_every_machine_names_a_chain_or_who_records_it() -> None:
    audit_catalogue.load_every_kind()
    declared = audit.declared()
    for machine in MACHINES.values():
        assert (machine.chain is None) != (machine.recorded_by is None), machine.column
        if machine.chain is not None:
            assert declared[machine.event_kind].payload == {"id", "from", "to"}
    with pytest.raises(ValueError, match="a chain for its events"):
        Machine(
            "t.b", "t", {OrderStatus.placed: frozenset()} | {s: frozenset() for s in OrderStatus}
        )


def test_an_undeclared_kind_or_payload_key_is_refused_and_nothing_is_written(
    session: Session,
) -> None:
    since = last_id(session)
    with pytest.raises(audit.UndeclaredKind, match="not declared"):
        audit.record(
            session,
            rights_holder_id="IOC",
            kind="order.teleported",
            actor="test",
            at=NOW,
            case_id=None,
            payload={},
        )
    with pytest.raises(audit.UndeclaredKind, match="undeclared payload keys"):
        audit.record(
            session,
            rights_holder_id="IOC",
            kind="order.status",
            actor="test",
            at=NOW,
            case_id=None,
            payload={"id": "O1", "from": "placed", "to": "paid", "why": "x"},
        )
    with pytest.raises(ValueError, match="declared twice"):
        audit.kind("case.opened", "test", "again")
    assert events_since(session, since) == []


# Two events as enforcement/events.py wrote them before the trail moved to core (made with the
# code of a3bfe8e): the same entries must give the same bytes and hashes, so a chain written
# before the move still verifies.
OLD_FIRST = "3dd003a945796dcd7e20c622130a68bdea963313738ccbfbe0a224ad241e3113"
BEFORE_THE_MOVE = [
    (
        '{"actor":"NOC:NED (key k1)","at":"2026-11-02T09:00:00+00:00","case":7,'
        '"kind":"case.decided","payload":{"decision":"takedown","note":"é","previous":"open",'
        '"reason":"counterfeit","status":"takedown_requested"},'
        '"prev":"0000000000000000000000000000000000000000000000000000000000000000",'
        '"rights_holder":"GOLDEN","seq":1}',
        OLD_FIRST,
    ),
    (
        '{"actor":"system","at":"2026-11-02T10:00:00+00:00","case":8,"kind":"case.opened",'
        f'"payload":{{"marks":["a"],"seller":"s"}},"prev":"{OLD_FIRST}",'
        '"rights_holder":"GOLDEN","seq":2}',
        "b759eacf3473aa5d97583b87184138a56e32ed9ad33aedb4e02d243717ab3bb4",
    ),
]


def test_a_chain_written_before_the_move_is_the_same_bytes_and_verifies(
    session: Session,
) -> None:
    decided = {
        "decision": "takedown",
        "reason": "counterfeit",
        "note": "é",
        "previous": "open",
        "status": "takedown_requested",
    }
    entries = [
        audit.Entry(
            "case.decided", "NOC:NED (key k1)", datetime(2026, 11, 2, 9, tzinfo=UTC), 7, decided
        ),
        audit.Entry(
            "case.opened",
            "system",
            datetime(2026, 11, 2, 10, tzinfo=UTC),
            8,
            {"marks": ["a"], "seller": "s"},
        ),
    ]
    written = audit.record_many(session, rights_holder_id="GOLDEN", entries=entries)
    assert [(e.body, e.hash) for e in written] == BEFORE_THE_MOVE
    assert audit.verify(session, rights_holder_id="GOLDEN") == []


# ------------------------------------------------------------------ each domain's changes


def test_an_order_placed_and_paid_is_in_the_stores_chain(session: Session) -> None:
    offer = seed_shop(session)
    since = last_id(session)
    paid = buy(session, offer)  # placed, then settled by the bulk statement
    assert paid.status is OrderStatus.paid
    written = events_since(session, since, "IOC")
    assert [e.kind for e in written if e.kind.startswith("order.")] == ["order.status"]
    assert status_events(written, "order.status") == [("IOC", paid.id, "placed", "paid")]
    assert audit.verify(session, rights_holder_id="IOC") == []


def test_an_offer_and_a_storefront_are_recorded(session: Session) -> None:
    since = last_id(session)
    offer = seed_shop(session)
    written = events_since(session, since, "IOC")
    kinds = [e.kind for e in written]
    assert kinds[:2] == ["storefront.created", "offer.created"]
    assert status_events(written, "offer.status") == [("IOC", offer, "draft", "published")]
    since = last_id(session)
    shop.unpublish_offer(session, principal=SYSTEM, offer_id=offer)
    assert status_events(events_since(session, since), "offer.status") == [
        ("IOC", offer, "published", "unpublished")
    ]


def test_an_edition_moves_in_the_registrys_chain(session: Session) -> None:
    since = last_id(session)
    editions.advance(session, principal=SYSTEM, edition_id="la28", to=EditionStatus.live)
    written = events_since(session, since)
    assert status_events(written, "edition.status") == [("registry", "la28", "preparing", "live")]
    assert audit.verify(session, rights_holder_id="registry") == []


def test_a_licence_declared_by_its_licensor_is_recorded_with_what_changed(
    session: Session,
) -> None:
    licence = registry.get_licence(session, principal=SYSTEM, licence_id="IOC-2026-0001")
    since = last_id(session)
    registry.save_licence(
        session,
        principal=SYSTEM,
        data=licence.model_copy(update={"status": LicenceStatus.suspended, "royalty_rate": "0.2"}),
        create=False,
    )
    written = events_since(session, since)
    assert status_events(written, "licence.status") == [
        ("registry", "IOC-2026-0001", "active", "suspended")
    ]
    (updated,) = [e for e in written if e.kind == "licence.updated"]
    assert (updated.rights_holder_id, payload(updated)) == (
        "registry",
        {"id": "IOC-2026-0001", "changed": ["royalty_rate"]},
    )
    # The same document stated again changes nothing and records nothing.
    since = last_id(session)
    again = registry.get_licence(session, principal=SYSTEM, licence_id="IOC-2026-0001")
    registry.save_licence(session, principal=SYSTEM, data=again, create=False)
    assert events_since(session, since) == []


def test_keys_and_batches_are_recorded_in_the_licensors_chain(session: Session) -> None:
    offer = seed_shop(session)
    order = buy(session, offer)
    since = last_id(session)
    fulfilled = shop.fulfil_order(
        session,
        principal=SYSTEM,
        order_id=order.id,
        index=registry.compile_index(session),
        secret="s",
    )
    written = events_since(session, since)
    assert ("IOC", order.id, "paid", "fulfilled") in status_events(written, "order.status")
    batches = [e for e in written if e.kind == "batch.created"]
    assert batches, [e.kind for e in written]
    batch_id = payload(batches[0])["id"]
    since = last_id(session)
    codes.recall_batch(session, principal=SYSTEM, batch_id=batch_id, reason="test")
    chain = batches[0].rights_holder_id
    assert status_events(events_since(session, since), "batch.status") == [
        (chain, batch_id, "active", "recalled")
    ]
    assert fulfilled.status is OrderStatus.fulfilled


# ------------------------------------------------------------------ actors and verify


def test_a_web_requests_changes_name_its_principal(
    client: TestClient, keys: Keys, session: Session
) -> None:
    ioc = keys("IOC", Role.rights_holder)
    offer = seed_shop(session)
    session.commit()
    since = last_id(session)
    answer = client.post(f"/v1/shop/offers/{offer}/unpublish", headers=ioc)
    assert answer.status_code == 200, answer.text
    (moved,) = [e for e in events_since(session, since) if e.kind == "offer.status"]
    assert moved.actor.startswith("IOC (key ")
    assert json.loads(moved.body)["actor"] == moved.actor


def test_a_cli_commands_changes_name_the_cli_and_verify_finds_an_edited_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cli = Cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'cli.db'}")
    assert cli("db", "upgrade")[0] == 0
    assert cli("registry", "builtin")[0] == 0
    assert cli("edition", "advance", "la28") == (0, "la28: preparing -> live\n", "")
    assert cli("audit", "verify") == (0, "audit trail intact\n", "")
    with sqlite3.connect(tmp_path / "cli.db") as db:
        (seq, actor, body) = db.execute(
            "SELECT seq, actor, body FROM audit_events WHERE kind = 'edition.status' "
            "AND rights_holder_id = 'registry' ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        assert actor == "cli"
        assert json.loads(body)["payload"] == {"id": "la28", "from": "preparing", "to": "live"}
        forged = body.replace('"to":"live"', '"to":"archived"')
        db.execute(
            "UPDATE audit_events SET body = ? WHERE rights_holder_id = 'registry' AND seq = ?",
            (forged, seq),
        )
    code, _, err = cli("audit", "verify")
    assert code == 1
    assert f"broken: registry #{seq}: edited: the hash does not match the stored body" in err
    assert cli("audit", "verify", "--rights-holder", "IOC")[0] == 0
    code, out, _ = cli("audit", "head")
    assert f"registry\t{seq}\t" in out
