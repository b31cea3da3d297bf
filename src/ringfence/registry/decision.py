"""The licence decision: "may seller X sell a product of category Y bearing mark Z in territory T
through channel C on date D?"

The registry compiles into a :class:`LicenceIndex`: plain frozen structures in memory, keyed by
seller, with every category expanded to its sub-categories and every licensor's rights worked out
once. A decision is then a few dictionary and set look-ups (microseconds, no query). The index
imports nothing from the web, ORM or CLI layers, so the screening engine can embed it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ringfence.core.errors import InvalidInput
from ringfence.registry.enums import WORLDWIDE, Channel, LicenceStatus, PartyKind, Reason
from ringfence.registry.error_codes import ErrorCode
from ringfence.registry.schemas import MarkIn, PartyIn, RegistryDocument, iso_territories

_STATUS_REASON = {
    LicenceStatus.suspended: Reason.licence_suspended,
    LicenceStatus.revoked: Reason.licence_revoked,
    LicenceStatus.expired: Reason.licence_expired,
}


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one mark. ``licence`` is the licence relied on (allowed) or the closest
    licence that failed (denied, when the seller holds any)."""

    mark: str
    allowed: bool
    reasons: tuple[Reason, ...]
    licence: str | None


@dataclass(frozen=True, slots=True)
class MultiDecision:
    allowed: bool
    reasons: tuple[Reason, ...]
    licences: tuple[str, ...]
    marks: tuple[Decision, ...]


@dataclass(frozen=True, slots=True)
class _Mark:
    id: str
    territories: frozenset[str] | None  # None: worldwide
    valid_from: date
    valid_until: date
    always: bool  # protected everywhere, at any date: the common case, checked first
    # Shared answers, so the hot path allocates nothing for them.
    not_protected: Decision
    no_licence: Decision

    @classmethod
    def build(cls, mark: MarkIn) -> _Mark:
        territories = _territories(mark.territories)
        return cls(
            mark.id,
            territories,
            mark.valid_from or date.min,
            mark.valid_until or date.max,
            territories is None and mark.valid_from is None and mark.valid_until is None,
            Decision(mark.id, True, (Reason.mark_not_protected,), None),
            Decision(mark.id, False, (Reason.no_licence,), None),
        )


@dataclass(frozen=True, slots=True)
class _Licence:
    id: str
    licensor: str
    licensee: str
    status: LicenceStatus
    valid_from: date
    valid_until: date
    marks: frozenset[str]
    categories: frozenset[str]  # expanded to every sub-category
    territories: frozenset[str] | None  # None: worldwide
    channels: frozenset[str]
    rights_marks: frozenset[str]  # the licence's marks that its licensor controls
    rights_territories: frozenset[str] | None  # where the licensor may license; None: anywhere
    # Precomputed for the hot path: an allowed answer per mark the licence can grant (none when
    # the licence is not active), and where it can grant it (its territories within the
    # licensor's).
    allowed: dict[str, Decision]
    sell_territories: frozenset[str] | None


def _territories(values: Iterable[str]) -> frozenset[str] | None:
    values = frozenset(values)
    return None if WORLDWIDE in values else values


class LicenceIndex:
    """Immutable, in-memory form of the registry for licence decisions."""

    __slots__ = ("_by_seller", "_categories", "_marks", "version")

    def __init__(self, document: RegistryDocument) -> None:
        self.version = hashlib.sha256(document.model_dump_json().encode()).hexdigest()[:16]
        children: dict[str, list[str]] = defaultdict(list)
        for cat in document.categories:
            if cat.parent:
                children[cat.parent].append(cat.id)

        def expand(category: str) -> set[str]:
            out, stack = set(), [category]
            while stack:
                c = stack.pop()
                if c not in out:
                    out.add(c)
                    stack.extend(children.get(c, ()))
            return out

        self._categories = frozenset(c.id for c in document.categories)
        self._marks = {m.id: _Mark.build(m) for m in document.marks}
        parties = {p.id: p for p in document.parties}
        mark_owner = {m.id: (m.owner, m.edition) for m in document.marks}

        by_seller: dict[str, list[_Licence]] = defaultdict(list)
        for lic in sorted(document.licences, key=lambda item: item.id):
            licensor = parties.get(lic.licensor)
            rights_marks, rights_territories = licensor_rights(licensor, lic.marks, mark_owner)
            territories = _territories(lic.territories)
            if rights_territories is None or territories is None:
                sell_territories = territories if rights_territories is None else rights_territories
            else:
                sell_territories = territories & rights_territories
            active = lic.status is LicenceStatus.active
            compiled = _Licence(
                id=lic.id,
                licensor=lic.licensor,
                licensee=lic.licensee,
                status=lic.status,
                valid_from=lic.valid_from,
                valid_until=lic.valid_until,
                marks=frozenset(lic.marks),
                categories=frozenset(c for cat in lic.categories for c in expand(cat)),
                territories=territories,
                channels=frozenset(ch.value for ch in lic.channels),
                rights_marks=rights_marks,
                rights_territories=rights_territories,
                allowed={
                    m: Decision(m, True, (Reason.licensed,), lic.id)
                    for m in lic.marks
                    if active and m in rights_marks
                },
                sell_territories=sell_territories,
            )
            for seller in {lic.licensee, *lic.sellers}:
                by_seller[seller].append(compiled)
        self._by_seller = {k: tuple(v) for k, v in by_seller.items()}

    def check(
        self,
        *,
        mark: str,
        category: str,
        territory: str,
        channel: str,
        mark_loc: tuple[str | int, ...] = ("marks",),
    ) -> None:
        """Raise InvalidInput naming the field when a request refers to nothing known."""
        if mark not in self._marks:
            raise InvalidInput(f"unknown mark {mark!r}", code=ErrorCode.UNKNOWN_MARK, loc=mark_loc)
        if category not in self._categories:
            raise InvalidInput(
                f"unknown category {category!r}", code=ErrorCode.UNKNOWN_CATEGORY, loc=("category",)
            )
        if channel not in Channel.__members__:
            raise InvalidInput(
                f"unknown channel {channel!r}", code=ErrorCode.UNKNOWN_CHANNEL, loc=("channel",)
            )
        if territory not in iso_territories():
            raise InvalidInput(
                f"{territory!r} is not an ISO 3166-1 alpha-2 country code",
                code=ErrorCode.INVALID_TERRITORY,
                loc=("territory",),
            )

    def authorize(
        self, seller: str, mark: str, category: str, territory: str, channel: str, on: date
    ) -> Decision:
        """Decide one mark. Inputs must be valid (see :meth:`check`); unknown marks raise."""
        m = self._marks.get(mark)
        if m is None:
            self.check(mark=mark, category=category, territory=territory, channel=channel)
            raise AssertionError  # pragma: no cover - check() raised
        if not m.always and (
            (m.territories is not None and territory not in m.territories)
            or not m.valid_from <= on <= m.valid_until
        ):
            return m.not_protected
        candidates = self._by_seller.get(seller)
        if candidates is None:
            return m.no_licence
        for lic in candidates:
            decision = lic.allowed.get(mark)
            if (
                decision is not None
                and category in lic.categories
                and channel in lic.channels
                and (lic.sell_territories is None or territory in lic.sell_territories)
                and lic.valid_from <= on <= lic.valid_until
            ):
                return decision
        # Denied: explain with the licence that came closest (fewest failures, then by id;
        # candidates are sorted by id, so the first of the fewest wins).
        best: tuple[Reason, ...] | None = None
        best_id = ""
        for lic in candidates:
            failures = _failures(lic, mark, category, territory, channel, on)
            if best is None or len(failures) < len(best):
                best, best_id = failures, lic.id
        return Decision(mark, False, best or (), best_id)

    def authorize_many(
        self,
        seller: str,
        marks: Sequence[str],
        category: str,
        territory: str,
        channel: str,
        on: date,
    ) -> MultiDecision:
        """A product bearing several marks is allowed when every mark is."""
        for i, mark in enumerate(marks):
            self.check(
                mark=mark,
                category=category,
                territory=territory,
                channel=channel,
                mark_loc=("marks", i),
            )
        decisions = tuple(
            self.authorize(seller, mark, category, territory, channel, on)
            for mark in dict.fromkeys(marks)
        )
        allowed = all(d.allowed for d in decisions)
        reasons = tuple(
            dict.fromkeys(r for d in decisions if d.allowed is allowed for r in d.reasons)
        )
        licences = tuple(dict.fromkeys(d.licence for d in decisions if d.licence))
        return MultiDecision(allowed, reasons, licences, decisions)

    def covering_licence(
        self, licensee: str, marks: Sequence[str], category: str, on: date
    ) -> tuple[str, str] | None:
        """``(licence id, licensor id)`` of a licence that ``licensee`` holds as licensee (not
        merely as a named seller) and that grants, on ``on``, every one of ``marks`` for
        ``category`` somewhere through some channel: what issuing authenticity codes for a
        product needs. None when no licence does."""
        for lic in self._by_seller.get(licensee, ()):
            if (
                lic.licensee == licensee
                and category in lic.categories
                and lic.valid_from <= on <= lic.valid_until
                and all(m in lic.allowed for m in marks)
                and lic.sell_territories != frozenset()
            ):
                return lic.id, lic.licensor
        return None


def _failures(
    lic: _Licence, mark: str, category: str, territory: str, channel: str, on: date
) -> tuple[Reason, ...]:
    out: list[Reason] = []
    status_reason = _STATUS_REASON.get(lic.status)
    if status_reason is not None:
        out.append(status_reason)
    if on < lic.valid_from:
        out.append(Reason.licence_not_yet_valid)
    elif on > lic.valid_until and Reason.licence_expired not in out:
        out.append(Reason.licence_expired)
    if mark not in lic.marks:
        out.append(Reason.mark_not_covered)
    elif mark not in lic.rights_marks or (
        lic.rights_territories is not None and territory not in lic.rights_territories
    ):
        out.append(Reason.licensor_lacks_rights)
    if category not in lic.categories:
        out.append(Reason.category_not_covered)
    if lic.territories is not None and territory not in lic.territories:
        out.append(Reason.territory_not_covered)
    if channel not in lic.channels:
        out.append(Reason.channel_not_covered)
    return tuple(out)


def licensor_rights(
    licensor: PartyIn | None,
    marks: Iterable[str],
    mark_owner: dict[str, tuple[str, str | None]],
) -> tuple[frozenset[str], frozenset[str] | None]:
    """Which of ``marks`` the licensor controls, and where it may license them.

    The IOC licenses any Olympic property anywhere; an NOC its own marks in its home
    territory; an organising committee the marks of its own edition; nobody else anything.
    """

    if licensor is None:
        return frozenset(), frozenset()
    if licensor.kind is PartyKind.ioc:
        return frozenset(marks), None
    if licensor.kind is PartyKind.noc:
        owned = frozenset(m for m in marks if mark_owner.get(m, ("", None))[0] == licensor.id)
        return owned, frozenset({licensor.territory}) if licensor.territory else frozenset()
    if licensor.kind is PartyKind.ocog:
        owned = frozenset(
            m
            for m in marks
            if (owner := mark_owner.get(m)) is not None
            and (owner[0] == licensor.id or (owner[1] is not None and owner[1] == licensor.edition))
        )
        return owned, None
    return frozenset(), frozenset()
