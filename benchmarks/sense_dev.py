"""The shipped sense model on the development set (training/sense/dev.tsv), per kind, beside the
engine without the sense stage, in the same run (issue 16).

Each dev title is screened by the whole engine (built-in registry, a seller without a licence)
with and without the shipped model. Flagged = ``review`` or ``infringing``, with Wilson 95%
intervals; "not read" = no mention the model reads (none found, a form it does not read, or
inside a registry exception). The dev set chose the thresholds: these figures are not a test
of the model (the held-out test set, built apart, is).

    .venv/bin/python benchmarks/sense_dev.py [--no-write]
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from docs_section import write_section
from ringfence.screening.engine import INFRINGING, REVIEW, Engine, Listing
from ringfence.screening.index import builtin_data
from ringfence.screening.sense import SenseModel
from ringfence.screening.sense_train import read_examples, wilson

DEV = Path(__file__).resolve().parent.parent / "training" / "sense" / "dev.tsv"
SCREENING_DOC = Path(__file__).resolve().parent.parent / "docs" / "screening.md"
FLAGGED = (INFRINGING, REVIEW)


def share(k: int, n: int) -> str:
    low, high = wilson(k, n)
    return f"{k}/{n} = {k / n:.3f} [{low:.3f}, {high:.3f}]" if n else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    data = builtin_data()
    if data.sense is None:
        raise SystemExit("this build ships no sense model")
    model = SenseModel.from_json(data.sense)
    with_model, without = Engine(data, compiled=False), Engine(replace(data, sense=None))
    rows: dict[tuple[str, str], list[tuple[str, str, bool]]] = {}
    for e in read_examples(DEV):
        listing = Listing("dev", "dev", e.text)
        found = with_model.candidates(listing) or []
        read = any(model.reads(x[1]) for x in with_model.sense_inputs(listing, found))
        rows.setdefault((e.label, e.kind), []).append(
            (with_model.screen(listing).verdict, without.screen(listing).verdict, read)
        )
    lines = [
        f"Model: {model.examples:,} training mentions, data `{model.data_digest[:12]}`, "
        f"thresholds review {model.review:.2f}, infringing {model.infringing:.2f}.",
        "",
        "| label | kind | n | flagged with the model [Wilson 95%] | infringing | "
        "flagged without | not read |",
        "|---|---|---|---|---|---|---|",
    ]
    totals: dict[str, list[int]] = {}
    for (label, kind), vs in sorted(rows.items()):
        n = len(vs)
        flagged = sum(v in FLAGGED for v, _, _ in vs)
        infringing = sum(v == INFRINGING for v, _, _ in vs)
        before = sum(b in FLAGGED for _, b, _ in vs)
        unread = sum(not r for _, _, r in vs)
        t = totals.setdefault(label, [0, 0, 0, 0, 0])
        for k, x in enumerate((n, flagged, infringing, before, unread)):
            t[k] += x
        lines.append(
            f"| {label} | {kind} | {n} | {share(flagged, n)} | {infringing} | "
            f"{share(before, n)} | {unread} |"
        )
    for label, (n, flagged, infringing, before, unread) in sorted(totals.items()):
        lines.append(
            f"| **{label}** | **all** | {n} | {share(flagged, n)} | {infringing} | "
            f"{share(before, n)} | {unread} |"
        )
    print("\n".join(lines))
    if not args.no_write:
        write_section("sense-dev", lines, SCREENING_DOC)


if __name__ == "__main__":
    main()
