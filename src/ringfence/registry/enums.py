from __future__ import annotations

from enum import StrEnum
from typing import Any

from ringfence.core.errors import Conflict, RingfenceError
from ringfence.core.states import Machine
from ringfence.registry.error_codes import ErrorCode


class PartyKind(StrEnum):
    ioc = "ioc"
    noc = "noc"
    ocog = "ocog"
    licensee = "licensee"
    marketplace = "marketplace"


class Season(StrEnum):
    summer = "summer"
    winter = "winter"


class EditionStatus(StrEnum):
    planned = "planned"
    preparing = "preparing"
    live = "live"
    closing = "closing"
    archived = "archived"


class MarkKind(StrEnum):
    symbol = "symbol"
    word = "word"
    phrase = "phrase"
    motto = "motto"
    emblem = "emblem"
    edition_name = "edition_name"
    mascot = "mascot"


class ExceptionReason(StrEnum):
    grandfathered_brand = "grandfathered_brand"
    place_name = "place_name"
    generic_term = "generic_term"
    mythology = "mythology"
    education = "education"
    football_club = "football_club"
    other = "other"


class LicenceStatus(StrEnum):
    active = "active"
    suspended = "suspended"
    revoked = "revoked"
    expired = "expired"


class Channel(StrEnum):
    official_store = "official_store"
    marketplace = "marketplace"
    retail = "retail"
    wholesale = "wholesale"


class Reason(StrEnum):
    """Machine-readable reasons of a licence decision."""

    licensed = "licensed"
    mark_not_protected = "mark_not_protected"
    no_licence = "no_licence"
    mark_not_covered = "mark_not_covered"
    category_not_covered = "category_not_covered"
    territory_not_covered = "territory_not_covered"
    channel_not_covered = "channel_not_covered"
    licence_not_yet_valid = "licence_not_yet_valid"
    licence_expired = "licence_expired"
    licence_suspended = "licence_suspended"
    licence_revoked = "licence_revoked"
    licensor_lacks_rights = "licensor_lacks_rights"


WORLDWIDE = "*"


def _illegal_edition(edition_id: Any, current: EditionStatus, to: EditionStatus) -> RingfenceError:
    return Conflict(
        f"edition {edition_id} is {current.value}: it cannot become {to.value}",
        code=ErrorCode.ILLEGAL_TRANSITION,
    )


def _ocog_of(edition_id: str) -> str:
    """An edition's changes are recorded in its organising committee's chain."""
    from ringfence.registry.builtin import ocog_party_id  # noqa: PLC0415 - builtin imports us

    return ocog_party_id(edition_id)


# An edition's lifecycle (editions.service.advance): forwards only, one step at a time; an
# archive is final. A registry import declares the status its document states.
_E = EditionStatus
EDITION = Machine(
    "editions.status",
    "edition",
    {
        _E.planned: frozenset({_E.preparing}),
        _E.preparing: frozenset({_E.live}),
        _E.live: frozenset({_E.closing}),
        _E.closing: frozenset({_E.archived}),
        _E.archived: frozenset(),
    },
    illegal=_illegal_edition,
    chain=lambda edition: _ocog_of(edition.id),
)

# A licence's status is what the licensor's registry document declares (an import sets it):
# any status may follow any other, as the licensor decides.
LICENCE = Machine(
    "licences.status",
    "licence",
    {s: frozenset(LicenceStatus) - {s} for s in LicenceStatus},
    chain=lambda licence: licence.licensor_id,
)
