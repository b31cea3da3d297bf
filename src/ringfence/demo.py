"""Demo data for ``ringfence demo``: the built-in registry plus a few licensees and licences,
and one API key per role."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files

from sqlalchemy.orm import Session

from ringfence.auth.service import create_key
from ringfence.core.security import Role
from ringfence.registry.builtin import builtin_document
from ringfence.registry.fileformat import parse_document
from ringfence.registry.service import import_document


@dataclass(frozen=True)
class DemoResult:
    summary: str
    keys: list[str]
    example: str


def demo_document_text() -> str:
    return files("ringfence.registry").joinpath("data", "demo.yaml").read_text(encoding="utf-8")


def load_demo(session: Session) -> DemoResult:
    builtin = import_document(session, builtin_document())
    demo = import_document(session, parse_document(demo_document_text(), source="demo.yaml"))
    keys = []
    for party, role in (
        ("IOC", Role.admin),
        ("NOC:NED", Role.rights_holder),
        ("LIC:oranje-fanwear", Role.licensee),
        ("MKT:tmall", Role.marketplace),
    ):
        created = create_key(session, party_id=party, role=role, name=f"demo {role.value}")
        keys.append(f"demo key, {role.value} for {party}: KEY={created.key}")
    example = json.dumps(
        {
            "seller": "SELLER:tmall-4711",
            "marks": ["symbol-olympic-rings"],
            "category": "apparel.clothing.tops",
            "territory": "CN",
            "channel": "marketplace",
        }
    )
    return DemoResult(f"built-in {builtin}; demo {demo}", keys, example)
