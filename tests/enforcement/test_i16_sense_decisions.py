"""Issue 16: analysts' decisions become labelled mentions for the sense model (both databases)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ringfence.core.settings import Settings
from ringfence.enforcement import service
from ringfence.enforcement.service import DecisionExample, decision_examples
from tests.enforcement.conftest import NED_MARK, open_one
from tests.enforcement.test_service import decide, taken_down


def _mine(session: Session, ids: set[int]) -> list[DecisionExample]:
    return [e for e in decision_examples(session) if e.case_id in ids]


def test_i16_dismissed_false_positive_is_other_confirmed_takedown_is_olympic(
    session: Session, settings: Settings
) -> None:
    fp = open_one(session, settings, listing_id="L-fp", title="Dutch lion barbell plates")
    decide(session, settings, fp.id, decision="dismiss", reason_code="false_positive")
    down = taken_down(session, settings, listing_id="L-down", title="TeamNL replica scarf")
    examples = _mine(session, {fp.id, down})
    assert examples == [
        DecisionExample("Dutch lion barbell plates", NED_MARK, "other", fp.id),
        DecisionExample("TeamNL replica scarf", NED_MARK, "olympic", down),
    ]


def test_i16_undecided_unconfirmed_and_lawful_use_teach_nothing(
    session: Session, settings: Settings
) -> None:
    still_open = open_one(session, settings, listing_id="L-open")
    lawful = open_one(session, settings, listing_id="L-resale")
    # resale of genuine goods uses the property lawfully: no look-alike sense
    decide(session, settings, lawful.id, decision="dismiss", reason_code="legitimate_use")
    requested = open_one(session, settings, listing_id="L-requested")
    decide(session, settings, requested.id)  # takedown requested, not confirmed yet
    assert _mine(session, {still_open.id, lawful.id, requested.id}) == []
    assert service.decision_examples(session) == decision_examples(session)  # stable order
