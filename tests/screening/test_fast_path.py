"""The compiled fast path of batch screening against the reference path: the same output,
row for row and byte for byte, on generated corpora with evasions, text of other scripts and
bad rows; the kernel's token view equal to ``normalize``; a text the kernel calls clean is one
the reference finds nothing in. And the kernel is really built and used."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringfence.screening import engine as engine_module
from ringfence.screening.engine import (
    MAX_SCANNED_DESCRIPTION,
    MAX_TITLE,
    Engine,
    Listing,
)
from ringfence.screening.index import ScreeningData
from ringfence.screening.normalize import normalize, trace
from ringfence.screening.runners.local import screen_file
from tests.screening.corpus import generate

D = date(2026, 6, 1)


@pytest.fixture(scope="module")
def engines(demo_data: ScreeningData) -> tuple[Engine, Engine]:
    return Engine(demo_data), Engine(demo_data, compiled=False)


def _columns(listings: list[Listing]) -> dict[str, list[Any]]:
    return {
        "listing_id": [x.listing_id for x in listings],
        "seller_id": [x.seller_id for x in listings],
        "title": [x.title for x in listings],
        "description": [x.description or None for x in listings],
        "category": [x.category for x in listings],
        "price": [x.price for x in listings],
        "currency": [x.currency for x in listings],
        "ship_to": [list(x.ship_to) or None for x in listings],
        "listed_at": [x.listed_at for x in listings],
    }


SCHEMA = pa.schema(
    [
        *[pa.field(name, pa.string()) for name in ("listing_id", "seller_id", "title")],
        *[pa.field(name, pa.string()) for name in ("description", "category")],
        pa.field("price", pa.float64()),
        pa.field("currency", pa.string()),
        pa.field("ship_to", pa.list_(pa.string())),
        pa.field("listed_at", pa.date32()),
    ]
)


def _batch(columns: dict[str, list[Any]]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(columns)


# Rows the row validation refuses, or that sit on a limit, next to good ones.
BAD_ROWS: list[dict[str, Any]] = [
    {"listing_id": None},
    {"listing_id": "   "},
    {"listing_id": "\u3000"},
    {"seller_id": None},
    {"seller_id": " \t"},
    {"title": None},
    {"title": ""},
    {"title": "   "},
    {"title": "\u3000\u2003"},
    {"title": "\u3000hoodie"},
    {"title": "x" * MAX_TITLE},
    {"title": "x" * (MAX_TITLE + 1)},
    {"title": "é" * MAX_TITLE},
    {"title": "é" * (MAX_TITLE + 1)},
    {"title": "Olympic " + "é" * (MAX_TITLE - 8)},
    {"price": float("nan")},
    {"price": float("inf")},
    {"price": -1.0},
    {"price": -0.0},
    {"currency": "XXQ"},
    {"currency": "eur"},
    {"currency": ""},
    {"ship_to": ["FR", "ZZQ"]},
    {"ship_to": [" fr ", ""]},
    {"ship_to": []},
    {"description": ""},
    {"description": "plain words " * 5_000 + " Olympic"},
    {"description": "é" * (MAX_SCANNED_DESCRIPTION - 3) + " Olympic hoodie"},
    {"description": "e" * (MAX_SCANNED_DESCRIPTION - 3) + " Olympic hoodie"},
    {"description": "🔵⚫🔴🟡🟢 rings"},
    {"description": "Olympicss sweater"},
    {"title": "Olympia"},
    {"title": "Olympic Peninsula hiking map"},
    {"title": "Salt Lake City-Uath 2034 hoodie"},
    {"title": "Paris 2024 hoodie"},
    {"title": "O l y m p i c hoodie"},
    {"title": "ParisOlympics tee 1:1 replica"},
    {"title": "Ｏｌｙｍｐｉｃ tee ° ✨ 【Free Gift】"},
    {"title": "Olymp€c tee"},
    {"title": "奥运会 纪念 T恤"},
    {"title": "Mütze Schlüsselanhänger 🔥 Hot"},
    {"title": "Miraitowa mascot plush"},
]
GOOD = {
    "listing_id": "L",
    "seller_id": "SELLER:x",
    "title": "Cotton hoodie",
    "description": None,
    "category": "apparel",
    "price": 20.0,
    "currency": "EUR",
    "ship_to": ["FR"],
    "listed_at": date(2026, 1, 1),
}


def _bad_rows() -> dict[str, list[Any]]:
    rows = [GOOD | {"listing_id": f"B{k}"} | row for k, row in enumerate(BAD_ROWS)]
    return {name: [r[name] for r in rows] for name in GOOD}


def _corpus_batches(seed: int, size: int) -> Iterator[pa.RecordBatch]:
    corpus = generate(size=size, seed=seed)
    table = pa.Table.from_pydict(_columns([c.listing for c in corpus.cases]), schema=SCHEMA)
    bad = pa.Table.from_pydict(_bad_rows(), schema=SCHEMA)
    table = pa.concat_tables([table, bad]).combine_chunks()
    yield from table.to_batches(max_chunksize=700)


def _assert_same(fast: Engine, ref: Engine, batch: pa.RecordBatch) -> None:
    got = fast.screen_batch(batch, today=D)
    want = ref.screen_batch(batch, today=D)
    assert got.schema == want.schema
    if not got.equals(want):  # name the first row that differs
        for i, (g, w) in enumerate(zip(got.to_pylist(), want.to_pylist(), strict=True)):
            assert g == w, (i, batch.slice(i, 1).to_pylist())
    assert got.equals(want)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_path_gives_the_reference_output_on_generated_corpora(seed: int) -> None:
    corpus = generate(size=1_500, seed=seed)
    fast, ref = Engine(corpus.data), Engine(corpus.data, compiled=False)
    assert fast.kernel is not None
    for batch in _corpus_batches(seed, 1_500):
        _assert_same(fast, ref, batch)


def test_fast_path_reads_every_column_type_the_readers_make(engines: tuple[Engine, Engine]) -> None:
    fast, ref = engines
    table = pa.Table.from_pydict(_bad_rows(), schema=SCHEMA)
    variants = [
        table,
        table.slice(3, 20),  # offsets into shared buffers
        table.cast(  # large types
            pa.schema(
                [
                    pa.field(f.name, pa.large_string() if pa.types.is_string(f.type) else f.type)
                    for f in table.schema
                ]
            )
        ),
        # CSV: every column bytes, ship_to comma-separated, price as text
        pa.table(
            {
                name: pa.array(
                    [
                        None
                        if v is None
                        else (",".join(v) if isinstance(v, list) else str(v)).encode()
                        for v in table.column(name).to_pylist()
                    ],
                    pa.binary(),
                )
                for name in table.column_names
            }
        ),
        # JSON Lines: every column text, and lines that did not parse
        pa.table(
            {
                **{
                    name: pa.array(
                        [
                            None if v is None else (",".join(v) if isinstance(v, list) else str(v))
                            for v in table.column(name).to_pylist()
                        ],
                        pa.string(),
                    )
                    for name in table.column_names
                },
                "_error": pa.array(
                    [None, "invalid_json_line_2"] + [None] * (table.num_rows - 2), pa.string()
                ),
            }
        ),
        table.drop_columns(["description", "price", "currency", "ship_to", "listed_at"]),
        table.append_column("extra", pa.array([1] * table.num_rows)),
    ]
    for t in variants:
        for batch in t.to_batches():
            _assert_same(fast, ref, batch)
    bad_utf8 = pa.record_batch(
        {
            "listing_id": pa.array([b"A", b"B"]),
            "seller_id": pa.array([b"S", b"S"]),
            "title": pa.array([b"hoodie", b"\xff hoodie"]),
        }
    )
    _assert_same(fast, ref, bad_utf8)


def test_fast_path_writes_the_same_files(tmp_path: Path) -> None:
    corpus = generate(size=800, seed=5)
    table = pa.Table.from_pydict(_columns([c.listing for c in corpus.cases]), schema=SCHEMA)
    pq.write_table(table, tmp_path / "in.parquet")
    pacsv.write_csv(table.drop_columns(["ship_to"]), tmp_path / "in.csv")
    for name in ("in.parquet", "in.csv"):
        for suffix in ("parquet", "csv", "jsonl"):
            outputs = []
            for compiled in (True, False):
                target = tmp_path / f"out-{compiled}.{suffix}"
                screen_file(tmp_path / name, target, data=corpus.data, today=D, compiled=compiled)
                outputs.append(target.read_bytes())
            assert outputs[0] == outputs[1], (name, suffix)


def test_the_compiled_kernel_is_built_and_decides_most_rows(
    engines: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No silent fallback: the kernel is built (``make test`` and CI build it with the
    install), and the reference screens only the rows the kernel leaves to it."""
    fast, _ = engines
    assert engine_module._kernel is not None, "ringfence.screening._kernel is not built"
    assert fast.kernel is not None
    referred = []
    real = Engine._screen_row

    def counting(self: Engine, *args: Any) -> Any:
        referred.append(args)
        return real(self, *args)

    monkeypatch.setattr(Engine, "_screen_row", counting)
    n = 2_000
    batch = _batch(
        {
            "listing_id": [f"L{i}" for i in range(n)],
            "seller_id": ["SELLER:x"] * n,
            "title": [f"Cotton hoodie size {i % 7} navy blue" for i in range(n)],
        }
    )
    out = fast.screen_batch(batch, today=D)
    assert out.column("verdict").to_pylist() == ["clean"] * n
    assert referred == []


def test_without_the_kernel_the_engine_says_so_and_screens_on_the_reference_path(
    demo_data: ScreeningData,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    engines: tuple[Engine, Engine],
) -> None:
    monkeypatch.setattr(engine_module, "_kernel", None)
    monkeypatch.setattr(engine_module, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="ringfence.screening.engine"):
        engine = Engine(demo_data)
    assert engine.kernel is None
    assert "reference path" in caplog.text
    batch = pa.RecordBatch.from_pydict(_bad_rows(), schema=SCHEMA)
    assert engine.screen_batch(batch, today=D).equals(engines[1].screen_batch(batch, today=D))


# ---------------------------------------------------------------------- properties

# Letters, leet, separators, capitals for CamelCase, look-alikes of other scripts, invisible
# characters, fullwidth and mathematical forms, emoji and rings, CJK: what evasions are made of.
PIECES = st.sampled_from(
    [
        *"aAbBcCeEgGiIlLmMnNoOpPrRsStTyYkK0134579268$@!|€£_-.:/ \t\n\x1c",
        *"оіеаΟκτχмн\u200b\u00ad\ufe0fÓöØłæßＯ𝐎²٣①ⅰ°✨🔥【】⭕◯🔵⚫🔴🟡🟢奥运会\u3000\xa0",
        "Olympic", "OLYMPIC", "olympics", "Olympia", "Olympiad", "Paris", "2024", "Paris2024",
        "ParisOlympics", "Tokyo", "Games", "Olympic Peninsula", "Math", "Miraitowa", "mascot",
        "rings", "five", "replica", "JO", "Athena", "Olymipc", "Olympicss", "Salt Lake City",
        "2034", "Sydney 2000", "Citius", "Altius", "Fortius", "Beijing", "Bejing", "Wenlock",
        "Olympus", "hoodie", "帽子", "双肩包", "马克杯", "футболка", "кружка", "가방", "Tシャツ",
        "ぬいぐるみ", "Mütze", "ж", "奥", "五", "лимп", " ", " ", " ",
    ]
)  # fmt: skip
TEXTS = st.lists(PIECES, max_size=14).map("".join)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_kernel_view_and_trace_are_the_reference_ones(
    engines: tuple[Engine, Engine], text: str
) -> None:
    kernel = engines[0].kernel
    assert kernel is not None
    view = kernel.view(text)
    if view is not None:
        assert view == normalize(text)
        assert kernel.trace(text) == trace(text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_kernel_never_calls_clean_what_the_reference_finds(
    engines: tuple[Engine, Engine], text: str
) -> None:
    assert_kernel_clean_is_clean(engines[0], text)


def assert_kernel_clean_is_clean(fast: Engine, text: str) -> None:
    """What the kernel calls clean, the reference path finds nothing in: no property, and
    nothing for the fuzzy matcher."""
    assert fast.kernel is not None
    statuses, _ = fast.kernel.scan_array(pa.array([text]), MAX_SCANNED_DESCRIPTION, False)
    if statuses[0] == 0:  # CLEAN
        scan = fast._scan("description", text)
        assert not scan.uses_property()
        assert fast.fuzzy.find(scan.view) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(titles=st.lists(TEXTS, min_size=1, max_size=6), descriptions=st.lists(TEXTS, max_size=6))
def test_fast_and_reference_batches_agree(
    engines: tuple[Engine, Engine], titles: list[str], descriptions: list[str]
) -> None:
    n = len(titles)
    batch = _batch(
        {
            "listing_id": [f"L{i}" for i in range(n)],
            "seller_id": ["SELLER:x"] * n,
            "title": titles,
            "description": (descriptions + [""] * n)[:n],
            "ship_to": [["FR"]] * n,
        }
    )
    _assert_same(*engines, batch)


@pytest.mark.parametrize(
    "raw",
    [b"ab\xff", b"ab\xe4\xbd", b"\xc0\x80x", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf8\x88\x80\x80"],
)
def test_kernel_leaves_text_that_is_not_utf8_to_python(
    engines: tuple[Engine, Engine], raw: bytes
) -> None:
    """Arrow does not always validate UTF-8: the kernel neither reads past a text nor decides
    one it cannot decode (OTHER: Python's decoding then says what it is)."""
    kernel = engines[0].kernel
    assert kernel is not None
    offsets = pa.array([0, len(raw)], pa.int32()).buffers()[1]
    column = pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(raw)])
    assert kernel.scan_array(column, MAX_TITLE, True) == (b"\x03", {})
