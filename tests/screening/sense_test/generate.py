"""The generated part of the held-out text-screening test set (issue 16).

Hard legitimate look-alikes and evasive Olympic titles, from templates written for this set
alone (not from ``tests/screening/corpus.py``, the registry's exception texts or the training
data). A seeded generator: the same seed writes the same rows. It rewrites only the rows of
``listings.tsv`` whose source starts with ``gen:``; the real titles (``real:``, written by
``import_real.py``) are kept as they are.

    .venv/bin/python tests/screening/sense_test/generate.py [--seed 16] [--check]

Each ``flag`` row uses an Olympic property under one evasion class, in a listing whose
context (merchandise, fans, a Games, a city and year) says the Olympic sense is meant. Each
``clean`` row uses a look-alike sense of the same words: a lifting bar, a shooting
discipline, a place, another company's brand, a camera, a myth, an academic olympiad, a club,
rings that are not the symbol, a person's name.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).parent
LISTINGS = HERE / "listings.tsv"
HEADER = ("title", "category", "expected", "cls", "lang", "source")
SEED = 16
PER_CLASS = 140  # evasive titles per evasion class (before removing duplicates)
# Classes spread over many languages get more, so each language has a few.
PER_CLASS_OVERRIDE = {"translation": 340, "spaced_cjk": 200}
PER_KIND = 90  # look-alike titles per kind (before removing duplicates)

Row = tuple[str, str, str, str, str, str]

# ---------------------------------------------------------------- merchandise, by language
# (head noun, registry category id); the words a seller of fan goods would use.
GOODS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("unisex tee", "apparel.clothing.tops"),
        ("pullover hoodie", "apparel.clothing"),
        ("snapback cap", "apparel.headwear"),
        ("ceramic coffee mug 11oz", "home.drinkware.mugs"),
        ("enamel lapel pin", "apparel.pins"),
        ("metal keyring", "souvenirs"),
        ("plush mascot 25cm", "toys.plush"),
        ("wall poster A2", "collectibles.posters"),
        ("kids backpack", "bags.backpacks"),
        ("silicone phone case", "electronics.accessories"),
        ("hand flag 30x45", "flags"),
        ("knitted supporter scarf", "apparel.scarves"),
        ("commemorative coin replica", "collectibles.coins"),
        ("vinyl sticker sheet", "stationery"),
        ("water bottle 750ml", "home.drinkware"),
        ("gold medal replica with ribbon", "collectibles.coins"),
    ],
    "fr": [
        ("t-shirt homme", "apparel.clothing.tops"),
        ("sweat à capuche", "apparel.clothing"),
        ("casquette brodée", "apparel.headwear"),
        ("mug en céramique", "home.drinkware.mugs"),
        ("porte-clés en métal", "souvenirs"),
        ("peluche mascotte", "toys.plush"),
        ("affiche souvenir", "collectibles.posters"),
        ("écharpe supporter", "apparel.scarves"),
    ],
    "de": [
        ("Herren T-Shirt", "apparel.clothing.tops"),
        ("Kapuzenpullover", "apparel.clothing"),
        ("Basecap bestickt", "apparel.headwear"),
        ("Kaffeebecher", "home.drinkware.mugs"),
        ("Schlüsselanhänger", "souvenirs"),
        ("Plüschfigur", "toys.plush"),
        ("Fanschal", "apparel.scarves"),
    ],
    "es": [
        ("camiseta unisex", "apparel.clothing.tops"),
        ("sudadera con capucha", "apparel.clothing"),
        ("gorra bordada", "apparel.headwear"),
        ("taza de cerámica", "home.drinkware.mugs"),
        ("llavero metálico", "souvenirs"),
        ("peluche mascota", "toys.plush"),
    ],
    "pt": [
        ("camiseta masculina", "apparel.clothing.tops"),
        ("caneca de porcelana", "home.drinkware.mugs"),
        ("chaveiro de metal", "souvenirs"),
        ("pelúcia mascote", "toys.plush"),
        ("bandeira de mão", "flags"),
    ],
    "it": [
        ("maglietta uomo", "apparel.clothing.tops"),
        ("felpa con cappuccio", "apparel.clothing"),
        ("tazza in ceramica", "home.drinkware.mugs"),
        ("portachiavi in metallo", "souvenirs"),
        ("peluche mascotte", "toys.plush"),
    ],
    "nl": [("heren t-shirt", "apparel.clothing.tops"), ("sleutelhanger", "souvenirs")],
    "pl": [
        ("koszulka męska", "apparel.clothing.tops"),
        ("kubek ceramiczny", "home.drinkware.mugs"),
        ("brelok metalowy", "souvenirs"),
    ],
    "tr": [("erkek tişört", "apparel.clothing.tops"), ("seramik kupa", "home.drinkware.mugs")],
    "ru": [
        ("футболка мужская", "apparel.clothing.tops"),
        ("кружка керамическая", "home.drinkware.mugs"),
        ("брелок металлический", "souvenirs"),
        ("значок на булавке", "apparel.pins"),
    ],
    "uk": [("футболка чоловіча", "apparel.clothing.tops"), ("магніт на холодильник", "souvenirs")],
    "el": [("μπλουζάκι", "apparel.clothing.tops"), ("κούπα", "home.drinkware.mugs")],
    "zh-Hans": [
        ("纪念T恤", "apparel.clothing.tops"),
        ("陶瓷马克杯", "home.drinkware.mugs"),
        ("钥匙扣挂件", "souvenirs"),
        ("毛绒公仔", "toys.plush"),
        ("纪念徽章", "apparel.pins"),
        ("纪念币", "collectibles.coins"),
    ],
    "zh-Hant": [
        ("紀念T恤", "apparel.clothing.tops"),
        ("馬克杯", "home.drinkware.mugs"),
        ("鑰匙圈", "souvenirs"),
        ("絨毛娃娃", "toys.plush"),
    ],
    "ja": [
        ("Tシャツ", "apparel.clothing.tops"),
        ("マグカップ", "home.drinkware.mugs"),
        ("キーホルダー", "souvenirs"),
        ("ぬいぐるみ", "toys.plush"),
        ("ピンバッジ", "apparel.pins"),
    ],
    "ko": [
        ("반팔 티셔츠", "apparel.clothing.tops"),
        ("머그컵", "home.drinkware.mugs"),
        ("키링", "souvenirs"),
        ("인형", "toys.plush"),
    ],
    "ar": [("تيشيرت رجالي", "apparel.clothing.tops"), ("كوب سيراميك", "home.drinkware.mugs")],
    "hi": [("टी-शर्ट", "apparel.clothing.tops"), ("कॉफ़ी मग", "home.drinkware.mugs")],
    "th": [("เสื้อยืด", "apparel.clothing.tops"), ("แก้วมัค", "home.drinkware.mugs")],
    "id": [("kaos pria", "apparel.clothing.tops"), ("gantungan kunci", "souvenirs")],
    "sv": [("t-shirt herr", "apparel.clothing.tops")],
    "fi": [("t-paita", "apparel.clothing.tops")],
    "cs": [("pánské tričko", "apparel.clothing.tops")],
    "hu": [("férfi póló", "apparel.clothing.tops")],
    "vi": [("áo thun", "apparel.clothing.tops")],
}

# Fan context in English: what makes the Olympic sense plain to a reader.
FAN = [
    "fan merch",
    "supporter gift",
    "summer Games souvenir",
    "winter Games souvenir",
    "Team USA fan",
    "Team GB supporter",
    "gold medal gift",
    "opening ceremony",
    "torch relay souvenir",
    "2024 Games",
    "2028 Games",
    "Paris Games",
    "athletes village",
    "limited edition",
    "unofficial fan design",
    "",
]

# The Olympic words the evasions below disguise (English forms).
WORDS = ["Olympic", "Olympics", "Olympic Games", "Olympian", "Olympiad"]
EDITIONS = [
    ("Paris", "2024"),
    ("Tokyo", "2020"),
    ("Beijing", "2022"),
    ("Milano Cortina", "2026"),
    ("Brisbane", "2032"),
    ("London", "2012"),
    ("Rio", "2016"),
    ("Los Angeles", "2028"),
]


def pick(rng: random.Random, items: Sequence[str]) -> str:
    return items[rng.randrange(len(items))]


def good(rng: random.Random, lang: str = "en") -> tuple[str, str]:
    items = GOODS[lang]
    return items[rng.randrange(len(items))]


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def fan_title(rng: random.Random, mark: str) -> tuple[str, str]:
    """An English fan-goods title around one disguised mark."""
    head, category = good(rng)
    fan = pick(rng, FAN)
    shape = rng.randrange(4)
    if shape == 0:
        title = f"{mark} {head} {fan}"
    elif shape == 1:
        title = f"{upper_first(head)} - {mark} {fan}"
    elif shape == 2:
        title = f"{upper_first(fan)} {mark} {head}".strip()
    else:
        title = f"{mark} {pick(rng, ['2024', '2026', '2028', 'Games'])} {head}"
    return " ".join(title.split()), category


# ---------------------------------------------------------------- evasion classes (flag)


def ev_plain(rng: random.Random) -> tuple[str, str, str]:
    mark = pick(rng, [*WORDS, "Olympic rings", "Olympic Winter Games"])
    return (*fan_title(rng, mark), "en")


SEPARATORS = ["*", "_", "·", "-", ".", " ", "•", "/"]


def spaced(text: str, sep: str) -> str:
    return sep.join(c for c in text if c != " ")


def ev_spaced_latin(rng: random.Random) -> tuple[str, str, str]:
    word = pick(rng, ["OLYMPIC", "Olympic", "OLYMPICS", "olympic", "OLYMPIAN", "Olympique"])
    sep = pick(rng, SEPARATORS)
    mark = spaced(word, sep)
    if rng.random() < 0.3:
        mark += pick(rng, [" Games", " G-A-M-E-S", " 2024", " 2028"])
    title, category = fan_title(rng, mark)
    return title, category, "fr" if word == "Olympique" else "en"


CJK_WORDS = [
    ("奥运会", "zh-Hans"),
    ("奥运", "zh-Hans"),
    ("奥林匹克", "zh-Hans"),
    ("冬奥会", "zh-Hans"),
    ("五环", "zh-Hans"),
    ("奧運會", "zh-Hant"),
    ("奧林匹克", "zh-Hant"),
    ("オリンピック", "ja"),
    ("五輪", "ja"),
    ("올림픽", "ko"),
    ("동계올림픽", "ko"),
]
CJK_SEPARATORS = ["*", "_", "·", "-", ".", " ", "・", "　", "／", "～"]


def ev_spaced_cjk(rng: random.Random) -> tuple[str, str, str]:
    word, lang = CJK_WORDS[rng.randrange(len(CJK_WORDS))]
    sep = pick(rng, CJK_SEPARATORS)
    head, category = good(rng, lang)
    extra = pick(rng, ["2024", "2026", "纪念" if lang == "zh-Hans" else "", "巴黎", ""])
    if lang != "zh-Hans" and extra in ("纪念", "巴黎"):
        extra = ""
    title = " ".join(f"{spaced(word, sep)} {extra} {head}".split())
    return title, category, lang


LEET = {"o": "0", "O": "0", "i": "1", "I": "1", "l": "1", "a": "4", "A": "4", "e": "3"}
LEET_ALT = {"i": "!", "I": "!", "l": "|", "a": "@", "s": "$", "S": "$"}


def ev_leet(rng: random.Random) -> tuple[str, str, str]:
    word = pick(rng, [*WORDS, "OLYMPIC", "OLYMPICS", "Olympic Games", "Paris 2024 Olympics"])
    out = []
    changed = False
    for c in word:
        table = LEET if rng.random() < 0.7 else LEET_ALT
        if c in table and rng.random() < 0.6:
            out.append(table[c])
            changed = True
        else:
            out.append(c)
    mark = "".join(out)
    if not changed:
        mark = "0" + word[1:]
    return (*fan_title(rng, mark), "en")


# Latin letters and the Cyrillic or Greek letters drawn the same.
HOMOGLYPHS = {
    "O": "ОΟ",
    "o": "οо",
    "l": "ӏ",
    "y": "у",
    "p": "р",
    "P": "РΡ",
    "i": "іı",
    "I": "ІΙ",
    "c": "с",
    "C": "СϹ",
    "M": "МΜ",
    "m": "м",
    "a": "а",
    "e": "е",
    "s": "ѕ",
    "Y": "ҮΥ",
}


def ev_homoglyph(rng: random.Random) -> tuple[str, str, str]:
    word = pick(rng, [*WORDS, "OLYMPIC", "OLYMPICS", "Olympic Games Paris"])
    positions = [i for i, c in enumerate(word) if c in HOMOGLYPHS]
    chosen = set(rng.sample(positions, k=min(len(positions), rng.randint(1, 3))))
    mark = "".join(pick(rng, HOMOGLYPHS[c]) if i in chosen else c for i, c in enumerate(word))
    return (*fan_title(rng, mark), "en")


def ev_multi_letter(rng: random.Random) -> tuple[str, str, str]:
    """rn for m, cl for d, vv for w (and VV for W)."""
    options = [
        ("Olympic", "m", "rn"),
        ("Olympics", "m", "rn"),
        ("OLYMPIC", "M", "RN"),
        ("Olympian", "m", "rn"),
        ("Olympiad", "d", "cl"),
        ("Olympiad", "m", "rn"),
        ("Olympic Games", "m", "rn"),
        ("Miraitowa", "w", "vv"),
        ("Bing Dwen Dwen", "w", "vv"),
        ("Wenlock", "W", "VV"),
        ("Milano Cortina 2026", "M", "IVI"),
        ("Olympic Winter Games", "W", "VV"),
        ("Olympisme", "m", "rn"),
    ]
    word, old, new = options[rng.randrange(len(options))]
    mark = word.replace(old, new, 1)
    if word in ("Miraitowa", "Bing Dwen Dwen", "Wenlock"):
        head = pick(rng, ["plush mascot 30cm", "mascot keychain", "mascot figure", "mascot pin"])
        category = "toys.plush" if "plush" in head else "souvenirs"
        return f"{mark} {head} {pick(rng, FAN)}".strip(), category, "en"
    lang = "fr" if word == "Olympisme" else "en"
    return (*fan_title(rng, mark), lang)


def ev_l_i_swap(rng: random.Random) -> tuple[str, str, str]:
    """Capital I for small l and small l for capital I, inside the word."""
    word = pick(rng, ["Olympic", "Olympics", "OLYMPIC", "OLYMPICS", "Olympian", "Olympiad"])
    if "l" in word and (rng.random() < 0.6 or "I" not in word):
        mark = word.replace("l", "I", 1)
    else:
        mark = word.replace("I", "l", 1)
    if rng.random() < 0.3:
        mark = mark.replace("i", "l", 1) if "i" in mark else mark
    return (*fan_title(rng, mark), "en")


# The names people write for mascots whose registered form is longer or spelt otherwise.
MASCOT_NAMES = [
    "Phryge",
    "Phryges",
    "the Phryges",
    "Phryge doll",
    "Bingdwendwen",
    "BingDwenDwen",
    "Bing-Dwen-Dwen",
    "Bing Dun Dun",
    "Dwen Dwen panda",
    "Phryge Paris",
    "les Phryges",
    "Tina the stoat",
    "Tina and Milo",
    "Miraitowa&Someity",
]


def ev_mascot_names(rng: random.Random) -> tuple[str, str, str]:
    name = pick(rng, MASCOT_NAMES)
    head = pick(
        rng,
        [
            "plush toy 25cm",
            "mascot plush",
            "official-style mascot keychain",
            "mascot figure collectible",
            "mascot pin badge",
            "mascot costume",
            "mascot blind box",
        ],
    )
    category = "toys.plush" if "plush" in head else "toys.figures"
    if "pin" in head:
        category = "apparel.pins"
    tail = pick(rng, ["Games mascot", "mascot of the Games", "fan gift", "", "collector's item"])
    return " ".join(f"{name} {head} {tail}".split()), category, "en"


RING_WORDS = [
    "five interlocking rings logo",
    "5 interlocked rings emblem",
    "interlocking rings symbol",
    "five coloured rings emblem",
    "blue yellow black green red rings logo",
    "5-ring Games symbol",
    "five-ring emblem",
    "interlaced circles logo of the Games",
    "Games rings emblem",
    "five rings of the Games print",
]


def ev_rings_words(rng: random.Random) -> tuple[str, str, str]:
    rings = pick(rng, RING_WORDS)
    head, category = good(rng)
    shape = rng.randrange(3)
    if shape == 0:
        title = f"{upper_first(head)} with {rings}"
    elif shape == 1:
        title = f"{upper_first(rings)} {head} {pick(rng, FAN)}"
    else:
        title = (
            f"{upper_first(head)} printed {rings}, {pick(rng, ['2024', '2028', 'summer Games'])}"
        )
    return " ".join(title.split()), category, "en"


def ev_glued(rng: random.Random) -> tuple[str, str, str]:
    word = pick(rng, ["Olympic", "Olympics", "olympic", "OLYMPIC", "Olympian", "Paris2024"])
    glued = pick(
        rng,
        [
            f"official{word}Merch",
            f"#Team{word}Shop",
            f"#{word}Fan",
            f"{word}Store",
            f"the{word}Outlet",
            f"@{word.lower()}gear",
            f"Shop{word}Official",
            f"#{word}2024",
            f"TeamUSA{word}Gear",
            f"{word.lower()}fanzone",
            f"My{word}Collection",
            f"#Go{word}",
        ],
    )
    head, category = good(rng)
    title = pick(rng, [f"{glued} {head}", f"{upper_first(head)} | {glued}", f"{head} {glued} 2024"])
    return title, category, "en"


# Words for the Games in other languages and scripts (with the language's own goods).
TRANSLATIONS: list[tuple[str, str]] = [
    ("jeux olympiques", "fr"),
    ("Jeux Olympiques de Paris", "fr"),
    ("olympique", "fr"),
    ("Olympische Spiele", "de"),
    ("olympisch", "de"),
    ("Juegos Olímpicos", "es"),
    ("olímpico", "es"),
    ("Jogos Olímpicos", "pt"),
    ("Olimpíadas", "pt"),
    ("Giochi Olimpici", "it"),
    ("olimpico", "it"),
    ("Olympische Spelen", "nl"),
    ("igrzyska olimpijskie", "pl"),
    ("olimpijski", "pl"),
    ("olimpiyat oyunları", "tr"),
    ("Олимпийские игры", "ru"),
    ("олимпийский", "ru"),
    ("Олімпійські ігри", "uk"),
    ("Ολυμπιακοί Αγώνες", "el"),
    ("奥运会", "zh-Hans"),
    ("奥林匹克", "zh-Hans"),
    ("奧運", "zh-Hant"),
    ("オリンピック", "ja"),
    ("올림픽", "ko"),
    ("الألعاب الأولمبية", "ar"),
    ("أولمبي", "ar"),
    ("ओलंपिक", "hi"),
    ("โอลิมปิก", "th"),
    ("Olimpiade", "id"),
    ("olympiska spelen", "sv"),
    ("olympialaiset", "fi"),
    ("olympijské hry", "cs"),
    ("olimpiai játékok", "hu"),
    ("Thế vận hội", "vi"),
]


def ev_translation(rng: random.Random) -> tuple[str, str, str]:
    word, lang = TRANSLATIONS[rng.randrange(len(TRANSLATIONS))]
    head, category = good(rng, lang)
    year = pick(rng, ["2024", "2026", "2028", ""])
    title = pick(rng, [f"{head} {word} {year}", f"{word} {year} {head}"])
    return " ".join(title.split()), category, lang


TYPOS = [
    "Olmypic",
    "Olympci",
    "Olymic",
    "Olympc",
    "Olypmic",
    "Olimpic",
    "Olymppic",
    "Olympiks",
    "Olympcs",
    "Olympuc",
    "Olympicks",
    "Olyympic",
    "Oylmpic",
    "Olympix",
    "Olympicss",
    "Olypmics",
    "Olympain",
    "Olmpian",
    "Olympaid",
]


def ev_typo(rng: random.Random) -> tuple[str, str, str]:
    mark = pick(rng, TYPOS)
    if rng.random() < 0.3:
        mark += " Games"
    return (*fan_title(rng, mark), "en")


def ev_edition(rng: random.Random) -> tuple[str, str, str]:
    """An edition's name written otherwise: glued, hyphenated, short year, O for zero."""
    city, year = EDITIONS[rng.randrange(len(EDITIONS))]
    short = {"Los Angeles": "LA", "Milano Cortina": "Milan Cortina"}.get(city, city)
    mark = pick(
        rng,
        [
            f"{city.replace(' ', '')}{year}",
            f"{city.upper()}-{year}",
            f"{short} {year}",
            f"{short}{year[2:]}",
            f"{city} '{year[2:]}",
            f"{city} {year.replace('0', 'O')}",
            f"#{city.replace(' ', '')}{year}",
            f"{city.lower()}_{year}",
        ],
    )
    head, category = good(rng)
    tail = pick(rng, ["Games souvenir", "Games", "fan merch", "opening ceremony", "mascot"])
    return f"{mark} {tail} {head}", category, "en"


MOTTOS = [
    ("Citius Altius Fortius", "la"),
    ("citius-altius-fortius", "la"),
    ("CITIUS • ALTIUS • FORTIUS", "la"),
    ("Citius, Altius, Fortius - Communiter", "la"),
    ("Faster Higher Stronger Together", "en"),
    ("Faster, Higher, Stronger", "en"),
    ("Plus vite plus haut plus fort", "fr"),
    ("更快更高更强更团结", "zh-Hans"),
    ("Schneller höher stärker", "de"),
    ("Más rápido, más alto, más fuerte", "es"),
]


def ev_motto(rng: random.Random) -> tuple[str, str, str]:
    motto, lang = MOTTOS[rng.randrange(len(MOTTOS))]
    head, category = good(rng, lang if lang in GOODS else "en")
    extra = pick(rng, ["Games", "rings", "2024", "", "athlete gift"])
    return " ".join(f"{motto} {extra} {head}".split()), category, lang


INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff"]


def ev_invisible(rng: random.Random) -> tuple[str, str, str]:
    word = pick(rng, [*WORDS, "OLYMPIC", "Paris 2024"])
    cut = rng.randrange(1, len(word))
    mark = word[:cut] + pick(rng, INVISIBLE) + word[cut:]
    if rng.random() < 0.4:
        cut2 = rng.randrange(1, len(mark))
        mark = mark[:cut2] + pick(rng, INVISIBLE) + mark[cut2:]
    return (*fan_title(rng, mark), "en")


ACCENTED = {"O": "ÒÓÔÕÖØŌ", "o": "òóôõöøō", "y": "ýÿŷ", "i": "ìíîïī", "a": "àáâäå", "c": "çć"}


def ev_diacritics(rng: random.Random) -> tuple[str, str, str]:
    """Accents and full-width forms that a reader's eye skips."""
    word = pick(rng, [*WORDS, "OLYMPIC"])
    if rng.random() < 0.3:
        mark = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in word)
    else:
        positions = [i for i, c in enumerate(word) if c in ACCENTED]
        chosen = set(rng.sample(positions, k=min(len(positions), rng.randint(1, 2))))
        mark = "".join(pick(rng, ACCENTED[c]) if i in chosen else c for i, c in enumerate(word))
    return (*fan_title(rng, mark), "en")


RING_EMOJI = ["🔵⚫🔴🟡🟢", "🔵🟡⚫🟢🔴", "⭕⭕⭕⭕⭕", "◯◯◯◯◯", "🔵 ⚫ 🔴 🟡 🟢"]


def ev_rings_drawn(rng: random.Random) -> tuple[str, str, str]:
    rings = pick(rng, RING_EMOJI)
    head, category = good(rng)
    return f"{rings} {head} {pick(rng, FAN)}".strip(), category, "en"


EVASIONS: dict[str, Callable[[random.Random], tuple[str, str, str]]] = {
    "plain": ev_plain,
    "spaced_latin": ev_spaced_latin,
    "spaced_cjk": ev_spaced_cjk,
    "leet": ev_leet,
    "homoglyph": ev_homoglyph,
    "multi_letter": ev_multi_letter,
    "l_i_swap": ev_l_i_swap,
    "mascot_names": ev_mascot_names,
    "rings_words": ev_rings_words,
    "rings_drawn": ev_rings_drawn,
    "glued_affix": ev_glued,
    "translation": ev_translation,
    "typo": ev_typo,
    "edition_variant": ev_edition,
    "motto": ev_motto,
    "invisible": ev_invisible,
    "diacritics": ev_diacritics,
}

# ---------------------------------------------------------------- look-alike kinds (clean)
# Each entry: (pattern with {} slots filled from the lists after it, category, lang).
Kind = list[tuple[str, str, str, list[list[str]]]]

LIFT_WT = ["20kg", "15kg", "10kg", "45lb", "35lb", "2x25kg", "2x10kg", "5kg", "100kg set"]
LOOKALIKES: dict[str, Kind] = {
    "lifting": [
        (
            "Olympic barbell {} 2 inch sleeves, 1500lb rated",
            "sports",
            "en",
            [["20kg", "7ft", "15kg"]],
        ),
        ("Olympic bumper plates {} pair, rubber coated", "sports", "en", [LIFT_WT]),
        ('Cast iron Olympic weight plate {} with 2" hole', "sports", "en", [LIFT_WT]),
        (
            "Olympic hex bar trap bar {} for deadlifts",
            "sports",
            "en",
            [["open", "raised handles", "60 inch"]],
        ),
        ("Olympic EZ curl bar {} chrome", "sports", "en", [["47 inch", "120cm", "with collars"]]),
        (
            "Spring collars for Olympic bars, pair, {}",
            "sports",
            "en",
            [["2 inch", "50mm", "quick release"]],
        ),
        (
            "Olympic plate tree storage rack {}",
            "sports",
            "en",
            [["6 pegs", "with bar holders", "A-frame"]],
        ),
        (
            "Olympic weightlifting shoes {} raised heel",
            "sports",
            "en",
            [["men", "women", "size 42"]],
        ),
        ("Olympia Hantelstange {} 50mm", "sports", "de", [["220cm", "180cm", "20kg"]]),
        ("Olympia Hantelscheiben {} Gusseisen", "sports", "de", [["2x10kg", "2x5kg", "4x2,5kg"]]),
        (
            "Barre olympique {} pour musculation",
            "sports",
            "fr",
            [["20 kg", "220 cm", "15 kg femme"]],
        ),
        ("Disques olympiques {} en caoutchouc", "sports", "fr", [["2x10 kg", "2x20 kg", "bumper"]]),
        ("Barra olímpica {} para levantamiento", "sports", "es", [["20 kg", "2,2 m", "cromada"]]),
        ("Discos olímpicos {} de hierro", "sports", "es", [["2x5 kg", "2x10 kg", "bumper"]]),
        ("Bilanciere olimpico {} con fermi", "sports", "it", [["20 kg", "220 cm", "cromato"]]),
        ("Barra olímpica {} academia", "sports", "pt", [["20kg", "2,20m", "cromada"]]),
        ("Olympische halterstang {} 50 mm", "sports", "nl", [["220 cm", "20 kg"]]),
        ("Gryf olimpijski {} prosty", "sports", "pl", [["220 cm", "20 kg", "180 cm"]]),
        ("Олимпийский гриф {} 50 мм", "sports", "ru", [["20 кг", "220 см", "прямой"]]),
        ("奥杆 {} 杠铃杆 健身房", "sports", "zh-Hans", [["20kg", "2.2米", "15kg女子"]]),
        ("奥林匹克杠铃片 {} 大孔", "sports", "zh-Hans", [["10kg", "20kg", "包胶"]]),
        ("オリンピックシャフト {} バーベル", "sports", "ja", [["220cm", "20kg", "ベアリング"]]),
        ("オリンピックプレート {} ラバー", "sports", "ja", [["10kg", "20kg", "2枚セット"]]),
        ("올림픽 바벨 {} 원판", "sports", "ko", [["20kg", "2.2m", "세트"]]),
    ],
    "shooting": [
        (
            "Olympic trap {} choke tube 12 gauge",
            "sports",
            "en",
            [["improved modified", "full", "light modified"]],
        ),
        (
            "Olympic trap shooting vest {}",
            "apparel.clothing",
            "en",
            [["left hand", "right hand", "mesh"]],
        ),
        (
            "Olympic skeet {} clay targets, box of 150",
            "sports",
            "en",
            [["orange dome", "standard", "ISSF"]],
        ),
        (
            "Clay target thrower for Olympic trap {}",
            "sports",
            "en",
            [["practice", "12 machine layout"]],
        ),
        (
            "Olympic trap {} shotgun cartridges 24g",
            "sports",
            "en",
            [["competition", "7.5 shot", "low recoil"]],
        ),
        ("Fosse olympique {} gilet de tir", "sports", "fr", [["droitier", "gaucher"]]),
        ("Trap olympique {} cartouches 24 g", "sports", "fr", [["compétition", "plomb 7,5"]]),
        ("Fossa olimpica {} strozzatori", "sports", "it", [["set", "Beretta", "cal. 12"]]),
        ("Foso olímpico {} chaleco de tiro", "sports", "es", [["diestro", "zurdo"]]),
        ("Olympia-Trap {} Schießweste", "sports", "de", [["Rechtsschütze", "Linksschütze"]]),
        ("Olympic 10m air pistol {} grip", "sports", "en", [["adjustable", "walnut", "size M"]]),
    ],
    "sport_terms": [
        ("Olympic size swimming pool lane rope {}", "sports", "en", [["25m", "50m", "racing"]]),
        (
            "Olympic distance triathlon {} training plan book",
            "media.books",
            "en",
            [["beginner", "12 week", "age group"]],
        ),
        (
            "Wetsuit for Olympic distance triathlon {}",
            "sports",
            "en",
            [["men", "women", "sleeveless"]],
        ),
        ("Olympic-size pool cover {}", "home", "en", [["solar", "winter", "50x25m"]]),
        ("Bâche pour piscine olympique {}", "home", "fr", [["hiver", "50 m"]]),
        ("Olympic lifting platform {} rubber tiles", "sports", "en", [["8x8ft", "home gym"]]),
        ("Olympic style taekwondo scoring sensor socks {}", "sports", "en", [["size 38", "pair"]]),
        (
            "Triathlon Olympische Distanz {} Trainingsplan",
            "media.books",
            "de",
            [["Einsteiger", "12 Wochen"]],
        ),
        (
            "Olympic distance aquathlon {} race belt",
            "sports",
            "en",
            [["elastic", "with gel loops"]],
        ),
    ],
    "places": [
        (
            "Olympic National Park {} trail map",
            "media",
            "en",
            [["waterproof", "1:100,000", "Hoh rainforest"]],
        ),
        (
            "Olympic Peninsula {} travel guide",
            "media.books",
            "en",
            [["2025", "hiking", "road trip"]],
        ),
        (
            "Olympia, Washington {} vintage postcard",
            "collectibles.posters",
            "en",
            [["capitol", "1950s", "harbor"]],
        ),
        (
            "Olympic Boulevard Los Angeles {} street sign replica",
            "home",
            "en",
            [["metal", "12 inch"]],
        ),
        (
            "Olympic Valley Lake Tahoe {} ski trail map print",
            "collectibles.posters",
            "en",
            [["framed", "A3"]],
        ),
        (
            "Olympia Theatre Dublin {} poster",
            "collectibles.posters",
            "en",
            [["1920s", "vintage", "print"]],
        ),
        (
            "Ancient Olympia {} guidebook",
            "media.books",
            "en",
            [["archaeological site", "museum", "Peloponnese"]],
        ),
        (
            "Olympic Mountains {} watercolor print",
            "collectibles.posters",
            "en",
            [["8x10", "sunset", "Seattle skyline"]],
        ),
        ("Olympia Fields Illinois {} map", "media", "en", [["golf course", "1960"]]),
        (
            "Mount Olympus Greece {} hiking map",
            "media",
            "en",
            [["Anavasi", "1:25,000", "Litochoro"]],
        ),
        ("Carte de randonnée Olympic National Park {}", "media", "fr", [["Washington", "étanche"]]),
        ("Reiseführer Olympic Peninsula {}", "media.books", "de", [["Washington State", "2025"]]),
        ("Αρχαία Ολυμπία {} οδηγός", "media.books", "el", [["αρχαιολογικός", "μουσείο"]]),
        ("Olympia WA {} fridge magnet", "souvenirs", "en", [["capitol dome", "Puget Sound"]]),
    ],
    "brands": [
        (
            "Olympic {} semi-transparent deck stain 1 gallon",
            "home",
            "en",
            [["Maximum", "Elite", "Rescue It"]],
        ),
        ("Olympia Sports {} running shoes", "apparel", "en", [["men's", "women's", "trail"]]),
        ("Olympic Steel {} plate 1/4 inch", "home", "en", [["hot rolled", "A36"]]),
        (
            "Olympia Provisions {} salami",
            "home",
            "en",
            [["saucisson sec", "chorizo", "finocchiona"]],
        ),
        ("Olympia beer {} tin sign", "home", "en", [["It's the Water", "vintage"]]),
        ("Olympia Tools {} hammer", "home", "en", [["16 oz claw", "fiberglass"]]),
        (
            "Olympia Splendid {} portable air conditioner",
            "electronics",
            "it",
            [["Dolceclima", "10 HP", "12000 BTU"]],
        ),
        ("Olympia {} electronic cash register", "electronics", "de", [["CM 942", "CM 911"]]),
        ("Olympia {} Aktenvernichter", "electronics", "de", [["PS 53 CC", "PS 36"]]),
        ("Olympic Eyewear {} sunglasses", "apparel", "en", [["aviator", "polarized"]]),
        ("Olympia luggage {} carry-on", "bags", "en", [["Deluxe", "21 inch"]]),
        ("Olympia Gloves {} work gloves", "apparel", "en", [["cut resistant", "XL"]]),
        ("Olympic Paints {} interior emulsion", "home", "en", [["matt white", "5 litre"]]),
        ("Olympia Tile {} porcelain floor tiles", "home", "en", [["Carrara", "60x60"]]),
    ],
    "cameras_typewriters": [
        ("Olympus OM-D E-M10 Mark IV {}", "electronics", "en", [["body", "14-42mm kit", "silver"]]),
        ("Olympus PEN E-P7 {}", "electronics", "en", [["white", "kit", "body only"]]),
        (
            "Olympus Tough TG-6 {}",
            "electronics",
            "en",
            [["red", "waterproof camera", "underwater housing"]],
        ),
        (
            "Olympus mju II {} 35mm film camera",
            "electronics",
            "en",
            [["black", "tested", "with strap"]],
        ),
        ("Olympus XA2 {} compact film camera", "electronics", "en", [["with A11 flash", "tested"]]),
        ("Olympus M.Zuiko 45mm f/1.8 {}", "electronics", "en", [["black", "lens", "used"]]),
        (
            "Olympus BLS-50 battery {}",
            "electronics.accessories",
            "en",
            [["2 pack", "with charger"]],
        ),
        ("Olympus LS-P5 {} voice recorder", "electronics", "en", [["linear PCM", "kit"]]),
        ("Olympia SM3 {} typewriter", "stationery", "de", [["1958", "Quickstep", "serviced"]]),
        (
            "Olympia Traveller de Luxe {} typewriter ribbon",
            "stationery",
            "en",
            [["black/red", "2 pack"]],
        ),
        ("Olympia Monica {} portable typewriter", "stationery", "en", [["1960s", "with case"]]),
        (
            "Schreibmaschine Olympia {} mit Koffer",
            "stationery",
            "de",
            [["SM9", "Carrera", "Splendid 33"]],
        ),
        ("オリンパス {} ミラーレス一眼", "electronics", "ja", [["OM-D E-M5", "PEN-F", "ボディ"]]),
        ("オリンパス {} 用 バッテリー", "electronics.accessories", "ja", [["BLN-1", "Li-90B"]]),
        ("奥林巴斯 {} 微单相机", "electronics", "zh-Hans", [["E-M10", "PEN-F", "套机"]]),
        ("奧林巴斯 {} 相機", "electronics", "zh-Hant", [["TG-6", "E-PL10"]]),
        ("올림푸스 {} 미러리스 카메라", "electronics", "ko", [["E-M10", "PEN"]]),
        ("Olympus binoculars {}", "electronics", "en", [["8x40 DPS I", "10x50"]]),
    ],
    "mythology_fiction": [
        (
            "The Heroes of Olympus {} paperback",
            "media.books",
            "en",
            [["The Lost Hero", "The Blood of Olympus", "box set"]],
        ),
        (
            "Percy Jackson and the Olympians {} hardcover",
            "media.books",
            "en",
            [["The Lightning Thief", "boxed set"]],
        ),
        (
            "Olympus Mons Mars {} poster",
            "collectibles.posters",
            "en",
            [["topographic", "NASA", "A1"]],
        ),
        ("Zeus king of Mount Olympus {} statue", "home", "en", [["bronze finish", "12 inch"]]),
        ("Olympus Has Fallen {} Blu-ray", "media", "en", [["2013", "steelbook"]]),
        ("Lore Olympus {} volume", "media.books", "en", [["One", "Two", "Three"]]),
        ("The Olympians {} graphic novel", "media.books", "en", [["Zeus", "Athena", "Hera"]]),
        ("Twelve Olympian gods {} tarot deck", "toys", "en", [["Greek", "illustrated"]]),
        ("Gods of Olympus {} board game", "toys", "en", [["expansion", "2-4 players"]]),
        (
            "Les dieux de l'Olympe {} livre illustré",
            "media.books",
            "fr",
            [["mythologie", "enfants"]],
        ),
        ("Die Götter des Olymp {} Sagenbuch", "media.books", "de", [["Kinder", "griechische"]]),
        ("Dioses del Olimpo {} libro", "media.books", "es", [["mitología griega", "ilustrado"]]),
        (
            "Olympia doll from Tales of Hoffmann {} figurine",
            "toys.figures",
            "en",
            [["porcelain", "opera"]],
        ),
        ("奥林匹斯山 {} 希腊神话", "media.books", "zh-Hans", [["众神", "绘本"]]),
    ],
    "academic_olympiads": [
        ("Science Olympiad {} kit", "toys", "en", [["Division B", "Division C", "trajectory"]]),
        (
            "Math Olympiad {} workbook grade 5",
            "media.books",
            "en",
            [["contest problems", "practice"]],
        ),
        (
            "International Mathematical Olympiad {} problems book",
            "media.books",
            "en",
            [["1959-2009", "compendium"]],
        ),
        ("Physics Olympiad {} study guide", "media.books", "en", [["basic", "IPhO"]]),
        ("Chemistry Olympiad {} past papers", "media.books", "en", [["national", "IChO"]]),
        (
            "Olimpiada Matemática {} problemas",
            "media.books",
            "es",
            [["Española", "Argentina", "Mexicana"]],
        ),
        (
            "Olimpíada Brasileira de Matemática {} apostila",
            "media.books",
            "pt",
            [["OBMEP", "nível 1"]],
        ),
        ("Олимпиада по математике {} класс", "media.books", "ru", [["5", "7", "9"]]),
        (
            "Всероссийская олимпиада школьников по {}",
            "media.books",
            "ru",
            [["физике", "химии", "биологии"]],
        ),
        ("小学奥数 {} 举一反三", "media.books", "zh-Hans", [["三年级", "五年级", "全套"]]),
        ("数学奥林匹克 {} 教程", "media.books", "zh-Hans", [["初中", "高中", "小学"]]),
        ("化学奥林匹克竞赛 {} 真题", "media.books", "zh-Hans", [["全国", "高中"]]),
        ("算数オリンピック {} 問題集", "media.books", "ja", [["過去問", "小学4年"]]),
        ("数学オリンピック {} 傑作選", "media.books", "ja", [["ジュニア", "日本"]]),
        ("수학 올림피아드 {} 문제집", "media.books", "ko", [["초등", "중등"]]),
        ("Mathematik-Olympiade {} Aufgaben", "media.books", "de", [["Klasse 5", "Lösungen"]]),
        (
            "Olympiades de mathématiques {} annales",
            "media.books",
            "fr",
            [["première", "académiques"]],
        ),
        (
            "Olimpiadi di matematica {} esercizi",
            "media.books",
            "it",
            [["giochi di Archimede", "triennio"]],
        ),
        ("أولمبياد الرياضيات {} كتاب", "media.books", "ar", [["للمرحلة الابتدائية", "تمارين"]]),
        ("Olimpiade Matematika SD {}", "media.books", "id", [["kelas 6", "soal"]]),
        ("Olimpiada Matematyczna {} zadania", "media.books", "pl", [["Juniorów", "LXX"]]),
        ("Bilim Olimpiyatları {} soru bankası", "media.books", "tr", [["matematik", "TÜBİTAK"]]),
        ("Informatics Olympiad {} coding book", "media.books", "en", [["IOI", "USACO prep"]]),
    ],
    "clubs": [
        (
            "Olympique de Marseille {} home shirt",
            "apparel.clothing.tops",
            "fr",
            [["2024/25", "enfant", "Puma"]],
        ),
        ("Olympique Lyonnais {} écharpe", "apparel.scarves", "fr", [["OL", "tricotée"]]),
        ("Olympiacos Piraeus {} jersey", "apparel.clothing.tops", "en", [["home", "away", "2023"]]),
        ("Olympiakos {} scarf", "apparel.scarves", "en", [["Thrylos", "red white"]]),
        ("EA7 Olimpia Milano {} canotta", "apparel.clothing.tops", "it", [["basket", "replica"]]),
        ("Club Olimpia Asunción {} camiseta", "apparel.clothing.tops", "es", [["titular", "2024"]]),
        ("NK Olimpija Ljubljana {} dres", "apparel.clothing.tops", "sl", [["domači", "2023"]]),
        (
            "The Olympic Club San Francisco {} golf towel",
            "sports",
            "en",
            [["Lake Course", "embroidered"]],
        ),
        ("Olympique de Marseille OM {} mug", "home.drinkware.mugs", "fr", [["logo", "supporter"]]),
        (
            "Olympique Lyonnais {} maillot domicile",
            "apparel.clothing.tops",
            "fr",
            [["2024-2025", "adidas"]],
        ),
        ("Olympiacos BC {} basketball", "sports", "en", [["size 7", "signed"]]),
    ],
    "generic_rings": [
        (
            "The Book of Five Rings {} Miyamoto Musashi",
            "media.books",
            "en",
            [["paperback", "illustrated", "new translation"]],
        ),
        ("五輪書 宮本武蔵 {}", "media.books", "ja", [["文庫", "現代語訳"]]),
        ("Gymnastic rings {} with adjustable straps", "sports", "en", [["wooden", "28mm", "ABS"]]),
        (
            "Set of five stacking rings {}",
            "apparel.jewelry",
            "en",
            [["gold plated", "sterling silver", "thin"]],
        ),
        ("Five rings stacking toy {} for toddlers", "toys", "en", [["rainbow", "wooden"]]),
        ("Ring toss game {} five rings", "toys", "en", [["garden", "kids"]]),
        ("Onion rings {} batter mix", "home", "en", [["crispy", "500g"]]),
        ("Tree rings {} wall art", "collectibles.posters", "en", [["wood slice", "print"]]),
        ("Saturn rings {} night light", "home", "en", [["planet", "USB"]]),
        (
            "Five-ring binder {} with dividers",
            "stationery",
            "en",
            [["A4", "2 inch", "letter size"]],
        ),
        ("北京五环路 {} 交通地图", "media", "zh-Hans", [["2024版", "折叠"]]),
        ("五环外 {} 房产指南", "media.books", "zh-Hans", [["北京", "2023"]]),
        ("Lord of the Rings {} box set", "media.books", "en", [["hardcover", "illustrated"]]),
        ("Five gold rings {} Christmas ornament", "home", "en", [["twelve days", "glass"]]),
        ("Key rings split {} pack of 5", "souvenirs", "en", [["25mm", "stainless"]]),
        ("Fünf Ringe {} Steckspiel Holz", "toys", "de", [["Kinder", "bunt"]]),
        ("Anneaux de gymnastique {} bois", "sports", "fr", [["28 mm", "sangles"]]),
    ],
    "people_names": [
        ("Olympia Dukakis {} DVD", "media", "en", [["Moonstruck", "Steel Magnolias"]]),
        (
            "Olympe de Gouges {} livre",
            "media.books",
            "fr",
            [["Déclaration des droits de la femme", "biographie"]],
        ),
        ("Olimpia Zagnoli {} art print", "collectibles.posters", "it", [["riso", "A3"]]),
        (
            "Personalised name necklace Olympia {}",
            "apparel.jewelry",
            "en",
            [["gold", "script font"]],
        ),
        ("Olympia Le-Tan {} book clutch", "bags", "fr", [["embroidered", "vintage"]]),
        (
            "Manet Olympia {} canvas print",
            "collectibles.posters",
            "en",
            [["1863", "museum quality"]],
        ),
        ("Tina Turner {} vinyl LP", "media", "en", [["Private Dancer", "Greatest Hits"]]),
        (
            "Millie Bobby Brown {} poster",
            "collectibles.posters",
            "en",
            [["Enola Holmes", "signed print"]],
        ),
        ("Olly Murs {} CD", "media", "en", [["Marry Me", "24 Hrs"]]),
        ("Syd Barrett {} vinyl", "media", "en", [["The Madcap Laughs", "Barrett"]]),
        ("Vinicius Jr {} Real Madrid shirt", "apparel.clothing.tops", "en", [["7", "home 2024"]]),
        ("Athena goddess {} statue", "home", "en", [["owl", "marble finish"]]),
        ("Olympia name {} keychain", "souvenirs", "en", [["personalised", "engraved"]]),
        ("Tina {} personalised mug", "home.drinkware.mugs", "en", [["name", "birthday"]]),
        ("Millie {} name bracelet", "apparel.jewelry", "en", [["silver", "kids"]]),
    ],
    "city_year": [
        ("Paris {} wall calendar", "stationery", "en", [["2023", "2025", "2027"]]),
        ("Tokyo {} travel guide", "media.books", "en", [["2019", "2023", "2025"]]),
        ("London {} A-Z street map", "media", "en", [["2011", "2013", "2019"]]),
        ("Los Angeles {} marathon finisher tee", "apparel.clothing.tops", "en", [["2023", "2025"]]),
        ("Beijing {} travel map", "media", "en", [["2019", "2024"]]),
        ("Milano {} agenda settimanale", "stationery", "it", [["2025", "2027"]]),
        ("Brisbane {} calendar", "stationery", "en", [["2025", "2030"]]),
        ("Sydney {} New Year fireworks photo book", "media.books", "en", [["2019", "2023"]]),
        ("Rio {} carnival costume", "apparel", "pt", [["2023", "2025"]]),
        ("Athens {} city guide", "media.books", "en", [["2023", "2025"]]),
        ("Paris {} guide du routard", "media.books", "fr", [["2023", "2025"]]),
        ("東京 {} 観光ガイド", "media.books", "ja", [["2023", "2025"]]),
    ],
}


# What sellers add after a title, by language (empty: nothing added).
SUFFIXES: dict[str, list[str]] = {
    "en": [
        "",
        "",
        "new",
        "used",
        "free shipping",
        "UK seller",
        "fast dispatch",
        "gift idea",
        "2 pack",
        "brand new in box",
        "vintage",
        "NIB",
    ],
    "fr": ["", "", "neuf", "occasion", "livraison gratuite", "lot de 2"],
    "de": ["", "", "neu", "gebraucht", "OVP", "versandkostenfrei"],
    "es": ["", "", "nuevo", "usado", "envío gratis"],
    "it": ["", "", "nuovo", "usato", "spedizione gratuita"],
    "pt": ["", "", "novo", "usado", "frete grátis"],
    "ru": ["", "", "новый", "б/у", "доставка"],
    "zh-Hans": ["", "", "正品", "包邮", "新款"],
    "zh-Hant": ["", "", "現貨", "免運"],
    "ja": ["", "", "新品", "中古", "送料無料"],
    "ko": ["", "", "새상품", "무료배송"],
}


def lookalike(rng: random.Random, kind: str) -> tuple[str, str, str]:
    pattern, category, lang, slots = LOOKALIKES[kind][rng.randrange(len(LOOKALIKES[kind]))]
    title = pattern.format(*(pick(rng, s) for s in slots))
    suffix = pick(rng, SUFFIXES.get(lang, [""]))
    if suffix:
        title = (
            f"{title} {pick(rng, ['-', '|', ','])} {suffix}"
            if rng.random() < 0.5
            else f"{title} {suffix}"
        )
    return " ".join(title.split()), category, lang


# ---------------------------------------------------------------- writing


def generated(seed: int = SEED) -> list[Row]:
    """Every generated row, deterministic for a seed; duplicates dropped."""
    rng = random.Random(seed)
    rows: list[Row] = []
    seen: set[str] = set()
    for cls, make in EVASIONS.items():
        for _ in range(PER_CLASS_OVERRIDE.get(cls, PER_CLASS)):
            title, category, lang = make(rng)
            if title not in seen:
                seen.add(title)
                rows.append((title, category, "flag", cls, lang, f"gen:evasion:{cls}"))
    for kind in LOOKALIKES:
        for _ in range(PER_KIND):
            title, category, lang = lookalike(rng, kind)
            if title not in seen:
                seen.add(title)
                rows.append((title, category, "clean", kind, lang, f"gen:lookalike:{kind}"))
    return rows


def read_rows(path: Path = LISTINGS) -> list[Row]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines and tuple(lines[0].split("\t")) != HEADER:
        raise SystemExit(f"{path}: unexpected header {lines[0]!r}")
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != len(HEADER):
            raise SystemExit(f"{path}:{n}: expected {len(HEADER)} columns, got {len(cells)}")
        rows.append(tuple(cells))
    return rows  # type: ignore[return-value]


def render(rows: Iterable[Row]) -> str:
    for row in rows:
        for cell in row:
            if "\t" in cell or "\n" in cell:
                raise ValueError(f"tab or newline in {row!r}")
    return "\n".join("\t".join(r) for r in [HEADER, *rows]) + "\n"


def replace_rows(prefix: str, new: list[Row], path: Path = LISTINGS) -> str:
    """The file's text with the rows whose source starts with ``prefix`` replaced by
    ``new``: real titles first, then generated ones."""
    kept = [r for r in read_rows(path) if not r[5].startswith(prefix)]
    rows = kept + new
    rows.sort(key=lambda r: 0 if r[5].startswith("real:") else 1)
    return render(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    text = replace_rows("gen:", generated(args.seed))
    if args.check:
        if LISTINGS.read_text(encoding="utf-8") != text:
            print(f"{LISTINGS} is not what the generator writes; run it", file=sys.stderr)
            return 1
        return 0
    LISTINGS.write_text(text, encoding="utf-8")
    rows = read_rows()
    print(f"{len(rows):,} rows; {sum(r[5].startswith('gen:') for r in rows):,} generated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
