"""What the registry's modules share: who may read and write what (the scoping rules), and
writing one validated record."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from ringfence.core.errors import ErrorDetail, Forbidden, InvalidInput
from ringfence.core.security import Principal, Role
from ringfence.registry.builtin import IOC_ID
from ringfence.registry.enums import PartyKind
from ringfence.registry.error_codes import ErrorCode
from ringfence.registry.models import Licence, Mark, Party, licence_marks, licence_sellers
from ringfence.registry.schemas import RegistryDocument
from ringfence.registry.validation import _Refs, _validate

DIRECTORY = frozenset({PartyKind.ioc, PartyKind.noc, PartyKind.ocog, PartyKind.marketplace})


# --------------------------------------------------------------------------- scoping


def _party_visible(principal: Principal, party: Party, session: Session) -> bool:
    if principal.is_admin or party.kind in DIRECTORY or party.id == principal.party_id:
        return True
    if principal.role is Role.rights_holder:
        if party.managed_by_id == principal.party_id:
            return True
        return (
            session.scalar(
                select(func.count())
                .select_from(Licence)
                .where(Licence.licensor_id == principal.party_id)
                .where(_held_or_sold_by(party.id))
            )
            or 0
        ) > 0
    return False


def manages(session: Session, principal: Principal, party_id: str) -> bool:
    """Whether the principal manages the party: the admin, or the rights holder that manages
    it (the IOC for a party nobody manages). Only the manager grants a licensee licences and
    manages its products; holding a licence of yours does not make a party yours."""
    if principal.is_admin:
        return True
    party = session.get(Party, party_id)
    if party is None or principal.role is not Role.rights_holder:
        return False
    return principal.party_id == (party.managed_by_id or IOC_ID)


def _mark_visible(principal: Principal, mark: Mark, session: Session) -> bool:
    if principal.is_admin:
        return True
    if principal.role is Role.rights_holder:
        return mark.owner_id == principal.party_id
    if principal.role is Role.licensee:
        return (
            session.scalar(
                select(func.count())
                .select_from(licence_marks.join(Licence))
                .where(licence_marks.c.mark_id == mark.id)
                .where(_held_or_sold_by(principal.party_id or ""))
            )
            or 0
        ) > 0
    return False


def _licence_visible(principal: Principal, lic: Licence) -> bool:
    if principal.is_admin:
        return True
    if principal.role is Role.rights_holder:
        return lic.licensor_id == principal.party_id
    if principal.role is Role.licensee:
        return lic.licensee_id == principal.party_id or any(
            s.id == principal.party_id for s in lic.sellers
        )
    return False


def _require_reader(principal: Principal) -> None:
    if principal.role is Role.marketplace:
        raise Forbidden(
            "the marketplace role may screen and ask for licence decisions only",
            code=ErrorCode.FORBIDDEN_ROLE,
        )


def _require_writer(principal: Principal) -> None:
    if principal.role not in (Role.admin, Role.rights_holder):
        raise Forbidden(
            f"the {principal.role.value} role is read-only for the registry",
            code=ErrorCode.READ_ONLY_ROLE,
        )


def _own(principal: Principal, owner_id: str, field_name: str) -> None:
    if not principal.is_admin and owner_id != principal.party_id:
        raise Forbidden(
            f"{field_name} must be your own party ({principal.party_id})",
            code=ErrorCode.NOT_YOUR_PARTY,
            loc=(field_name,),
        )


def _write_one(session: Session, doc: RegistryDocument, section: str) -> None:
    refs = _Refs(session)
    errors = _validate(refs, doc)
    if errors:
        # Single-entity writes report locations relative to the body, not the document.
        raise InvalidInput(
            errors[0].msg,
            code=errors[0].code,
            details=[
                ErrorDetail(e.code, e.msg, e.loc[2:]) for e in errors if e.loc[:1] == (section,)
            ]
            or errors,
        )


def _held_or_sold_by(party_id: str) -> ColumnElement[bool]:
    return or_(
        Licence.licensee_id == party_id,
        Licence.id.in_(
            select(licence_sellers.c.licence_id).where(licence_sellers.c.party_id == party_id)
        ),
    )
