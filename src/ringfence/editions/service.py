"""The edition lifecycle (one transition table), the read-only rule for archived editions, and
the hand-over of an organising committee's reusable parts to the next one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.authenticity.models import SigningKey
from ringfence.core.db import utcnow
from ringfence.core.errors import Conflict, Forbidden, NotFound
from ringfence.core.security import Principal, Role
from ringfence.core.states import move
from ringfence.editions.error_codes import ErrorCode
from ringfence.editions.models import EditionEvent
from ringfence.enforcement import handover as case_handover
from ringfence.registry.enums import EDITION, EditionStatus, PartyKind
from ringfence.registry.models import Edition, Licence, Mark, MarkException, Party
from ringfence.shop import handover as store_handover

# --------------------------------------------------------------------------- lifecycle

# The lifecycle's table is registry.enums.EDITION: forwards only, one step at a time; an
# archive is final.
TRANSITIONS: Mapping[EditionStatus, frozenset[EditionStatus]] = EDITION.table

# An OCOG moves its own edition along; only the IOC archives (it cannot be undone).
OCOG_MAY_ENTER = frozenset({EditionStatus.preparing, EditionStatus.live, EditionStatus.closing})


def ocog_id(edition_id: str) -> str:
    return f"OCOG:{edition_id}"


def _actor(principal: Principal) -> str:
    who = principal.party_id or "system"
    return f"{who} (key {principal.key_id})" if principal.key_id else who


def get_edition(session: Session, edition_id: str, *, lock: bool = False) -> Edition:
    query = select(Edition).where(Edition.id == edition_id)
    edition = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if edition is None:
        raise NotFound(f"no edition {edition_id!r}", code=ErrorCode.EDITION_NOT_FOUND)
    return edition


def transition(edition: Edition, to: EditionStatus) -> None:
    """Move an edition to ``to`` or raise Conflict ``illegal_transition``."""
    move(edition, EDITION, to)


def next_status(status: EditionStatus) -> EditionStatus:
    following = sorted(TRANSITIONS[status], key=list(EditionStatus).index)
    if not following:
        raise Conflict(
            f"an {status.value} edition has no next state", code=ErrorCode.ILLEGAL_TRANSITION
        )
    return following[0]


def advance(
    session: Session,
    *,
    principal: Principal,
    edition_id: str,
    to: EditionStatus | None = None,
    now: datetime | None = None,
) -> Edition:
    """Move the edition one step along its lifecycle (to ``to`` when given, which must be the
    next step). The admin may make every move; the edition's OCOG every move but the archive.
    Archiving needs every order of the OCOG's store settled; it closes the store."""
    edition = get_edition(session, edition_id, lock=True)
    # Who may comes first: a stranger gets the same 403 whatever state the edition is in.
    if not (principal.is_admin or principal.acts_as(Role.rights_holder, ocog_id(edition_id))):
        raise Forbidden(
            "an edition is moved along by its OCOG or the admin", code=ErrorCode.NOT_YOUR_EDITION
        )
    target = to if to is not None else next_status(edition.status)
    if not principal.is_admin and target not in OCOG_MAY_ENTER:
        raise Forbidden(
            f"only the IOC (admin) may make an edition {target.value}", code=ErrorCode.IOC_ONLY
        )
    before = edition.status
    transition(edition, target)
    if target is EditionStatus.archived:
        store_handover.close_for_archive(session, ocog_id(edition_id))
    session.add(
        EditionEvent(
            edition_id=edition_id,
            kind="transition",
            actor=_actor(principal),
            at=now or utcnow(),
            detail={"from": before.value, "to": target.value},
        )
    )
    session.flush()
    return edition


def history(session: Session, edition_id: str) -> list[EditionEvent]:
    get_edition(session, edition_id)
    return list(
        session.scalars(
            select(EditionEvent)
            .where(EditionEvent.edition_id == edition_id)
            .order_by(EditionEvent.id)
        )
    )


# --------------------------------------------------------------------------- hand-over

Action = Literal["carried", "shared", "not_carried"]

# The hand-over's parts, in the order they are reported, and why each is (not) carried. This
# table is the documented set (docs/handover.md); tests check the plan against it.
PARTS: dict[str, tuple[Action, str]] = {
    "categories": ("shared", "the category taxonomy is global: every edition uses it as is"),
    "detection_rules": (
        "shared",
        "IOC-wide marks, their variants and exceptions, and the screening cue words are "
        "global data: they apply to the next edition without a copy",
    ),
    "notice_templates": ("shared", "notice wording is deployment settings, not OCOG data"),
    "enforcement_policies": ("shared", "strike, deadline and trust policies are settings"),
    "marketplace_connectors": ("shared", "the notice connector is deployment settings"),
    "trusted_reporters": (
        "shared",
        "trust is computed from every reporter's record across all rights holders; "
        "there is no per-OCOG list to copy",
    ),
    "storefront_settings": (
        "carried",
        "name, currency and ship-to countries of the store, for a new OCOG without one",
    ),
    "open_cases": (
        "carried",
        "open cases concerning IOC-wide marks are re-routed to the new OCOG (audited)",
    ),
    "edition_marks": (
        "not_carried",
        "the old edition's own marks (name, emblem, mascots) and their exceptions stay with it",
    ),
    "licences": ("not_carried", "licences granted by the old OCOG expire on their own terms"),
    "other_cases": (
        "not_carried",
        "closed cases, and open cases only about the old edition's marks, stay visible there",
    ),
    "signing_keys": (
        "not_carried",
        "the old OCOG's keys stay with it: codes issued under them verify forever",
    ),
    "orders_and_ledger": ("not_carried", "sales and royalties belong to the old store"),
}


@dataclass
class PlanItem:
    part: str
    action: Action
    why: str
    items: list[str] = field(default_factory=list)


@dataclass
class HandoverPlan:
    source: str
    target: str
    dry_run: bool
    parts: list[PlanItem]

    def by_part(self) -> dict[str, PlanItem]:
        return {p.part: p for p in self.parts}

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "dry_run": self.dry_run,
            "parts": [
                {"part": p.part, "action": p.action, "why": p.why, "items": p.items}
                for p in self.parts
            ],
        }


HANDOVER_FROM = frozenset({EditionStatus.closing, EditionStatus.archived})
HANDOVER_TO = frozenset({EditionStatus.planned, EditionStatus.preparing, EditionStatus.live})


def _ioc_marks(session: Session) -> set[str]:
    return set(
        session.scalars(
            select(Mark.id)
            .join(Party, Party.id == Mark.owner_id)
            .where(Party.kind == PartyKind.ioc)
        )
    )


def _ocog(session: Session, edition_id: str) -> Party:
    party = session.get(Party, ocog_id(edition_id))
    if party is None or party.kind is not PartyKind.ocog:
        raise NotFound(f"the edition {edition_id} has no OCOG", code=ErrorCode.OCOG_NOT_FOUND)
    return party


def handover(
    session: Session,
    *,
    principal: Principal,
    source: str,
    target: str,
    dry_run: bool = False,
    now: datetime | None = None,
) -> HandoverPlan:
    """Carry the reusable parts of ``source``'s OCOG to ``target``'s (see :data:`PARTS`). The
    source must be closing or archived, the target not yet closing. A dry run only reports.
    Running it again carries nothing new."""
    if not principal.is_admin:
        raise Forbidden("the IOC (admin) hands editions over", code=ErrorCode.IOC_ONLY)
    if source == target:
        raise Conflict(
            "an edition cannot be handed over to itself", code=ErrorCode.HANDOVER_NOT_ALLOWED
        )
    old = get_edition(session, source, lock=not dry_run)
    new = get_edition(session, target, lock=not dry_run)
    if old.status not in HANDOVER_FROM:
        raise Conflict(
            f"{source} is {old.status.value}: hand over once it is closing or archived",
            code=ErrorCode.HANDOVER_NOT_ALLOWED,
        )
    if new.status not in HANDOVER_TO:
        raise Conflict(
            f"{target} is {new.status.value}: it can no longer take a hand-over",
            code=ErrorCode.HANDOVER_NOT_ALLOWED,
        )
    old_ocog, new_ocog = _ocog(session, source), _ocog(session, target)
    now = now or utcnow()
    ioc_marks = _ioc_marks(session)

    items: dict[str, list[str]] = {part: [] for part in PARTS}
    items["categories"] = ["taxonomy"]
    ioc_exceptions = session.scalar(
        select(MarkException.id).where(MarkException.mark_id.in_(ioc_marks)).limit(1)
    )
    items["detection_rules"] = [f"{len(ioc_marks)} IOC-wide marks"] + (
        ["their exceptions"] if ioc_exceptions is not None else []
    )
    items["notice_templates"] = ["settings"]
    items["enforcement_policies"] = ["settings"]
    items["marketplace_connectors"] = ["settings"]
    items["trusted_reporters"] = ["computed"]

    old_store = store_handover.store_settings(session, old_ocog.id)
    new_store = store_handover.store_settings(session, new_ocog.id)
    store_action: Action = "carried"
    store_why = PARTS["storefront_settings"][1]
    if old_store is None:
        store_action, store_why = "not_carried", f"{old_ocog.id} has no storefront"
    elif new_store is not None:
        store_action, store_why = "not_carried", f"{new_ocog.id} has a storefront already"
    else:
        items["storefront_settings"] = [
            f"name={_store_name(old_store.name, old, new)}",
            f"currency={old_store.currency}",
            f"ships_to={','.join(old_store.ships_to)}",
        ]

    cases = case_handover.cases_held_by(session, old_ocog.id, lock=not dry_run)
    carried = [c for c in cases if c.open and ioc_marks.intersection(c.marks)]
    items["open_cases"] = [str(c.id) for c in carried]
    items["other_cases"] = [str(c.id) for c in cases if c not in carried]
    items["edition_marks"] = list(
        session.scalars(
            select(Mark.id)
            .where((Mark.edition_id == source) | (Mark.owner_id == old_ocog.id))
            .order_by(Mark.id)
        )
    )
    items["licences"] = list(
        session.scalars(
            select(Licence.id).where(Licence.licensor_id == old_ocog.id).order_by(Licence.id)
        )
    )
    items["signing_keys"] = list(
        session.scalars(
            select(SigningKey.id).where(SigningKey.party_id == old_ocog.id).order_by(SigningKey.id)
        )
    )
    items["orders_and_ledger"] = [f"store {old_ocog.id}"] if old_store is not None else []

    parts = [
        PlanItem(
            part,
            store_action if part == "storefront_settings" else action,
            store_why if part == "storefront_settings" else why,
            items[part],
        )
        for part, (action, why) in PARTS.items()
    ]
    plan = HandoverPlan(source, target, dry_run, parts)
    if dry_run:
        return plan

    _apply(session, plan, _actor(principal), now, old, new, old_store, carried)
    return plan


def _apply(
    session: Session,
    plan: HandoverPlan,
    actor: str,
    now: datetime,
    old: Edition,
    new: Edition,
    old_store: store_handover.StoreSettings | None,
    carried: list[case_handover.HeldCase],
) -> None:
    if plan.by_part()["storefront_settings"].action == "carried" and old_store is not None:
        name = _store_name(old_store.name, old, new)
        store_handover.open_closed_copy(session, ocog_id(new.id), replace(old_store, name=name))
    case_handover.hand_over_cases(
        session,
        (c.id for c in carried),
        source=(ocog_id(old.id), old.id),
        target=(ocog_id(new.id), new.id),
        actor=actor,
        at=now,
    )
    summary = {p.part: p.items for p in plan.parts if p.action == "carried"}
    session.add(
        EditionEvent(
            edition_id=old.id,
            kind="handover",
            actor=actor,
            at=now,
            detail={"to": new.id, "carried": summary},
        )
    )
    session.add(
        EditionEvent(
            edition_id=new.id,
            kind="handover",
            actor=actor,
            at=now,
            detail={"from": old.id, "carried": summary},
        )
    )
    session.flush()


def _store_name(name: str, old: Edition, new: Edition) -> str:
    """The old store's name with the edition's name swapped ("Paris 2024 Official Store" ->
    "LA28 Official Store"); a name without it gets the new edition's name in front."""
    if old.name in name:
        return name.replace(old.name, new.name)
    return f"{new.name} {name}"
