"""The built-in registry: the IOC, the 206 NOCs, every Games edition with its organising
committee where one exists, the Olympic words, mottos and symbols by language, edition names and
mascots, and a product taxonomy. Built from the public facts packaged in ``registry/data``."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from importlib.resources import files

from ringfence.registry.enums import EditionStatus, ExceptionReason, MarkKind, PartyKind, Season
from ringfence.registry.schemas import (
    CategoryIn,
    EditionIn,
    ExceptionIn,
    MarkIn,
    PartyIn,
    RegistryDocument,
    VariantIn,
)

IOC_ID = "IOC"


def _rows(name: str, delimiter: str = ",") -> Iterator[dict[str, str]]:
    text = files("ringfence.registry").joinpath("data", name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    yield from csv.DictReader(lines, delimiter=delimiter)


def noc_party_id(code: str) -> str:
    return f"NOC:{code}"


def ocog_party_id(edition_id: str) -> str:
    return f"OCOG:{edition_id}"


def builtin_document() -> RegistryDocument:
    editions = [
        EditionIn(
            id=r["id"],
            name=r["name"],
            year=int(r["year"]),
            season=Season(r["season"]),
            host_city=r["host_city"],
            host_noc=r["host_noc"],
            status=EditionStatus(r["status"]),
            starts_on=date.fromisoformat(r["starts_on"]) if r["starts_on"] else None,
            ends_on=date.fromisoformat(r["ends_on"]) if r["ends_on"] else None,
        )
        for r in _rows("editions.csv")
    ]
    with_ocog = {r["id"] for r in _rows("editions.csv") if r["ocog"]}
    names = {e.id: e.name for e in editions}

    parties = [PartyIn(id=IOC_ID, kind=PartyKind.ioc, name="International Olympic Committee")]
    parties += [
        PartyIn(
            id=noc_party_id(r["noc_code"]),
            kind=PartyKind.noc,
            name=r["name"],
            noc_code=r["noc_code"],
            territory=r["iso_alpha2"],
        )
        for r in _rows("nocs.csv")
    ]
    parties += [
        PartyIn(
            id=ocog_party_id(e),
            kind=PartyKind.ocog,
            name=f"Organising Committee for {names[e]}",
            edition=e,
        )
        for e in sorted(with_ocog)
    ]

    categories = [
        CategoryIn(
            id=r["id"],
            parent=r["parent"] or None,
            name=r["name"],
            google_product_category=int(r["google_product_category"])
            if r["google_product_category"]
            else None,
        )
        for r in _rows("categories.csv")
    ]

    variants: dict[str, list[VariantIn]] = defaultdict(list)
    heads: dict[str, dict[str, str]] = {}
    sources: dict[str, dict[str, None]] = defaultdict(dict)  # ordered, distinct
    for r in _rows("marks.tsv", "\t"):
        heads.setdefault(r["mark"], r)
        variants[r["mark"]].append(VariantIn(lang=r["lang"], text=r["text"]))
        sources[r["mark"]][f"{r['text']}: {r['basis']} [{r['certainty']}]"] = None
    exceptions: dict[str, list[ExceptionIn]] = defaultdict(list)
    for r in _rows("exceptions.tsv", "\t"):
        exceptions[r["mark"]].append(
            ExceptionIn(
                text=r["text"],
                reason=ExceptionReason(r["reason"]),
                territories=r["territories"].split(","),
                note=r["note"] or None,
            )
        )
    marks = []
    for mark_id, head in heads.items():
        owner = head["owner"]
        marks.append(
            MarkIn(
                id=mark_id,
                kind=MarkKind(head["kind"]),
                name=variants[mark_id][0].text,
                owner=ocog_party_id(owner) if owner in names else owner,
                edition=head["edition"] or None,
                variants=variants[mark_id],
                exceptions=exceptions.get(mark_id, []),
                notes="Protection basis (certainty): " + "; ".join(sources[mark_id]),
            )
        )
    return RegistryDocument(editions=editions, categories=categories, parties=parties, marks=marks)
