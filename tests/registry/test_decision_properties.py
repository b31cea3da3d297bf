"""Property test: the compiled index answers exactly like a plain reading of the rules, on
random registries and requests."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.registry.decision import LicenceIndex
from ringfence.registry.enums import Reason
from ringfence.registry.schemas import (
    CategoryIn,
    LicenceIn,
    MarkIn,
    PartyIn,
    RegistryDocument,
)

CATEGORIES = [
    CategoryIn(id="a", name="a"),
    CategoryIn(id="a.x", parent="a", name="a.x"),
    CategoryIn(id="a.x.y", parent="a.x", name="a.x.y"),
    CategoryIn(id="b", name="b"),
]
PARENT = {c.id: c.parent for c in CATEGORIES}
TERRITORIES = ["FR", "NL", "US"]
CHANNELS = ["official_store", "marketplace", "retail", "wholesale"]
SELLERS = ["S1", "S2", "S3"]
PARTIES = [
    PartyIn(id="IOC", kind="ioc", name="IOC"),
    PartyIn(id="NOC:NED", kind="noc", name="NED", noc_code="NED", territory="NL"),
    PartyIn(id="NOC:FRA", kind="noc", name="FRA", noc_code="FRA", territory="FR"),
    *[PartyIn(id=s, kind="licensee", name=s) for s in SELLERS],
]
MARKS = [
    MarkIn(id="m-ioc", kind="word", name="m", owner="IOC"),
    MarkIn(id="m-ned", kind="emblem", name="n", owner="NOC:NED", territories=["NL", "FR"]),
    MarkIn(id="m-fra", kind="emblem", name="f", owner="NOC:FRA", valid_until=date(2026, 6, 30)),
]
MARK_BY_ID = {m.id: m for m in MARKS}
PARTY_BY_ID = {p.id: p for p in PARTIES}
BASE = date(2026, 1, 1)

licences = st.builds(
    lambda n, licensor, licensee, sellers, status, start, length, marks, cats, terrs, chans: (
        LicenceIn(
            id=f"L{n}",
            licensor=licensor,
            licensee=licensee,
            sellers=sellers,
            status=status,
            valid_from=BASE + timedelta(days=start),
            valid_until=BASE + timedelta(days=start + length),
            marks=marks,
            categories=cats,
            territories=terrs,
            channels=chans,
        )
    ),
    st.integers(0, 10**6),
    st.sampled_from(["IOC", "NOC:NED", "NOC:FRA"]),
    st.sampled_from(SELLERS),
    st.lists(st.sampled_from(SELLERS), max_size=1, unique=True),
    st.sampled_from(["active", "active", "suspended", "revoked", "expired"]),
    st.integers(0, 300),
    st.integers(0, 400),
    st.lists(st.sampled_from([m.id for m in MARKS]), min_size=1, max_size=3, unique=True),
    st.lists(st.sampled_from([c.id for c in CATEGORIES]), min_size=1, max_size=2, unique=True),
    st.one_of(st.just(["*"]), st.lists(st.sampled_from(TERRITORIES), min_size=1, unique=True)),
    st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=3, unique=True),
)


def _covers(licence_cats: list[str], category: str) -> bool:
    node: str | None = category
    while node is not None:
        if node in licence_cats:
            return True
        node = PARENT[node]
    return False


def _reference(
    lics: list[LicenceIn], seller: str, mark: str, cat: str, terr: str, chan: str, on: date
) -> tuple[bool, tuple[str, ...], str | None]:
    m = MARK_BY_ID[mark]
    protected_here = "*" in m.territories or terr in m.territories
    in_time = (m.valid_from or date.min) <= on <= (m.valid_until or date.max)
    if not (protected_here and in_time):
        return True, ("mark_not_protected",), None
    mine = sorted(
        (lic for lic in lics if seller == lic.licensee or seller in lic.sellers), key=lambda x: x.id
    )
    if not mine:
        return False, ("no_licence",), None
    scored = []
    for lic in mine:
        f: list[str] = []
        if lic.status != "active":
            f.append(f"licence_{lic.status.value}")
        if on < lic.valid_from:
            f.append("licence_not_yet_valid")
        elif on > lic.valid_until and "licence_expired" not in f:
            f.append("licence_expired")
        licensor = PARTY_BY_ID[lic.licensor]
        if mark not in lic.marks:
            f.append("mark_not_covered")
        elif licensor.kind == "noc" and (m.owner != licensor.id or terr != licensor.territory):
            f.append("licensor_lacks_rights")
        if not _covers(lic.categories, cat):
            f.append("category_not_covered")
        if "*" not in lic.territories and terr not in lic.territories:
            f.append("territory_not_covered")
        if chan not in [c.value for c in lic.channels]:
            f.append("channel_not_covered")
        if not f:
            return True, ("licensed",), lic.id
        scored.append((len(f), lic.id, tuple(f)))
    _, licence_id, reasons = min(scored)
    return False, reasons, licence_id


@settings(max_examples=150, deadline=None)
@given(
    st.lists(licences, max_size=6, unique_by=lambda lic: lic.id),
    st.lists(
        st.tuples(
            st.sampled_from(SELLERS),
            st.sampled_from([m.id for m in MARKS]),
            st.sampled_from([c.id for c in CATEGORIES]),
            st.sampled_from(TERRITORIES),
            st.sampled_from(CHANNELS),
            st.integers(-30, 800),
        ),
        min_size=1,
        max_size=20,
    ),
)
def test_index_matches_reference(
    lics: list[LicenceIn], requests: list[tuple[str, str, str, str, str, int]]
) -> None:
    index = LicenceIndex(
        RegistryDocument(categories=CATEGORIES, parties=PARTIES, marks=MARKS, licences=lics)
    )
    for seller, mark, cat, terr, chan, day in requests:
        on = BASE + timedelta(days=day)
        got = index.authorize(seller, mark, cat, terr, chan, on)
        expected = _reference(lics, seller, mark, cat, terr, chan, on)
        assert (got.allowed, tuple(r.value for r in got.reasons), got.licence) == expected
        assert all(isinstance(r, Reason) for r in got.reasons)
