"""Licences, and the licences in force for a seller."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.errors import Conflict, Forbidden, NotFound
from ringfence.core.security import Principal, Role
from ringfence.registry._common import (
    _held_or_sold_by,
    _licence_visible,
    _own,
    _require_reader,
    _require_writer,
    _write_one,
    manages,
)
from ringfence.registry.archive import ensure_writable
from ringfence.registry.decision import licensor_rights
from ringfence.registry.enums import WORLDWIDE, LicenceStatus
from ringfence.registry.error_codes import ErrorCode
from ringfence.registry.mapping import _apply_licence, licence_out, party_out
from ringfence.registry.models import Licence, Party
from ringfence.registry.revisions import _bump_revision
from ringfence.registry.schemas import LicenceIn, RegistryDocument

# --------------------------------------------------------------------------- licences


def list_licences(session: Session, *, principal: Principal) -> list[LicenceIn]:
    _require_reader(principal)
    query = select(Licence).order_by(Licence.id)
    if principal.role is Role.rights_holder:
        query = query.where(Licence.licensor_id == principal.party_id)
    elif principal.role is Role.licensee:
        query = query.where(_held_or_sold_by(principal.party_id or ""))
    elif not principal.is_admin:
        return []
    return [licence_out(lic) for lic in session.scalars(query)]


def _get_licence(session: Session, principal: Principal, licence_id: str) -> Licence:
    _require_reader(principal)
    lic = session.get(Licence, licence_id)
    if lic is None or not _licence_visible(principal, lic):
        raise NotFound(f"no licence with id {licence_id!r}", code=ErrorCode.LICENCE_NOT_FOUND)
    return lic


def get_licence(session: Session, *, principal: Principal, licence_id: str) -> LicenceIn:
    return licence_out(_get_licence(session, principal, licence_id))


def save_licence(
    session: Session, *, principal: Principal, data: LicenceIn, create: bool
) -> LicenceIn:
    _require_writer(principal)
    if create and session.get(Licence, data.id) is not None:
        raise Conflict(
            f"licence {data.id!r} already exists", code=ErrorCode.ALREADY_EXISTS, loc=("id",)
        )
    if not create:
        old = _get_licence(session, principal, data.id)
        _own(principal, old.licensor_id, "licensor")
        ensure_writable(session, old.licensor_id)
    _own(principal, data.licensor, "licensor")
    ensure_writable(session, data.licensor)
    _managed_licensee(session, principal, data)
    _write_one(session, RegistryDocument(licences=[data]), "licences")
    row = _apply_licence(session, data)
    session.flush()
    _bump_revision(session)
    return licence_out(row)


def _managed_licensee(session: Session, principal: Principal, data: LicenceIn) -> None:
    """A licence goes to a licensee the licensor manages, and its authorised sellers are the
    licensor's or nobody's: an NOC cannot attach itself to another NOC's licensee (and then
    see its products or register products for it) by granting it a licence."""
    if principal.is_admin:
        return
    if session.get(Party, data.licensee) is not None and not manages(
        session, principal, data.licensee
    ):
        raise Forbidden(
            f"{data.licensee} is not managed by {principal.party_id}: only its managing "
            "party (or the IOC) grants it licences",
            code=ErrorCode.NOT_YOUR_LICENSEE,
            loc=("licensee",),
        )
    for j, seller in enumerate(data.sellers):
        party = session.get(Party, seller)
        if party is not None and party.managed_by_id not in (None, principal.party_id):
            raise Forbidden(
                f"{seller} is managed by another party",
                code=ErrorCode.NOT_YOUR_LICENSEE,
                loc=("sellers", j),
            )


def delete_licence(session: Session, *, principal: Principal, licence_id: str) -> None:
    _require_writer(principal)
    lic = _get_licence(session, principal, licence_id)
    _own(principal, lic.licensor_id, "licensor")
    ensure_writable(session, lic.licensor_id)
    session.delete(lic)
    session.flush()
    _bump_revision(session)


def licences_in_force(
    session: Session, *, party_id: str, on: date
) -> tuple[str | None, list[LicenceIn]]:
    """Public: the licences a party holds or sells under that are in force on ``on`` (active
    and dated), each cut down to what its licensor can grant (its marks and territories, as
    ``authorize`` decides); the party's name only when at least one remains. Says nothing of
    other parties, not even whether they exist."""
    query = (
        select(Licence)
        .where(_held_or_sold_by(party_id))
        .where(Licence.status == LicenceStatus.active)
        .where(Licence.valid_from <= on, Licence.valid_until >= on)
        .order_by(Licence.id)
    )
    in_force = []
    for lic in session.scalars(query):
        # Show what the licensor can grant, as `authorize` decides it: its marks and territories.
        licensor = session.get_one(Party, lic.licensor_id)
        owners = {m.id: (m.owner_id, m.edition_id) for m in lic.marks}
        rights, where = licensor_rights(party_out(licensor), owners, owners)
        out = licence_out(lic)
        territories = out.territories
        if where is not None:
            territories = sorted(where if WORLDWIDE in territories else set(territories) & where)
        marks = [m for m in out.marks if m in rights]
        if marks and territories:
            in_force.append(out.model_copy(update={"marks": marks, "territories": territories}))
    if not in_force:
        return None, []
    return session.get_one(Party, party_id).name, in_force
