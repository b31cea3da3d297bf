"""Import the real public product titles of the held-out set (run once, by hand).

The sources are read from local snapshots of their repositories (see SOURCES.md for each
origin, commit and licence); nothing is fetched here. Every title goes into ``listings.tsv``
with ``expected`` from ``REVIEWED`` when it was read and labelled there, else ``clean`` /
``ordinary``: titles that match ``CANDIDATE`` (any spelling, script or mascot name near an
Olympic property) or that the engine flags were each read by hand and are in ``REVIEWED``;
the rest were labelled ordinary after reading random samples of each source.

    python tests/screening/sense_test/import_real.py SHOPEE_DIR TOROB_DIR EBAY_DIR
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import LISTINGS, Row, replace_rows

# Broad on purpose: anything a reader should look at before calling a title ordinary.
CANDIDATE = re.compile(
    r"olymp|olimp|olump|0lymp|олимп|奥林|奧林|奥运|奧運|奥運|五环|五環|五輪|オリンピ|올림|"
    r"أولمب|اولمپ|المپ|ring|phryge|miraitowa|soohorang|wenlock|mandeville|冰墩墩|bing ?dwen|"
    r"福娃|fuwa|quatchi|sumi|miga|vinicius|\bjo\b|paris ?2024|tokyo ?2020|東京2020|la ?28|"
    r"beijing ?20(08|22)|北京20|london ?2012|citius|fortius|torch|火炬|聖火|圣火|medal|奖牌|獎牌",
    re.IGNORECASE,
)

# title -> (expected, cls, category): every candidate title, read and labelled by hand.
# Candidates not listed here were read and found to be ordinary (the word "ring", "medal" or
# "JO" in an unrelated sense: a key ring, a ring light, a tennis medal-free product, ...).
REVIEWED: dict[str, tuple[str, str, str]] = {
    "奧運會賽場精采瞬間(3)DVD 柔道篇": ("flag", "translation", "media"),
    "Olympus LI-90B/LI90B/LI-92B/LI92B/TG1/TG2/TG3/TG4/ 相機電池": (
        "clean",
        "cameras_typewriters",
        "electronics.accessories",
    ),
}

# Read and set aside: the truth cannot be settled from the title alone.
EXCLUDED = {
    # "Olympic Sport" here reads as a shop's name on a denim jacket; whether it is a licensed
    # name or an unlicensed use cannot be told from the title.
    "کت لی خز دار ذغالی المپیک - اسپورت",
}


def shopee(root: Path) -> list[tuple[str, str, str]]:
    rows = []
    for name in ("test_tcn.csv", "dev_tcn.csv"):
        with (root / "datasets" / name).open(encoding="utf-8-sig", newline="") as f:
            rows += [(r["text"], "zh-Hant", f"shopee-tcn:{name}") for r in csv.DictReader(f)]
    return rows


def torob(root: Path) -> list[tuple[str, str, str]]:
    rows = []
    for name in ("torob_train.csv", "torob_test.csv"):
        with (root / "data" / name).open(encoding="utf-8-sig", newline="") as f:
            rows += [(r["name1"], "fa", f"torob:{name}") for r in csv.DictReader(f)]
    return rows


def ebay(root: Path) -> list[tuple[str, str, str]]:
    rows = []
    for name in ("train_tab.txt", "test_tab.txt"):
        tokens: list[str] = []
        for line in [*(root / name).read_text(encoding="utf-8").splitlines(), ""]:
            if line.strip():
                tokens.append(line.split("\t")[0])
            elif tokens:
                rows.append((" ".join(tokens), "de", f"ebay-de-ner:{name}"))
                tokens = []
    return rows


def clean_title(title: str) -> str:
    return " ".join(title.replace("\t", " ").split())


def main() -> None:
    shopee_dir, torob_dir, ebay_dir = (Path(a) for a in sys.argv[1:4])
    seen: set[str] = set()
    out: list[Row] = []
    for raw, lang, source in shopee(shopee_dir) + torob(torob_dir) + ebay(ebay_dir):
        title = clean_title(raw)
        if not title or title.casefold() in seen or title in EXCLUDED:
            continue
        seen.add(title.casefold())
        expected, cls, category = REVIEWED.get(title, ("clean", "ordinary", ""))
        out.append((title, category, expected, cls, lang, "real:" + source))
    LISTINGS.write_text(replace_rows("real:", out), encoding="utf-8")
    print(len(out), "real titles;", sum(r[2] == "flag" for r in out), "flag")


if __name__ == "__main__":
    main()
