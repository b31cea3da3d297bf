"""Strikes: upheld takedowns counted per seller (the repeat-infringer policy)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringfence.core.errors import NotFound
from ringfence.core.security import Principal
from ringfence.core.settings import Settings
from ringfence.enforcement._common import OPENERS, _now, _require, _visible
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.models import Case, Strike
from ringfence.enforcement.schemas import StrikesOut


def _strike_count(session: Session, seller_id: str, settings: Settings, now: datetime) -> int:
    since = now - timedelta(days=settings.strike_window_days)
    return int(
        session.scalar(
            select(func.count())
            .select_from(Strike)
            .where(Strike.seller_id == seller_id, Strike.at > since, Strike.at <= now)
        )
        or 0
    )


def strikes(
    session: Session,
    *,
    principal: Principal,
    seller_id: str,
    settings: Settings,
    now: datetime | None = None,
) -> StrikesOut:
    """A seller's strikes in the window, across every rights holder (strikes follow the
    seller). Only those who see one of the seller's cases may ask."""
    _require(principal, OPENERS, "see strikes")
    seen = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.seller_id == seller_id, _visible(principal))
    )
    if not seen:
        raise NotFound(f"no seller {seller_id!r} in your cases", code=ErrorCode.SELLER_NOT_FOUND)
    count = _strike_count(session, seller_id, settings, _now(now))
    return StrikesOut(
        seller_id=seller_id,
        strikes=count,
        window_days=settings.strike_window_days,
        threshold=settings.strike_threshold,
        repeat_infringer=count >= settings.strike_threshold,
    )
