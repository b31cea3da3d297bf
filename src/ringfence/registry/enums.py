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


# The registry's changes (editions, parties, marks, licences) are recorded in one audit chain:
# the registry is one document with one revision, and its writers already queue on that
# revision. Not in the rights holders' chains: an edition's bundle carries its organising
# committee's chain to a deployment that knows the same registry with its own history of it,
# and two histories in one chain cannot merge (docs/audit.md).
REGISTRY_CHAIN = "registry"


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
    chain=lambda _edition: REGISTRY_CHAIN,
)

# A licence's status is what the licensor's registry document declares (an import sets it):
# any status may follow any other, as the licensor decides.
LICENCE = Machine(
    "licences.status",
    "licence",
    {s: frozenset(LicenceStatus) - {s} for s in LicenceStatus},
    chain=lambda _licence: REGISTRY_CHAIN,
)
