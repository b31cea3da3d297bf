"""Issue 16, fourth round: the five-ring symbol described in words. Its descriptions in the
registry languages (rings.tsv), the five colours named in a row beside a ring word (any order,
any registry language: detectors/colours.py), and the words that make a weak description count
(ring_context.tsv: the Games named, or a logo, emblem, flag beside it)."""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringfence.screening.detectors.colours import STRONG, WEAK, find_colour_rings
from ringfence.screening.engine import Engine, Listing, Verdict
from ringfence.screening.index import ScreeningData, builtin_data, dump_index, load_index
from tests.screening.test_fast_path import assert_kernel_clean_is_clean

D = date(2026, 6, 1)
RINGS = "symbol-olympic-rings"


@pytest.fixture(scope="module")
def engines(demo_data: ScreeningData) -> tuple[Engine, Engine]:
    return Engine(demo_data), Engine(demo_data, compiled=False)


def _screen(engine: Engine, title: str) -> Verdict:
    return engine.screen(Listing("L1", "SELLER:nobody", title, ship_to=("FR",)), today=D)


def _batch(titles: list[str]) -> pa.RecordBatch:
    n = len(titles)
    return pa.RecordBatch.from_pydict(
        {
            "listing_id": [f"L{i}" for i in range(n)],
            "seller_id": ["SELLER:nobody"] * n,
            "title": titles,
            "ship_to": [["FR"]] * n,
        }
    )


# (title, the description as written): found as the rings, counted without other context
DESCRIBED = [
    ("Aufnäher fünf verschlungene Ringe", "fünf verschlungene Ringe"),
    ("Poster der fünf ineinander verschlungenen Ringe", "fünf ineinander verschlungenen Ringe"),
    ("Five interlaced rings enamel pin", "Five interlaced rings"),
    ("Pegatina cinco aros entrelazados", "cinco aros entrelazados"),
    ("Adesivo cinque cerchi intrecciati", "cinque cerchi intrecciati"),
    ("Sticker vijf verstrengelde ringen", "vijf verstrengelde ringen"),
    ("Naszywka pięć splecionych kół", "pięć splecionych kół"),
    ("Нашивка пять переплетённых колец", "пять переплетённых колец"),
    ("Нашивка пять переплетенных колец", "пять переплетенных колец"),
    ("五色环 徽章", "五色环"),
    ("五つの輪 ステッカー", "五つの輪"),
    ("Κονκάρδα ολυμπιακοί κρίκοι", "ολυμπιακοί κρίκοι"),
    # the five colours named one by one beside a ring word
    ("Blue Yellow Black Green Red Rings Logo Pin", "Blue Yellow Black Green Red"),
    ("Pin rings in blue, black, red, yellow and green", "blue, black, red, yellow and green"),
    ("Anstecker Ringe in Blau, Gelb, Schwarz, Grün und Rot", "Blau, Gelb, Schwarz, Grün und Rot"),
    ("Drapeau anneaux bleu jaune noir vert rouge", "bleu jaune noir vert rouge"),
    ("Taza aros azul amarillo negro verde rojo", "azul amarillo negro verde rojo"),
    ("Кружка синее жёлтое чёрное зелёное красное кольца", "синее жёлтое чёрное зелёное красное"),
    ("青・黄・黒・緑・赤のリング ピンバッジ", "青・黄・黒・緑・赤"),
    # a weak description with the Games named, or beside a word for a sign
    ("Aufkleber 5 Ringe Spiele", "5 Ringe"),
    ("Przypinka pięć kół Igrzysk", "pięć kół"),
    ("Five circles logo embroidered cap", "Five circles"),
    ("Bandera con 5 aros", "5 aros"),
]


@pytest.mark.parametrize(("title", "written"), DESCRIBED, ids=[d[0] for d in DESCRIBED])
def test_i16_the_symbol_described_in_words_is_found_and_counts(
    engines: tuple[Engine, Engine], title: str, written: str
) -> None:
    fast, reference = engines
    verdict = _screen(reference, title)
    assert verdict.verdict in ("infringing", "review"), verdict
    assert RINGS in verdict.marks
    found = [
        f for f in verdict.evidence if f.mark == RINGS and f.exception is None and f.text == written
    ]
    assert found, verdict.evidence
    assert found[0].evasion == "described"
    assert title[found[0].start : found[0].end] == written
    # the compiled prefilter refers it: the same verdict and evidence in a batch
    out = fast.screen_batch(_batch([title]), today=D).to_pylist()[0]
    assert out["verdict"] == verdict.verdict
    assert json.loads(out["evidence"]) == [f.as_json() for f in verdict.evidence]


# five colours without a ring word, rings without the five colours, a game, a binder, two
# wedding rings, a mascot's first name beside "Spiele": none is the symbol
NOT_THE_SYMBOL = [
    "Crayons blue yellow black green red 5 pack",
    "Balloons red, blue, green, yellow and black, 50 pcs",
    "Stacking rings toy red blue green",
    "Rings red blue green yellow set of 4",
    "Ringwurfspiel 5 Ringe Holz",
    "Jeu de lancer 5 anneaux enfants",
    "Zwei ineinander verschlungene Ringe Hochzeitskarte",
    "Multomap vijf ringen A4",
    "Tina Spiele Sammlung",
    "Five circles wall decal set",
]


def test_i16_colours_and_weak_descriptions_alone_are_not_the_symbol(
    engines: tuple[Engine, Engine],
) -> None:
    fast, reference = engines
    for title in NOT_THE_SYMBOL:
        verdict = _screen(reference, title)
        assert verdict.verdict == "clean", (title, verdict)
    out = fast.screen_batch(_batch(NOT_THE_SYMBOL), today=D)
    assert out.equals(reference.screen_batch(_batch(NOT_THE_SYMBOL), today=D))


def test_i16_colour_runs_score_by_order_and_need_a_ring_word() -> None:
    # the symbol's own order, read from either end, or top row then bottom row: strong
    assert find_colour_rings("blue yellow black green red rings") == [(0, 27, STRONG)]
    assert find_colour_rings("rings red green black yellow blue") == [(6, 33, STRONG)]
    assert find_colour_rings("blue black red yellow green rings")[0][2] == STRONG
    # another order: weak
    assert find_colour_rings("red blue green black yellow rings")[0][2] == WEAK
    # a colour twice or one missing is no run; no ring word nearby, nothing
    assert find_colour_rings("blue blue black green red rings") == []
    assert find_colour_rings("blue yellow black green rings") == []
    assert (
        find_colour_rings("blue yellow black green red pencils, erasers, notebooks and rings") == []
    )
    # the five in a longer run of colours: the window that is the symbol's order
    text = "Blue Red Green Black Yellow Blue Rings"
    ((start, end, score),) = find_colour_rings(text)
    assert (text[start:end], score) == ("Red Green Black Yellow Blue", STRONG)


def test_i16_weak_colour_order_needs_context(engines: tuple[Engine, Engine]) -> None:
    reference = engines[1]
    bare = _screen(reference, "Mug rings red blue green black yellow")
    assert bare.verdict == "clean"
    assert [f.exception for f in bare.evidence if f.rule == "rings:colours"] == [
        "ambiguous: a common word or name without Olympic context"
    ]
    games = _screen(reference, "Mug rings red blue green black yellow Giochi")
    assert games.verdict in ("infringing", "review")


def test_i16_index_carries_ring_context_and_reads_an_index_without_it() -> None:
    data = builtin_data()
    assert {r["role"] for r in data.ring_context} == {"games", "sign"}
    again = load_index(dump_index(data))
    assert again.ring_context == data.ring_context
    content = data.to_json()
    del content["ring_context"]
    older = ScreeningData.from_json(content)
    assert older.ring_context == []
    # without the words, a weak description with the Games named stays ambiguous
    assert _screen(Engine(older, compiled=False), "Aufkleber 5 Ringe Spiele").verdict == "clean"


PIECES = st.sampled_from(
    [
        " ", ",", " and ", " und ", "blue", "Blue", "yellow", "black", "green", "red", "rings",
        "Rings", "ringe", "Blau", "Gelb", "Schwarz", "Grün", "Rot", "anneaux", "bleu", "jaune",
        "noir", "vert", "rouge", "кольца", "синие", "жёлтые", "чёрные", "зелёные", "красные",
        "青", "黄", "黒", "緑", "赤", "の", "輪", "环", "五", "logo", "Spiele", "5 Ringe",
        "interlocking", "circles", "kół", "koła", "niebieskie", "rood", "geel", "ringen",
    ]
)  # fmt: skip
TEXTS = st.lists(PIECES, max_size=14).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_i16_kernel_never_calls_clean_a_colour_run(
    engines: tuple[Engine, Engine], text: str
) -> None:
    assert_kernel_clean_is_clean(engines[0], text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(titles=st.lists(TEXTS.filter(str.strip), min_size=1, max_size=6))
def test_i16_fast_and_reference_batches_agree_on_colour_runs(
    engines: tuple[Engine, Engine], titles: list[str]
) -> None:
    fast, reference = engines
    batch = _batch(titles)
    assert fast.screen_batch(batch, today=D).equals(reference.screen_batch(batch, today=D))
