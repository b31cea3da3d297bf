"""The sense stage's cost per candidate (issue 16), on one core.

Listings that all carry a candidate mention the model reads (a mark word with generated
context: look-alike and Olympic product words, evasions), screened one by one with
``Engine.screen`` by the same index with and without the shipped sense model, in the same
run, interleaved; the best of ``--repeats`` kept. Reported: µs per listing each way, the
difference (the sense stage per candidate listing), and ``SenseModel.predict`` alone per
mention. The stage runs only on rows with a candidate: the compiled prefilter still clears
the clean majority, so its share of end-to-end throughput is this cost times the share of
rows with a candidate (about 2% in ``screen_throughput.py``'s corpus).

    .venv/bin/python benchmarks/sense_cost.py [--rows 5000] [--repeats 3] [--no-write]
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import date

from docs_section import publish
from ringfence.screening.engine import Engine, Listing
from ringfence.screening.index import builtin_data

SEED = 16
TODAY = date(2026, 6, 1)
MENTIONS = ["Olympic", "OLYMPIC", "0lymp1c", "Olympia", "Olympiad", "five rings"]
BEFORE = ["", "", "New", "Vintage", "Kids", "Official", "Heavy duty", "Retro"]
AFTER = [
    "barbell 20kg chrome",
    "hex bar knurled",
    "hoodie cotton",
    "tee size M",
    "pin badge enamel",
    "pool towel large",
    "typewriter ribbon",
    "math workbook grade 5",
    "mascot plush toy",
    "medal replica gold",
    "souvenir keychain",
    "lifting belt leather",
]


def titles(n: int) -> list[str]:
    rng = random.Random(SEED)
    return [
        " ".join(w for w in (rng.choice(BEFORE), rng.choice(MENTIONS), rng.choice(AFTER)) if w)
        for _ in range(n)
    ]


def per_listing(engine: Engine, listings: list[Listing]) -> float:
    start = time.perf_counter()
    for listing in listings:
        engine.screen(listing, today=TODAY)
    return (time.perf_counter() - start) / len(listings) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    data = builtin_data()
    if data.sense is None:
        raise SystemExit("this build ships no sense model")
    with_model, without = Engine(data), Engine(replace(data, sense=None))
    model = with_model.sense
    assert model is not None
    listings = [Listing(str(i), "S", t) for i, t in enumerate(titles(args.rows))]
    inputs = []
    for listing in listings:
        found = with_model.candidates(listing)
        inputs.extend(
            x[1:] for x in with_model.sense_inputs(listing, found or []) if model.reads(x[1])
        )
    best_with, best_without, best_predict = float("inf"), float("inf"), float("inf")
    for _ in range(args.repeats):
        best_without = min(best_without, per_listing(without, listings))
        best_with = min(best_with, per_listing(with_model, listings))
        start = time.perf_counter()
        for mention, context in inputs:
            model.predict(mention, context)
        best_predict = min(best_predict, (time.perf_counter() - start) / len(inputs) * 1e6)
    lines = [
        f"### Sense stage cost (`benchmarks/sense_cost.py`), {date.today().isoformat()}",
        "",
        f"{len(listings):,} listings, each with a candidate mention ({len(inputs):,} mentions "
        "the model reads), screened one by one on one core, best of "
        f"{args.repeats}, interleaved:",
        "",
        "| | µs per listing |",
        "|---|---|",
        f"| `Engine.screen` without the sense model (baseline) | {best_without:.1f} |",
        f"| `Engine.screen` with the sense model | {best_with:.1f} |",
        f"| the sense stage, per candidate listing (difference) | {best_with - best_without:.1f} |",
        f"| `SenseModel.predict` alone, per mention | {best_predict:.1f} |",
        "",
        f"Ratio with/without: {best_with / best_without:.2f}. At 2% of rows with a candidate, "
        f"the stage adds about {0.02 * (best_with - best_without):.2f} µs per listing on "
        "average.",
    ]
    publish("sense-cost", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
