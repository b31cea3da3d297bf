"""Storefronts: creating one, listing them, opening and closing one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.errors import Conflict, InvalidInput
from ringfence.core.security import Principal
from ringfence.registry.archive import ensure_writable
from ringfence.registry.enums import PartyKind
from ringfence.registry.models import Party
from ringfence.shop._common import _get_store, _owner
from ringfence.shop.error_codes import ErrorCode
from ringfence.shop.models import Storefront
from ringfence.shop.schemas import StorefrontIn, StorefrontOut


def create_storefront(
    session: Session, *, principal: Principal, data: StorefrontIn
) -> StorefrontOut:
    _owner(principal, data.id)
    ensure_writable(session, data.id)
    party = session.get(Party, data.id)
    if party is None or party.kind not in (PartyKind.ioc, PartyKind.noc, PartyKind.ocog):
        raise InvalidInput(
            "a storefront belongs to the IOC, an NOC or an OCOG", code=ErrorCode.NOT_A_RIGHTS_HOLDER
        )
    if session.get(Storefront, data.id) is not None:
        raise Conflict(f"{data.id} has a storefront already", code=ErrorCode.ALREADY_EXISTS)
    store = Storefront(id=data.id, name=data.name, currency=data.currency, ships_to=data.ships_to)
    session.add(store)
    session.flush()
    return StorefrontOut.model_validate(store)


def list_storefronts(session: Session) -> list[StorefrontOut]:
    return [
        StorefrontOut.model_validate(s)
        for s in session.scalars(select(Storefront).order_by(Storefront.id))
    ]


def set_store_open(
    session: Session, *, principal: Principal, store_id: str, is_open: bool
) -> StorefrontOut:
    _owner(principal, store_id)
    ensure_writable(session, store_id)
    store = _get_store(session, store_id)
    store.open = is_open
    return StorefrontOut.model_validate(store)
