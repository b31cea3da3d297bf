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
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from docs_section import publish
from ringfence.authenticity import service
from ringfence.authenticity.clones import Thresholds
from ringfence.authenticity.codes import UnitCode, message, parse_uri, verify_signature
from ringfence.authenticity.models import CodeBatch, CodeUnit, Scan, SigningKey
from ringfence.authenticity.schemas import ProductIn
from ringfence.authenticity.signing import public_key
from ringfence.core.db import make_engine, make_session_factory, unit_of_work
from ringfence.core.migrate import upgrade
from ringfence.core.security import SYSTEM
from ringfence.demo import load_demo
from ringfence.registry.service import compile_index

SECRET = "benchmark-secret"  # noqa: S105 - seals the throwaway keys of a throwaway database
GTIN = "05901234123457"
UNITS = 10_000
SCANS = 20_000
BATCH = 100
LIMITS = Thresholds(max_scans=10_000, max_countries=300, max_devices=10_000)
COUNTRIES = ["FR", "DE", "US", "CN", "JP", "NL", "BR"]


@contextmanager
def database(backend: str, postgres: str | None, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / f'verify-{uuid.uuid4().hex[:6]}.db'}"
        return
    assert postgres is not None
    name = f"rf_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str) -> tuple[sessionmaker[Session], list[UnitCode]]:
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with unit_of_work(factory) as session:
        load_demo(session)
        service.register_product(
            session,
            principal=SYSTEM,
            data=ProductIn(
                gtin=GTIN,
                name="Rings tee",
                licensee="LIC:heritage-apparel",
                category="apparel.clothing.tops",
                marks=["symbol-olympic-rings"],
            ),
        )
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrk(url: str, script: Path | None, seconds: int) -> tuple[float, str]:
    args = ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency"]
    if script is not None:
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rate = next(line for line in out.splitlines() if line.startswith("Requests/sec"))
    errors = [line.strip() for line in out.splitlines() if "Non-2xx" in line or "errors" in line]
    return float(rate.split()[1]), "; ".join(errors) or "no errors"


def http(url: str, codes: list[UnitCode], tmp: Path, seconds: int) -> list[str]:
    if shutil.which("wrk") is None:
        return ["- HTTP: skipped, `wrk` is not installed (`apt-get install wrk`)."]
    port = free_port()
    env = os.environ | {
        "RINGFENCE_DATABASE_URL": url,
        "RINGFENCE_LOG_LEVEL": "WARNING",
        "RINGFENCE_VERIFY_RATE_PER_MINUTE": "1e12",
        "RINGFENCE_VERIFY_BURST": "1000000000",
    }
    paths = [parse_uri(c.uri(f"http://127.0.0.1:{port}/v")) for c in codes[:2000]]
    script = tmp / "verify.lua"
    lines = ",\n".join(f'"/v{p.path()}?s={p.uri("x").split("s=")[1]}&country=FR"' for p in paths)
    script.write_text(
        f"paths = {{\n{lines}\n}}\ni = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\nend\n'
    )
    ringfence = Path(sys.executable).with_name("ringfence")
    server = subprocess.Popen(  # noqa: S603
        [str(ringfence), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        floor, floor_errors = wrk(f"{base}/healthz", None, seconds)
        rate, errors = wrk(base, script, seconds)
    finally:
        server.terminate()
        server.wait(10)
    return [
        f"- HTTP (`ringfence serve`, one uvicorn process, SQLite; wrk, 1 thread, 16 connections, "
        f"{seconds} s each): **{rate:,.0f} verifications/s** ({errors}); the same server's "
        f"/healthz {floor:,.0f}/s ({floor_errors}): verification runs at {rate / floor:.0%} of "
        "the framework's floor."
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
            with database(backend, args.postgres, tmp) as url:
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
