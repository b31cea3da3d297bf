"""Issue 16, design step 1: the candidate stage finds the evasions it missed, as mentions that
name the evasion used, without proposing the ordinary words that look like them."""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringfence.registry.builtin import builtin_document
from ringfence.screening.detectors.terms import Affixes, lookalike_forms, year_forms
from ringfence.screening.engine import Engine, Listing, Verdict
from ringfence.screening.findings import Finding
from ringfence.screening.index import ScreeningData, builtin_data, dump_index, load_index
from tests.screening.test_fast_path import assert_kernel_clean_is_clean

D = date(2026, 6, 1)
NEW_CLASSES = {"multi_letter", "spaced", "affix", "described", "nickname"}


@pytest.fixture(scope="module")
def engines(demo_data: ScreeningData) -> tuple[Engine, Engine]:
    return Engine(demo_data), Engine(demo_data, compiled=False)


def _screen(engine: Engine, title: str, ship_to: tuple[str, ...] = ("FR",)) -> Verdict:
    return engine.screen(Listing("L1", "SELLER:nobody", title, ship_to=ship_to), today=D)


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


# (evasion class, title, mark, the mention as written)
FOUND = [
    ("multi_letter", "Olyrnpic hoodie", "word-olympic", "Olyrnpic"),
    ("multi_letter", "0LYRNPIC hoodie", "word-olympic", "0LYRNPIC"),
    ("multi_letter", "Olympic Garnes tee", "phrase-olympic-games", "Olympic Garnes"),
    ("multi_letter", "Olyrnpic Garnes tee", "phrase-olympic-games", "Olyrnpic Garnes"),
    ("multi_letter", "Vvenlock mascot plush", "mascot-wenlock", "Vvenlock"),
    ("multi_letter", "Olympiacl maths kit", "word-olympiad", "Olympiacl"),
    ("multi_letter", "Arnsterdam 1928 poster", "edition-amsterdam-1928", "Arnsterdam 1928"),
    ("leet", "O1ympic t-shirt", "word-olympic", "O1ympic"),
    ("leet", "OIympic t-shirt", "word-olympic", "OIympic"),
    ("leet", "O|ympic t-shirt", "word-olympic", "O|ympic"),
    ("leet", "0lymp1c hoodie", "word-olympic", "0lymp1c"),
    ("leet", "Tokyo 2O2O tee", "edition-tokyo-2020", "Tokyo 2O2O"),
    ("leet", "Los Angeles l984 pin", "edition-los-angeles-1984", "Los Angeles l984"),
    ("leet", "Beijing2OO8 mug", "edition-beijing-2008", "Beijing2OO8"),
    ("spaced", "O*l*y*m*p*i*c shirt", "word-olympic", "O*l*y*m*p*i*c"),
    ("spaced", "O_l_y_m_p_i_c shirt", "word-olympic", "O_l_y_m_p_i_c"),
    (
        "spaced",
        "O\u00b7l\u00b7y\u00b7m\u00b7p\u00b7i\u00b7c shirt",
        "word-olympic",
        "O\u00b7l\u00b7y\u00b7m\u00b7p\u00b7i\u00b7c",
    ),
    ("spaced", "O-l.y_m*p i\u00b7c mug", "word-olympic", "O-l.y_m*p i\u00b7c"),
    ("spaced", "O. L. Y. M. P. I. C. shirt", "word-olympic", "O. L. Y. M. P. I. C"),
    ("spaced", "\u5965*\u8fd0 T\u6064", "phrase-olympic-games", "\u5965*\u8fd0"),
    (
        "spaced",
        "\u5965 \u8fd0 \u4f1a \u7eaa\u5ff5\u54c1",
        "phrase-olympic-games",
        "\u5965 \u8fd0 \u4f1a",
    ),
    ("spaced", "\u5965_\u6797_\u5339_\u514b \u676f", "word-olympic", "\u5965_\u6797_\u5339_\u514b"),
    (
        "spaced",
        "\u30aa\u30fb\u30ea\u30fb\u30f3\u30fb\u30d4\u30fb\u30c3\u30fb\u30af T\u30b7\u30e3\u30c4",
        "word-olympic",
        "\u30aa\u30fb\u30ea\u30fb\u30f3\u30fb\u30d4\u30fb\u30c3\u30fb\u30af",
    ),
    ("affix", "officialOlympicMerch hoodie", "word-olympic", "Olympic"),
    ("affix", "#TeamOlympicShop hoodie", "word-olympic", "Olympic"),
    ("affix", "olympicsstore hoodie", "word-olympic", "olympics"),
    ("affix", "teamolympic hoodie", "word-olympic", "olympic"),
    ("affix", "officialtokyo2020merch tee", "edition-tokyo-2020", "tokyo2020"),
    ("affix", "shopparis2024 cap", "edition-paris-2024", "paris2024"),
    ("affix", "#sydneyolly tote bag", "mascot-olly", "sydneyolly"),
    ("affix", "2008 beijingnini pencil case", "mascot-nini", "beijingnini"),
    ("affix", "socks #VANCOUVERMIGA", "mascot-miga", "VANCOUVERMIGA"),
    ("affix", "#ParisJO hoodie", "phrase-olympic-games", "ParisJO"),
    ("described", "five ring emblem patch", "symbol-olympic-rings", "five ring emblem"),
    (
        "described",
        "interlocking rings logo sticker",
        "symbol-olympic-rings",
        "interlocking rings logo",
    ),
    (
        "described",
        "\u4e94\u73af\u6807\u5fd7 \u8d34\u7eb8",
        "symbol-olympic-rings",
        "\u4e94\u73af\u6807\u5fd7",
    ),
    ("described", "aros ol\u00edmpicos camiseta", "symbol-olympic-rings", "aros ol\u00edmpicos"),
    ("nickname", "Bing Dundun plush", "mascot-bing-dwen-dwen", "Bing Dundun"),
    ("nickname", "Bingdundun plush", "mascot-bing-dwen-dwen", "Bingdundun"),
    ("nickname", "Bing Dun Dun keychain", "mascot-bing-dwen-dwen", "Bing Dun Dun"),
    ("nickname", "Phryge mascot plush", "mascot-olympic-phryge", "Phryge"),
    (
        "homoglyph",
        "\uff2f\uff4c\uff59\uff4d\uff50\uff49\uff43 hoodie",
        "word-olympic",
        "\uff2f\uff4c\uff59\uff4d\uff50\uff49\uff43",
    ),
    ("homoglyph", "Olympi\u0441 hoodie", "word-olympic", "Olympi\u0441"),
    ("invisible", "Olym\u200bpic hoodie", "word-olympic", "Olym\u200bpic"),
    ("misspelling", "Olymipc hoodie", "word-olympic", "Olymipc"),
]


@pytest.mark.parametrize(
    ("evasion", "title", "mark", "written"), FOUND, ids=[f"{c[0]}:{c[1]}" for c in FOUND]
)
def test_i16_each_evasion_is_found_with_its_name_and_span(
    engines: tuple[Engine, Engine], evasion: str, title: str, mark: str, written: str
) -> None:
    fast, reference = engines
    verdict = _screen(reference, title)
    assert verdict.verdict in ("infringing", "review"), verdict
    assert mark in verdict.marks
    found = [f for f in verdict.evidence if f.mark == mark and not f.exception]
    assert found, verdict.evidence
    finding = found[0]
    assert finding.evasion == evasion
    assert title[finding.start : finding.end] == finding.text == written
    assert finding.as_json()["evasion"] == evasion
    # the compiled prefilter sends it to the reference path: the same verdict in a batch
    out = fast.screen_batch(_batch([title]), today=D).to_pylist()[0]
    assert out["verdict"] == verdict.verdict
    assert json.loads(out["evidence"]) == [f.as_json() for f in verdict.evidence]


def test_i16_affix_hits_are_strong_and_other_glue_stays_weak(
    engines: tuple[Engine, Engine],
) -> None:
    _, reference = engines
    glued = _screen(reference, "officialOlympicMerch hoodie")
    assert glued.verdict == "infringing"
    assert not any(f.weak for f in glued.evidence if f.mark)
    other = _screen(reference, "supolympicx hoodie")  # not made of affixes: weak, as before
    assert other.verdict == "review"
    assert all(f.weak and f.evasion is None for f in other.evidence if f.mark)
    assert _screen(reference, "ParisOlympics2024 tee").evidence[0].evasion is None


def test_i16_lookalike_exceptions_still_cover_their_phrase(engines: tuple[Engine, Engine]) -> None:
    _, reference = engines
    verdict = _screen(reference, "Olyrnpic Peninsula trail map", ship_to=("US",))
    assert verdict.verdict == "clean"
    assert verdict.evidence[0].exception == "place_name: Olympic Peninsula"
    assert verdict.evidence[0].evasion == "multi_letter"


def test_i16_lookalike_forms_complete_marks_only() -> None:
    forms = lookalike_forms("olymplc")
    assert forms == {"olyrnplc"}
    assert "garnes" in lookalike_forms("games")
    assert lookalike_forms("olymplc games") >= {
        "olyrnplc games",
        "olymplc garnes",
        "olyrnplc garnes",
    }
    assert "vvenlock" in lookalike_forms("wenlock")
    assert "mlga" in lookalike_forms("rnlga")  # and back
    assert lookalike_forms("paris 2024") == set()
    assert lookalike_forms("\u5965\u8fd0") == set()


def test_i16_year_forms_write_letters_for_digits() -> None:
    assert year_forms("tokyo 2020") >= {"tokyo 2 o 2 o", "tokyo 2 o 20", "tokyo 202 o"}
    assert "los angeles l 984" in year_forms("los angeles 1984")
    assert year_forms("olymplc") == set()


def test_i16_affixes_are_data_and_compose() -> None:
    data = builtin_data()
    prefixes, suffixes = data.affix_words("prefix"), data.affix_words("suffix")
    assert {"official", "team"} <= set(prefixes)
    assert {"merch", "shop", "store", "official"} <= set(suffixes)
    affixes = Affixes(prefixes, suffixes)
    assert affixes.glued("offlclal", "merch")
    assert affixes.glued("teamoffl" + "clal", "")
    assert affixes.glued("", "sstore")  # a plural "s", then an affix
    assert not affixes.glued("", "")
    assert not affixes.glued("sup", "")
    assert not affixes.glued("", "cos")  # "Olympiacos"


def test_i16_index_carries_affixes_and_reads_an_index_without_them() -> None:
    data = builtin_data()
    again = load_index(dump_index(data))
    assert data.affixes
    assert again.affixes == data.affixes
    content = data.to_json()
    del content["affixes"]
    assert ScreeningData.from_json(content).affixes == []


def test_i16_mascot_everyday_names_are_registry_variants_with_sources() -> None:
    marks = {m.id: m for m in builtin_document().marks}
    bing = [v.text for v in marks["mascot-bing-dwen-dwen"].variants]
    assert {"Bing Dwen Dwen", "Bing Dun Dun", "Bing Dundun", "\u51b0\u58a9\u58a9"} <= set(bing)
    assert "Phryge" in [v.text for v in marks["mascot-olympic-phryge"].variants]
    assert "Bing Dun Dun: everyday name" in (marks["mascot-bing-dwen-dwen"].notes or "")
    terms = {(t.mark, t.text): t for t in builtin_data().terms() if t.kind == "variant"}
    assert terms[("mascot-bing-dwen-dwen", "Bing Dun Dun")].nickname
    assert not terms[("mascot-bing-dwen-dwen", "Bing Dwen Dwen")].nickname
    assert not terms[("mascot-bing-dwen-dwen", "\u51b0\u58a9\u58a9")].nickname  # its name in zh
    assert not terms[("word-olympic", "Olympics")].nickname  # only mascots have nicknames


def test_i16_short_nicknames_still_need_context(engines: tuple[Engine, Engine]) -> None:
    _, reference = engines
    verdict = _screen(reference, "Phryge plush")
    assert verdict.verdict == "clean"
    assert verdict.evidence[0].evasion == "nickname"
    assert verdict.evidence[0].exception is not None


def test_i16_evasion_is_the_last_field_of_finding_and_only_in_json_when_set() -> None:
    assert list(Finding.__dataclass_fields__)[-1] == "evasion"  # type: ignore[attr-defined]
    plain = Finding("terms", "variant:x:en", 0.9, "title", "x", 0, 1)
    assert "evasion" not in plain.as_json()
    spaced = Finding("terms", "variant:x:en", 0.9, "title", "x", 0, 1, evasion="spaced")
    assert spaced.as_json()["evasion"] == "spaced"


# Ordinary words and titles that hold rn, cl, vv, l/I and letters apart: none is proposed.
ORDINARY_WORDS = [
    "modern",
    "turn",
    "burn",
    "corn",
    "horn",
    "born",
    "worn",
    "torn",
    "barn",
    "yarn",
    "learn",
    "earn",
    "stern",
    "fern",
    "cornflakes",
    "acorn",
    "adorn",
    "popcorn",
    "unicorn",
    "northern",
    "southern",
    "eastern",
    "western",
    "lantern",
    "pattern",
    "modernist",
    "internal",
    "external",
    "eternal",
    "journal",
    "kernel",
    "tavern",
    "cavern",
    "govern",
    "concern",
    "hornet",
    "cornet",
    "clean",
    "clear",
    "clock",
    "cloud",
    "climb",
    "clip",
    "club",
    "cloth",
    "close",
    "class",
    "classic",
    "cycle",
    "bicycle",
    "uncle",
    "circle",
    "article",
    "vehicle",
    "miracle",
    "oracle",
    "include",
    "exclude",
    "conclude",
    "clamp",
    "clay",
    "cliff",
    "clinic",
    "vivid",
    "savvy",
    "navvy",
    "vacuum",
    "skivvy",
    "civvies",
    "revved",
    "divvy",
    "chivvy",
    "flivver",
    "modem",
    "medium",
    "moment",
    "mummy",
    "dummy",
    "drum",
    "dream",
    "model",
    "mould",
    "middle",
    "medal",
    "meddle",
    "window",
    "wonder",
    "widow",
    "swallow",
    "yellow",
    "follow",
    "hollow",
    "mellow",
    "pillow",
    "willow",
    "elbow",
    "below",
    "slow",
    "flow",
    "lily",
    "lilac",
    "illustrate",
    "illegal",
    "million",
    "billion",
    "pillar",
    "killer",
    "filler",
    "lollipop",
    "ill",
    "hill",
    "olive",
    "olivia",
    "oily",
    "oiled",
    "polite",
    "police",
    "pilot",
    "pillow",
    "lily-pad",
    "italic",
    "kilo",
    "milo",
    "miso",
    "limp",
    "lamp",
    "plump",
    "olympus",
    "lymph",
    "lymphatic",
    "nymph",
    "nymphs",
    "symphony",
    "sympathy",
    "clymer",
    "glimpse",
    "limpid",
    "olfactory",
    "oligarch",
    "polymer",
    "polymath",
    "polyp",
    "polyps",
    "tokyo-style",
    "paris-style",
    "london-fog",
    "berlin-wall",
    "rio-grande",
    "beijing-duck",
    "athens-ga",
    "mini",
    "tiny",
    "tina-turner-vinyl",
    "argentina",
    "martina",
    "cristina",
    "christina",
    "valentina",
    "games",
    "gamer",
    "gaming",
    "gamma",
    "gamut",
    "dames",
    "damsel",
    "dwelling",
    "dwarf",
    "dweller",
    "swept",
    "five-ring",
    "binder",
    "3-ring",
    "binder",
    "ring",
    "light",
    "ring",
    "sizer",
    "gym",
    "rings",
    "onion",
    "rings",
    "rn",
    "nurse",
    "badge",
    "cl",
    "cable",
    "vv",
    "ring",
    "set",
    "id",
    "card",
]
ORDINARY_TITLES = [
    "Modern turn-table with corn-yellow cover",
    "Clean & clear cloud lamp",
    "Vivid savvy vacuum cleaner",
    "A B C wooden letters",
    "S M L XL t-shirt pack",
    "U.S.A. flag patch",
    "D.I.Y. craft kit",
    "K-pop poster set",
    "T-shirt V-neck L/XL",
    "X*Y*Z puzzle",
    "L_O_V_E sign",
    "H.O.M.E. wall letters",
    "B·E·S·T mug",
    "M-O-M necklace",
    "D A D birthday card",
    "N.Y.C. cap",
    "I.D. card holder",
    "P l a n t pot",
    "G-a-m-e-r keyboard",
    "C-l-e-a-n wipes",
    "Olive oil 500 ml",
    "Polymer clay set",
    "Lymph drainage roller",
    "Nymph figurine",
    "Symphony no 5 vinyl",
    "Unicorn plush pillow",
    "Popcorn maker",
    "Lantern string lights",
    "Kernel popcorn seasoning",
    "Classic bicycle bell",
    "Uncle Bob's BBQ sauce",
    "Miracle grow fertiliser",
    "Window cleaner spray",
    "Yellow pillow cover",
    "Hollow willow basket",
    "Million dollar baby DVD",
    "Lollipop mould silicone",
    "Medal display hanger",
    "Modem router combo",
    "Gym rings with straps",
    "Five-ring binder A4",
    "Ring light 10 inch",
    "Argentina football jersey",
    "Valentina earrings",
    "Tina Turner vinyl",
    "Milo chocolate drink",
    "Athens GA map",
    "Rio Grande poster",
    "Beijing duck recipe book",
    "Tokyo street style hoodie",
    "Paris style beret",
    "London fog umbrella",
    "Berlin wall postcard",
    "gamer chair",
    "gaming mouse pad",
    "dwarf hamster cage",
    "damsel in distress costume",
    "officialmerch tee",
    "teamshop hoodie",
    "store opening sign",
    "merch bundle",
    "运动·休闲 鞋",
    "新款 男士 T恤",
    "奥 迪 车贴",
    "五 金 工具",
    "ス・ト・ア ロゴ",
    "コ・ー・ヒ・ー マグ",
    "사 랑 머그컵",
    "Olympic barbell 20kg",
    "Mount Olympus poster",
    "clean-cut modern vvall clock",
    "Room 2O2O calendar",
    "parisjob fair flyer",
    "jojoba oil 100 ml",
    "Paris jogging pants",
    "londonjogger shoes",
    "tinavintage dress",
    "2O2O vision glasses",
    "l984 novel paperback",
    "Class of 2O2O mug",
]


def test_i16_ordinary_lookalike_words_are_not_proposed(engines: tuple[Engine, Engine]) -> None:
    fast, reference = engines
    texts = ORDINARY_WORDS + ORDINARY_TITLES
    assert len(set(texts)) >= 200
    for text in texts:
        verdict = _screen(reference, text)
        assert verdict.verdict == "clean", (text, verdict)
        proposed = [f for f in verdict.evidence if f.evasion in NEW_CLASSES]
        assert not proposed, (text, proposed)
    out = fast.screen_batch(_batch(texts), today=D)
    assert out.equals(reference.screen_batch(_batch(texts), today=D))
    assert set(out.column("verdict").to_pylist()) == {"clean"}


# What the new evasions are made of, mixed with ordinary words: the compiled prefilter never
# calls clean what the reference path proposes, and both paths give the same batch.
PIECES = st.sampled_from(
    [
        *"aAcCdDiIlLmMnNrRvVwWoOyYpP01|!*_\u00b7.- ", "2O2O", "l984", "2OO8", "Beijing",
        "Olympic", "Olyrnpic", "rn", "cl", "vv", "Garnes", "Games", "official", "Official",
        "team", "Team", "merch", "Merch", "shop", "store", "s", "tokyo", "2020", "Paris", "2024",
        "Wenlock", "Vvenlock", "five ring", "five", "ring", " emblem", " logo", "interlocking",
        "rings", "Bing", "Dun", "Dundun", "Phryge", "modern", "clean", "turn", "#",
        "\u5965", "\u8fd0", "\u4f1a", "\u4e94", "\u73af", "\u6807\u5fd7", "\u30aa", "\u30ea",
        "\u30f3", "\u30d4", "\u30c3", "\u30af", "\u30fb", "\u7eaa\u5ff5",
    ]
)  # fmt: skip
TEXTS = st.lists(PIECES, max_size=12).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_i16_kernel_never_calls_clean_what_the_candidate_stage_proposes(
    engines: tuple[Engine, Engine], text: str
) -> None:
    assert_kernel_clean_is_clean(engines[0], text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(titles=st.lists(TEXTS.filter(str.strip), min_size=1, max_size=6))
def test_i16_fast_and_reference_batches_agree_on_evasions(
    engines: tuple[Engine, Engine], titles: list[str]
) -> None:
    fast, reference = engines
    batch = _batch(titles)
    assert fast.screen_batch(batch, today=D).equals(reference.screen_batch(batch, today=D))


def test_i16_evasion_travels_to_cases_and_the_api(engines: tuple[Engine, Engine]) -> None:
    from ringfence.enforcement.schemas import FindingIn
    from ringfence.web.screening.api import FindingOut

    _, reference = engines
    finding = _screen(reference, "Olyrnpic hoodie").evidence[0]
    assert FindingIn.model_validate(finding.as_json()).evasion == "multi_letter"
    assert FindingOut.model_validate(finding.as_json()).evasion == "multi_letter"


def test_i16_a_short_name_inside_a_misspelt_long_one_still_gets_the_fuzzy_look(
    engines: tuple[Engine, Engine],
) -> None:
    _, reference = engines
    # "Phryge" alone is an ambiguous name without context; the misspelt "Olympic" beside it
    # must still be looked at, as it would be without the nickname
    verdict = _screen(reference, "collectible Olsympic Phryge notebook")
    assert verdict.verdict == "review"
    assert any(f.detector == "fuzzy" and f.evasion == "misspelling" for f in verdict.evidence)
    # a name without context and nothing misspelt stays clean
    assert _screen(reference, "Tina Turner vinyl").verdict == "clean"
