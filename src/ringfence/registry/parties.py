"""Parties: rights holders, licensees, marketplaces and the directory of them."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ringfence.core.errors import Conflict, Forbidden, NotFound
from ringfence.core.security import Principal, Role
from ringfence.registry._common import (
    DIRECTORY,
    _party_visible,
    _require_reader,
    _require_writer,
    _write_one,
)
from ringfence.registry.enums import PartyKind
from ringfence.registry.error_codes import ErrorCode
from ringfence.registry.mapping import _apply_party, party_out
from ringfence.registry.models import Licence, Mark, Party, licence_sellers
from ringfence.registry.revisions import _bump_revision
from ringfence.registry.schemas import PartyIn, RegistryDocument

# --------------------------------------------------------------------------- parties


def list_parties(
    session: Session, *, principal: Principal, kind: PartyKind | None = None
) -> list[PartyIn]:
    _require_reader(principal)
    query = select(Party).order_by(Party.id)
    if kind is not None:
        query = query.where(Party.kind == kind)
    if not principal.is_admin:
        # The same rule as _party_visible, as one query rather than one per party.
        me = principal.party_id or ""
        visible = or_(Party.kind.in_(DIRECTORY), Party.id == me)
        if principal.role is Role.rights_holder:
            mine = select(Licence.id).where(Licence.licensor_id == me)
            visible = or_(
                visible,
                Party.managed_by_id == me,
                Party.id.in_(select(Licence.licensee_id).where(Licence.licensor_id == me)),
                Party.id.in_(
                    select(licence_sellers.c.party_id).where(licence_sellers.c.licence_id.in_(mine))
                ),
            )
        query = query.where(visible)
    return [party_out(p) for p in session.scalars(query)]


def _get_party(session: Session, principal: Principal, party_id: str) -> Party:
    _require_reader(principal)
    party = session.get(Party, party_id)
    if party is None or not _party_visible(principal, party, session):
        raise NotFound(f"no party with id {party_id!r}", code=ErrorCode.PARTY_NOT_FOUND)
    return party


def get_party(session: Session, *, principal: Principal, party_id: str) -> PartyIn:
    return party_out(_get_party(session, principal, party_id))


def save_party(session: Session, *, principal: Principal, data: PartyIn, create: bool) -> PartyIn:
    _require_writer(principal)
    existing = session.get(Party, data.id)
    if create and existing is not None:
        raise Conflict(
            f"party {data.id!r} already exists", code=ErrorCode.ALREADY_EXISTS, loc=("id",)
        )
    if not create:
        existing = _get_party(session, principal, data.id)
    if not principal.is_admin:
        if data.kind is not PartyKind.licensee:
            raise Forbidden(
                "only the IOC registers committees and marketplaces", code=ErrorCode.FORBIDDEN
            )
        if existing is not None and existing.managed_by_id != principal.party_id:
            raise Forbidden(f"party {data.id!r} is not managed by you", code=ErrorCode.FORBIDDEN)
        data = data.model_copy(update={"managed_by": principal.party_id})
    _write_one(session, RegistryDocument(parties=[data]), "parties")
    row = _apply_party(session, data)
    session.flush()
    _bump_revision(session)
    return party_out(row)


def delete_party(session: Session, *, principal: Principal, party_id: str) -> None:
    _require_writer(principal)
    party = _get_party(session, principal, party_id)
    if not principal.is_admin and party.managed_by_id != principal.party_id:
        raise Forbidden(f"party {party_id!r} is not managed by you", code=ErrorCode.FORBIDDEN)
    references = {
        "grants or holds licences": select(func.count())
        .select_from(Licence)
        .where(or_(Licence.licensor_id == party_id, Licence.licensee_id == party_id)),
        "is an authorised seller": select(func.count())
        .select_from(licence_sellers)
        .where(licence_sellers.c.party_id == party_id),
        "owns marks": select(func.count()).select_from(Mark).where(Mark.owner_id == party_id),
        "manages other parties": select(func.count())
        .select_from(Party)
        .where(Party.managed_by_id == party_id),
    }
    used = [what for what, query in references.items() if session.scalar(query)]
    if used:
        raise Conflict(
            f"party {party_id!r} is still referenced: it {', '.join(used)}",
            code=ErrorCode.PARTY_IN_USE,
        )
    session.delete(party)
    session.flush()
    _bump_revision(session)
