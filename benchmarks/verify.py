"""Authenticity codes: verifications per second (in process and over HTTP) and the time to
issue a million codes, on SQLite and PostgreSQL.

In process, per backend (10,000 issued units, scans drawn at random from them, every scan
answered and logged and committed):
- ringfence, one scan per transaction (what one HTTP request does);
- ringfence, 100 scans per transaction (a batch API or a stream worker);
- baseline, in the same run: the obvious implementation, an Ed25519 check of the presented
  signature, ORM look-ups of the unit and of its scan history, an ORM insert of the scan, one
  commit per scan.
Over HTTP: `ringfence serve` (one uvicorn process, SQLite) on loopback under wrk (Debian package
`wrk`; skipped with a note when it is missing), against the same server's /healthz as the floor.
Issuance: `issue_batch` of 1,000,000 codes with one signing process per core, against bare
Ed25519 signing of a million messages on one core (the crypto floor).

    .venv/bin/python benchmarks/verify.py [--postgres URL] [--issue 1000000] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from docs_section import publish
from harness import have_wrk, served, throwaway_database, wrk
from ringfence.authenticity import service
from ringfence.authenticity.clones import Thresholds
from ringfence.authenticity.codes import UnitCode, message, verify_signature
from ringfence.authenticity.models import CodeBatch, CodeUnit, Scan, SigningKey
from ringfence.authenticity.signing import public_key
from ringfence.core.db import make_engine, make_session_factory, unit_of_work
from ringfence.core.migrate import upgrade
from ringfence.core.security import SYSTEM
from ringfence.demo import demo_product, load_demo
from ringfence.registry.service import compile_index

SECRET = "benchmark-secret"  # noqa: S105 - seals the throwaway keys of a throwaway database
GTIN = "05901234123457"
UNITS = 10_000
SCANS = 20_000
BATCH = 100
LIMITS = Thresholds(max_scans=10_000, max_countries=300, max_devices=10_000)
COUNTRIES = ["FR", "DE", "US", "CN", "JP", "NL", "BR"]


def prepare(url: str) -> tuple[sessionmaker[Session], list[UnitCode]]:
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with unit_of_work(factory) as session:
        load_demo(session)
        demo_product(session, GTIN)
    return factory, issue(factory, UNITS).codes


def issue(factory: sessionmaker[Session], count: int) -> service.IssuedBatch:
    with unit_of_work(factory) as session:
        return service.issue_batch(
            session,
            principal=SYSTEM,
            index=compile_index(session),
            secret=SECRET,
            gtin=GTIN,
            count=count,
            workers=os.cpu_count() or 1,
        )


def requests(codes: list[UnitCode], n: int, rng: random.Random) -> list[service.ScanRequest]:
    return [
        service.ScanRequest(rng.choice(codes), rng.choice(COUNTRIES), "203.0.113.0/24", f"d{i}")
        for i in range(n)
    ]


def ours(factory: sessionmaker[Session], scans: list[service.ScanRequest], per_tx: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(scans), per_tx):
        with factory() as session:
            answers = service.verify(session, requests=scans[i : i + per_tx], limits=LIMITS)
            session.commit()
        assert answers[0].status.value == "genuine"
    return len(scans) / (time.perf_counter() - start)


def naive(factory: sessionmaker[Session], scans: list[service.ScanRequest]) -> float:
    """The obvious way: verify the signature, look the unit up, read its history, insert."""
    with factory() as session:
        keys = {k.id: public_key(k.public_key) for k in session.scalars(select(SigningKey))}
    start = time.perf_counter()
    for r in scans:
        with factory() as session:
            assert verify_signature(r.code, keys)
            unit = session.scalars(
                select(CodeUnit).where(
                    CodeUnit.gtin == r.code.gtin, CodeUnit.serial == r.code.serial
                )
            ).one()
            batch = session.get_one(CodeBatch, unit.batch_id)
            session.get_one(SigningKey, batch.key_id)
            session.scalar(
                select(func.count(func.distinct(Scan.country))).where(Scan.unit_id == unit.id)
            )
            session.add(
                Scan(
                    scanned_at=datetime.now(UTC),
                    unit_id=unit.id,
                    gtin=r.code.gtin,
                    serial=r.code.serial,
                    status="genuine",
                    reason="issued",
                    country=r.country,
                    ip_prefix=r.ip_prefix,
                    device=r.device,
                )
            )
            session.commit()
    return len(scans) / (time.perf_counter() - start)


def bare_signing(count: int) -> float:
    key = Ed25519PrivateKey.generate()
    messages = [message(GTIN, f"S{i:015d}", None) for i in range(count)]
    start = time.perf_counter()
    for m in messages:
        key.sign(m)
    return time.perf_counter() - start


def timed_issue(factory: sessionmaker[Session], count: int) -> float:
    start = time.perf_counter()
    issued = issue(factory, count)
    assert len(issued.codes) == count
    return time.perf_counter() - start


def http(url: str, codes: list[UnitCode], tmp: Path, seconds: int) -> list[str]:
    if not have_wrk():
        return ["- HTTP: skipped, `wrk` is not installed (`apt-get install wrk`)."]
    env = {"RINGFENCE_VERIFY_RATE_PER_MINUTE": "1e12", "RINGFENCE_VERIFY_BURST": "1000000000"}
    script = tmp / "verify.lua"
    paths = ",\n".join(f'"{c.uri("/v")}&country=FR"' for c in codes[:2000])
    script.write_text(
        f"paths = {{\n{paths}\n}}\ni = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\nend\n'
    )
    with served(url, env=env) as base:
        floor = wrk(f"{base}/healthz", seconds=seconds, connections=16)
        verified = wrk(base, seconds=seconds, connections=16, script=script)
    return [
        f"- HTTP (`ringfence serve`, one process, SQLite; wrk, 1 thread, 16 connections, "
        f"{seconds} s each): **{verified.rate:,.0f} verifications/s**, p99 "
        f"{verified.p99_ms:,.0f} ms ({verified.errors()}); the same server's /healthz "
        f"{floor.rate:,.0f}/s ({floor.errors()}): verification runs at "
        f"{verified.rate / floor.rate:.0%} of the framework's floor."
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", default=os.environ.get("RINGFENCE_TEST_DATABASE_URL"))
    parser.add_argument("--issue", type=int, default=1_000_000, help="codes in the issuance run")
    parser.add_argument("--http-seconds", type=int, default=10)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rng = random.Random(2026)
    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    rows, issuance, http_lines = [], [], []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for backend in backends:
            with throwaway_database(backend, tmp, args.postgres) as url:
                factory, codes = prepare(url)
                scans = requests(codes, SCANS, rng)
                one = ours(factory, scans, 1)
                batched = ours(factory, requests(codes, SCANS, rng), BATCH)
                base = naive(factory, requests(codes, SCANS // 4, rng))
                rows.append(
                    f"| {backend} | {one:,.0f} | {batched:,.0f} | {base:,.0f} | "
                    f"{one / base:.1f}x | {batched / base:.1f}x |"
                )
                seconds = timed_issue(factory, args.issue)
                issuance.append((backend, seconds))
                if backend == "sqlite":
                    http_lines = http(url, codes, tmp, args.http_seconds)
        sign = bare_signing(args.issue)
    cores = os.cpu_count()
    lines = [
        "## Authenticity: verification and issuance",
        "",
        f"Measured {date.today()} on this machine ({cores} cores, "
        f"{platform.python_implementation()} {platform.python_version()}). "
        "Command: `.venv/bin/python benchmarks/verify.py` "
        "(PostgreSQL from `--postgres` or RINGFENCE_TEST_DATABASE_URL).",
        "",
        f"In process, one core: {SCANS:,} scans of {UNITS:,} issued units, each answered, logged "
        "and committed (clone rules evaluated against the unit's history).",
        "",
        "| backend | ringfence, 1 scan/transaction | ringfence, 100 scans/transaction "
        "| baseline (Ed25519 check + ORM, 1/transaction) | ratio 1/tx | ratio 100/tx |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        *http_lines,
        "",
        f"Issuance of {args.issue:,} codes ({cores} signing processes, CSV not included): "
        + "; ".join(f"**{backend} {s:.1f} s**" for backend, s in issuance)
        + f". Bare Ed25519 signing of as many messages on one core: {sign:.1f} s "
        f"(issuance / bare signing: "
        + ", ".join(f"{backend} {s / sign:.2f}" for backend, s in issuance)
        + ").",
    ]
    publish("verify", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
