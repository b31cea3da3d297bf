"""Screening files: formats, bad rows, bad files, atomic output, the same rows from every runner."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ringfence.core.errors import InvalidInput
from ringfence.screening.engine import OUTPUT_SCHEMA, Engine
from ringfence.screening.index import ScreeningData, dump_index, load_index, write_index
from ringfence.screening.runners.local import screen_file

D = date(2026, 6, 1)
ROWS = [
    {
        "listing_id": "1",
        "seller_id": "S",
        "title": "0lymp1c hoodie replica",
        "ship_to": "FR",
        "category": "apparel",
    },
    {
        "listing_id": "2",
        "seller_id": "LIC:heritage-apparel",
        "title": "Olympic rings tee",
        "ship_to": "CN",
        "category": "apparel",
    },
    {
        "listing_id": "3",
        "seller_id": "S",
        "title": "Running shoes",
        "price": 50.0,
        "currency": "USD",
    },
    {"listing_id": "4", "seller_id": "S", "title": ""},
    {"listing_id": "5", "seller_id": "S", "title": "Olympic tee", "currency": "XXX1"},
    {"listing_id": "6", "seller_id": "S", "title": "Olympic tee", "ship_to": "FR,QQ"},
    {"listing_id": "7", "seller_id": "S", "title": "x" * 10_000},
    {"listing_id": "8", "seller_id": None, "title": "Olympic tee"},
]
EXPECTED = {
    "1": "infringing", "2": "authorized", "3": "clean", "4": "error", "5": "error", "6": "error",
    "7": "error", "8": "error",
}  # fmt: skip


def _write_input(path: Path, rows: list[dict[str, object]]) -> None:
    if path.suffix == ".parquet":
        keys = sorted({k for r in rows for k in r})
        pq.write_table(pa.Table.from_pydict({k: [r.get(k) for r in rows] for k in keys}), path)
    elif path.suffix == ".csv":
        import csv

        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=sorted({k for r in rows for k in r}))
            writer.writeheader()
            writer.writerows(rows)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _read_output(path: Path) -> list[dict[str, object]]:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    if path.suffix == ".csv":
        import csv

        with path.open() as handle:
            return list(csv.DictReader(handle))
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_every_format_in_and_out(tmp_path: Path, demo_data: ScreeningData, suffix: str) -> None:
    source, target = tmp_path / f"in{suffix}", tmp_path / f"out{suffix}"
    _write_input(source, ROWS)
    summary = screen_file(source, target, data=demo_data, today=D, batch_size=3)
    assert summary.rows == len(ROWS)
    out = _read_output(target)
    assert {str(r["listing_id"]): r["verdict"] for r in out} == EXPECTED
    errors = {str(r["listing_id"]): r["reasons"] for r in out if r["verdict"] == "error"}
    assert "empty_title" in str(errors["4"])
    assert "unknown_currency" in str(errors["5"])
    assert "unknown_territory" in str(errors["6"])
    assert "title_too_long" in str(errors["7"])
    assert "missing_seller_id" in str(errors["8"])
    assert not list(tmp_path.glob(".*.tmp"))


def test_parquet_output_schema(tmp_path: Path, demo_data: ScreeningData) -> None:
    _write_input(tmp_path / "in.parquet", ROWS)
    screen_file(tmp_path / "in.parquet", tmp_path / "out.parquet", data=demo_data, today=D)
    assert pq.read_schema(tmp_path / "out.parquet").equals(OUTPUT_SCHEMA)


def test_invalid_utf8_and_bad_json_lines_are_error_rows(
    tmp_path: Path, demo_data: ScreeningData
) -> None:
    csv_file = tmp_path / "in.csv"
    csv_file.write_bytes(
        b"listing_id,seller_id,title\n1,S,Olympic tee\n2,S,bad \xff\xfe title\n3,S,fine\n"
    )
    screen_file(csv_file, tmp_path / "out.jsonl", data=demo_data, today=D)
    out = {r["listing_id"]: r for r in _read_output(tmp_path / "out.jsonl")}
    assert out["2"]["verdict"] == "error"
    assert out["2"]["reasons"] == ["invalid_utf8_title"]
    assert out["3"]["verdict"] == "clean"
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_bytes(
        b'{"listing_id": "1", "seller_id": "S", "title": "Olympic tee"}\n{oops\n\xff\n'
    )
    screen_file(jsonl, tmp_path / "out2.jsonl", data=demo_data, today=D)
    verdicts = [r["verdict"] for r in _read_output(tmp_path / "out2.jsonl")]
    # issue 16: "Olympic tee" is of uncertain sense (review); the point here is the error rows
    assert verdicts == ["review", "error", "error"]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("in.csv", b"id,title\n1,x\n", "missing_columns"),
        ("in.parquet", b"not parquet at all", "invalid_file"),
        ("in.txt", b"whatever", "unknown_format"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(
    tmp_path: Path, demo_data: ScreeningData, name: str, content: bytes, code: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    with pytest.raises(InvalidInput) as err:
        screen_file(source, tmp_path / "out.parquet", data=demo_data)
    assert err.value.code == code
    assert list(tmp_path.iterdir()) == [source]


def test_a_failed_run_leaves_no_output(tmp_path: Path, demo_data: ScreeningData) -> None:
    source = tmp_path / "in.jsonl"
    _write_input(source, ROWS * 10)
    calls = 0

    def fail_midway(_: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        screen_file(
            source, tmp_path / "out.parquet", data=demo_data, batch_size=8, progress=fail_midway
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_pool_runner_matches_local_runner(tmp_path: Path, demo_data: ScreeningData) -> None:
    source = tmp_path / "in.parquet"
    _write_input(source, ROWS * 20)
    screen_file(source, tmp_path / "local.parquet", data=demo_data, today=D, batch_size=16)
    screen_file(
        source, tmp_path / "pool.parquet", data=demo_data, today=D, batch_size=16, workers=2
    )
    assert pq.read_table(tmp_path / "local.parquet").equals(
        pq.read_table(tmp_path / "pool.parquet")
    )


def test_index_file_round_trip(tmp_path: Path, demo_data: ScreeningData) -> None:
    path = tmp_path / "index.rfi"
    write_index(demo_data, path)
    loaded = load_index(path)
    assert loaded.registry == demo_data.registry
    assert Engine(loaded).version == Engine(demo_data).version
    assert dump_index(loaded) == dump_index(demo_data)  # stable bytes for the same content


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda b: b[:-10], "invalid_index"),
        (lambda b: b"garbage", "invalid_index"),
        (
            lambda b: __import__("gzip").compress(
                json.dumps({"format": "ringfence-screening-index", "version": 99}).encode()
            ),
            "index_version",
        ),
        (
            lambda b: __import__("gzip").compress(
                json.loads(__import__("gzip").decompress(b)).__setitem__("checksum", "0" * 64)
                or b""
            ),
            "invalid_index",
        ),
    ],
)
def test_damaged_index_files_are_refused(
    demo_data: ScreeningData, mutate: object, code: str
) -> None:
    blob = dump_index(demo_data)
    with pytest.raises(InvalidInput) as err:
        load_index(mutate(blob))  # type: ignore[operator]
    assert err.value.code == code


def test_tampered_index_content_is_refused(demo_data: ScreeningData) -> None:
    import gzip

    envelope = json.loads(gzip.decompress(dump_index(demo_data)))
    envelope["content"]["lexicon"].append("tampered")
    with pytest.raises(InvalidInput, match="checksum mismatch"):
        load_index(gzip.compress(json.dumps(envelope).encode()))


def test_output_into_a_missing_directory_is_refused(
    tmp_path: Path, demo_data: ScreeningData
) -> None:
    source = tmp_path / "in.jsonl"
    _write_input(source, ROWS[:1])
    with pytest.raises(InvalidInput) as err:
        screen_file(source, tmp_path / "nowhere" / "out.parquet", data=demo_data)
    assert err.value.code == "no_directory"
