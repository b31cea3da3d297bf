"""Issue 16: the sense decision stage. A model of known weights makes each expectation exact;
the model trained on the fixture (tests/screening/sense_fixture, a handful of rows written for
these tests) checks what training learns."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from ringfence.core.errors import InvalidInput
from ringfence.screening.engine import INFRINGING, REVIEW, Engine, Listing
from ringfence.screening.index import builtin_data, dump_index, load_index
from ringfence.screening.normalize import normalize_term
from ringfence.screening.sense import (
    ListingContext,
    Mention,
    SenseModel,
    SenseModelError,
    Spellings,
    accented,
    hashed,
    shipped_model_json,
    written,
)
from ringfence.screening.sense_train import train

D = date(2026, 6, 1)
FIXTURE = Path(__file__).parent / "sense_fixture"
READ = frozenset(normalize_term(t) for t in ("Olympic", "Olympic Games", "Olympia"))


def slot(feature: str) -> int:
    return hashed([{feature}])[0][0]


def model_of(bias: float = 0.0, **weights: float) -> SenseModel:
    """A model of known weights: ``w_hex=-4`` is the weight of feature ``w:hex``."""
    return SenseModel(
        bias=bias,
        weights={slot(k.replace("_", ":", 1)): v for k, v in weights.items()},
        review=0.3,
        infringing=0.8,
        forms=READ,
    )


def engine_with(model: SenseModel, *, compiled: bool = True) -> Engine:
    return Engine(replace(builtin_data(), sense=model.to_json()), compiled=compiled)


def p(model: SenseModel, text: str, start: int = 0, end: int = 7) -> float:
    mention = Mention(text, start, end, "word-olympic")
    return model.predict(mention, ListingContext(title=text)).probability


# ---------------------------------------------------------------------- the model


def test_i16_probability_monotone_in_context_words() -> None:
    model = model_of(0.5, w_barbell=-3.0, w_plates=-2.0, w_medal=2.0, w_games=1.5)
    plain = p(model, "Olympic hoodie")
    one = p(model, "Olympic barbell hoodie")
    two = p(model, "Olympic barbell plates hoodie")
    assert two < one < plain
    assert p(model, "Olympic medal hoodie") > plain
    assert p(model, "Olympic games medal hoodie") > p(model, "Olympic medal hoodie")


def test_i16_words_outside_the_window_do_not_move_the_mention() -> None:
    model = model_of(0.0, w_barbell=-3.0)
    far = "Olympic hoodie one two three four barbell"
    assert p(model, far) == pytest.approx(0.5)
    assert p(model, "Olympic hoodie barbell") < 0.5


def test_i16_evidence_names_the_context_words_that_decided() -> None:
    model = model_of(0.0, w_hex=-4.0, r1_hex=-1.0, w_bar=-2.0, w_chrome=0.3)
    read = model.predict(Mention("Olympic hex bar chrome", 0, 7, "word-olympic"), ListingContext())
    assert read.probability < 0.05
    assert read.terms[:2] == ("hex", "bar")
    assert "chrome" not in read.terms  # it pushed the other way
    assert "olympic" not in read.terms  # the mention itself is no context


def test_i16_model_file_round_trip_and_determinism() -> None:
    model = model_of(0.25, w_hex=-4.0, w_medal=1.5)
    blob = model.dumps()
    assert blob == model.dumps()
    again = SenseModel.loads(blob)
    assert again.to_json() == model.to_json()
    assert again.dumps() == blob


@pytest.mark.parametrize(
    ("blob", "code"),
    [
        (b"not a model", "invalid_model"),
        (json.dumps({"format": "other"}).encode(), "invalid_model"),
    ],
)
def test_i16_bad_model_file_is_a_clear_error(blob: bytes, code: str) -> None:
    import gzip

    data = blob if blob == b"not a model" else gzip.compress(blob)
    with pytest.raises(SenseModelError) as err:
        SenseModel.loads(data, "x.model")
    assert err.value.code == code
    assert str(err.value).startswith("x.model: ")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"version": 99}, "model_version"),
        ({"thresholds": {"review": 0.9, "infringing": 0.2}}, "invalid_model"),
        ({"weights": [[1, "x"]]}, "invalid_model"),
        ({"bias": None}, "invalid_model"),
    ],
)
def test_i16_bad_model_in_an_index_is_refused_when_loaded(
    change: dict[str, object], code: str
) -> None:
    content = model_of().to_json() | change
    data = replace(builtin_data(), sense=content)
    with pytest.raises(InvalidInput) as err:
        Engine(data)
    assert err.value.code == code


def test_i16_index_carries_the_model() -> None:
    model = model_of(0.1, w_hex=-1.0)
    data = replace(builtin_data(), sense=model.to_json())
    loaded = load_index(dump_index(data))
    assert loaded.sense == model.to_json()
    assert builtin_data().sense == shipped_model_json()


# ---------------------------------------------------------------------- the engine


def test_i16_uncertain_band_gives_review_never_infringing() -> None:
    engine = engine_with(model_of(0.0))  # P = 0.5 everywhere: the band
    for title in ("Olympic Games hoodie", "Olympic Games hoodie replica 1:1 AAA"):
        v = engine.screen(Listing("L", "S", title), today=D)
        assert v.verdict == REVIEW, title
        assert "uncertain_sense" in v.reasons
        mention = next(f for f in v.evidence if f.mark)
        assert mention.sense == pytest.approx(0.5)


def test_i16_high_probability_keeps_infringing_and_low_clears() -> None:
    engine = engine_with(model_of(0.0, w_medal=3.0, w_hex=-4.0, w_bar=-2.0))
    sure = engine.screen(Listing("L", "S", "Olympic medal hoodie"), today=D)
    assert sure.verdict == INFRINGING
    assert next(f for f in sure.evidence if f.mark).sense > 0.8
    lookalike = engine.screen(Listing("L", "S", "Olympic hex bar 28mm"), today=D)
    assert lookalike.verdict == "clean"
    assert lookalike.reasons == ("sense_lookalike",)
    (finding,) = [f for f in lookalike.evidence if f.mark]
    assert finding.exception is not None
    assert finding.exception.startswith("sense:")
    assert "hex" in finding.exception
    assert "hex" in finding.context
    as_json = json.loads(lookalike.evidence_json())[0]
    assert as_json["context"][0] == "hex"
    assert as_json["sense"] < 0.3


def test_i16_registry_exception_overrides_the_model() -> None:
    # a model that calls everything Olympic does not undo a registry exception
    engine = engine_with(model_of(5.0))
    v = engine.screen(Listing("L", "S", "Olympic Peninsula hiking map"), today=D)
    assert v.verdict == "clean"
    assert v.reasons == ("exception",)
    assert all(f.sense is None for f in v.evidence)


def test_i16_a_disguised_mention_is_never_cleared() -> None:
    engine = engine_with(model_of(-6.0))  # every mention reads as a look-alike
    plain = engine.screen(Listing("L", "S", "Olympic hoodie"), today=D)
    assert plain.reasons == ("sense_lookalike",)
    for title in (
        "0lymp1c hoodie",
        "Оlympic hoodie",
        "OLYMPlC hoodie",
        "Olym\u200bpic hoodie",
    ):
        v = engine.screen(Listing("L", "S", title), today=D)
        assert v.verdict == REVIEW, title
        assert "uncertain_sense" in v.reasons


def test_i16_foreign_diacritics_and_a_bare_mention_are_never_cleared() -> None:
    """Third round: diacritics the registry never writes on the word (Olÿmpic, Ólÿmpïc) are an
    evasion; a mention with no context word has only the prior and is never cleared either.
    The registry's own accents (olímpicos) and a brand's one accent (Olympéa) are read as
    usual."""
    engine = engine_with(model_of(-6.0))  # every mention reads as a look-alike
    for title in ("Olÿmpic hoodie", "Ólÿmpïc hoodie", "Olympic", "OLYMPIC!"):
        v = engine.screen(Listing("L", "S", title), today=D)
        assert v.verdict == REVIEW, title
        assert "uncertain_sense" in v.reasons
    v = engine.screen(Listing("L", "S", "Olympic hoodie"), today=D)
    assert v.reasons == ("sense_lookalike",)
    spelled = Spellings.of(["olímpico", "Olympic"])
    assert accented("Olÿmpic", spelled)
    assert accented("Ólÿmpïc", spelled)
    assert not accented("olímpicas", spelled)
    assert not accented("Olympéa", spelled)
    assert not accented("Olympic", spelled)


@pytest.mark.parametrize(
    ("span", "classes"),
    [
        ("Olympic", {"e:plain"}),
        ("OLYMPIC", {"e:plain"}),
        ("0lymp1c", {"e:digits"}),
        ("Olymp!c", {"e:symbols"}),
        ("Оlympic", {"e:scripts"}),  # Cyrillic O
        ("ＯＬＹＭＰＩＣ", {"e:compat"}),
        ("Olym\u200bpic", {"e:invisible"}),
        ("Ollllympic", {"e:repeat"}),
        ("OlympIc", {"e:case"}),
        ("O l y m p i c", {"e:spaced"}),
    ],
)
def test_i16_how_a_mention_is_written(span: str, classes: set[str]) -> None:
    assert written(span) == classes


def test_i16_marks_without_lookalikes_are_not_read() -> None:
    model = replace(
        model_of(-6.0), forms=frozenset({normalize_term("Olympia")})
    )  # reads Olympia only
    engine = engine_with(model)
    assert engine.screen(Listing("L", "S", "Olympic medal hoodie"), today=D).verdict == INFRINGING
    olympia = engine.screen(Listing("L", "S", "Olympia typewriter"), today=D)
    assert olympia.reasons == ("sense_lookalike",)


def test_i16_emoji_rings_are_not_read_by_the_text_model() -> None:
    engine = engine_with(model_of(-6.0))  # every text mention a look-alike
    v = engine.screen(Listing("L", "S", "T-shirt 🔵⚫🔴🟡🟢 summer"), today=D)
    assert v.verdict == INFRINGING


def test_i16_batch_path_equals_screen_with_a_model() -> None:
    model = model_of(0.0, w_medal=3.0, w_hex=-4.0, w_bar=-2.0)
    compiled, reference = engine_with(model), engine_with(model, compiled=False)
    titles = [
        "Olympic medal hoodie",
        "Olympic hex bar 28mm",
        "Olympic Games hoodie",
        "plain cotton hoodie",
        "0lymp1c medal cap",
        "Olympiс medal cap",  # Cyrillic es
    ]
    batch = pa.RecordBatch.from_pydict(
        {
            "listing_id": [f"L{i}" for i in range(len(titles))],
            "seller_id": ["S"] * len(titles),
            "title": titles,
        }
    )
    fast = compiled.screen_batch(batch, today=D).to_pylist()
    slow = reference.screen_batch(batch, today=D).to_pylist()
    assert fast == slow
    one_by_one = [compiled.screen(Listing(f"L{i}", "S", t), today=D) for i, t in enumerate(titles)]
    assert [r["verdict"] for r in fast] == [v.verdict for v in one_by_one]
    assert [r["evidence"] for r in fast] == [v.evidence_json() for v in one_by_one]
    assert {r["verdict"] for r in fast} >= {"clean", INFRINGING, REVIEW}


# ---------------------------------------------------------------------- what training learns


@pytest.fixture(scope="module")
def fixture_model() -> SenseModel:
    return train(FIXTURE).model


def test_i16_trained_model_separates_obvious_cases(fixture_model: SenseModel) -> None:
    lookalike = p(fixture_model, "Olympic barbell bumper plates rubber")
    olympic = p(fixture_model, "Olympic Games souvenir medal pin")
    assert lookalike < fixture_model.review <= fixture_model.infringing <= olympic
