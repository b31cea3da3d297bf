"""Every reason code of the licence decision, table-driven over the demo registry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from ringfence.core.errors import InvalidInput
from ringfence.demo import demo_document_text
from ringfence.registry.builtin import builtin_document
from ringfence.registry.decision import LicenceIndex
from ringfence.registry.enums import Reason
from ringfence.registry.fileformat import parse_document
from ringfence.registry.schemas import LicenceIn, PartyIn, RegistryDocument
from ringfence.registry.service import compile_index

D = date(2026, 6, 1)


def _document(
    *extra_licences: LicenceIn, extra_parties: tuple[PartyIn, ...] = ()
) -> RegistryDocument:
    base = builtin_document()
    demo = parse_document(demo_document_text())
    return base.model_copy(
        update={
            "parties": base.parties + demo.parties + list(extra_parties),
            "marks": base.marks + demo.marks,
            "licences": demo.licences + list(extra_licences),
        }
    )


@pytest.fixture(scope="module")
def index() -> LicenceIndex:
    rogue = LicenceIn(
        id="ROGUE-1",
        licensor="NOC:NED",
        licensee="LIC:rogue",
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
        marks=["symbol-olympic-rings"],  # an NOC does not control the rings
        categories=["apparel"],
        territories=["NL"],
        channels=["retail"],
    )
    expired = LicenceIn(
        id="OLD-1",
        licensor="IOC",
        licensee="LIC:old",
        status="expired",
        valid_from=date(2020, 1, 1),
        valid_until=date(2030, 12, 31),
        marks=["word-olympic"],
        categories=["apparel"],
        territories=["*"],
        channels=["retail"],
    )
    revoked = LicenceIn.model_validate(
        expired.model_dump() | {"id": "REV-1", "licensee": "LIC:revoked", "status": "revoked"}
    )
    future = LicenceIn.model_validate(
        expired.model_dump()
        | {
            "id": "FUT-1",
            "licensee": "LIC:future",
            "status": "active",
            "valid_from": date(2027, 1, 1),
        }
    )
    parties = tuple(
        PartyIn(id=p, kind="licensee", name=p)
        for p in ("LIC:rogue", "LIC:old", "LIC:revoked", "LIC:future")
    )
    return LicenceIndex(_document(rogue, expired, revoked, future, extra_parties=parties))


CASES = [
    # (name, seller, mark, category, territory, channel, on, allowed, reasons, licence)
    (
        "licensed",
        "LIC:heritage-apparel",
        "word-olympic",
        "apparel.clothing.tops",
        "CN",
        "marketplace",
        D,
        True,
        ("licensed",),
        "IOC-2026-0001",
    ),
    (
        "authorised seller",
        "SELLER:tmall-4711",
        "symbol-olympic-rings",
        "apparel.headwear",
        "DE",
        "official_store",
        D,
        True,
        ("licensed",),
        "IOC-2026-0001",
    ),
    (
        "no licence",
        "SELLER:unknown",
        "word-olympic",
        "apparel",
        "FR",
        "marketplace",
        D,
        False,
        ("no_licence",),
        None,
    ),
    (
        "mark not covered",
        "LIC:heritage-apparel",
        "mascot-miraitowa",
        "apparel",
        "FR",
        "marketplace",
        D,
        False,
        ("mark_not_covered",),
        "IOC-2026-0001",
    ),
    (
        "category not covered",
        "LIC:heritage-apparel",
        "word-olympic",
        "home.drinkware.mugs",
        "FR",
        "marketplace",
        D,
        False,
        ("category_not_covered",),
        "IOC-2026-0001",
    ),
    (
        "territory not covered",
        "LIC:la-headwear",
        "edition-la28",
        "apparel.headwear",
        "FR",
        "retail",
        D,
        False,
        ("territory_not_covered",),
        "LA28-2026-0007",
    ),
    (
        "channel not covered",
        "LIC:la-headwear",
        "edition-la28",
        "apparel.headwear",
        "US",
        "marketplace",
        D,
        False,
        ("channel_not_covered",),
        "LA28-2026-0007",
    ),
    (
        "expired by date",
        "LIC:paris-plush",
        "mascot-olympic-phryge",
        "toys.plush",
        "FR",
        "retail",
        D,
        False,
        ("licence_expired",),
        "PAR-2023-0042",
    ),
    (
        "expired by status",
        "LIC:old",
        "word-olympic",
        "apparel",
        "FR",
        "retail",
        D,
        False,
        ("licence_expired",),
        "OLD-1",
    ),
    (
        "not yet valid",
        "LIC:future",
        "word-olympic",
        "apparel",
        "FR",
        "retail",
        D,
        False,
        ("licence_not_yet_valid",),
        "FUT-1",
    ),
    (
        "suspended",
        "LIC:bleus-textiles",
        "emblem-noc-fra",
        "apparel",
        "FR",
        "retail",
        D,
        False,
        ("licence_suspended",),
        "FRA-2024-0011",
    ),
    (
        "revoked",
        "LIC:revoked",
        "word-olympic",
        "apparel",
        "FR",
        "retail",
        D,
        False,
        ("licence_revoked",),
        "REV-1",
    ),
    (
        "licensor lacks rights",
        "LIC:rogue",
        "symbol-olympic-rings",
        "apparel",
        "NL",
        "retail",
        D,
        False,
        ("licensor_lacks_rights",),
        "ROGUE-1",
    ),
    (
        "mark not protected there",
        "SELLER:unknown",
        "emblem-noc-ned",
        "apparel",
        "BE",
        "retail",
        D,
        True,
        ("mark_not_protected",),
        None,
    ),
    (
        "several failures",
        "LIC:la-headwear",
        "edition-la28",
        "toys",
        "FR",
        "marketplace",
        D,
        False,
        ("category_not_covered", "territory_not_covered", "channel_not_covered"),
        "LA28-2026-0007",
    ),
]


@pytest.mark.parametrize(
    ("seller", "mark", "category", "territory", "channel", "on", "allowed", "reasons", "licence"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_reason_codes(
    index: LicenceIndex,
    seller: str,
    mark: str,
    category: str,
    territory: str,
    channel: str,
    on: date,
    allowed: bool,
    reasons: tuple[str, ...],
    licence: str | None,
) -> None:
    decision = index.authorize(seller, mark, category, territory, channel, on)
    assert decision.allowed is allowed
    assert tuple(r.value for r in decision.reasons) == reasons
    assert decision.licence == licence


def test_every_reason_code_is_exercised() -> None:
    exercised = {r for case in CASES for r in case[8]}
    assert exercised == {r.value for r in Reason}


def test_several_marks_need_every_mark(index: LicenceIndex) -> None:
    both = index.authorize_many(
        "LIC:heritage-apparel",
        ["word-olympic", "symbol-olympic-rings"],
        "apparel",
        "JP",
        "marketplace",
        D,
    )
    assert both.allowed
    assert both.licences == ("IOC-2026-0001",)
    mixed = index.authorize_many(
        "LIC:heritage-apparel", ["word-olympic", "edition-la28"], "apparel", "JP", "marketplace", D
    )
    assert not mixed.allowed
    assert mixed.reasons == (Reason.mark_not_covered,)
    assert [d.allowed for d in mixed.marks] == [True, False]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"mark": "no-such-mark"}, "unknown_mark"),
        ({"category": "weapons"}, "unknown_category"),
        ({"territory": "fr"}, "invalid_territory"),
        ({"channel": "telepathy"}, "unknown_channel"),
    ],
)
def test_unknown_inputs_are_refused(index: LicenceIndex, kwargs: dict[str, str], code: str) -> None:
    args = {
        "mark": "word-olympic",
        "category": "apparel",
        "territory": "FR",
        "channel": "retail",
    } | kwargs
    with pytest.raises(InvalidInput) as err:
        index.authorize_many(
            "LIC:heritage-apparel",
            [args["mark"]],
            args["category"],
            args["territory"],
            args["channel"],
            D,
        )
    assert err.value.code == code


def test_index_compiled_from_database_agrees(session: Session) -> None:
    index = compile_index(session)
    decision = index.authorize(
        "LIC:oranje-fanwear", "emblem-noc-ned", "apparel.clothing.tops", "NL", "retail", D
    )
    assert decision.allowed
    assert decision.licence == "NED-2026-0003"
    outside = index.authorize(
        "LIC:oranje-fanwear", "emblem-noc-ned", "apparel.headwear", "NL", "retail", D
    )
    assert outside.reasons == (Reason.category_not_covered,)
