"""Bundles between two real deployments (fresh databases, committed transactions) on every
backend: export -> import into an empty deployment reproduces every row (per-table digests);
corrupt, truncated and tampered bundles are refused with the reason and change nothing."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zstandard
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ringfence.core.db import make_engine, make_session_factory, unit_of_work
from ringfence.core.errors import RingfenceError
from ringfence.core.migrate import alembic_config, upgrade
from ringfence.core.security import SYSTEM
from ringfence.demo import load_demo
from ringfence.editions import bundle, service
from ringfence.registry.builtin import builtin_document
from ringfence.registry.enums import EditionStatus
from ringfence.registry.service import compile_index, import_document
from ringfence.shop import service as shop
from ringfence.shop.payments import SandboxProvider
from tests.dbs import backends, fresh_database
from tests.editions.conftest import NOW, OCOG, checkout, seed_tenant

SECRET = "deployment-secret-shared-by-regions"


@dataclass
class Deployments:
    source: sessionmaker[Session]
    target: sessionmaker[Session]
    target_url: str
    engines: list[Engine]


@pytest.fixture(params=backends())
def deployments(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployments]:
    """A source deployment with the demo data, an LA28 tenant using every domain and some
    history, and an empty target (migrated, nothing loaded)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        fresh_database(request.param, tmp_path / "a") as source_url,
        fresh_database(request.param, tmp_path / "b") as target_url,
    ):
        upgrade(source_url)
        upgrade(target_url)
        engines = [make_engine(source_url), make_engine(target_url)]
        source = make_session_factory(engines[0])
        with unit_of_work(source) as session:
            load_demo(session)
            tenant = seed_tenant(session)
            service.advance(session, principal=SYSTEM, edition_id="la28", now=NOW)
            placed = shop.place_order(
                session,
                store_id=OCOG,
                buyer="guest",
                data=checkout(tenant.offer),
                index=compile_index(session),
                idempotency_key="k-1",
                now=NOW,
            )
            shop.pay_order(
                session,
                order_id=placed.order.id,
                provider=SandboxProvider(),
                token="tok_ok",
                now=NOW,
            )
        yield Deployments(source, make_session_factory(engines[1]), target_url, engines)
        for engine in engines:
            engine.dispose()


def _export(factory: sessionmaker[Session], edition: str = "la28") -> bundle.Exported:
    with factory() as session:
        return bundle.export_bundle(session, edition_id=edition, secret=SECRET, now=NOW)


def _import(factory: sessionmaker[Session], data: bytes, secret: str = SECRET) -> bundle.Imported:
    with unit_of_work(factory) as session:
        return bundle.import_bundle(session, data=data, secret=secret)


def _digests(factory: sessionmaker[Session]) -> dict[str, str]:
    with factory() as session:
        return bundle.table_digests(session)


def test_the_schema_version_is_the_migrations_head(deployments: Deployments) -> None:
    script = ScriptDirectory.from_config(alembic_config(deployments.target_url))
    assert script.get_current_head() == bundle.SCHEMA_VERSION
    assert bundle.UPGRADES[-1][0] == bundle.SCHEMA_VERSION


def test_round_trip_into_an_empty_deployment(deployments: Deployments) -> None:
    exported = _export(deployments.source)
    tables = exported.manifest["tables"]
    # The edition's data touches every domain.
    for name in (
        "editions",
        "parties",
        "marks",
        "licences",
        "signing_keys",
        "code_batches",
        "code_units",
        "storefronts",
        "offers",
        "orders",
        "order_lines",
        "ledger_entries",
        "idempotency_keys",
        "enforcement_cases",
        "audit_events",
        "audit_heads",
        "edition_events",
    ):
        assert tables[name]["rows"] > 0, name
    assert "api_keys" not in tables

    result = _import(deployments.target, exported.data)
    assert result.edition == "la28"
    assert not result.upgraded
    assert result.inserted == {n: t["rows"] for n, t in tables.items()}

    # Every row of the target, table by table, is exactly the bundle.
    after = _digests(deployments.target)
    assert after == {name: entry["sha256"] for name, entry in tables.items()}
    # And exporting again from the target gives the same tables.
    again = _export(deployments.target)
    assert again.manifest["tables"] == tables
    # The target goes on from there: new rows get fresh ids (PostgreSQL sequences moved on).
    with unit_of_work(deployments.target) as session:
        service.advance(session, principal=SYSTEM, edition_id="la28", now=NOW)
    with deployments.target() as session:
        assert [e.detail["to"] for e in service.history(session, "la28")] == ["live", "closing"]


def test_import_is_idempotent_and_keeps_identical_rows(deployments: Deployments) -> None:
    exported = _export(deployments.source)
    _import(deployments.target, exported.data)
    before = _digests(deployments.target)
    second = _import(deployments.target, exported.data)
    assert set(second.inserted.values()) == {0}
    assert _digests(deployments.target) == before
    # Into the deployment it came from: everything is there already.
    assert set(_import(deployments.source, exported.data).inserted.values()) == {0}


def _repack(
    data: bytes,
    *,
    manifest: Callable[[dict[str, object]], None] | None = None,
    files: Callable[[dict[str, bytes]], None] | None = None,
    resign: str | None = None,
) -> bytes:
    parsed, members = bundle.unpack(data)
    if files is not None:
        files(members)
    if manifest is not None:
        manifest(parsed)
    if resign is not None:
        parsed["signature"] = bundle.sign(parsed, resign)
    return bundle.pack(
        {k.removeprefix("tables/").removesuffix(".jsonl"): v for k, v in members.items()},
        parsed,
    )


def _edit_row(members: dict[str, bytes]) -> None:
    lines = members["tables/licences.jsonl"].decode().splitlines()
    row = json.loads(lines[0])
    row["royalty_rate"] = "0.0001"
    lines[0] = bundle.canonical(row)
    members["tables/licences.jsonl"] = ("\n".join(lines) + "\n").encode()


def _set(key: str, value: object) -> Callable[[dict[str, object]], None]:
    return lambda m: m.__setitem__(key, value)


def _drop_table(m: dict[str, object]) -> None:
    tables = m["tables"]
    assert isinstance(tables, dict)
    tables["orders"]["rows"] = 99


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def _bare_tar(data: bytes) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    return zstandard.ZstdCompressor().compress(raw.getvalue())


BAD: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "garbage": (lambda d: b"this is not a bundle", "corrupt_bundle"),
    "truncated": (lambda d: d[: len(d) // 2], "corrupt_bundle"),
    "empty": (lambda d: b"", "corrupt_bundle"),
    # The archive streams (nothing is inflated past the limits), so a flipped byte inside a
    # table file is caught by that file's checksum before the zstd frame's own checksum; one in
    # a header or the compressed framing, by zstd or tar.
    "flipped byte": (_flip, "checksum_mismatch|corrupt_bundle"),
    "no manifest": (_bare_tar, "corrupt_bundle"),
    "edited table file": (lambda d: _repack(d, files=_edit_row), "checksum_mismatch"),
    "missing table file": (
        lambda d: _repack(d, files=lambda f: f.pop("tables/offers.jsonl")),
        "corrupt_bundle",
    ),
    "extra file": (
        lambda d: _repack(d, files=lambda f: f.__setitem__("tables/x.jsonl", b"")),
        "tampered_bundle",
    ),
    "edited manifest": (lambda d: _repack(d, manifest=_drop_table), "bad_signature"),
    "another deployment's key": (
        lambda d: _repack(d, manifest=_drop_table, resign="another-secret"),
        "bad_signature",
    ),
    "unknown format": (
        lambda d: _repack(d, manifest=_set("format", "zip-of-stuff"), resign=SECRET),
        "unknown_format",
    ),
    "newer schema": (
        lambda d: _repack(d, manifest=_set("schema_version", "0099"), resign=SECRET),
        "newer_schema",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_bundles_are_refused_and_change_nothing(deployments: Deployments, case: str) -> None:
    spoil, code = BAD[case]
    data = spoil(_export(deployments.source).data)
    before = _digests(deployments.target)
    with pytest.raises(RingfenceError) as exc:
        _import(deployments.target, data)
    assert exc.value.code in code.split("|")
    assert str(exc.value).startswith("bundle refused") or code == "bundle_conflicts"
    assert _digests(deployments.target) == before


def _builtin_target(deployments: Deployments, *more: Callable[[Session], object]) -> None:
    with unit_of_work(deployments.target) as session:
        import_document(session, builtin_document())
        for step in more:
            step(session)


def test_i21_merge_into_a_deployment_with_the_builtin_registry(deployments: Deployments) -> None:
    """The target holds the shipped registry: la28 `preparing`, its OCOG, the IOC, the
    categories, made at other times. The bundle's shared rows are kept, the edition moves on to
    the bundle's `live`, the rest is added; a dry run first says so and changes nothing."""
    _builtin_target(deployments)
    exported = _export(deployments.source)
    before = _digests(deployments.target)
    with unit_of_work(deployments.target) as session:
        dry = bundle.import_bundle(session, data=exported.data, secret=SECRET, dry_run=True)
    assert dry.dry_run
    assert dry.updated == {"editions": 1}
    assert dry.present["parties"] > 0
    assert dry.present["categories"] > 0
    assert _digests(deployments.target) == before

    done = _import(deployments.target, exported.data)
    assert (done.inserted, done.present, done.updated) == (dry.inserted, dry.present, dry.updated)
    with deployments.target() as session:
        assert service.get_edition(session, "la28").status is EditionStatus.live
    # Every bundled row is now here with the bundle's contents: a second import keeps them all.
    again = _import(deployments.target, exported.data)
    assert set(again.inserted.values()) == {0}
    assert not again.updated
    assert not again.renumbered
    assert sum(again.present.values()) == sum(
        t["rows"] for t in exported.manifest["tables"].values()
    )


def test_i21_ids_taken_here_are_renumbered_and_followed(deployments: Deployments) -> None:
    """Another edition's history took the edition-event ids the bundle's la28 events carry:
    the bundle's events take new ids; neither history loses or gains an event."""
    _builtin_target(
        deployments,
        lambda s: service.advance(s, principal=SYSTEM, edition_id="brisbane-2032", now=NOW),
    )
    exported = _export(deployments.source)
    assert exported.manifest["tables"]["edition_events"]["rows"] == 1
    done = _import(deployments.target, exported.data)
    assert done.renumbered == {"edition_events": 1}
    with deployments.target() as session:
        assert [e.detail["to"] for e in service.history(session, "la28")] == ["live"]
        assert [e.detail["to"] for e in service.history(session, "brisbane-2032")] == ["preparing"]
    # The renumbered event is found by its contents the next time: nothing is added twice.
    again = _import(deployments.target, exported.data)
    assert set(again.inserted.values()) == {0}
    with deployments.target() as session:
        assert len(service.history(session, "la28")) == 1
        # New events still get fresh ids (PostgreSQL's sequence moved past the renumbered one).
        service.advance(session, principal=SYSTEM, edition_id="brisbane-2032", now=NOW)
        # Even once the bundle's own id is free again, its event is found under the new one.
        events = bundle._t("edition_events")
        session.execute(events.delete().where(events.c.edition_id == "brisbane-2032"))
        session.commit()
    third = _import(deployments.target, exported.data)
    assert set(third.inserted.values()) == {0}
    with deployments.target() as session:
        assert len(service.history(session, "la28")) == 1


def test_i21_real_conflicts_are_reported_each_and_change_nothing(deployments: Deployments) -> None:
    """The target moved la28 past the bundle (`closing` here, `live` there) and renamed its
    OCOG: both rows are named with what differs, and nothing is written, dry run or not."""

    def diverge(session: Session) -> None:
        for _ in range(2):
            service.advance(session, principal=SYSTEM, edition_id="la28", now=NOW)
        session.execute(
            bundle._t("parties").update()
            .where(bundle._t("parties").c.id == OCOG)
            .values(name="Another name for the OCOG")
        )  # fmt: skip

    _builtin_target(deployments, diverge)
    before = _digests(deployments.target)
    exported = _export(deployments.source)
    for dry_run in (True, False):
        with pytest.raises(RingfenceError) as exc, unit_of_work(deployments.target) as session:
            bundle.import_bundle(session, data=exported.data, secret=SECRET, dry_run=dry_run)
        assert exc.value.code == "bundle_conflicts"
        details = {d.loc: d.msg for d in exc.value.details}
        assert set(details) == {("editions", "la28"), ("parties", OCOG)}, details
        assert "status 'live' here, 'closing'" not in details[("editions", "la28")]
        assert "status 'closing' here, 'live' in the bundle" in details[("editions", "la28")]
        assert "name 'Another name for the OCOG' here" in details[("parties", OCOG)]
        assert _digests(deployments.target) == before


def test_an_older_bundle_is_upgraded_on_import(deployments: Deployments) -> None:
    """A synthetic 0004 bundle: before the edition's history table existed (0005), and with
    the stock a column of the offer (0006)."""
    current = _export(deployments.source)
    _, members = bundle.unpack(current.data)
    stock = {
        row["offer_id"]: row["stock"]
        for row in map(json.loads, members["tables/offer_stock.jsonl"].splitlines())
    }
    offers = [json.loads(line) for line in members["tables/offers.jsonl"].splitlines()]
    old_offers = bundle.table_lines([o | {"stock": stock[o["id"]]} for o in offers])
    assert stock  # the seeded store has an offer

    def old_files(f: dict[str, bytes]) -> None:
        f.pop("tables/edition_events.jsonl")
        f.pop("tables/offer_stock.jsonl")
        f["tables/offers.jsonl"] = old_offers

    def to_0004(m: dict[str, object]) -> None:
        m["schema_version"] = "0004"
        tables = m["tables"]
        assert isinstance(tables, dict)
        tables.pop("edition_events")
        tables.pop("offer_stock")
        tables["offers"]["sha256"] = hashlib.sha256(old_offers).hexdigest()

    old = _repack(current.data, files=old_files, manifest=to_0004, resign=SECRET)
    result = _import(deployments.target, old)
    assert result.upgraded
    assert result.schema_version == "0004"
    assert result.inserted["edition_events"] == 0
    assert result.inserted["offer_stock"] == len(stock)
    after = _digests(deployments.target)
    expected = {n: t["sha256"] for n, t in current.manifest["tables"].items()}
    expected["edition_events"] = bundle.digest([])
    assert after == expected
    with deployments.target() as session:
        assert service.get_edition(session, "la28").status is EditionStatus.live


def test_i19_an_0013_bundle_gains_no_assignee_and_no_undo_window() -> None:
    """0014: an older case has no assignee, an older notice waits for no undo window."""
    rows: bundle.Rows = {
        "enforcement_cases": [{"id": 3}],
        "enforcement_notices": [{"id": 5, "hold_until": "2026-01-01T00:00:00"}, {"id": 6}],
    }
    bundle.upgrade_rows(rows, "0013")
    assert rows["enforcement_cases"] == [{"id": 3, "assignee_id": None}]
    assert rows["enforcement_notices"] == [
        {"id": 5, "hold_until": "2026-01-01T00:00:00"},
        {"id": 6, "hold_until": None},
    ]


def test_i16_an_0011_bundle_gains_the_exception_scope_columns() -> None:
    """0012: an older exception applies in every category, made by no case; an older case
    keeps no category."""
    exception = {
        "id": 1,
        "mark_id": "word-olympic",
        "position": 0,
        "text": "Olympic Steel",
        "reason": "grandfathered_brand",
        "territories": ["*"],
        "note": None,
    }
    rows: bundle.Rows = {"mark_exceptions": [dict(exception)], "enforcement_cases": [{"id": 3}]}
    bundle.upgrade_rows(rows, "0011")
    assert rows["mark_exceptions"] == [
        exception | {"category": None, "created_by": None, "created_at": None, "case_id": None}
    ]
    assert rows["enforcement_cases"] == [{"id": 3, "category": None, "assignee_id": None}]  # 0014
    current: bundle.Rows = {"mark_exceptions": [exception | {"category": "home"}]}
    bundle.upgrade_rows(current, "0012")  # nothing to do at the current schema
    assert current["mark_exceptions"][0]["category"] == "home"
    assert "created_by" not in current["mark_exceptions"][0]
