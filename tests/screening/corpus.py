"""A labelled evaluation corpus for the screening engine, generated from the registry.

Every listing is built here, from a seed, out of the registry's own data (mark variants,
exceptions, editions, cue words, ring descriptions, context words) and neutral merchandise
vocabulary; no example title is written by hand, so the corpus is not the strings the engine
was tuned on. ``benchmarks/quality.py`` screens it and reports precision and recall.

What a case expects:

* ``positive``: an unlicensed seller uses one Olympic property, written with one evasion (the
  case's ``cls``); any verdict other than clean is a detection, and the expected mark should be
  among the verdict's marks. Ambiguous texts (short mascot names, "JO": the index marks them
  ``ambiguous``) always come with Olympic context: a context word, the edition's year or city.
* ``negative``: a legitimate look-alike or a neutral listing; the verdict should be clean.
* ``licensed`` / ``out_of_scope``: the evaluation licensee (one licence over every mark, for
  some categories) inside its licence (``authorized`` expected) and outside it (a verdict other
  than clean or authorized expected).
* ``probe``: cases whose truth the registry does not settle (another body's mark, a club the
  registry lists no exception for, an exception text shipped outside its territories): they
  are reported as verdict counts and never scored.

The module is framework-free (no web, ORM or CLI imports) and deterministic for a seed.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

import pycountry
from rapidfuzz.distance import Levenshtein

from ringfence.registry.enums import Channel, MarkKind, PartyKind
from ringfence.registry.schemas import LicenceIn, MarkIn, PartyIn, RegistryDocument
from ringfence.screening.engine import Listing
from ringfence.screening.index import ScreeningData, Term, builtin_data, is_symbolic

TODAY = date(2026, 6, 1)
EARLIEST = date(2025, 1, 1)
RINGS_MARK = "symbol-olympic-rings"

EVAL_LICENSEE = "LIC:eval-licensee"
EVAL_LICENCE = "EVAL-LICENCE-1"
# The evaluation licence covers these category trees (and every mark, worldwide, marketplace).
LICENSED_CATEGORIES = ("apparel", "home")

POSITIVE, NEGATIVE, LICENSED, OUT_OF_SCOPE, PROBE = (
    "positive",
    "negative",
    "licensed",
    "out_of_scope",
    "probe",
)

EVASIONS = (
    "plain",
    "case",
    "fullwidth",
    "math",
    "diacritics",
    "invisible",
    "homoglyph",
    "leet",
    "separated",
    "glued",
    "repeated",
    "misspelt",
    "script",
    "cue",
    "rings",
)
NEGATIVE_SHARES = {
    "neutral": 0.30,
    "exception": 0.20,
    "numbers": 0.15,
    "ambiguous_alone": 0.15,
    "place_year": 0.08,
    "lookalike_word": 0.08,
    "near_miss_word": 0.04,
}
PROBES = (
    "para_prefix",
    "unlisted_club",
    "exception_elsewhere",
    "olympiad_other_lang",
    "rating_dots",
    "generic_circles",
    "ring_road",
)
# Shares of the corpus; the rest of ``size`` is positives.
NEGATIVE_SHARE = 0.40
LICENSED_SHARE = 0.03
OUT_OF_SCOPE_SHARE = 0.01
PROBE_SHARE = 0.01


@dataclass(frozen=True)
class Case:
    """One labelled listing."""

    listing: Listing
    kind: str  # POSITIVE, NEGATIVE, LICENSED, OUT_OF_SCOPE, PROBE
    cls: str  # the evasion class (positives) or the hard-negative class
    lang: str  # the variant's language; "neutral" for negatives
    mark: str | None = None  # the mark a detection should name
    detail: str = ""  # how the case was made ("case:random", "exception:place_name ...")


@dataclass
class Corpus:
    data: ScreeningData  # the built-in data plus the evaluation licence
    cases: list[Case] = field(default_factory=list)
    seed: int = 0


# ---------------------------------------------------------------------- vocabulary

# Neutral merchandise words per language: product nouns, then descriptive words (colours,
# materials, audiences, conditions). None of them is a mark, cue or context word; every title
# is also checked against the registry's texts below.
_NOUNS: dict[str, tuple[str, ...]] = {
    "en": (
        "t-shirt", "tee", "hoodie", "sweatshirt", "jacket", "cap", "beanie", "scarf", "socks",
        "mug", "tumbler", "water bottle", "keychain", "fridge magnet", "poster", "art print",
        "sticker", "enamel pin", "badge", "patch", "backpack", "tote bag", "phone case",
        "notebook", "pen", "lanyard", "towel", "blanket", "cushion", "plush toy", "figurine",
        "coaster", "banner", "umbrella", "wristband", "necklace", "bracelet", "earrings",
        "polo shirt", "tracksuit", "shorts", "leggings", "bucket hat", "pencil case", "apron",
    ),
    "fr": (
        "t-shirt", "sweat à capuche", "casquette", "bonnet", "écharpe", "chaussettes", "tasse",
        "gourde", "porte-clés", "aimant", "affiche", "autocollant", "sac à dos", "sac",
        "coque de téléphone", "carnet", "stylo", "serviette", "couverture", "coussin",
        "peluche", "figurine", "drapeau", "bracelet",
    ),
    "de": (
        "T-Shirt", "Kapuzenpullover", "Mütze", "Schal", "Socken", "Tasse", "Trinkflasche",
        "Schlüsselanhänger", "Magnet", "Poster", "Aufkleber", "Anstecker", "Rucksack",
        "Tasche", "Handyhülle", "Notizbuch", "Kugelschreiber", "Handtuch", "Decke", "Kissen",
        "Plüschtier", "Figur", "Fahne", "Armband",
    ),
    "es": (
        "camiseta", "sudadera", "gorra", "gorro", "bufanda", "calcetines", "taza", "botella",
        "llavero", "imán", "póster", "pegatina", "insignia", "mochila", "bolsa",
        "funda de móvil", "cuaderno", "bolígrafo", "toalla", "manta", "cojín", "peluche",
        "figura", "bandera",
    ),
    "it": (
        "maglietta", "felpa", "cappellino", "berretto", "sciarpa", "calzini", "tazza",
        "borraccia", "portachiavi", "magnete", "poster", "adesivo", "spilla", "zaino", "borsa",
        "cover", "quaderno", "penna", "asciugamano", "coperta", "cuscino", "peluche",
        "statuetta", "bandiera",
    ),
    "pt": (
        "camiseta", "moletom", "boné", "gorro", "cachecol", "meias", "caneca", "garrafa",
        "chaveiro", "ímã", "pôster", "adesivo", "broche", "mochila", "bolsa", "capinha",
        "caderno", "caneta", "toalha", "cobertor", "almofada", "pelúcia", "boneco", "bandeira",
    ),
    "nl": (
        "T-shirt", "hoodie", "pet", "muts", "sjaal", "sokken", "mok", "drinkfles",
        "sleutelhanger", "magneet", "poster", "sticker", "speld", "rugzak", "tas",
        "telefoonhoesje", "notitieboek", "pen", "handdoek", "deken", "kussen", "knuffel",
        "beeldje", "vlag",
    ),
    "ru": (
        "футболка", "толстовка", "кепка", "шапка", "шарф", "носки", "кружка", "бутылка",
        "брелок", "магнит", "постер", "наклейка", "значок", "рюкзак", "сумка", "чехол",
        "блокнот", "ручка", "полотенце", "плед", "подушка", "игрушка", "фигурка", "флаг",
    ),
    "zh-Hans": (
        "T恤", "卫衣", "帽子", "围巾", "袜子", "马克杯", "水杯", "钥匙扣", "冰箱贴", "海报",
        "贴纸", "徽章", "背包", "手提袋", "手机壳", "笔记本", "毛巾", "毯子", "抱枕",
        "毛绒玩具", "手办", "旗帜",
    ),
    "zh-Hant": (
        "T恤", "帽子", "圍巾", "襪子", "馬克杯", "鑰匙圈", "海報", "貼紙", "徽章", "背包",
        "手機殼", "毛巾", "抱枕", "絨毛玩具", "旗幟",
    ),
    "ja": (
        "Tシャツ", "パーカー", "キャップ", "ニット帽", "マフラー", "靴下", "マグカップ", "水筒",
        "キーホルダー", "マグネット", "ポスター", "ステッカー", "バッジ", "リュック",
        "トートバッグ", "スマホケース", "ノート", "ボールペン", "タオル", "ブランケット",
        "クッション", "ぬいぐるみ", "フィギュア",
    ),
    "ko": (
        "티셔츠", "후드티", "모자", "비니", "목도리", "양말", "머그컵", "물병", "키링", "자석",
        "포스터", "스티커", "배지", "백팩", "가방", "폰케이스", "노트", "볼펜", "수건", "담요",
        "쿠션", "인형", "피규어", "깃발",
    ),
    "ar": (
        "قميص", "قبعة", "وشاح", "جوارب", "كوب", "زجاجة", "ميدالية مفاتيح", "مغناطيس", "ملصق",
        "شارة", "حقيبة ظهر", "حقيبة", "غطاء هاتف", "دفتر", "قلم", "منشفة", "بطانية", "وسادة",
        "دمية", "علم",
    ),
}  # fmt: skip
_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "vintage", "retro", "classic", "limited edition", "new", "premium", "soft",
        "lightweight", "waterproof", "handmade", "embroidered", "printed", "unisex", "kids",
        "women's", "men's", "cotton", "polyester", "ceramic", "wool", "leather", "canvas",
        "blue", "red", "black", "white", "green", "yellow", "navy", "grey", "pink", "orange",
        "gift", "souvenir", "collectible", "free shipping", "brand new", "large", "small",
    ),
    "fr": (
        "vintage", "neuf", "brodé", "imprimé", "coton", "laine", "bleu", "rouge", "noir",
        "blanc", "vert", "jaune", "enfant", "femme", "homme", "cadeau", "souvenir", "taille M",
    ),
    "de": (
        "neu", "bestickt", "bedruckt", "Baumwolle", "Wolle", "blau", "rot", "schwarz", "weiß",
        "grün", "gelb", "Kinder", "Damen", "Herren", "Geschenk", "Andenken", "Größe L",
    ),
    "es": (
        "nuevo", "bordado", "estampado", "algodón", "lana", "azul", "rojo", "negro", "blanco",
        "verde", "amarillo", "niños", "mujer", "hombre", "regalo", "recuerdo", "talla M",
    ),
    "it": (
        "nuovo", "ricamato", "stampato", "cotone", "lana", "blu", "rosso", "nero", "bianco",
        "verde", "giallo", "bambini", "donna", "uomo", "regalo", "ricordo", "taglia M",
    ),
    "pt": (
        "novo", "bordado", "estampado", "algodão", "lã", "azul", "vermelho", "preto", "branco",
        "verde", "amarelo", "infantil", "feminino", "masculino", "presente", "lembrança",
    ),
    "nl": (
        "nieuw", "geborduurd", "bedrukt", "katoen", "wol", "blauw", "rood", "zwart", "wit",
        "groen", "geel", "kinderen", "dames", "heren", "cadeau", "maat L",
    ),
    "ru": (
        "новый", "вышитый", "хлопок", "шерсть", "синий", "красный", "чёрный", "белый",
        "зелёный", "жёлтый", "детский", "женский", "мужской", "подарок", "сувенир", "размер M",
    ),
    "zh-Hans": (
        "新款", "刺绣", "印花", "纯棉", "蓝色", "红色", "黑色", "白色", "绿色", "黄色", "儿童",
        "女款", "男款", "礼物", "纪念品", "包邮",
    ),
    "zh-Hant": ("新款", "刺繡", "印花", "純棉", "藍色", "紅色", "黑色", "白色", "禮物", "紀念品"),
    "ja": (
        "新品", "刺繍", "プリント", "綿", "青", "赤", "黒", "白", "緑", "黄色", "キッズ",
        "レディース", "メンズ", "ギフト", "お土産", "送料無料",
    ),
    "ko": (
        "새상품", "자수", "프린트", "면", "파란색", "빨간색", "검은색", "흰색", "초록색",
        "노란색", "아동", "여성", "남성", "선물", "기념품", "무료배송",
    ),
    "ar": (
        "جديد", "مطرز", "مطبوع", "قطن", "أزرق", "أحمر", "أسود", "أبيض", "أخضر", "أصفر", "أطفال",
        "نسائي", "رجالي", "هدية", "تذكار",
    ),
}  # fmt: skip
_CJK_LANGS = frozenset({"zh-Hans", "zh-Hant", "ja", "ko"})

# Common words and given names, any language, searched (not used as they are) for look-alikes:
# words that contain a mark's text, and words a few edits from a long mark. Together with the
# place names of ISO 3166 and the lexicon of the screening data.
_COMMON = """
able about above account action active actor address adult advice afternoon agency agent
airport album alliance almond alpine amateur amazing amber ambition amigas amigos amount
anchor angel animal annual answer antique anything apple archive arena argument armchair
athenaeum athletic atlas attention autumn avenue award balance balcony ballet balloon bamboo
banana bandai bank baseball basket battery beach beauty bedroom believe bicycle birthday
blanket blossom bottle boulevard bracelet branch breakfast bridge brother bucket budget
builder bundle butter button cabinet camera campus candle canyon capital captain caramel
carbon cardigan carpet castle catalog cathedral celebrate century ceramic champion channel
chapter charity cherry chicken chocolate christina christmas circus citizen classic climate
clinic clothing coffee collection college colonial colour column comfort comic commander
commerce committee common commonwealth communal communicate communion community communities
commuter compact company compass complete concert condition console constant contour cookie
copper cottage cotton country courage cousin cowboy creative cricket crystal culture cupcake
curtain cushion custom cyclist dancer daughter december delight desert design diamond dinner
dolly dolphin dragon dream dynamic eagle eastern elegant element elephant emerald empire
energy engine equinox espresso evening explorer fabric falcon family fashion feather festival
fitness flamingo flower folly forest fortune fountain freedom friendly frontier fruit galaxy
garden garnet gentle giant ginger glacier global golden gourmet granite graphic harbour
harmony harvest heritage hiking history holiday holly hollywood homestead honey horizon
hunter imperial island ivory jasmine jolly journal journey jungle justina kitchen lantern
latina legend leisure liberty lighthouse limited linen lobster lolly marathon marble
marina market martina meadow melody memory midnight milestone million mineral minimal
mirror miracle modern molly monarch monument morning mountain museum mystery national
natural navigator nickel noble northern notebook ocean olive olympus olympe olympio olimpia
orchard orchid original outdoor oyster pacific palace panorama paradise parade partner
passion pastel patriot pattern peacock pebble pencil penguin pepper picnic pioneer planet
platinum player polly pottery premier princess promise pumpkin pyramid quality quartz
rainbow ranger record region rhythm river rocket romance royal ruby sally sapphire savanna
scholar science season shadow sherpa shimmer signal silver simple sister skyline slipper
society soldier sparkle spirit sporty spring stadium station sterling stripe studio summer
summit sunrise sunset supreme sydney symphony talent teacher temple thunder timber topaz
tradition traveller treasure trinity trolley tropical tulip turquoise twilight typhoon
ultimate unicorn united universe urban valentina valley velvet venture victory village
vintage violet voyage wander warrior weekend western whisper wildlife winner wonder
workshop yellow zenith
"""
# Subjects of school and science contests, per language, for olympiad probes.
_SUBJECTS = {
    "en": ("Chemistry", "Biology", "Astronomy", "Geography", "Linguistics"),
    "ru": ("по математике", "по физике", "по химии", "по биологии"),
    "es": ("de Matemáticas", "de Física", "de Química"),
    "pt": ("de Matemática", "de Física", "de Química"),
    "it": ("di Matematica", "di Fisica", "di Chimica"),
    "de": ("Mathematik", "Physik", "Chemie"),
    "fr": ("de mathématiques", "de physique", "de chimie"),
}

# Cross-script look-alikes of Latin letters (Cyrillic and Greek), by eye.
_HOMOGLYPHS: dict[str, str] = {
    "a": "аα", "b": "ь", "c": "сϲ", "d": "ԁ", "e": "еε", "h": "һ", "i": "іιӏ", "j": "ј",
    "k": "кκ", "l": "ӏ", "m": "м", "n": "п", "o": "оο", "p": "рρ", "q": "ԛ", "r": "г",
    "s": "ѕ", "t": "тτ", "u": "υ", "v": "νѵ", "w": "ԝω", "x": "хχ", "y": "уγ",
    "A": "АΑ", "B": "ВΒ", "C": "СϹ", "E": "ЕΕ", "H": "НΗ", "I": "ІΙӀ", "J": "Ј", "K": "КΚ",
    "M": "МΜ", "N": "Ν", "O": "ОΟ", "P": "РΡ", "S": "Ѕ", "T": "ТΤ", "X": "ХΧ", "Y": "УΥ",
    "Z": "Ζ",
}  # fmt: skip
_LEET: dict[str, str] = {"o": "0", "l": "1", "i": "1!", "e": "3", "a": "4@", "s": "5$"}
_INVISIBLES = ("\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff")
# Mathematical alphanumeric styles: (name, capital A, small a, digit zero or 0).
_MATH_STYLES = (
    ("bold", 0x1D400, 0x1D41A, 0x1D7CE),
    ("italic", 0x1D434, 0x1D44E, 0),
    ("bold-italic", 0x1D468, 0x1D482, 0),
    ("script", 0x1D49C, 0x1D4B6, 0),
    ("bold-script", 0x1D4D0, 0x1D4EA, 0),
    ("fraktur", 0x1D504, 0x1D51E, 0),
    ("double-struck", 0x1D538, 0x1D552, 0x1D7D8),
    ("bold-fraktur", 0x1D56C, 0x1D586, 0),
    ("sans", 0x1D5A0, 0x1D5BA, 0x1D7E2),
    ("sans-bold", 0x1D5D4, 0x1D5EE, 0x1D7EC),
    ("sans-italic", 0x1D608, 0x1D622, 0),
    ("sans-bold-italic", 0x1D63C, 0x1D656, 0),
    ("monospace", 0x1D670, 0x1D68A, 0x1D7F6),
)
# Where the mathematical block has holes, the letter lives among the letterlike symbols.
_LETTERLIKE = {"script": "SCRIPT", "fraktur": "BLACK-LETTER", "double-struck": "DOUBLE-STRUCK"}
_DIACRITIC_NAMES = frozenset(
    {
        "ACUTE", "GRAVE", "CIRCUMFLEX", "TILDE", "DIAERESIS", "CEDILLA", "CARON", "MACRON",
        "BREVE", "OGONEK", "STROKE", "HORN", "RING ABOVE", "DOT ABOVE", "DOT BELOW",
        "DOUBLE ACUTE", "HOOK ABOVE", "COMMA BELOW",
    }
)  # fmt: skip
# Five circles in a row, as sellers draw the rings: the five colours, or large hollow circles.
_RING_COLOURS = ("LARGE BLUE CIRCLE", "MEDIUM BLACK CIRCLE", "LARGE RED CIRCLE")
_RING_COLOURS_2 = ("LARGE YELLOW CIRCLE", "LARGE GREEN CIRCLE")
_RING_MONO = ("HEAVY LARGE CIRCLE", "LARGE CIRCLE")
_RATING = (("BLACK CIRCLE", "WHITE CIRCLE"), ("MEDIUM BLACK CIRCLE", "MEDIUM WHITE CIRCLE"))


# ---------------------------------------------------------------------- text helpers


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


_NON_WORD = re.compile(r"[\W_]+")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def simple_view(text: str) -> str:
    """A plain reading of a text, independent of the engine's normaliser: compatibility forms,
    case and accents folded, punctuation to spaces, letters apart from digits; one space at
    each end so that whole words can be looked for with ``in``."""
    folded = _strip_marks(unicodedata.normalize("NFKC", text).casefold())
    spaced = _NON_WORD.sub(" ", _LETTER_DIGIT.sub(" ", folded))
    return f" {' '.join(spaced.split())} "


def _spaced_script(text: str) -> bool:
    """Whether a text is written with spaces between words (Latin, Greek, Cyrillic, Arabic)."""
    return not any(
        unicodedata.name(c, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")) for c in text
    )


def _is_latin_letter(c: str) -> bool:
    return c.isalpha() and unicodedata.name(c, "").startswith("LATIN")


def _latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(_is_latin_letter(c) for c in letters)


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


@lru_cache(maxsize=1)
def _diacritic_letters() -> dict[str, tuple[str, ...]]:
    """ASCII letter -> the Latin letters that are it with diacritics (by Unicode name)."""
    pattern = re.compile(r"LATIN (SMALL|CAPITAL) LETTER ([A-Z]) WITH (.+)")
    out: dict[str, list[str]] = defaultdict(list)
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        c = chr(code)
        m = pattern.fullmatch(unicodedata.name(c, ""))
        if m and all(part in _DIACRITIC_NAMES for part in m.group(3).split(" AND ")):
            base = m.group(2) if m.group(1) == "CAPITAL" else m.group(2).lower()
            out[base].append(c)
    return {k: tuple(v) for k, v in sorted(out.items())}


def _math_char(style: tuple[str, int, int, int], c: str) -> str:
    name, upper, lower, digit = style
    if "A" <= c <= "Z":
        code = upper + ord(c) - ord("A")
    elif "a" <= c <= "z":
        code = lower + ord(c) - ord("a")
    elif "0" <= c <= "9" and digit:
        code = digit + ord(c) - ord("0")
    else:
        return c
    if unicodedata.name(chr(code), ""):
        return chr(code)
    if name == "italic" and c == "h":
        return "\u210e"  # PLANCK CONSTANT: the mathematical italic small h
    prefix = _LETTERLIKE.get(name)
    if prefix:
        size = "CAPITAL" if c.isupper() else "SMALL"
        try:
            return unicodedata.lookup(f"{prefix} {size} {c.upper()}")
        except KeyError:
            return c
    return c


# ---------------------------------------------------------------------- evasions
# Each takes (rng, text) and returns (evaded text, detail), or None where it does not apply.

Evasion = Callable[[random.Random, str], "tuple[str, str] | None"]


def _case(rng: random.Random, text: str) -> tuple[str, str] | None:
    if not any(c.isalpha() and c.lower() != c.upper() for c in text):
        return None
    how = rng.choice(("upper", "lower", "random"))
    if how == "upper":
        out = text.upper()
    elif how == "lower":
        out = text.lower()
    else:
        out = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)
    if out == text:
        out = text.swapcase()
        how = "swapcase"
    return out, f"case:{how}"


def _fullwidth(rng: random.Random, text: str) -> tuple[str, str] | None:
    if not any(c.isascii() and c.isalnum() for c in text):
        return None
    space = rng.choice((" ", "\u3000"))
    out = "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else (space if c == " " else c) for c in text
    )
    return out, "fullwidth" + (":ideographic-space" if space != " " and " " in text else "")


def _math(rng: random.Random, text: str) -> tuple[str, str] | None:
    if not any(c.isascii() and c.isalnum() for c in text):
        return None
    style = rng.choice(_MATH_STYLES)
    return "".join(_math_char(style, c) for c in text), f"math:{style[0]}"


def _diacritics(rng: random.Random, text: str) -> tuple[str, str] | None:
    table = _diacritic_letters()
    positions = [i for i, c in enumerate(text) if c in table]
    if not positions:
        return None
    chosen = set(rng.sample(positions, rng.randint(1, len(positions))))
    kinds: set[str] = set()
    out = []
    for i, c in enumerate(text):
        if i not in chosen:
            out.append(c)
        elif rng.random() < 0.7:
            accented = rng.choice(table[c])
            decomposes = unicodedata.normalize("NFD", accented)[0] == c
            kinds.add("precomposed" if decomposes else "stroke/hook")
            out.append(accented)
        else:
            marks = "".join(chr(rng.randrange(0x300, 0x370)) for _ in range(rng.randint(1, 2)))
            kinds.add("combining")
            out.append(c + marks)
    return "".join(out), "diacritics:" + "+".join(sorted(kinds))


def _invisible(rng: random.Random, text: str) -> tuple[str, str] | None:
    if len(text) < 2:
        return None
    gaps = [i for i in range(1, len(text)) if not text[i].isspace() and not text[i - 1].isspace()]
    if not gaps:
        return None
    chosen = sorted(rng.sample(gaps, min(len(gaps), rng.randint(1, 3))), reverse=True)
    used = []
    out = text
    for i in chosen:
        char = rng.choice(_INVISIBLES)
        used.append(f"U+{ord(char):04X}")
        out = out[:i] + char + out[i:]
    return out, "invisible:" + ",".join(sorted(set(used)))


def _homoglyph(rng: random.Random, text: str) -> tuple[str, str] | None:
    positions = [i for i, c in enumerate(text) if c in _HOMOGLYPHS]
    if not positions:
        return None
    chosen = set(rng.sample(positions, rng.randint(1, len(positions))))
    scripts: set[str] = set()
    out = []
    for i, c in enumerate(text):
        if i in chosen:
            g = rng.choice(_HOMOGLYPHS[c])
            scripts.add(unicodedata.name(g).split()[0].lower())
            out.append(g)
        else:
            out.append(c)
    return "".join(out), "homoglyph:" + "+".join(sorted(scripts))


def _leet(rng: random.Random, text: str) -> tuple[str, str] | None:
    positions = [i for i, c in enumerate(text) if c.lower() in _LEET]
    if not positions:
        return None
    for _ in range(8):
        chosen = set(rng.sample(positions, rng.randint(1, len(positions))))
        out = "".join(
            rng.choice(_LEET[c.lower()]) if i in chosen else c for i, c in enumerate(text)
        )
        # keep letters ahead of digits in every word, as a reader still sees a word
        if all(_letters(w) > sum(c.isdigit() for c in w) for w in out.split()):
            adjacent = re.search(r"\d\d", out) and not re.search(r"\d\d", text)
            return out, f"leet:{len(chosen)}" + ("+adjacent-digits" if adjacent else "")
    return None


def _separated(rng: random.Random, text: str) -> tuple[str, str] | None:
    if not _latin(text) or max((_letters(w) for w in text.split()), default=0) < 3:
        return None
    sep = rng.choice((" ", ".", "-", "_", "·", "*", " . "))
    words = []
    for word in text.split():
        pieces = re.findall(r"\d+|[^\W\d_]", word)
        words.append(sep.join(pieces) if _letters(word) >= 2 else word)
    joiner = "   " if sep == " " else " "
    return joiner.join(words), f"separated:{sep.strip() or 'space'}"


def _repeated(rng: random.Random, text: str) -> tuple[str, str] | None:
    positions = [i for i, c in enumerate(text) if c.isalpha()]
    if not _latin(text) or not positions:
        return None
    chosen = set(rng.sample(positions, min(len(positions), rng.randint(1, 2))))
    times = rng.randint(3, 6)
    out = "".join(c * times if i in chosen else c for i, c in enumerate(text))
    return out, f"repeated:x{times}"


# ---------------------------------------------------------------------- the registry, read


@dataclass(frozen=True)
class _Variant:
    mark: MarkIn
    text: str
    lang: str
    ambiguous: bool
    year: int | None
    city: str | None


@dataclass
class _Registry:
    data: ScreeningData
    variants: list[_Variant]
    exceptions: list[tuple[MarkIn, str, str, tuple[str, ...]]]  # mark, text, reason, where
    context_words: list[str]  # context words that are no mark text themselves
    cues: list[str]
    rings: list[tuple[str, str]]  # (lang, text) of confident ring descriptions
    territories: list[str]
    categories: list[str]
    licensed_categories: list[str]
    unlicensed_categories: list[str]
    cities: list[tuple[str, frozenset[int]]]  # host city, the years it held the Games
    term_views: dict[str, list[str]]  # first word -> term views starting with it
    cjk_term_views: list[str]
    variant_views: frozenset[str]
    lexicon: list[str]


def evaluation_data(base: ScreeningData | None = None) -> ScreeningData:
    """The built-in screening data plus one licensee holding one licence over every mark,
    worldwide, on marketplaces, for the LICENSED_CATEGORIES trees."""
    data = base or builtin_data()
    doc = data.registry
    licence = LicenceIn(
        id=EVAL_LICENCE,
        licensor="IOC",
        licensee=EVAL_LICENSEE,
        valid_from=date(2024, 1, 1),
        valid_until=date(2027, 12, 31),
        marks=sorted(m.id for m in doc.marks),
        categories=list(LICENSED_CATEGORIES),
        territories=["*"],
        channels=[Channel.marketplace],
    )
    party = PartyIn(id=EVAL_LICENSEE, kind=PartyKind.licensee, name="Evaluation licensee")
    registry = doc.model_copy(
        update={"parties": [*doc.parties, party], "licences": [*doc.licences, licence]}
    )
    return replace(data, registry=RegistryDocument.model_validate(registry.model_dump()))


def _read(data: ScreeningData) -> _Registry:
    doc = data.registry
    editions = {e.id: e for e in doc.editions}
    flags: dict[tuple[str, str], Term] = {
        (t.mark, t.text): t for t in data.terms() if t.kind == "variant" and t.mark
    }
    variants = []
    exceptions = []
    for mark in doc.marks:
        edition = editions.get(mark.edition) if mark.edition else None
        for v in mark.variants:
            term = flags.get((mark.id, v.text.strip()))
            variants.append(
                _Variant(
                    mark,
                    v.text.strip(),
                    v.lang,
                    bool(term and term.ambiguous),
                    edition.year if edition else None,
                    edition.host_city if edition else None,
                )
            )
        for x in mark.exceptions:
            exceptions.append((mark, x.text, x.reason.value, tuple(x.territories)))
    variant_views = frozenset(simple_view(v.text) for v in variants)
    views: set[str] = set(variant_views)
    views.update(simple_view(x[1]) for x in exceptions)
    views.update(simple_view(r["text"]) for r in data.rings)
    views.update(simple_view(c["text"]) for c in data.cues if not is_symbolic(c["text"]))
    views.update(simple_view(c) for c in data.context)
    term_views: dict[str, list[str]] = defaultdict(list)
    cjk: list[str] = []
    for view in sorted(views):
        if view.strip():
            if _spaced_script(view):
                term_views[view.split()[0]].append(view)
            else:
                cjk.append(view.strip())
    territories = sorted({p.territory for p in doc.parties if p.territory})
    categories = sorted(c.id for c in doc.categories)
    licensed = [c for c in categories if c.split(".")[0] in LICENSED_CATEGORIES]
    cities: dict[str, set[int]] = defaultdict(set)
    for e in doc.editions:
        cities[e.host_city].add(e.year)
    return _Registry(
        data=data,
        variants=variants,
        exceptions=exceptions,
        context_words=sorted(c for c in data.context if simple_view(c) not in variant_views),
        cues=sorted({c["text"] for c in data.cues}),
        rings=sorted(
            (r["lang"], r["text"])
            for r in data.rings
            if float(r["score"]) >= 0.85  # the confident descriptions; weaker ones are probes
        ),
        territories=territories,
        categories=categories,
        licensed_categories=licensed,
        unlicensed_categories=[c for c in categories if c not in licensed],
        cities=sorted((c, frozenset(y)) for c, y in cities.items()),
        term_views=dict(term_views),
        cjk_term_views=cjk,
        variant_views=variant_views,
        lexicon=sorted(data.lexicon),
    )


def _clashes(reg: _Registry, text: str, allowed: Sequence[str]) -> bool:
    """Whether a title says some registry text (a mark, exception, ring description, cue or
    context word) beyond the ones it was made to say: filler words must stay neutral, and
    must not extend the intended text into another one ("Olympic" + "bar")."""
    view = simple_view(text)
    allowed_views = [simple_view(a) for a in allowed]
    words = set(view.split())
    for first in words:
        for term in reg.term_views.get(first, ()):
            if term in view and not any(term in a for a in allowed_views):
                return True
    return any(
        term in view and not any(term in a for a in allowed_views) for term in reg.cjk_term_views
    )


# ---------------------------------------------------------------------- the generator


class _Generator:
    def __init__(self, reg: _Registry, rng: random.Random) -> None:
        self.reg = reg
        self.rng = rng
        self.cases: list[Case] = []
        self.by_class: dict[str, list[_Variant]] = {}
        latin = [v for v in reg.variants if _latin(v.text)]
        other = [v for v in reg.variants if not _latin(v.text)]
        self.by_class = {
            "plain": latin,
            "case": [v for v in reg.variants if v.lang not in _CJK_LANGS],
            "fullwidth": [
                v for v in reg.variants if any(c.isascii() and c.isalnum() for c in v.text)
            ],
            "math": [v for v in reg.variants if any(c.isascii() and c.isalpha() for c in v.text)],
            "diacritics": latin,
            "invisible": reg.variants,
            "homoglyph": latin,
            "leet": latin,
            "separated": latin,
            "glued": latin,
            "repeated": latin,
            "misspelt": [v for v in latin if _letters(v.text) >= 7],
            "script": other,
            "cue": reg.variants,
        }
        self.evasions: dict[str, Evasion] = {
            "case": _case,
            "fullwidth": _fullwidth,
            "math": _math,
            "diacritics": _diacritics,
            "invisible": _invisible,
            "homoglyph": _homoglyph,
            "leet": _leet,
            "separated": _separated,
            "repeated": _repeated,
        }
        self.single_cities = sorted(c for c, _ in reg.cities if " " not in c and c.isalpha())
        self.lookalikes, self.near_misses = lookalikes(reg)
        self.marks = {m.id: m for m in reg.data.registry.marks}

    # ------------------------------------------------------------------ listing fields

    def _n(self) -> int:
        return len(self.cases)

    def _listing(
        self,
        title: str,
        *,
        seller: str | None = None,
        mark: MarkIn | None = None,
        ship_to: Sequence[str] | None = None,
        categories: Sequence[str] | None = None,
    ) -> Listing:
        n = self._n()
        rng = self.rng
        if ship_to is None:
            pool = self.reg.territories
            if mark is not None and "*" not in mark.territories:
                pool = list(mark.territories)
            ship_to = rng.sample(pool, min(len(pool), rng.choice((1, 1, 1, 2))))
        start = max(EARLIEST, mark.valid_from) if mark and mark.valid_from else EARLIEST
        end = min(TODAY, mark.valid_until) if mark and mark.valid_until else TODAY
        listed = start + timedelta(days=rng.randrange(max(1, (end - start).days)))
        description = ""
        if rng.random() < 0.2:
            description = self._filler(rng.choice(("en", "fr", "de", "es")), rng.randint(3, 8))
        return Listing(
            listing_id=f"eval-{n:06d}",
            seller_id=seller or f"SELLER:eval-{n}",
            title=title,
            description=description,
            category=rng.choice(list(categories or self.reg.categories)),
            ship_to=tuple(ship_to),
            listed_at=listed,
        )

    def _filler_words(self, lang: str, count: int) -> list[str]:
        rng = self.rng
        if lang not in _NOUNS:
            lang = "en"
        words = [rng.choice(_NOUNS[lang])]
        words += [rng.choice(_WORDS[lang]) for _ in range(max(0, count - 1))]
        rng.shuffle(words)
        return list(dict.fromkeys(words))

    def _filler(self, lang: str, count: int) -> str:
        return " ".join(self._filler_words(lang, count))

    def _assemble(
        self, lang: str, core: tuple[str, str], extras: Sequence[str] = (), words: int = 0
    ) -> tuple[str, str]:
        """A title around ``core`` (its plain and its evaded form) in ``lang``: returns the
        plain title (for the clash check) and the title as listed."""
        rng = self.rng
        filler = self._filler_words(lang, words or rng.randint(1, 4))
        pieces: list[tuple[str, str]] = [(w, w) for w in filler]
        for extra in extras:
            pieces.insert(rng.randint(0, len(pieces)), (extra, extra))
        pieces.insert(rng.randint(0, len(pieces)), core)
        glue = "" if lang in _CJK_LANGS and rng.random() < 0.5 else " "

        def join(k: int) -> str:
            out = ""
            for piece in pieces:
                text = piece[k]
                if not text:
                    continue
                if out:
                    # run words together only where a CJK character meets a CJK character or
                    # a digit ("お土産東京2020"), never a Latin letter
                    left, right = out[-1], text[0]
                    cjk = not (_spaced_script(left) and _spaced_script(right))
                    latin = (left.isascii() and left.isalpha()) or (
                        right.isascii() and right.isalpha()
                    )
                    out += glue if glue == "" and cjk and not latin else " "
                out += text
            return out

        return join(0), join(1)

    def _context(self, v: _Variant) -> tuple[str, str]:
        """Olympic context for an ambiguous text: a context word, the edition's year, city."""
        rng = self.rng
        kinds = ["word", "word", "word"]
        if v.year:
            kinds += ["year", "year"]
        if v.city and " and " not in v.city:  # "Milan and Cortina d'Ampezzo" is no title word
            kinds.append("city")
        kind = rng.choice(kinds)
        if kind == "year":
            return str(v.year), "context:year"
        if kind == "city" and v.city:
            return v.city, "context:city"
        return rng.choice(self.reg.context_words), "context:word"

    # ------------------------------------------------------------------ positives

    def positive(self, cls: str, *, kind: str = POSITIVE, seller: str | None = None,
                 categories: Sequence[str] | None = None) -> None:  # fmt: skip
        for _ in range(50):
            made = self._rings() if cls == "rings" else self._variant_case(cls)
            if made is None:
                continue
            plain, title, allowed, mark, lang, detail = made
            if _clashes(self.reg, plain, allowed):
                continue
            mark_in = self.marks[mark]
            self.cases.append(
                Case(
                    self._listing(title, seller=seller, mark=mark_in, categories=categories),
                    kind,
                    cls,
                    lang,
                    mark,
                    detail,
                )
            )
            return
        raise RuntimeError(f"could not generate a {cls} case")  # pragma: no cover

    def _variant_case(self, cls: str) -> tuple[str, str, list[str], str, str, str] | None:
        rng = self.rng
        v = rng.choice(self.by_class[cls])
        lang = v.lang if rng.random() < 0.6 and v.lang in _NOUNS else "en"
        if not _latin(v.text) and v.lang in _NOUNS:
            lang = v.lang if rng.random() < 0.8 else "en"
        extras: list[str] = []
        allowed = [v.text]
        details = []
        if v.ambiguous:
            context, how = self._context(v)
            extras.append(context)
            allowed.append(context)
            details.append(how)
        core: tuple[str, str]
        if cls in ("plain", "script"):
            core = (v.text, v.text)
            details.insert(0, cls)
        elif cls == "cue":
            cue = rng.choice(self.reg.cues)
            extras.append(cue)
            allowed.append(cue)
            core = (v.text, v.text)
            details.insert(0, f"cue:{cue}")
        elif cls == "glued":
            glued = self._glue(v)
            if glued is None:
                return None
            core, detail = glued
            details.insert(0, detail)
        elif cls == "misspelt":
            misspelt = self._misspell(v)
            if misspelt is None:
                return None
            core = (v.text, misspelt[0])
            details.insert(0, misspelt[1])
        else:
            evaded = self.evasions[cls](rng, v.text)
            if evaded is None:
                return None
            core = (v.text, evaded[0])
            details.insert(0, evaded[1])
        plain, title = self._assemble(lang, core, extras)
        return plain, title, allowed, v.mark.id, v.lang, " ".join(details)

    def _glue(self, v: _Variant) -> tuple[tuple[str, str], str] | None:
        """Hashtags, CamelCase, words run together: "#ParisOlympics", "Olympics2024"."""
        rng = self.rng
        words = re.findall(r"[^\W_]+", v.text)
        before: list[str] = []
        after: list[str] = []
        style = rng.choice(("camel", "camel", "lower", "upper-words"))
        if len(words) == 1 or rng.random() < 0.5:
            # a product word is glued on only in CamelCase ("NecklaceOlympics"); all lower or
            # all upper case, only a city or a year ("#parisolympics", "OLYMPICS2024")
            # a city only before a word, phrase or mascot ("#ParisOlympics", "#SydneyOlly"),
            # never before another edition's name
            cities = self.single_cities
            if v.mark.kind is MarkKind.mascot:
                cities = [v.city] if v.city in self.single_cities else []
            elif v.mark.kind is MarkKind.edition_name:
                cities = []
            choices = (["city"] if cities else []) + ["year"]
            choices += ["word", "word+year"] if style == "camel" else []
            choice = rng.choice(choices)
            if choice == "city":
                before.append(rng.choice(cities))
            if choice.startswith("word"):
                neighbour = rng.choice([w for w in _NOUNS["en"] if w.isalpha()])
                (before if rng.random() < 0.5 else after).append(neighbour)
            if choice.endswith("year") and not any(w.isdigit() for w in words):
                after.append(str(v.year or rng.randint(2020, 2032)))
        parts = [*before, *words, *after]
        if len(parts) < 2:
            return None
        if style == "lower":
            token = "".join(parts).lower()
        elif style == "upper-words":
            token = "".join(p.upper() for p in parts)
        else:
            token = "".join(p[:1].upper() + p[1:] for p in parts)
        hashtag = rng.random() < 0.5
        plain = " ".join(parts)
        return (plain, ("#" if hashtag else "") + token), (
            f"glued:{'hashtag-' if hashtag else ''}{style}"
        )

    def _misspell(self, v: _Variant) -> tuple[str, str] | None:
        """One edit (insertion, deletion, substitution, transposition) in a long mark text,
        never landing on another mark text or a real word of the lexicon."""
        rng = self.rng
        forbidden = {simple_view(w) for w in self.reg.lexicon} | self.reg.variant_views
        spans = [(m.start(), m.end()) for m in re.finditer(r"[^\W\d_]{4,}", v.text)]
        if not spans:
            return None
        for _ in range(20):
            start, end = rng.choices(spans, weights=[e - s for s, e in spans])[0]
            i = rng.randrange(start, end)
            op = rng.choice(("insert", "delete", "substitute", "transpose"))
            c = v.text[i]
            letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
            letter = letter.upper() if c.isupper() else letter
            if op == "insert":
                new = v.text[:i] + (c if rng.random() < 0.3 else letter) + v.text[i:]
            elif op == "delete":
                new = v.text[:i] + v.text[i + 1 :]
            elif op == "substitute":
                new = v.text[:i] + letter + v.text[i + 1 :]
            else:
                if i + 1 >= end:
                    continue
                new = v.text[:i] + v.text[i + 1] + c + v.text[i + 2 :]
            view = simple_view(new)
            if view != simple_view(v.text) and view not in forbidden:
                multi = " multi-word" if len(v.text.split()) > 1 else ""
                return new, f"misspelt:{op}{multi}"
        return None

    def _rings(self) -> tuple[str, str, list[str], str, str, str] | None:
        rng = self.rng
        if rng.random() < 0.5:
            lang, text = rng.choice(self.reg.rings)
            plain, title = self._assemble(lang if lang in _NOUNS else "en", (text, text))
            return plain, title, [text], RINGS_MARK, lang, "rings:text"
        if rng.random() < 0.75:
            names = [*_RING_COLOURS, *_RING_COLOURS_2]
            if rng.random() < 0.5:
                rng.shuffle(names)
            style = "colours"
        else:
            names = [rng.choice(_RING_MONO)] * 5
            style = "mono"
        sep = rng.choice(("", "", " ", "\u200d", "\ufe0f"))
        emoji = sep.join(unicodedata.lookup(n) for n in names)
        shown = {"": "", " ": "+space", "\u200d": "+zwj", "\ufe0f": "+vs16"}[sep]
        plain, title = self._assemble(rng.choice(("en", "fr", "ja", "zh-Hans")), ("", emoji))
        return plain, title, [], RINGS_MARK, "emoji", f"rings:emoji:{style}{shown}"

    # ------------------------------------------------------------------ negatives

    def negative(self, cls: str) -> None:
        for _ in range(50):
            made = getattr(self, f"_neg_{cls}")()
            if made is None:
                continue
            title, allowed, detail, ship_to = made
            if _clashes(self.reg, title, allowed):
                continue
            self.cases.append(
                Case(self._listing(title, ship_to=ship_to), NEGATIVE, cls, "neutral", None, detail)
            )
            return
        raise RuntimeError(f"could not generate a {cls} negative")  # pragma: no cover

    def _neg_neutral(self) -> tuple[str, list[str], str, None]:
        lang = self.rng.choice(sorted(_NOUNS))
        title = self._assemble(lang, ("", ""), words=self.rng.randint(2, 6))[0]
        return title, [], f"neutral:{lang}", None

    def _neg_exception(self) -> tuple[str, list[str], str, list[str] | None]:
        rng = self.rng
        _, text, reason, where = rng.choice(self.reg.exceptions)
        how = rng.choice(("as-is", "as-is", "as-is", "lower", "upper", "title"))
        shown = {"lower": text.lower(), "upper": text.upper(), "title": text.title()}.get(how, text)
        lang = {"RU": "ru", "CN": "zh-Hans"}.get(where[0], "en") if "*" not in where else "en"
        title = self._assemble(lang, (shown, shown))[0]
        ship_to = None if "*" in where else [rng.choice(where)]
        return title, [text], f"exception:{reason} {text!r} {how}", ship_to

    def _neg_numbers(self) -> tuple[str, list[str], str, None]:
        rng = self.rng
        kind = rng.choice(("code", "code", "size", "year", "percent", "spec"))
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        if kind == "code":
            shape = rng.choice(("DDL", "LDD", "LLDDD", "DDDL", "LDDL", "LLD", "LDL", "DLD"))
            code = "".join(
                rng.choice(letters) if s == "L" else rng.choice("0123456789") for s in shape
            )
            if rng.random() < 0.3:
                code = code[:2] + "-" + code[2:]
            text = rng.choice((f"model {code}", f"ref. {code}", code, f"SKU {code}"))
        elif kind == "size":
            text = rng.choice(
                (
                    f"size {rng.choice(('XS', 'S', 'M', 'L', 'XL', '2XL', '3XL'))}",
                    f"EU {rng.randint(34, 48)}",
                    f"{rng.choice((250, 330, 350, 500, 750))}ml",
                    f"{rng.randint(10, 90)}x{rng.randint(10, 90)} cm",
                    f"{rng.randint(2, 12)}-pack",
                )
            )
        elif kind == "year":
            text = rng.choice(("{y}", "({y})", "{y} edition", "est. {y}", "class of {y}")).format(
                y=rng.randint(1950, 2035)
            )
        elif kind == "percent":
            text = f"{rng.choice((50, 80, 100))}% {rng.choice(('cotton', 'wool', 'polyester'))}"
        else:
            text = rng.choice(
                (
                    f"{rng.randint(2, 40)}C",
                    f"{rng.randint(1, 9)}0{rng.choice(letters)}",
                    f"{rng.randint(1, 12)}V",
                    f"{rng.randint(10, 99)}W",
                    f"{rng.choice((4, 8))}K",
                    f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.randint(1, 9)}",
                )
            )
        title = self._assemble("en", (text, text))[0]
        return title, [], f"numbers:{kind} {text!r}", None

    def _neg_ambiguous_alone(self) -> tuple[str, list[str], str, None] | None:
        """An ambiguous mark text (a mascot's name that is also a first name or a word) in a
        neutral title, without any Olympic context: a name on a mug, a goddess's statue."""
        rng = self.rng
        names = [v for v in self.reg.variants if v.ambiguous and len(v.text.split()) == 1]
        v = rng.choice(names)
        name = v.text if not v.text.isupper() else v.text.title()
        noun = rng.choice([n for n in _NOUNS["en"] if n not in ("plush toy", "figurine")])
        template = rng.choice(
            (
                "{name} name {noun}",
                "personalised {noun} for {name}",
                "custom {noun} with name {name}",
                "{adj} {noun} - {name}",
                "happy birthday {name} {noun}",
                "{name} {adj} {noun}",
            )
        )
        title = template.format(name=name, noun=noun, adj=rng.choice(_WORDS["en"]))
        return title, [v.text], f"ambiguous_alone:{v.text}", None

    def _neg_place_year(self) -> tuple[str, list[str], str, None] | None:
        """A host city with a year in which it held no Games (a marathon, a trip, a fair)."""
        rng = self.rng
        city, years = rng.choice([c for c in self.reg.cities if " and " not in c[0]])
        year = rng.randint(1950, 2035)
        if any(abs(year - y) <= 1 for y in years):
            return None
        title = self._assemble("en", (f"{city} {year}", f"{city} {year}"))[0]
        return title, [], f"place_year:{city} {year}", None

    def _neg_lookalike_word(self) -> tuple[str, list[str], str, None] | None:
        word, contains = self.rng.choice(self.lookalikes)
        title = self._assemble("en", (word, word))[0]
        return title, [], f"lookalike_word:{word} (contains {contains!r})", None

    def _neg_near_miss_word(self) -> tuple[str, list[str], str, None] | None:
        if not self.near_misses:
            return None
        word, near = self.rng.choice(self.near_misses)
        title = self._assemble("en", (word, word))[0]
        return title, [], f"near_miss_word:{word} (near {near!r})", None

    # ------------------------------------------------------------------ probes

    def probe(self, cls: str) -> None:
        rng = self.rng
        reg = self.reg
        ship_to: list[str] | None = None
        if cls == "para_prefix":  # another body's mark, not in this registry
            olympic = [
                v for v in reg.variants if v.text[:1] in "Oo" and v.text[1:4].lower() == "lym"
            ]
            olympic += [v for v in reg.variants if v.text.lower().startswith("olí")]
            v = rng.choice(olympic)
            text = "Para" + v.text[1:]
            detail = f"para_prefix:{text}"
        elif cls == "unlisted_club":  # football clubs named after the Games, not excepted
            olympique = [v for v in reg.variants if v.text.lower() == "olympique"]
            base = olympique[0].text.title() if olympique else "Olympique"
            text = f"{base} {rng.choice(('de Marseille', 'Lyonnais'))}"
            detail = f"unlisted_club:{text}"
        elif cls == "exception_elsewhere":  # an exception text shipped outside its territories
            limited = [x for x in reg.exceptions if "*" not in x[3]]
            _, text, _, where = rng.choice(limited)
            ship_to = [rng.choice([t for t in reg.territories if t not in where])]
            detail = f"exception_elsewhere:{text} -> {ship_to[0]}"
        elif cls == "olympiad_other_lang":  # a school contest in a language without exception
            olympiad = [
                v for v in reg.variants if v.mark.id == "word-olympiad" and v.lang in _SUBJECTS
            ]
            v = rng.choice(olympiad)
            subject = rng.choice(_SUBJECTS[v.lang])
            text = (
                f"{v.text} {subject}"
                if v.lang in ("ru", "es", "pt", "it", "fr")
                else (f"{subject} {v.text}" if v.lang == "en" else f"{subject}-{v.text}")
            )
            detail = f"olympiad_other_lang:{text}"
        elif cls == "rating_dots":  # a rating drawn with five dots
            filled, empty = rng.choice(_RATING)
            k = rng.randint(1, 5)
            text = unicodedata.lookup(filled) * k + unicodedata.lookup(empty) * (5 - k)
            text = f"rating {text}" if rng.random() < 0.5 else f"{text} ({k}/5)"
            detail = f"rating_dots:{k}/5"
        elif cls == "generic_circles":  # jewellery and patterns described with circles
            weak = [r["text"] for r in reg.data.rings if float(r["score"]) < 0.85]
            text = rng.choice(weak) if weak else "interlocking rings"
            detail = f"generic_circles:{text}"
        else:  # ring_road: Beijing's ring roads are "环路"
            text = f"北京{rng.choice(('二', '三', '四', '五', '六'))}环路"
            detail = f"ring_road:{text}"
        title = self._assemble("en" if _spaced_script(text) else "zh-Hans", (text, text))[1]
        self.cases.append(Case(self._listing(title, ship_to=ship_to), PROBE, cls, "neutral",
                               None, detail))  # fmt: skip


def _vocabulary(reg: _Registry) -> list[str]:
    """Given names, common words, ISO 3166 place names and languages, the lexicon."""
    words: set[str] = set(_COMMON.split()) | set(reg.lexicon)
    names: Iterable[str] = (
        *(c.name for c in pycountry.countries),
        *(s.name for s in pycountry.subdivisions),
        *(language.name for language in pycountry.languages),
    )
    for name in names:
        words.update(w for w in re.findall(r"[^\W\d_]+", name) if len(w) >= 4)
    return sorted(words)


def lookalikes(reg: _Registry) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Real words that are no mark, searched for in the vocabulary: (word, mark text) pairs of
    words that contain a mark's text ("Argentina" holds "Tina", "Olympiakos" "Olympia"), and of
    words within two edits of a long (seven letters or more) one-word mark text."""
    vocabulary = _vocabulary(reg)
    lexicon = {w.casefold() for w in reg.lexicon}

    def fold(text: str) -> str:
        return _strip_marks(text.casefold())

    texts = sorted({fold(v.text) for v in reg.variants if _latin(v.text)})
    singles = [t for t in texts if " " not in t and t.isalpha()]
    olympic_stems = ("olymp", "olimp", "lympi")
    contains: list[tuple[str, str]] = []
    near: list[tuple[str, str]] = []
    for word in vocabulary:
        w = fold(word)
        if w in texts or (any(s in w for s in olympic_stems) and w not in lexicon):
            continue  # a mark text itself, or a form of the Olympic words: no look-alike
        inside = [t for t in singles if len(t) >= 3 and t in w and t != w]
        if inside:
            contains.append((word.title() if word.islower() else word, max(inside, key=len)))
            continue
        close = [
            t for t in singles if len(t) >= 7 and Levenshtein.distance(w, t, score_cutoff=2) <= 2
        ]
        if close:
            near.append((word, close[0]))
    return contains, near


def _apportion(total: int, shares: dict[str, float]) -> dict[str, int]:
    counts = {k: int(total * s / sum(shares.values())) for k, s in shares.items()}
    for k in list(shares)[: total - sum(counts.values())]:
        counts[k] += 1
    return counts


def generate(size: int = 20_000, seed: int = 2026, data: ScreeningData | None = None) -> Corpus:
    """A labelled corpus of about ``size`` listings, the same for the same seed and data."""
    data = data or evaluation_data()
    reg = _read(data)
    rng = random.Random(seed)
    gen = _Generator(reg, rng)
    n_negative = int(size * NEGATIVE_SHARE)
    n_licensed = int(size * LICENSED_SHARE)
    n_out = int(size * OUT_OF_SCOPE_SHARE)
    n_probe = max(len(PROBES), int(size * PROBE_SHARE))
    n_positive = max(len(EVASIONS), size - n_negative - n_licensed - n_out - n_probe)
    plan: list[tuple[str, str]] = []
    for cls, n in _apportion(n_positive, dict.fromkeys(EVASIONS, 1.0)).items():
        plan += [(POSITIVE, cls)] * n
    for cls, n in _apportion(n_negative, NEGATIVE_SHARES).items():
        plan += [(NEGATIVE, cls)] * n
    licensed_classes = [c for c in EVASIONS if c != "cue"]
    plan += [(LICENSED, licensed_classes[i % len(licensed_classes)]) for i in range(n_licensed)]
    plan += [(OUT_OF_SCOPE, licensed_classes[i % len(licensed_classes)]) for i in range(n_out)]
    plan += [(PROBE, PROBES[i % len(PROBES)]) for i in range(n_probe)]
    rng.shuffle(plan)
    for kind, cls in plan:
        if kind == POSITIVE:
            gen.positive(cls)
        elif kind == NEGATIVE:
            gen.negative(cls)
        elif kind == LICENSED:
            gen.positive(cls, kind=LICENSED, seller=EVAL_LICENSEE,
                         categories=reg.licensed_categories)  # fmt: skip
        elif kind == OUT_OF_SCOPE:
            gen.positive(cls, kind=OUT_OF_SCOPE, seller=EVAL_LICENSEE,
                         categories=reg.unlicensed_categories)  # fmt: skip
        else:
            gen.probe(cls)
    return Corpus(data=data, cases=gen.cases, seed=seed)
