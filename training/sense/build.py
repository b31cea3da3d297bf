"""Rebuild training/sense/train.tsv and dev.tsv from raw/, the registry and generate.py (issue 16).

    python training/sense/build.py            # writes train.tsv and dev.tsv beside this file
    python training/sense/build.py --check    # exit 1 if the committed files differ from a rebuild
    python training/sense/build.py --stats    # rows per split, label and kind

Sources (each id is described in SOURCES.md, with its origin, commit and licence):
- real titles labelled by reading: one raw/<source>.tsv per source; a whole source goes to one
  split (REAL_SPLIT below), so dev measures titles from a sample the model never saw;
- ``registry``: the registry's marks and exceptions (src/ringfence/registry/data), training only;
- ``gen``: generate.py's titles; a row goes to dev when its template (language and frame) is a
  held-out one, and a held-out item only ever meets held-out templates.
A text that lands in both splits is kept in train and dropped from dev; one text with two labels
is an error. The output is sorted, so a rebuild is byte for byte the same file.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
REGISTRY = ROOT / "src" / "ringfence" / "registry" / "data"
HEADER = ("text", "mark", "label", "lang", "kind", "source")
LABELS = frozenset({"olympic", "other"})

# real sources: raw file stem -> split
REAL_SPLIT = {
    "off_lifyzer": "train",
    "goodbooks10k": "dev",
    "cameradb": "dev",
}

# registry exception reason -> look-alike kind, with per-text overrides
REASON_KIND = {
    "education": "olympiad",
    "place_name": "place",
    "mythology": "myth",
    "grandfathered_brand": "company",
    "generic_term": "lifting",
    "football_club": "club",
}
TEXT_KIND = {"Olympic-size pool": "pool", "Olympic-sized swimming pool": "pool"}
REGISTRY_LANG = {"zh-Hans": "zh", "zh-Hant": "zh"}
# mark kinds whose bare text is a title of its own; mascots get a mascot context instead
BARE_MARK_KINDS = frozenset({"word", "phrase", "symbol", "motto", "edition_name"})


@dataclass(frozen=True, slots=True, order=True)
class Example:
    text: str
    mark: str
    label: str
    lang: str
    kind: str
    source: str

    def as_row(self) -> tuple[str, ...]:
        return (self.text, self.mark, self.label, self.lang, self.kind, self.source)


def _read_tsv(path: Path) -> list[dict[str, str]]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def real_examples() -> dict[str, list[Example]]:
    out: dict[str, list[Example]] = {"train": [], "dev": []}
    raw = HERE / "raw"
    stems = sorted(p.stem for p in raw.glob("*.tsv"))
    unknown = set(stems) ^ set(REAL_SPLIT)
    if unknown:
        raise SystemExit(f"raw files and REAL_SPLIT disagree: {sorted(unknown)}")
    for stem in stems:
        for rec in _read_tsv(raw / f"{stem}.tsv"):
            out[REAL_SPLIT[stem]].append(
                Example(
                    _clean(rec["text"]),
                    rec["mark"],
                    rec["label"],
                    rec["lang"],
                    rec["kind"],
                    stem,
                )
            )
    return out


def registry_examples() -> list[Example]:
    rows: list[Example] = []
    for rec in _read_tsv(REGISTRY / "exceptions.tsv"):
        kind = TEXT_KIND.get(rec["text"], REASON_KIND[rec["reason"]])
        lang = "zh" if any("\u4e00" <= c <= "\u9fff" for c in rec["text"]) else "en"
        if any("\u0400" <= c <= "\u04ff" for c in rec["text"]):
            lang = "ru"
        for text in (rec["text"], f"{rec['text']} | {rec['note']}"):
            rows.append(Example(_clean(text), rec["mark"], "other", lang, kind, "registry"))
    for rec in _read_tsv(REGISTRY / "marks.tsv"):
        lang = REGISTRY_LANG.get(rec["lang"], rec["lang"])
        if rec["kind"] in BARE_MARK_KINDS:
            rows.append(
                Example(_clean(rec["text"]), rec["mark"], "olympic", lang, "plain", "registry")
            )
        elif rec["kind"] == "mascot":
            edition = rec["edition"].replace("-", " ").title()
            text = f"{rec['text']} mascot plush {edition}"
            rows.append(Example(_clean(text), rec["mark"], "olympic", lang, "plain", "registry"))
    return rows


def _load_generator() -> ModuleType:
    """generate.py beside this file, under a name no other module on sys.path can shadow."""
    name = "ringfence_training_sense_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "generate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {HERE / 'generate.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def generated_examples() -> dict[str, list[Example]]:
    generate = _load_generator()
    out: dict[str, list[Example]] = {"train": [], "dev": []}
    for row in generate.generate():
        split = generate.frame_split(int(row.template.split("-")[1]))
        if row.item_split != split:
            raise SystemExit(f"item and template disagree on the split: {row}")
        out[split].append(Example(row.text, row.mark, row.label, row.lang, row.kind, "gen"))
    return out


def build() -> dict[str, list[Example]]:
    real = real_examples()
    gen = generated_examples()
    splits = {
        "train": real["train"] + registry_examples() + gen["train"],
        "dev": real["dev"] + gen["dev"],
    }
    labels: dict[str, str] = {}
    result: dict[str, list[Example]] = {}
    train_texts: set[str] = set()
    for name in ("train", "dev"):
        seen: dict[str, Example] = {}
        for ex in splits[name]:
            if ex.label not in LABELS:
                raise SystemExit(f"bad label {ex.label!r} in {ex}")
            if not ex.text:
                continue
            known = labels.setdefault(ex.text, ex.label)
            if known != ex.label:
                raise SystemExit(f"one text, two labels: {ex.text!r}")
            if name == "dev" and ex.text in train_texts:
                continue  # dev holds only texts the training rows do not
            seen.setdefault(ex.text, ex)
        result[name] = sorted(seen.values(), key=_order)
        train_texts = {e.text for e in result["train"]}
    return result


def _order(ex: Example) -> tuple[str, ...]:
    return (ex.source, ex.label, ex.kind, ex.lang, ex.text)


def render(examples: list[Example]) -> str:
    buf = io.StringIO()
    buf.write("\t".join(HEADER) + "\n")
    for ex in examples:
        buf.write("\t".join(ex.as_row()) + "\n")
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files")
    parser.add_argument("--stats", action="store_true", help="print rows per split, label, kind")
    args = parser.parse_args(argv)
    built = build()
    if args.stats:
        for name, examples in built.items():
            counts = Counter((e.label, e.kind) for e in examples)
            langs = Counter(e.lang for e in examples)
            sources = Counter(e.source for e in examples)
            print(f"{name}: {len(examples)} rows; sources {dict(sorted(sources.items()))}")
            print("  languages: " + ", ".join(f"{k} {v}" for k, v in sorted(langs.items())))
            for (label, kind), n in sorted(counts.items()):
                print(f"  {label:8} {kind:14} {n}")
        return 0
    status = 0
    for name, examples in built.items():
        path = HERE / f"{name}.tsv"
        text = render(examples)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path.name} differs from a rebuild", file=sys.stderr)
                status = 1
        else:
            path.write_text(text, encoding="utf-8")
            print(f"{path.name}: {len(examples)} rows")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
