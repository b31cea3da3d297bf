"""How the screening engine on the path treats the labelled rows: flagged share per label and kind.

    PYTHONPATH=src python training/sense/baseline.py [train|dev]

A row is flagged when its verdict is not ``clean``. For ``olympic`` rows that is recall; for
``other`` rows it is the false-flag rate the sense stage has to bring down. ``text`` is split at
the first " | " into title and description, as a listing would carry them.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

from ringfence.screening.engine import Engine, Listing

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    split = argv[0] if argv else "dev"
    if split not in {"train", "dev"}:
        print("usage: baseline.py [train|dev]", file=sys.stderr)
        return 2
    engine = Engine.builtin()
    with (HERE / f"{split}.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    verdicts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for n, row in enumerate(rows):
        title, _, description = row["text"].partition(" | ")
        verdict = engine.screen(Listing(str(n), "baseline", title, description)).verdict
        verdicts[(row["label"], row["kind"])][verdict] += 1
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    print(f"{split}: {len(rows)} rows")
    for (label, kind), counts in sorted(verdicts.items()):
        total = sum(counts.values())
        totals[label].update(counts)
        flagged = (total - counts["clean"]) / total
        print(f"  {label:8} {kind:14} {total:5}  flagged {flagged:6.1%}")
    for label, counts in sorted(totals.items()):
        total = sum(counts.values())
        print(f"  {label:8} {'all':14} {total:5}  flagged {(total - counts['clean']) / total:6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
