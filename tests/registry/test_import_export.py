"""Registry files: export -> import is lossless; a rejected import leaves nothing behind."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ringfence.auth.models import ApiKey
from ringfence.core.errors import InvalidInput
from ringfence.registry.fileformat import dump_document, parse_document
from ringfence.registry.models import (
    Category,
    Edition,
    Licence,
    Mark,
    MarkException,
    MarkVariant,
    Party,
    licence_marks,
    licence_sellers,
)
from ringfence.registry.service import current_revision, export_document, import_document

GOOD_LICENCE = """
format: ringfence-registry
version: 1
parties:
  - {id: "LIC:new", kind: licensee, name: New Licensee}
licences:
  - id: NEW-1
    licensor: IOC
    licensee: "LIC:new"
    valid_from: 2026-01-01
    valid_until: 2026-12-31
    royalty_rate: "0.1"
    marks: [word-olympic]
    categories: [apparel]
    territories: ["*"]
    channels: [retail]
"""


def clear(session: Session) -> None:
    """Remove every registry row (and the keys that point at parties)."""
    session.execute(delete(ApiKey))
    for table in (licence_sellers, licence_marks):
        session.execute(delete(table))
    for model in (Licence, MarkVariant, MarkException, Mark):
        session.execute(delete(model))
    session.execute(update(Party).values(managed_by_id=None))
    session.execute(update(Category).values(parent_id=None))
    for last in (Party, Category, Edition):
        session.execute(delete(last))


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Party, Mark, MarkVariant, Licence)
    )


def test_export_import_round_trip_is_lossless(session: Session) -> None:
    exported = export_document(session)
    text = dump_document(exported)
    clear(session)
    session.flush()
    assert _counts(session) == (0, 0, 0, 0)
    import_document(session, parse_document(text))
    again = export_document(session)
    assert again == exported
    assert dump_document(again) == text


def test_reimporting_the_same_document_changes_nothing(session: Session) -> None:
    exported = export_document(session)
    import_document(session, exported)
    assert export_document(session) == exported


def test_import_creates_and_replaces_by_id(session: Session) -> None:
    before = current_revision(session)
    import_document(session, parse_document(GOOD_LICENCE))
    assert session.get_one(Licence, "NEW-1").royalty_rate == Decimal("0.1")
    assert current_revision(session) == before + 1
    replaced = GOOD_LICENCE.replace('royalty_rate: "0.1"', 'royalty_rate: "0.25"')
    import_document(session, parse_document(replaced))
    session.expire_all()
    assert str(session.get_one(Licence, "NEW-1").royalty_rate) == "0.2500"


@pytest.mark.parametrize(
    ("change", "code", "loc"),
    [
        (
            ("licensor: IOC", "licensor: NOC:NED"),
            "licensor_lacks_rights",
            ("licences", 0, "marks", 0),
        ),
        (
            ("licensor: IOC", "licensor: LIC:new"),
            "licensor_lacks_rights",
            ("licences", 0, "licensor"),
        ),
        (
            ("[word-olympic]", "[word-olympic, no-such-mark]"),
            "unknown_mark",
            ("licences", 0, "marks", 1),
        ),
        (("[apparel]", "[weapons]"), "unknown_category", ("licences", 0, "categories", 0)),
        (
            ('licensee: "LIC:new"', 'licensee: "LIC:ghost"'),
            "unknown_party",
            ("licences", 0, "licensee"),
        ),
    ],
)
def test_rejected_import_leaves_nothing_behind(
    session: Session, change: tuple[str, str], code: str, loc: tuple[object, ...]
) -> None:
    counts, revision = _counts(session), current_revision(session)
    bad = GOOD_LICENCE.replace(*change)
    with pytest.raises(InvalidInput) as err:
        import_document(session, parse_document(bad))
    assert (err.value.details[0].code, err.value.details[0].loc) == (code, loc)
    # The valid party in the same file was not written either: all or nothing.
    assert session.get(Party, "LIC:new") is None
    assert _counts(session) == counts
    assert current_revision(session) == revision


def test_every_error_is_reported_at_once(session: Session) -> None:
    bad = GOOD_LICENCE.replace("[word-olympic]", "[nope-1, nope-2]").replace("[apparel]", "[nope]")
    with pytest.raises(InvalidInput) as err:
        import_document(session, parse_document(bad))
    assert [d.code for d in err.value.details] == [
        "unknown_category",
        "unknown_mark",
        "unknown_mark",
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("parties: [\n  {id: a\n", "<document>:3: not valid YAML"),
        ("- a\n- b\n", "<document>:1: the document must be a mapping"),
        ("", "the document is empty"),
        ("format: other\n", "<document>:1: Input should be 'ringfence-registry'"),
        ("parties:\n  - id: X\n    id: Y\n", "<document>:3: not valid YAML: duplicate key 'id'"),
        (
            "parties:\n  - id: A\n    kind: licensee\n    name: A\n  - id: B\n    kind: nope\n    name: B\n",
            "<document>:6: Input should be 'ioc'",
        ),
        (
            GOOD_LICENCE.replace('royalty_rate: "0.1"', 'royalty_rate: "1.5"'),
            "<document>:12: Input should be less than or equal to 1",
        ),
        (
            GOOD_LICENCE.replace("2026-12-31", "2025-12-31"),
            "<document>:7: valid_until is before valid_from",
        ),
        (GOOD_LICENCE.replace('["*"]', "[FR, ZZ]"), "<document>:15: 'ZZ' is not an ISO 3166-1"),
    ],
)
def test_malformed_files_name_the_line(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_document(text)
    assert fragment in str(err.value)


def test_reading_a_missing_or_binary_file_is_a_clear_error(tmp_path: Path) -> None:
    from ringfence.registry.fileformat import read_text

    with pytest.raises(InvalidInput, match="no such file"):
        read_text(tmp_path / "absent.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        read_text(binary)


def test_reimport_replaces_the_whole_party(session: Session) -> None:
    doc = parse_document(
        GOOD_LICENCE.replace("name: New Licensee}", "name: New Licensee, managed_by: IOC}")
    )
    import_document(session, doc)
    assert session.get_one(Party, "LIC:new").managed_by_id == "IOC"
    import_document(session, parse_document(GOOD_LICENCE))
    session.expire_all()
    assert session.get_one(Party, "LIC:new").managed_by_id is None


def test_edition_names_are_unique(session: Session) -> None:
    text = """
editions:
  - {id: paris-2024-copy, name: Paris 2024, year: 2024, season: summer, host_city: Paris,
     host_noc: FRA, status: archived}
"""
    with pytest.raises(InvalidInput) as err:
        import_document(session, parse_document(text))
    assert err.value.details[0].code == "duplicate_name"
    assert err.value.details[0].loc == ("editions", 0, "name")
