"""Committing a partitioned run on object storage: a Delta Lake table (delta-rs, what
``ringfence screen --out s3://...`` does) against a run manifest committed by a conditional
write (``If-None-Match: *``), on moto's S3-compatible server on loopback.

Both commit the same thing per chunk: one Parquet file already written by a worker (the data
write is the same for both and is not timed), plus which input partitions it holds.

- **delta**: the ringfence path (``runners/table.py``): re-read the log (``update_incremental``),
  check the attempt, ``create_write_transaction`` with one ``add``, the attempt's application
  transaction and the partition in the commit info (delta-rs writes ``_delta_log/N.json`` with a
  conditional PUT), on a table made as ringfence makes it (a checkpoint every 10 commits).
- **manifest**: the directory run's manifest (arguments and every chunk so far) written as the
  next version ``_manifest/NNNNNNNN.json`` with ``If-None-Match: *`` (s3fs ``mode="create"``),
  so one of two writers wins; the current one is the highest version (a list, then a GET).
- **baseline**: one plain PUT of a small object, the floor of any commit.

Then the resume read: what a restarted driver reads to learn which partitions are done (delta:
load the table and read the partitions from its history; manifest: list and read the newest).
Rounds alternate; figures are medians in milliseconds, and each method against the baseline.

    .venv/bin/python benchmarks/object_store_commit.py [--chunks 200] [--rounds 3]
                                                       [--checkpoint-interval 10]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import pyarrow.fs as pafs
import pyarrow.parquet as pq
import s3fs
from deltalake import DeltaTable
from deltalake.transaction import AddAction

from docs_section import publish
from ringfence.screening.engine import OUTPUT_SCHEMA
from ringfence.screening.runners.table import ATTEMPT, _commit, committed_partitions

# As ringfence creates its tables (runners/table.py); `--checkpoint-interval` overrides.
CONFIGURATION = {"delta.checkpointInterval": "10", "delta.enableExpiredLogCleanup": "false"}


def _server() -> tuple[subprocess.Popen[str], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (
        "import logging, sys; logging.disable(logging.CRITICAL); "
        "from moto.server import ThreadedMotoServer; "
        f"ThreadedMotoServer(ip_address='127.0.0.1', port={port}, verbose=False).start(); "
        "print('ready', flush=True); sys.stdin.read()"
    )
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc, f"http://127.0.0.1:{port}"


def _ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _empty_parquet() -> bytes:
    body = io.BytesIO()
    pq.write_table(OUTPUT_SCHEMA.empty_table(), body)
    return body.getvalue()


def baseline(s3: s3fs.S3FileSystem, bucket: str, chunks: int) -> float:
    """Median ms of a plain PUT of a small object."""
    times = [_ms(lambda n=n: s3.pipe_file(f"{bucket}/plain/{n}", b"{}")) for n in range(chunks)]
    return statistics.median(times)


def delta(s3: s3fs.S3FileSystem, bucket: str, chunks: int) -> tuple[float, float, float]:
    """Median and mean ms of a chunk commit, and ms of the resume read."""
    uri, parquet = f"s3://{bucket}/delta", _empty_parquet()
    table = DeltaTable.create(uri, OUTPUT_SCHEMA, configuration=CONFIGURATION)
    _commit(table, [], {ATTEMPT: 1}, "attempt")

    def commit(add: AddAction, n: int) -> None:
        table.update_incremental()
        assert (table.transaction_version(ATTEMPT) or 0) <= 1
        _commit(table, [add], {ATTEMPT: 1}, "chunk", [f"part-{n:06d}.parquet"])

    times = []
    for n in range(chunks):
        name = f"a0001/{n:04d}.parquet"
        s3.pipe_file(f"{bucket}/delta/{name}", parquet)  # the worker's write: not timed
        add = AddAction(name, len(parquet), {}, int(time.time() * 1000), True, "{}")
        times.append(_ms(lambda add=add, n=n: commit(add, n)))
    resume = _ms(lambda: len(committed_partitions(DeltaTable(uri))) == chunks)
    return statistics.median(times), statistics.mean(times), resume


def manifest(s3: s3fs.S3FileSystem, bucket: str, chunks: int) -> tuple[float, float, float, int]:
    """Median and mean ms of a chunk commit, ms of the resume read, the last manifest's size."""
    parquet, done, times = _empty_parquet(), [], []
    body = b""
    for n in range(chunks):
        name = f"p{n:06d}-0000.parquet"
        s3.pipe_file(f"{bucket}/manifest/{name}", parquet)  # the worker's write: not timed
        done.append({"partitions": [f"part-{n:06d}.parquet"], "files": [name], "rows": 0})
        body = json.dumps({"arguments": {}, "chunks": done}).encode()
        key = f"{bucket}/manifest/_manifest/{n + 1:08d}.json"
        times.append(_ms(lambda key=key, body=body: s3.pipe_file(key, body, mode="create")))

    def resume() -> None:
        s3.invalidate_cache()
        versions = sorted(s3.ls(f"{bucket}/manifest/_manifest/", detail=False))
        assert len(json.loads(s3.cat_file(versions[-1]))["chunks"]) == chunks

    return statistics.median(times), statistics.mean(times), _ms(resume), len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--checkpoint-interval", default="10", help="delta.checkpointInterval")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    CONFIGURATION["delta.checkpointInterval"] = args.checkpoint_interval
    logging.disable(logging.CRITICAL)
    proc, endpoint = _server()
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - the loopback server's, not a secret
        AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_ALLOW_HTTP="true",
    )  # fmt: skip
    fs = pafs.S3FileSystem(endpoint_override=endpoint, allow_bucket_creation=True)
    s3 = s3fs.S3FileSystem(endpoint_url=endpoint)
    rows: dict[str, list[float]] = {}
    size = 0
    try:
        for _ in range(args.rounds):
            bucket = f"bench-{uuid.uuid4().hex[:12]}"
            fs.create_dir(bucket)
            rows.setdefault("baseline PUT", []).append(baseline(s3, bucket, args.chunks))
            d_median, d_mean, d_resume = delta(s3, bucket, args.chunks)
            m_median, m_mean, m_resume, size = manifest(s3, bucket, args.chunks)
            for name, value in [("delta commit, median", d_median), ("delta commit, mean", d_mean),
                                ("delta resume read", d_resume),
                                ("manifest commit, median", m_median),
                                ("manifest commit, mean", m_mean),
                                ("manifest resume read", m_resume)]:  # fmt: skip
                rows.setdefault(name, []).append(value)
    finally:
        proc.kill()
        proc.communicate()
    base = statistics.median(rows["baseline PUT"])
    lines = [
        f"### Commits on object storage (`benchmarks/object_store_commit.py`), "
        f"{time.strftime('%Y-%m-%d')}",
        "",
        f"moto's S3 server on loopback (a process of its own); {args.chunks} chunk commits of "
        f"one file each, {args.rounds} rounds alternating, medians of the rounds; Delta tables "
        f"with a checkpoint every {args.checkpoint_interval} commits; the manifest grew to "
        f"{size / 1024:.0f} KiB. Command: `.venv/bin/python benchmarks/object_store_commit.py "
        f"--chunks {args.chunks} --rounds {args.rounds}`.",
        "",
        "| measure | ms | vs one plain PUT |",
        "|---|---|---|",
    ]
    for name, values in rows.items():
        value = statistics.median(values)
        ratio = f"{value / base:.1f}x" if "commit" in name or "PUT" in name else ""
        lines.append(f"| {name} | {value:.2f} | {ratio} |")
    lines += [
        "",
        "Delta is chosen for `--out s3://...` anyway (docs/scaling.md): its commit is paid once "
        "per chunk, and its readers need no ringfence. Loopback latencies: against a real "
        "store every request costs more, the Delta commit (several requests) most.",
    ]
    publish("object-store-commit", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
