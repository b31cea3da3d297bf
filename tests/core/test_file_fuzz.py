"""Issue 18: every file reader under fuzz (hypothesis). Random bytes and mutations of valid
files (flipped, cut, duplicated, nested, spliced) must give a clear refusal (ringfence's error,
with a code) or per-row `error` verdicts; never another exception. Bounded example counts
keep the suite fast; derandomized so a CI failure reproduces."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringfence.core.errors import RingfenceError
from ringfence.editions import bundle
from ringfence.registry.fileformat import parse_document
from ringfence.screening.index import ScreeningData, builtin_data
from ringfence.screening.runners.local import screen_file

FUZZ = settings(
    max_examples=25,
    print_blob=False,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TODAY = date(2026, 12, 1)
T = TypeVar("T")


@pytest.fixture(scope="module")
def data() -> ScreeningData:
    return builtin_data()


def _refused(call: Callable[[], T]) -> T | str:
    """What the call returns, or the code of the RingfenceError it raised (any other
    exception fails the test)."""
    try:
        return call()
    except RingfenceError as exc:
        code = exc.code
    assert code
    return code


def _mutate(seed: bytes) -> st.SearchStrategy[bytes]:
    """Mutations of a valid file: a byte changed, a cut, a slice repeated, bytes inserted,
    brackets nested deep, or random bytes altogether."""

    def flip(args: tuple[int, int]) -> bytes:
        at, value = args
        at %= max(len(seed), 1)
        return seed[:at] + bytes([value]) + seed[at + 1 :]

    def cut(at: int) -> bytes:
        return seed[: at % (len(seed) + 1)]

    def repeat(args: tuple[int, int, int]) -> bytes:
        start, length, times = args
        start %= max(len(seed), 1)
        return seed[: start + length] + seed[start : start + length] * times + seed[start:]

    def insert(args: tuple[int, bytes]) -> bytes:
        at, extra = args
        at %= len(seed) + 1
        return seed[:at] + extra + seed[at:]

    def nest(args: tuple[int, int]) -> bytes:
        at, depth = args
        at %= len(seed) + 1
        return seed[:at] + b"[" * depth + b"]" * depth + seed[at:]

    return st.one_of(
        st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)).map(flip),
        st.integers(0, 1 << 20).map(cut),
        st.tuples(st.integers(0, 1 << 20), st.integers(1, 64), st.integers(1, 50)).map(repeat),
        st.tuples(st.integers(0, 1 << 20), st.binary(max_size=64)).map(insert),
        st.tuples(st.integers(0, 1 << 20), st.integers(1, 3000)).map(nest),
        st.binary(max_size=2048),
    )


def _screen(data: ScreeningData, content: bytes, suffix: str) -> None:
    """Screen the bytes as a listings file: a verdict per row (errors as `error` rows), or a
    RingfenceError. Anything else fails the test."""
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / f"in{suffix}", Path(tmp) / "out.jsonl"
        source.write_bytes(content)
        summary = _refused(lambda: screen_file(source, target, data=data, today=TODAY))
        if isinstance(summary, str):
            assert not target.exists()
            return
        lines = target.read_text(encoding="utf-8").splitlines()
        assert len(lines) == summary.rows
        assert all(json.loads(line)["verdict"] for line in lines)


CSV = (
    b"listing_id,seller_id,title,ship_to,category,image_paths\n"
    b'1,S,0lymp1c rings hoodie,FR,apparel,\n2,S,"blue, mug",US,home,"[""a.png""]"\n'
)
JSONL = (
    b'{"listing_id": "1", "seller_id": "S", "title": "Olympic tee", "ship_to": ["FR"]}\n'
    b'{"listing_id": "2", "seller_id": "S", "title": "mug", "image_paths": ["x.png"]}\n'
)


def _parquet() -> bytes:
    out = io.BytesIO()
    table = pa.table(
        {"listing_id": ["1", "2"], "seller_id": ["S", "S"], "title": ["Olympic tee", "mug"]}
    )
    pq.write_table(table, out)
    return out.getvalue()


@FUZZ
@given(content=_mutate(CSV))
def test_fuzz_csv_listings(data: ScreeningData, content: bytes) -> None:
    _screen(data, content, ".csv")


@FUZZ
@given(content=_mutate(JSONL))
def test_fuzz_jsonl_listings(data: ScreeningData, content: bytes) -> None:
    _screen(data, content, ".jsonl")


@FUZZ
@given(content=_mutate(_parquet()))
def test_fuzz_parquet_listings(data: ScreeningData, content: bytes) -> None:
    _screen(data, content, ".parquet")


def test_h18_fuzz_deeply_nested_jsonl_line_is_an_error_row(data: ScreeningData) -> None:
    """One line nested 100,000 deep among good ones: an `error` row, the run completes."""
    deep = b"[" * 100_000 + b"]" * 100_000 + b"\n"
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        source.write_bytes(JSONL + deep + JSONL)
        summary = screen_file(source, target, data=data, today=TODAY)
        rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert summary.rows == 5
    assert rows[2]["verdict"] == "error"
    assert [r["verdict"] for r in rows].count("error") == 1


REGISTRY = (
    b"parties:\n  - id: LIC:fuzz\n    kind: licensee\n    name: Fuzz\n    managed_by: IOC\n"
    b"licences:\n  - id: F-1\n    licensor: IOC\n    licensee: LIC:fuzz\n"
    b"    marks: [symbol-olympic-rings]\n    categories: [apparel]\n    territories: [FR]\n"
    b"    channels: [marketplace]\n    valid_from: 2026-01-01\n    valid_until: 2027-01-01\n"
    b"    royalty_rate: '0.1'\n"
)


@FUZZ
@given(content=_mutate(REGISTRY) | _mutate(json.dumps({"parties": [{"id": "x"}]}).encode()))
def test_fuzz_registry_files(content: bytes) -> None:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return  # read_text refuses these with invalid_encoding before parsing
    _refused(lambda: parse_document(text, source="fuzz.yaml"))


def _bundle() -> bytes:
    tables = {"parties": b'{"id":"IOC"}\n'}
    manifest = bundle.make_manifest(
        tables, edition="la28", counts={"parties": 1}, created_at="2026-01-01", secret="s"
    )
    return bundle.pack(tables, manifest)


def _raw_tar_of_bundle() -> bytes:
    import zstandard

    return zstandard.ZstdDecompressor().decompress(_bundle())


@FUZZ
@given(content=_mutate(_bundle()))
def test_fuzz_bundles(content: bytes) -> None:
    _refused(lambda: bundle.read(content, "s"))
    _refused(lambda: bundle.unpack(content))


@FUZZ
@given(raw=_mutate(_raw_tar_of_bundle()))
def test_fuzz_bundle_tar_inside_valid_zstd(raw: bytes) -> None:
    """Mutations of the tar itself, recompressed (a zstd frame that is intact)."""
    import zstandard

    content = zstandard.ZstdCompressor().compress(raw)
    _refused(lambda: bundle.read(content, "s"))


def _png() -> bytes:
    from tests.screening.imagegen import encode, official_photo

    return encode(official_photo(1))


@pytest.fixture(scope="module")
def image_reader() -> Callable[[bytes], None]:
    pytest.importorskip("PIL")
    from ringfence.screening.bank import official_image

    def read(content: bytes) -> None:
        _refused(
            lambda: official_image(
                content, id="img-1", product="Tee", licence="L-1", licensee="LIC:x", source=None
            )
        )

    return read


@FUZZ
@given(content=_mutate(_png()))
def test_fuzz_images(image_reader: Callable[[bytes], None], content: bytes) -> None:
    image_reader(content)


@pytest.mark.parametrize(
    "text",
    [
        "parties: []\x00",
        "[" * 3000 + "]" * 3000,
        "a:\n" + "".join(" " * i + "- \n" for i in range(1, 1500)),
    ],
)
def test_h18_fuzz_registry_nul_and_deep_nesting_are_invalid_yaml(text: str) -> None:
    """Found by the fuzz test: a NUL character (PyYAML's reader) and deep nesting (its
    recursive composer) were tracebacks."""
    assert _refused(lambda: parse_document(text, source="r.yaml")) == "invalid_yaml"


def test_h18_fuzz_csv_header_not_utf8_is_invalid_file(data: ScreeningData) -> None:
    """Found by the fuzz test: a header that is not UTF-8 was a UnicodeDecodeError."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.csv"
        source.write_bytes(b"\x80listing_id,seller_id,title\n1,S,mug\n")
        code = _refused(lambda: screen_file(source, Path(tmp) / "o.csv", data=data))
    assert code == "invalid_file"
