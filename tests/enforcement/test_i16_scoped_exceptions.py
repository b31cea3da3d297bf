"""Issue 16, item 4: an exception made when dismissing a case is scoped (the listing's phrase
around the mark, never the mark alone; the case's territories; its category), previewed over
the kept listing verdicts before it is saved, and undoable. Both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from ringfence.core import audit
from ringfence.core.errors import Forbidden, InvalidInput, NotFound
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement import service
from ringfence.enforcement.enums import Decision, ReasonCode
from ringfence.enforcement.schemas import DecisionIn, ExceptionPreviewIn, ExceptionSpec
from ringfence.flows import exceptions
from ringfence.registry.enums import ExceptionReason
from ringfence.registry.service import export_document, get_mark
from ringfence.screening.engine import Engine, Listing
from ringfence.screening.index import builtin_data
from ringfence.streaming.models import ListingVerdict
from tests.enforcement.conftest import (
    FRA,
    NED,
    NED_MARK,
    T0,
    TMALL,
    open_one,
)

IOC = Principal(Role.rights_holder, party_id="IOC", key_id="k-ioc")
WORD = "word-olympic"
FLAGGED = {"infringing", "review"}


def olympic_case(session: Session, settings: Settings, **over: Any) -> Any:
    body: dict[str, Any] = {
        "listing_id": "flame-1",
        "title": "Olympic Flame cookies",
        "marks": [WORD],
        "territories": ["FR"],
        "category": "home",
        "findings": [],
    }
    case = open_one(session, settings, **(body | over))
    assert case.rights_holder == "IOC"
    return case


def dismiss(
    session: Session,
    settings: Settings,
    case_id: int,
    text: str,
    principal: Principal = IOC,
    mark: str = WORD,
    **spec: Any,
) -> Any:
    data = DecisionIn(
        decision=Decision.dismiss,
        reason_code=ReasonCode.exception_applies,
        add_exception=ExceptionSpec(
            mark=mark, text=text, reason=ExceptionReason.grandfathered_brand, **spec
        ),
    )
    return service.decide(
        session, principal=principal, case_id=case_id, data=data, settings=settings, now=T0
    )


def verdict(session: Session, title: str, ship_to: tuple[str, ...], category: str | None) -> str:
    engine = Engine(builtin_data(export_document(session)), compiled=False)
    return engine.screen(
        Listing("x", "seller-9", title, category=category, ship_to=ship_to), today=T0.date()
    ).verdict


@pytest.mark.parametrize(
    "text",
    ["Olympic", "olympic", "OLYMPIC", "The Olympic", "0lympic", "Olympic 2024", "  Olympic  "],
)
def test_i16_a_bare_mark_word_is_refused(session: Session, settings: Settings, text: str) -> None:
    case = olympic_case(session, settings, title=f"{text.strip()} Flame cookies")
    with pytest.raises(InvalidInput) as refused:
        dismiss(session, settings, case.id, text)
    assert refused.value.code == "exception_too_broad"
    saved = get_mark(session, principal=IOC, mark_id=WORD).exceptions
    assert all(x.case is None and x.text != text.strip() for x in saved)
    assert verdict(session, "Olympic hoodie", ("FR",), "home") in FLAGGED


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Olympic Bread", "exception_not_in_listing"),  # not the listing's phrase
        ("Flame cookies", "exception_without_mark"),  # no mark in it
        ("lympic Flame", "exception_not_in_listing"),  # not on word boundaries
    ],
)
def test_i16_the_phrase_is_the_listings_and_holds_the_mark(
    session: Session, settings: Settings, text: str, code: str
) -> None:
    case = olympic_case(session, settings)
    with pytest.raises(InvalidInput) as refused:
        dismiss(session, settings, case.id, text)
    assert refused.value.code == code


def test_i16_a_dismissal_never_unprotects_outside_its_phrase_territories_and_category(
    session: Session, settings: Settings
) -> None:
    case = olympic_case(session, settings)
    cases = [
        ("Olympic Flame cookies", ("FR",), "home"),
        ("Olympic Flame cookies", ("DE",), "home"),  # another territory
        ("Olympic Flame cookies", ("FR",), "apparel"),  # another category
        ("Olympic Flame cookies", ("FR",), None),  # no category
        ("Olympic hoodie", ("FR",), "home"),  # the mark outside the phrase
        ("Olympic cookies", ("FR",), "home"),
    ]
    before = [verdict(session, *c) for c in cases]
    assert all(v in FLAGGED for v in before), before
    dismiss(session, settings, case.id, "Olympic Flame")
    after = [verdict(session, *c) for c in cases]
    assert after[0] == "clean"
    assert after[1:] == before[1:]
    saved = [x for x in get_mark(session, principal=IOC, mark_id=WORD).exceptions if x.case]
    assert [(x.text, x.territories, x.category, x.case) for x in saved] == [
        ("Olympic Flame", ["FR"], "home", case.id)
    ]
    assert saved[0].id is not None
    assert saved[0].created_by == "IOC (key k-ioc)"


def test_i16_a_category_covers_its_subcategories_only(session: Session, settings: Settings) -> None:
    case = olympic_case(session, settings, category="home.drinkware")
    dismiss(session, settings, case.id, "Olympic Flame")
    title = "Olympic Flame cookies"
    assert verdict(session, title, ("FR",), "home.drinkware.mugs") == "clean"
    assert verdict(session, title, ("FR",), "home") in FLAGGED
    assert verdict(session, title, ("FR",), "home.textiles") in FLAGGED


def test_i16_territories_are_the_cases_and_the_marks(session: Session, settings: Settings) -> None:
    # A NED case shipping to NL and DE: the NED emblem is protected in NL only.
    case = open_one(
        session,
        settings,
        listing_id="ned-2",
        title="TeamNL Flame cookies",
        territories=["DE", "NL"],
        category="home",
    )
    with pytest.raises(InvalidInput) as outside:
        dismiss(session, settings, case.id, "TeamNL Flame", NED, NED_MARK, territories=["BE"])
    assert outside.value.code == "exception_outside_case"
    dismiss(session, settings, case.id, "TeamNL Flame", NED, NED_MARK)
    saved = [x for x in get_mark(session, principal=NED, mark_id=NED_MARK).exceptions if x.case]
    assert [(x.territories, x.category) for x in saved] == [(["NL"], "home")]


def test_i16_a_case_without_territories_makes_no_exception(
    session: Session, settings: Settings
) -> None:
    case = olympic_case(session, settings, territories=[])
    with pytest.raises(InvalidInput) as refused:
        dismiss(session, settings, case.id, "Olympic Flame")
    assert refused.value.code == "exception_needs_territory"


def test_i16_an_noc_scopes_only_its_own_marks_and_cases(
    session: Session, settings: Settings
) -> None:
    case = olympic_case(session, settings)
    with pytest.raises(NotFound):  # the IOC's case: not NED's to see
        dismiss(session, settings, case.id, "Olympic Flame", NED)
    ned_case = open_one(session, settings, listing_id="ned-3", title="TeamNL Flame Olympic tins")
    with pytest.raises(NotFound):  # its own case, but the IOC's mark
        dismiss(session, settings, ned_case.id, "Flame Olympic tins", NED, WORD)
    with pytest.raises(Forbidden):  # the marketplace may not decide
        dismiss(session, settings, ned_case.id, "TeamNL Flame", TMALL, NED_MARK)


def _kept(
    session: Session, case: Any, listing_id: str, at: Any, verdict: str = "infringing"
) -> None:
    session.add(
        ListingVerdict(
            marketplace_id="MKT:tmall",
            listing_id=listing_id,
            listing_version="v1",
            seller_id="seller-42",
            verdict=verdict,
            risk=0.9,
            marks=[WORD],
            reasons=[],
            index_version="test",
            case_id=case.id if case is not None else None,
            screened_at=at,
        )
    )
    session.flush()


def test_i16_the_preview_counts_the_kept_listings_that_would_change(
    session: Session, settings: Settings
) -> None:
    at = T0 - timedelta(days=1)
    listings = {
        "a": ("Olympic Flame cookies", ["FR"], "home"),  # changes
        "b": ("Olympic Flame tins", ["FR"], "home.drinkware"),  # changes
        "c": ("Olympic Flame cookies", ["DE"], "home"),  # another territory
        "d": ("Olympic Flame cookies", ["FR"], "apparel"),  # another category
        "e": ("Olympic hoodie", ["FR"], "home"),  # outside the phrase
    }
    opened = {}
    for key, (title, territories, category) in listings.items():
        opened[key] = olympic_case(
            session,
            settings,
            listing_id=f"p-{key}",
            title=title,
            territories=territories,
            category=category,
        )
        _kept(session, opened[key], f"p-{key}", at)
    old = olympic_case(session, settings, listing_id="p-old", title="Olympic Flame rolls")
    _kept(session, old, "p-old", T0 - timedelta(days=40))  # before the window
    _kept(session, None, "p-clean", at, "clean")
    spec = ExceptionPreviewIn(
        mark=WORD, text="Olympic Flame", reason=ExceptionReason.grandfathered_brand, days=30
    )
    preview = exceptions.preview_exception(
        session, principal=IOC, case_id=opened["a"].id, data=spec, now=T0
    )
    assert (preview.screened, preview.flagged, preview.rescreened) == (6, 5, 5)
    assert preview.changed == 2
    assert sum(preview.changes.values()) == 2
    assert all(k.endswith("->clean") for k in preview.changes)
    assert {e.case_id for e in preview.examples} == {opened["a"].id, opened["b"].id}
    assert (preview.exception.text, preview.exception.territories) == ("Olympic Flame", ["FR"])
    assert preview.exception.category == "home"
    # Nothing is saved by a preview.
    assert all(x.case is None for x in get_mark(session, principal=IOC, mark_id=WORD).exceptions)
    # A bare word is refused by the preview as by the decision.
    bare = spec.model_copy(update={"text": "Olympic"})
    with pytest.raises(InvalidInput) as refused:
        exceptions.preview_exception(session, principal=IOC, case_id=opened["a"].id, data=bare)
    assert refused.value.code == "exception_too_broad"


def test_i16_revoking_restores_protection(session: Session, settings: Settings) -> None:
    case = olympic_case(session, settings)
    title, where = "Olympic Flame cookies", ("FR",)
    before = verdict(session, title, where, "home")
    dismiss(session, settings, case.id, "Olympic Flame")
    assert verdict(session, title, where, "home") == "clean"
    made = service.case_exceptions(session, principal=IOC, case_id=case.id)
    assert [x.text for x in made] == ["Olympic Flame"]
    exception_id = made[0].id
    assert exception_id is not None
    with pytest.raises(NotFound):  # another holder's exception is not found
        service.revoke_exception(session, principal=FRA, exception_id=exception_id)
    with pytest.raises(Forbidden):
        service.revoke_exception(session, principal=TMALL, exception_id=exception_id)
    out = service.revoke_exception(session, principal=IOC, exception_id=exception_id, now=T0)
    assert out.id == exception_id
    assert verdict(session, title, where, "home") == before
    assert service.case_exceptions(session, principal=IOC, case_id=case.id) == []
    kinds = [e.kind for e in service.case_events(session, principal=IOC, case_id=case.id)]
    assert kinds[-2:] == ["registry.exception_added", "registry.exception_revoked"]
    assert audit.verify(session) == []
    with pytest.raises(NotFound):
        service.revoke_exception(session, principal=IOC, exception_id=exception_id)


def test_i16_an_exception_keeps_its_id_when_its_mark_is_saved(
    session: Session, settings: Settings
) -> None:
    from ringfence.registry.service import save_mark

    case = olympic_case(session, settings)
    dismiss(session, settings, case.id, "Olympic Flame")
    mark = get_mark(session, principal=IOC, mark_id=WORD)
    ids = [x.id for x in mark.exceptions]
    saved = save_mark(
        session, principal=IOC, data=mark.model_copy(update={"notes": "edited"}), create=False
    )
    assert [x.id for x in saved.exceptions] == ids
