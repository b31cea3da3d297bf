"""Issue 16: the sense model's training and development data (training/sense/)."""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "training" / "sense"
HEADER = ["text", "mark", "label", "lang", "kind", "source"]
RESERVED = (
    "Yannooh/Products",
    "sonalkulk/Shack-labs-Pre-internship-test",
    "gracious7/merge-and-trim-csv",
    "michaeljharris/Programming_Basics_ML_Asn1_Students",
    "megagonlabs/ditto",
    "PhantomGrapes/MultiDigraphNER",
    "jonavicius-marcio/desafio_2",
    "tongplw/dummy",
    "faris-afk/online-summer-apparel-sales-analysis",
    "yanqiangmiffy/Product-Entity-Recognition",
)


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"sense_{name}", DATA / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _rows(split: str) -> list[dict[str, str]]:
    with (DATA / f"{split}.tsv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _marks() -> set[str]:
    path = ROOT / "src" / "ringfence" / "registry" / "data" / "marks.tsv"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return {ln.split("\t")[0] for ln in lines[1:]}


def _sources_md() -> str:
    return (DATA / "SOURCES.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("split", ["train", "dev"])
def test_i16_header_and_fields(split: str) -> None:
    first = (DATA / f"{split}.tsv").read_text(encoding="utf-8").splitlines()[0]
    assert first.split("\t") == HEADER
    rows = _rows(split)
    assert len(rows) > 500
    marks = _marks()
    for row in rows:
        assert None not in row.values(), row  # six fields on every line
        assert row["text"].strip() == row["text"]
        assert row["text"]
        assert row["label"] in {"olympic", "other"}, row
        assert row["mark"] in marks, row
        assert re.fullmatch(r"[a-z]{2}", row["lang"]), row
        assert row["kind"], row
        if row["label"] == "other":
            assert row["kind"] != "plain", row


def test_i16_every_source_is_listed_in_sources_md() -> None:
    listed = set(re.findall(r"^\| `([a-z0-9_]+)` \|", _sources_md(), flags=re.MULTILINE))
    used = {row["source"] for split in ("train", "dev") for row in _rows(split)}
    assert used
    assert used <= listed, used - listed
    raw = {p.stem for p in (DATA / "raw").glob("*.tsv")}
    assert raw <= listed, raw - listed


def test_i16_every_kind_is_documented() -> None:
    documented = set(re.findall(r"`([a-z-]+)`", _sources_md()))
    kinds = {row["kind"] for split in ("train", "dev") for row in _rows(split)}
    assert kinds <= documented, kinds - documented


def test_i16_no_text_in_both_train_and_dev() -> None:
    train = {row["text"] for row in _rows("train")}
    dev = {row["text"] for row in _rows("dev")}
    assert train
    assert dev
    assert not train & dev


def test_i16_dev_templates_are_not_training_templates() -> None:
    gen = _load("generate")
    rows = gen.generate()
    train_templates = {
        r.template for r in rows if gen.frame_split(int(r.template.split("-")[1])) == "train"
    }
    dev_templates = {
        r.template for r in rows if gen.frame_split(int(r.template.split("-")[1])) == "dev"
    }
    assert dev_templates
    assert not train_templates & dev_templates
    # a held-out item never appears in a training template
    assert all(
        gen.frame_split(int(r.template.split("-")[1])) == "dev"
        for r in rows
        if r.item_split == "dev"
    )


def test_i16_real_sources_go_whole_to_one_split() -> None:
    train = {row["source"] for row in _rows("train")}
    dev = {row["source"] for row in _rows("dev")}
    assert (train & dev) == {"gen"}


def test_i16_generator_is_deterministic() -> None:
    gen = _load("generate")
    assert gen.generate() == gen.generate()
    assert gen.generate(seed=1) != gen.generate()


def test_i16_build_reproduces_the_committed_files() -> None:
    build = _load("build")
    built = build.build()
    for split in ("train", "dev"):
        committed = (DATA / f"{split}.tsv").read_text(encoding="utf-8")
        assert build.render(built[split]) == committed, f"{split}.tsv differs from a rebuild"


def test_i16_no_reserved_source() -> None:
    sources = {row["source"].lower() for split in ("train", "dev") for row in _rows(split)}
    text = _sources_md()
    for repo in RESERVED:
        owner, name = repo.lower().split("/")
        assert not any(owner in s or name in s for s in sources), repo
        # SOURCES.md may name the reserved list only to say it was not used
        for line in text.splitlines():
            if repo.lower() in line.lower():
                assert "reserved" in line.lower(), line


def test_i16_every_kind_has_enough_rows() -> None:
    counts: dict[str, int] = {}
    for split in ("train", "dev"):
        for row in _rows(split):
            counts[row["kind"]] = counts.get(row["kind"], 0) + 1
    thin = {k: n for k, n in counts.items() if n < 50}
    assert not thin, thin
    labels = {row["label"] for row in _rows("dev")}
    assert labels == {"olympic", "other"}
