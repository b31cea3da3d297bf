"""Licence decisions per second, in process, on one core.

Registry: the built-in one (216 parties, 30 categories) plus 1,000 marks and 10,000 licences
held by 4,000 licensees. Requests: a random mix of licensed, denied and unknown sellers.
Baseline, in the same run: the same decisions answered with one SQL query per decision against
the same registry in SQLite (what "a decision costs a query" would mean). The figure and the
ratio are written to docs/benchmarks.md.

    .venv/bin/python benchmarks/authorize.py [--requests 200000] [--no-write]
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from docs_section import publish
from ringfence.core.db import make_engine, make_session_factory, unit_of_work
from ringfence.core.migrate import upgrade
from ringfence.registry.builtin import builtin_document
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.models import Licence, licence_categories, licence_marks
from ringfence.registry.schemas import LicenceIn, MarkIn, PartyIn, RegistryDocument
from ringfence.registry.service import import_document

N_MARKS = 1_000
N_LICENCES = 10_000
N_LICENSEES = 4_000
CHANNELS = ["official_store", "marketplace", "retail", "wholesale"]
TERRITORIES = ["FR", "DE", "US", "CN", "JP", "NL", "IT", "BR", "AU", "KR"]


def build_document(rng: random.Random) -> RegistryDocument:
    base = builtin_document()
    nocs = [p for p in base.parties if p.kind == "noc"]
    categories = [c.id for c in base.categories]
    marks = list(base.marks)
    while len(marks) < N_MARKS:
        i = len(marks)
        owner = rng.choice(nocs)
        marks.append(
            MarkIn(id=f"bench-mark-{i}", kind="emblem", name=f"Emblem {i}", owner=owner.id)
        )
    licensees = [
        PartyIn(id=f"LIC:bench-{i}", kind="licensee", name=f"Licensee {i}")
        for i in range(N_LICENSEES)
    ]
    owner_of = {m.id: m.owner for m in marks}
    territory_of = {p.id: p.territory for p in nocs}
    licences = []
    start = date(2025, 1, 1)
    for i in range(N_LICENCES):
        mark_ids = rng.sample([m.id for m in marks], rng.randint(1, 4))
        owners = {owner_of[m] for m in mark_ids}
        if len(owners) == 1 and (owner := owners.pop()) != "IOC" and owner.startswith("NOC:"):
            licensor, territories = owner, [territory_of[owner] or "FR"]
        else:
            licensor, territories = "IOC", rng.choice([["*"], rng.sample(TERRITORIES, 3)])
        licences.append(
            LicenceIn(
                id=f"BENCH-{i:05d}",
                licensor=licensor,
                licensee=f"LIC:bench-{rng.randrange(N_LICENSEES)}",
                status=rng.choices(["active", "suspended", "expired"], [90, 5, 5])[0],
                valid_from=start + timedelta(days=rng.randrange(365)),
                valid_until=start + timedelta(days=365 + rng.randrange(1500)),
                royalty_rate="0.1",
                marks=mark_ids,
                categories=rng.sample(categories, rng.randint(1, 3)),
                territories=territories,
                channels=rng.sample(CHANNELS, rng.randint(1, 3)),
            )
        )
    return base.model_copy(
        update={"parties": base.parties + licensees, "marks": marks, "licences": licences}
    )


def build_requests(
    rng: random.Random, doc: RegistryDocument, n: int
) -> list[tuple[str, str, str, str, str, date]]:
    categories = [c.id for c in doc.categories]
    marks = [m.id for m in doc.marks]
    territories = TERRITORIES + [p.territory for p in doc.parties if p.territory][:50]
    out = []
    for _ in range(n):
        lic = rng.choice(doc.licences)
        if rng.random() < 0.6:  # a seller asking about its own licence, mostly in scope
            seller, mark = lic.licensee, rng.choice(lic.marks)
            category = rng.choice(lic.categories)
            territory = rng.choice(TERRITORIES if lic.territories == ["*"] else lic.territories)
            channel = rng.choice(lic.channels).value
        else:  # anybody asking about anything
            seller = rng.choice([lic.licensee, f"SELLER:unknown-{rng.randrange(10**6)}"])
            mark, category = rng.choice(marks), rng.choice(categories)
            territory, channel = rng.choice(territories), rng.choice(CHANNELS)
        out.append(
            (
                seller,
                mark,
                category,
                territory,
                channel,
                date(2026, 1, 1) + timedelta(days=rng.randrange(700)),
            )
        )
    return out


def bench_index(
    index: LicenceIndex, requests: list[tuple[str, str, str, str, str, date]]
) -> tuple[float, int]:
    authorize = index.authorize
    gc.disable()
    try:
        t0 = time.perf_counter()
        allowed = 0
        for seller, mark, category, territory, channel, on in requests:
            allowed += authorize(seller, mark, category, territory, channel, on).allowed
        elapsed = time.perf_counter() - t0
    finally:
        gc.enable()
    return len(requests) / elapsed, allowed


def bench_sql(
    doc: RegistryDocument, requests: list[tuple[str, str, str, str, str, date]], index: LicenceIndex
) -> float:
    """One query per decision: candidate licences of the seller covering mark and category,
    active and in date; territory and channel checked on the rows returned."""
    ancestors: dict[str, list[str]] = {}
    parents = {c.id: c.parent for c in doc.categories}
    for c in parents:
        chain, node = [], c
        while node:
            chain.append(node)
            node = parents[node]
        ancestors[c] = chain
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        factory = make_session_factory(make_engine(url))
        with unit_of_work(factory) as session:
            import_document(session, doc)
        answers = []
        with factory() as session:
            t0 = time.perf_counter()
            for seller, mark, category, territory, channel, on in requests:
                query = (
                    select(Licence.id, Licence.territories, Licence.channels)
                    .join(licence_marks, licence_marks.c.licence_id == Licence.id)
                    .join(licence_categories, licence_categories.c.licence_id == Licence.id)
                    .where(Licence.licensee_id == seller, licence_marks.c.mark_id == mark)
                    .where(licence_categories.c.category_id.in_(ancestors[category]))
                    .where(
                        Licence.status == "active",
                        Licence.valid_from <= on,
                        Licence.valid_until >= on,
                    )
                )
                answers.append(
                    any(
                        ("*" in terrs or territory in terrs) and channel in chans
                        for _, terrs, chans in session.execute(query)
                    )
                )
            elapsed = time.perf_counter() - t0
        # Sanity: the same answers as the index wherever the index relied on the licensee alone.
        disagreements = 0
        for ok, request in zip(answers, requests, strict=True):
            decision = index.authorize(*request)
            if decision.reasons[0].value in ("licensed", "no_licence"):
                disagreements += ok != decision.allowed
        if disagreements:
            raise SystemExit(f"baseline and index disagree on {disagreements} decisions")
    return len(requests) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--baseline-requests", type=int, default=3_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    rng = random.Random(2028)
    doc = build_document(rng)
    t0 = time.perf_counter()
    index = LicenceIndex(doc)
    compile_s = time.perf_counter() - t0
    requests = build_requests(rng, doc, args.requests)
    runs = [bench_index(index, requests) for _ in range(args.repeats)]
    rate = sorted(r for r, _ in runs)[len(runs) // 2]
    allowed_share = runs[0][1] / len(requests)
    sql_rate = bench_sql(doc, requests[: args.baseline_requests], index)
    ratio = rate / sql_rate
    today = datetime.now(UTC).date().isoformat()
    lines = [
        f"### Licence decisions (`benchmarks/authorize.py`), {today}",
        "",
        f"Registry: {len(doc.marks):,} marks, {len(doc.licences):,} licences, "
        f"{len(doc.parties):,} parties; {len(requests):,} random requests "
        f"({allowed_share:.0%} allowed); one core, {platform.python_implementation()} "
        f"{platform.python_version()}. Command: `.venv/bin/python benchmarks/authorize.py`.",
        "",
        "| measure | figure |",
        "|---|---|",
        f"| in-process decisions per second (median of {args.repeats}) | **{rate:,.0f}** |",
        f"| baseline: one SQLite query per decision, per second | {sql_rate:,.0f} |",
        f"| ratio index / query | **{ratio:,.0f}x** |",
        f"| index compile time for this registry | {compile_s:.2f} s |",
        "",
        "Target (issue 2): >= 200,000 decisions/s on one core. Absolute figures vary with the "
        "machine; the ratio is measured in the same run.",
    ]
    publish("authorize", lines, write=not args.no_write)


if __name__ == "__main__":
    main()
