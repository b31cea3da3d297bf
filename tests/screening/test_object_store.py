"""Issue 21: `ringfence screen s3://bucket/in/ --out s3://bucket/out/` on every engine, against
moto's S3-compatible server on loopback (real HTTP, no mocked calls): the same rows as a
directory run, a Delta table any reader opens, every row exactly once after a kill -9 and a
resume, bad URIs in one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ringfence.core.errors import InvalidInput
from ringfence.screening.index import ScreeningData, write_index
from ringfence.screening.runners.dataset import (
    Staging,
    read_output,
    screen_dataset,
)
from ringfence.screening.runners.partitions import LocalPartitions
from tests.screening.conftest import S3
from tests.screening.test_scale import write_dataset

deltalake = pytest.importorskip("deltalake")

D = date(2026, 6, 1)
RINGFENCE = str(Path(sys.executable).with_name("ringfence"))


def _upload(s3: S3, local: Path, bucket: str, prefix: str) -> str:
    """Copy a local dataset into the bucket; its s3:// URI."""
    fs = s3.filesystem()
    for path in sorted(local.rglob("*.parquet")):
        key = f"{bucket}/{prefix}/{path.relative_to(local).as_posix()}"
        with fs.open_output_stream(key) as out:
            out.write(path.read_bytes())
    return f"s3://{bucket}/{prefix}/"


def _sorted(table: pa.Table) -> list[dict[str, Any]]:
    return sorted(table.to_pylist(), key=lambda r: str(r["listing_id"]))


def _keys(s3: S3, bucket: str, prefix: str) -> set[str]:
    import pyarrow.fs as pafs

    root = f"{bucket}/{prefix}".rstrip("/")
    selector = pafs.FileSelector(root, recursive=True, allow_not_found=True)
    infos = s3.filesystem().get_file_info(selector)
    return {i.path[len(root) + 1 :] for i in infos if i.type == pafs.FileType.File}


def _referenced(uri: str) -> set[str]:
    table = deltalake.DeltaTable(uri)
    return set(table.get_add_actions(flatten=True).column("path").to_pylist())


@pytest.fixture(scope="module")
def listings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    root = tmp_path_factory.mktemp("listings")
    return root, write_dataset(root, partitions=5, rows=40)


@pytest.fixture(scope="module")
def reference(
    listings: tuple[Path, int], demo_data: ScreeningData, tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    """The local directory run's rows: what every object-storage run must give."""
    out = tmp_path_factory.mktemp("reference") / "out"
    screen_dataset(str(listings[0]), out, data=demo_data, today=D,
                   engine=lambda: LocalPartitions(demo_data, today=D))  # fmt: skip
    rows = _sorted(read_output(out))
    assert len(rows) == listings[1]
    return rows


def test_i21_s3_in_s3_out_is_a_delta_table_any_reader_opens(
    s3: S3, listings: tuple[Path, int], reference: list[dict[str, Any]], demo_data: ScreeningData
) -> None:
    bucket = s3.bucket()
    source = _upload(s3, listings[0], bucket, "in")
    out = f"s3://{bucket}/out/"
    summary = screen_dataset(source, out, data=demo_data, today=D,
                             engine=lambda: LocalPartitions(demo_data, today=D))  # fmt: skip
    assert summary.rows == listings[1]
    assert _sorted(read_output(out)) == reference

    # Without ringfence: delta-rs alone, and pyarrow alone over the files the log names.
    table = deltalake.DeltaTable(out)
    assert _sorted(table.to_pyarrow_table()) == reference
    assert "ringfence.run" in table.metadata().configuration
    files = table.file_uris()
    assert files
    assert all(f.startswith(f"s3://{bucket}/out/") for f in files)
    fs = s3.filesystem()
    plain = pa.concat_tables([pq.read_table(f.removeprefix("s3://"), filesystem=fs) for f in files])
    assert _sorted(plain) == reference
    # Nothing but the log and the committed files.
    assert {k for k in _keys(s3, bucket, "out") if not k.startswith("_delta_log/")} == _referenced(
        out
    )

    # Run again: finished, nothing redone, nothing added.
    again = screen_dataset(source, out, data=demo_data, today=D,
                           engine=lambda: LocalPartitions(demo_data, today=D))  # fmt: skip
    assert again.rows == 0
    assert again.skipped == 5
    assert deltalake.DeltaTable(out).to_pyarrow_table().num_rows == listings[1]


def test_i21_local_input_into_a_table_and_changed_arguments(
    s3: S3, listings: tuple[Path, int], reference: list[dict[str, Any]], demo_data: ScreeningData
) -> None:
    out = f"s3://{s3.bucket()}/verdicts"
    make: Any = lambda: LocalPartitions(demo_data, today=D, workers=2, batch_size=16)  # noqa: E731
    screen_dataset(str(listings[0]), out, data=demo_data, today=D, engine=make)
    assert _sorted(read_output(out)) == reference
    with pytest.raises(InvalidInput, match="today") as refused:
        screen_dataset(str(listings[0]), out, data=demo_data, today=date(2026, 6, 2), engine=make)
    assert refused.value.code == "run_arguments_changed"


class _Overtaken(LocalPartitions):
    """Screens its chunk, but meanwhile a newer attempt (another driver) starts on the table."""

    def __init__(self, data: ScreeningData, out: str) -> None:
        super().__init__(data, today=D)
        self.out = out

    def screen(self, dataset: Any, paths: list[str], staging: Staging) -> None:
        from ringfence.screening.runners.table import ATTEMPT, _commit

        super().screen(dataset, paths, staging)
        table = deltalake.DeltaTable(self.out)
        _commit(table, [], {ATTEMPT: 99}, "a newer attempt")


def test_i21_an_overtaken_attempt_commits_nothing(
    s3: S3, listings: tuple[Path, int], demo_data: ScreeningData
) -> None:
    out = f"s3://{s3.bucket()}/verdicts"
    with pytest.raises(InvalidInput, match="attempt 99 took this run over") as refused:
        screen_dataset(str(listings[0]), out, data=demo_data, today=D,
                       engine=lambda: _Overtaken(demo_data, out))  # fmt: skip
    assert refused.value.code == "run_in_progress"
    assert _referenced(out) == set()


def test_i21_a_stale_attempt_cannot_commit(s3: S3) -> None:
    """Two drivers that both read the table before either committed: once the newer attempt's
    number is in the log, the older one's commit conflicts (Delta's check of the application
    transaction), whatever it holds."""
    from ringfence.screening.engine import OUTPUT_SCHEMA
    from ringfence.screening.runners.table import ATTEMPT, _commit

    out = f"s3://{s3.bucket()}/t"
    deltalake.DeltaTable.create(out, OUTPUT_SCHEMA)
    older, newer = deltalake.DeltaTable(out), deltalake.DeltaTable(out)
    _commit(newer, [], {ATTEMPT: 2}, "attempt 2")
    with pytest.raises(InvalidInput) as refused:
        _commit(older, [], {ATTEMPT: 1}, "a chunk of attempt 1", ["day=0/part-0000.parquet"])
    assert refused.value.code == "run_in_progress"
    assert deltalake.DeltaTable(out).version() == 1


def _cli(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [RINGFENCE, "screen", *args], capture_output=True, text=True, check=False, **kwargs
    )


@pytest.mark.parametrize(
    ("source", "out", "code"),
    [
        ("LOCAL", "s3://no-such-bucket-here/out/", "no_bucket"),
        ("s3://no-such-bucket-here/in/", "s3://BUCKET/out/", "file_not_found"),
        ("s3:///in/", "s3://BUCKET/out/", "invalid_uri"),
        ("LOCAL", "s3:///out/", "invalid_uri"),
        ("LOCAL", "s3://BUCKET/a-file", "out_not_directory"),
        ("LOCAL", "s3://BUCKET/not-a-table/", "out_not_empty"),
    ],
)
def test_i21_bad_s3_uris_are_one_line(
    s3: S3, listings: tuple[Path, int], source: str, out: str, code: str
) -> None:
    bucket = s3.bucket()
    fs = s3.filesystem()
    with fs.open_output_stream(f"{bucket}/a-file") as handle:
        handle.write(b"x")
    with fs.open_output_stream(f"{bucket}/not-a-table/notes.txt") as handle:
        handle.write(b"keep")
    source = str(listings[0]) if source == "LOCAL" else source
    done = _cli(source, "--out", out.replace("BUCKET", bucket), "--today", "2026-06-01")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ")
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"[{code}]" in done.stderr
    assert _keys(s3, bucket, "") == {"a-file", "not-a-table/notes.txt"}  # nothing written


ENGINES = ["local", "ray", "spark"]


def _engine_available(engine: str) -> None:
    if engine == "ray":
        pytest.importorskip("ray")
    if engine == "spark":
        pytest.importorskip("pyspark")


@pytest.mark.parametrize("engine", ENGINES)
def test_i21_ringfence_screen_s3_to_s3_on_every_engine(
    s3: S3,
    tmp_path: Path,
    listings: tuple[Path, int],
    reference: list[dict[str, Any]],
    demo_data: ScreeningData,
    engine: str,
) -> None:
    _engine_available(engine)
    bucket = s3.bucket()
    source = _upload(s3, listings[0], bucket, "in")
    index = tmp_path / "registry.rfi"
    write_index(demo_data, index)
    out = f"s3://{bucket}/out/"
    done = _cli(source, "--out", out, "--engine", engine, "--index", str(index),
                "--today", "2026-06-01", "--batch-size", "16", "--spark-master", "local[2]",
                env=_worker_env())  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert _sorted(deltalake.DeltaTable(out).to_pyarrow_table()) == reference


def _worker_env() -> dict[str, str]:
    """The CLI's environment: the AWS one (which Ray's and Spark's workers inherit), and Spark's
    Python workers on this interpreter."""
    return {**os.environ, "PYSPARK_PYTHON": sys.executable}


@pytest.mark.parametrize("engine", ENGINES)
def test_i21_killed_and_resumed_on_s3_every_row_once(
    s3: S3, tmp_path: Path, demo_data: ScreeningData, engine: str
) -> None:
    """kill -9 of the whole run (the driver and every process it started) while it writes, then
    the same command again: every row once, the killed attempt's files gone."""
    _engine_available(engine)
    partitions = 24 if engine == "local" else 12
    total = write_dataset(tmp_path / "in", partitions=partitions, rows=300)
    bucket = s3.bucket()
    source = _upload(s3, tmp_path / "in", bucket, "in")
    index = tmp_path / "registry.rfi"
    write_index(demo_data, index)
    out = f"s3://{bucket}/out"
    args = [RINGFENCE, "screen", source, "--out", out, "--engine", engine, "--index", str(index),
            "--today", "2026-06-01", "--batch-size", "50", "--spark-master", "local[2]"]  # fmt: skip
    first = subprocess.Popen(  # noqa: S603
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_worker_env(),
        start_new_session=True,
    )  # fmt: skip
    try:
        # Kill once data files are being written: after the first commit for the local engine
        # (a chunk is a partition), inside the one distributed job for Ray and Spark.
        while True:
            assert first.poll() is None, first.communicate()
            written = {k for k in _keys(s3, bucket, "out") if k.endswith(".parquet")}
            if engine == "local" and deltalake.DeltaTable.is_deltatable(out):
                if deltalake.DeltaTable(out).version() >= 2:  # created, attempt, a chunk
                    break
            elif engine != "local" and written:
                break
            time.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        first.communicate()
    killed = deltalake.DeltaTable(out)
    assert killed.transaction_version("ringfence:complete") is None
    committed = killed.to_pyarrow_table().num_rows
    assert committed < total

    done = subprocess.run(  # noqa: S603
        args, capture_output=True, text=True, check=False, env=_worker_env()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "(attempt 2)" in done.stdout or committed == 0
    finished = deltalake.DeltaTable(out)
    assert finished.transaction_version("ringfence:complete") == 1
    ids = finished.to_pyarrow_table().column("listing_id").to_pylist()
    assert len(ids) == total == len(set(ids))  # every row exactly once
    data_files = {k for k in _keys(s3, bucket, "out") if not k.startswith("_delta_log/")}
    assert data_files == _referenced(out)  # the killed attempt's files are gone


def test_i21_a_refused_new_table_run_leaves_nothing(s3: S3, tmp_path: Path) -> None:
    """A partition found bad once the table exists: one line, and the bucket as it was (the
    corrected rerun starts clean)."""
    write_dataset(tmp_path / "in", partitions=3, rows=5)
    pq.write_table(pa.table({"x": [1]}), tmp_path / "in" / "day=1" / "part-9999.parquet")
    bucket = s3.bucket()
    done = _cli(str(tmp_path / "in"), "--out", f"s3://{bucket}/out", "--today", "2026-06-01")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "[missing_columns]" in done.stderr
    assert _keys(s3, bucket, "") == set()


def test_i21_a_table_without_the_s3_extra_is_one_line(tmp_path: Path) -> None:
    write_dataset(tmp_path / "in", partitions=1, rows=1)
    code = (
        "import sys; sys.modules['deltalake'] = None; sys.argv = ['ringfence', 'screen', "
        f"{str(tmp_path / 'in')!r}, '--out', 's3://bucket/out/']; "
        "from ringfence.cli.main import run; run()"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr == (
        "error: --out URI: a table on object storage needs the optional extra: "
        "pip install 'ringfence[s3]' [missing_extra]\n"
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_i21_store_images_in_a_partitioned_run(
    s3: S3, tmp_path: Path, demo_data: ScreeningData, engine: str
) -> None:
    """`store://BUCKET/KEY` images in a partitioned run, read by the workers from S3
    (`--image-store s3://`): a copy of an official image is found, a missing one is a reason."""
    _engine_available(engine)
    pytest.importorskip("PIL")
    import random

    from ringfence.screening.index import ScreeningData as Data
    from tests.screening.imagegen import TRANSFORMS, encode, official_photo
    from tests.screening.test_image_engine import bank_entry

    registry = demo_data.registry.model_copy(update={"images": [bank_entry(1)]})
    index = tmp_path / "registry.rfi"
    write_index(Data(**{**demo_data.__dict__, "registry": registry}), index)
    bucket = s3.bucket()
    copy = TRANSFORMS["text"](official_photo(1), random.Random(1))
    with s3.filesystem().open_output_stream(f"{bucket}/photos/42/1.jpg") as handle:
        handle.write(encode(copy, "JPEG", quality=70))
    source = tmp_path / "in"
    source.mkdir()
    for n, ref in enumerate([f"store://{bucket}/photos/42/1.jpg", f"store://{bucket}/none.jpg"]):
        rows = [{"listing_id": f"L{n}", "seller_id": "S", "title": "Tee", "image_paths": [ref]}]
        pq.write_table(pa.Table.from_pylist(rows), source / f"part-{n}.parquet")
    out = f"s3://{bucket}/out"
    done = _cli(str(source), "--out", out, "--engine", engine, "--index", str(index),
                "--image-store", "s3://", "--today", "2026-06-01", "--spark-master", "local[2]",
                env=_worker_env())  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {r["listing_id"]: r for r in deltalake.DeltaTable(out).to_pyarrow_table().to_pylist()}
    assert rows["L0"]["reasons"][0] == "official_image_reuse"
    assert rows["L1"]["reasons"] == ["image_not_found"]


def test_i21_a_uri_object_store(tmp_path: Path) -> None:
    from ringfence.screening.interfaces import ImageSources, ImageUnavailable, UriObjectStore

    (tmp_path / "b" / "k").mkdir(parents=True)
    (tmp_path / "b" / "k" / "1.png").write_bytes(b"data")
    (tmp_path / "secret").write_bytes(b"no")
    sources = ImageSources(store=UriObjectStore(f"file://{tmp_path}"))
    assert sources.read("store://b/k/1.png", 10) == b"data"
    for ref, limit, reason in [
        ("store://b/k/2.png", 10, "image_not_found"),
        ("store://b/k/1.png", 3, "image_too_large"),
        ("store://b/..%2F..%2Fsecret", 10, "image_source_forbidden"),
    ]:
        with pytest.raises(ImageUnavailable) as refused:
            sources.read(ref, limit)
        assert refused.value.reason == reason, ref


@pytest.mark.parametrize(("engine", "scheme"), [("local", "s3"), ("spark", "s3a")])
def test_i21_s3_input_into_a_directory(
    s3: S3,
    tmp_path: Path,
    listings: tuple[Path, int],
    reference: list[dict[str, Any]],
    demo_data: ScreeningData,
    engine: str,
    scheme: str,
) -> None:
    """s3:// input with a local output directory: Spark's workers read the store with pyarrow
    (no Hadoop S3A jar) and write into the directory run's staging. Hadoop's name for S3,
    ``s3a://`` (docs/scaling.md's Spark example), is the same objects, read through pyarrow."""
    _engine_available(engine)
    source = _upload(s3, listings[0], s3.bucket(), "in").replace("s3://", f"{scheme}://", 1)
    index = tmp_path / "registry.rfi"
    write_index(demo_data, index)
    out = tmp_path / "out"
    done = _cli(source, "--out", str(out), "--engine", engine, "--index", str(index),
                "--today", "2026-06-01", "--spark-master", "local[2]",
                env=_worker_env())  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert _sorted(read_output(out)) == reference
