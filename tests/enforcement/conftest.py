from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement import service
from ringfence.enforcement.enums import CaseSource
from ringfence.enforcement.schemas import CaseIn, CaseOut

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

ADMIN = Principal(Role.admin, party_id="IOC", key_id="k-admin")
NED = Principal(Role.rights_holder, party_id="NOC:NED", key_id="k-ned")
FRA = Principal(Role.rights_holder, party_id="NOC:FRA", key_id="k-fra")
LA28 = Principal(Role.rights_holder, party_id="OCOG:la28", key_id="k-la28")
TMALL = Principal(Role.marketplace, party_id="MKT:tmall", key_id="k-tmall")
LICENSEE = Principal(Role.licensee, party_id="LIC:oranje-fanwear", key_id="k-lic")

NED_MARK = "emblem-noc-ned"
FRA_MARK = "emblem-noc-fra"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, evidence_dir=tmp_path / "evidence", index_refresh_seconds=0
    )


def case_in(**over: Any) -> CaseIn:
    body: dict[str, Any] = {
        "source": CaseSource.screening,
        "marketplace": "MKT:tmall",
        "listing_id": "L-1",
        "listing_version": "v1",
        "seller_id": "seller-42",
        "title": "TeamNL fan scarf replica",
        "marks": [NED_MARK],
        "territories": ["NL"],
        "risk": 0.8,
        "reach": 100,
        "findings": [
            {
                "detector": "terms",
                "rule": "variant:emblem-noc-ned:nl",
                "score": 0.9,
                "field": "title",
                "text": "TeamNL",
                "start": 0,
                "end": 6,
                "mark": NED_MARK,
            }
        ],
    }
    return CaseIn.model_validate(body | over)


def open_one(
    session: Session,
    settings: Settings,
    principal: Principal = TMALL,
    now: datetime = T0,
    **over: Any,
) -> CaseOut:
    out, _ = service.open_case(
        session, principal=principal, data=case_in(**over), settings=settings, now=now
    )
    return out
