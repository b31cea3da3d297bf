"""What an edition's hand-over (``editions/service.py``) asks of the shop, as public commands:
the editions domain reads and changes storefronts only through these."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.core.errors import Conflict
from ringfence.shop.enums import OrderStatus
from ringfence.shop.error_codes import ErrorCode
from ringfence.shop.models import Order, Storefront

# Orders that still need work (payment, fulfilment, shipping): the store must settle them first.
UNSETTLED_ORDERS = (
    OrderStatus.placed,
    OrderStatus.paid,
    OrderStatus.fulfilled,
    OrderStatus.shipped,
)


@dataclass(frozen=True)
class StoreSettings:
    name: str
    currency: str
    ships_to: tuple[str, ...]


def store_settings(session: Session, party_id: str) -> StoreSettings | None:
    """The settings of ``party_id``'s storefront; None when it has none."""
    store = session.get(Storefront, party_id)
    if store is None:
        return None
    return StoreSettings(store.name, store.currency, tuple(store.ships_to))


def close_for_archive(session: Session, party_id: str) -> None:
    """Close ``party_id``'s storefront (if any) for good; refused while an order is unsettled."""
    store = session.get(Storefront, party_id)
    if store is None:
        return
    unsettled = session.scalar(
        select(Order.id)
        .where(Order.storefront_id == party_id, Order.status.in_(UNSETTLED_ORDERS))
        .limit(1)
    )
    if unsettled is not None:
        raise Conflict(
            f"the store of {party_id} has unsettled orders (such as {unsettled}): "
            "settle them before archiving",
            code=ErrorCode.UNSETTLED_ORDERS,
        )
    store.open = False


def open_closed_copy(session: Session, party_id: str, settings: StoreSettings) -> None:
    """A storefront for ``party_id`` with ``settings``, closed: its owner opens it when it is
    ready to sell."""
    session.add(
        Storefront(
            id=party_id,
            name=settings.name,
            currency=settings.currency,
            ships_to=list(settings.ships_to),
            open=False,
        )
    )
