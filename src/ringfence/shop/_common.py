"""What the shop's modules share: the official-store channel and the storefront loaders that
check who runs a store."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ringfence.core.errors import Forbidden, NotFound
from ringfence.core.security import Principal, Role
from ringfence.registry.enums import Channel
from ringfence.shop.error_codes import ErrorCode
from ringfence.shop.models import Storefront

OFFICIAL = Channel.official_store.value


def _runs_store(principal: Principal, store_id: str) -> bool:
    """The admin, or the store's party acting as its rights holder (not a licensee-role key)."""
    return principal.is_admin or principal.acts_as(Role.rights_holder, store_id)


def _owner(principal: Principal, store_id: str) -> None:
    if not _runs_store(principal, store_id):
        raise Forbidden(
            "only the store's rights holder or the admin", code=ErrorCode.NOT_YOUR_STORE
        )


def _get_store(session: Session, store_id: str) -> Storefront:
    store = session.get(Storefront, store_id)
    if store is None:
        raise NotFound(f"no storefront {store_id!r}", code=ErrorCode.STOREFRONT_NOT_FOUND)
    return store
