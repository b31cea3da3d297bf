"""Screening uploads into cases: the one way every caller (``POST /v1/cases/screen``, the
console's upload page, ``ringfence cases screen`` and the demo) turns a batch of listings into
cases, so that all of them check the same things:

- the marketplace is one of the registry's (``known_marketplace``: its id in any case, with or
  without ``MKT:``, or its name), stored under its one id, so that one marketplace never has
  two spellings and the same listings two cases; a marketplace's own user or key screens for
  its own marketplace only (Forbidden ``not_your_party`` otherwise, as before);
- a listing already under an undecided case on that marketplace (open, escalated, or waiting
  for its removal), whatever its version, opens no second case: the row names that case
  (``already_under_case``), or only says so when the caller may not see it
  (``already_reported``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from ringfence.core.errors import Forbidden, InvalidInput
from ringfence.core.security import Principal, Role
from ringfence.core.settings import Settings
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.service import ScreenedListing, known_marketplace, screen_listings
from ringfence.screening.engine import Engine


def upload_marketplace(session: Session, *, principal: Principal, given: str) -> str:
    """The registry's id of the marketplace an upload is for. A marketplace principal: its own
    party (when ``given`` is empty, or names it in any spelling), Forbidden otherwise; anyone
    else: ``known_marketplace`` (InvalidInput ``unknown_marketplace`` naming the known ones)."""
    if principal.role is Role.marketplace:
        own = principal.party_id or ""
        if not given.strip():
            return own
        wanted = " ".join(given.split()).casefold()
        bare = own.split(":", 1)[1] if ":" in own else own
        if wanted in (own.casefold(), bare.casefold()):
            return own
        try:
            if known_marketplace(session, given) == own:  # its name (``Tmall``)
                return own
        except InvalidInput:
            pass  # another marketplace's or none's: not its own either way
        raise Forbidden(
            f"marketplace must be your own party ({own})",
            code=ErrorCode.NOT_YOUR_PARTY,
            loc=("marketplace",),
        )
    return known_marketplace(session, given)


def screen_upload(
    session: Session,
    *,
    principal: Principal,
    engine: Engine,
    marketplace: str,
    rows: Iterable[dict[str, Any]],
    settings: Settings,
    today: date | None = None,
    now: datetime | None = None,
) -> list[ScreenedListing]:
    """Screen ``rows`` for the registry's marketplace ``marketplace`` names and open a case
    for each actionable verdict, at most one undecided case per listing (module docstring)."""
    market = upload_marketplace(session, principal=principal, given=marketplace)
    return screen_listings(
        session,
        principal=principal,
        engine=engine,
        marketplace=market,
        rows=rows,
        settings=settings,
        one_open_case=True,
        today=today,
        now=now,
    )
