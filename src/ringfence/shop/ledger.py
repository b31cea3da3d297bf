"""The double-entry ledger that orders post to, and the royalty statement made from it."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from ringfence.core.errors import Forbidden, InvalidInput
from ringfence.core.money import royalty
from ringfence.core.security import Principal, Role
from ringfence.shop.enums import EntryKind
from ringfence.shop.error_codes import ErrorCode
from ringfence.shop.models import LedgerEntry
from ringfence.shop.schemas import StatementLine, StatementOut


class _PostedLine(Protocol):
    @property
    def line_id(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def line_total_minor(self) -> int: ...
    @property
    def royalty_rate(self) -> Decimal: ...
    @property
    def licence_id(self) -> str: ...
    @property
    def licensor_id(self) -> str: ...
    @property
    def licensee_id(self) -> str: ...


def _post(conn: Connection, lines: Iterable[_PostedLine], kind: EntryKind, now: datetime) -> None:
    """Two entries per line: the licensor's receivable and the licensee's payable."""
    sign = 1 if kind is EntryKind.accrual else -1
    entries = []
    for line in lines:
        amount = sign * royalty(line.line_total_minor, line.royalty_rate)
        posting = "P" + secrets.token_hex(8)
        for account, value in (
            (f"royalty_receivable:{line.licensor_id}", amount),
            (f"royalty_payable:{line.licensee_id}", -amount),
        ):
            entries.append(
                {
                    "posting": posting,
                    "order_line_id": line.line_id,
                    "kind": kind,
                    "account": account,
                    "amount_minor": value,
                    "sales_minor": sign * line.line_total_minor,
                    "currency": line.currency,
                    "licensor_id": line.licensor_id,
                    "licensee_id": line.licensee_id,
                    "licence_id": line.licence_id,
                    "posted_at": now,
                }
            )
    if entries:
        conn.execute(insert(LedgerEntry), entries)


# ------------------------------------------------------------------ royalties


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """``2026``, ``2026-Q1`` or ``2026-03`` as [start, end) in UTC."""
    try:
        if len(period) == 4:
            year = int(period)
            return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
        year_text, part = period.split("-")
        year = int(year_text)
        if part.upper().startswith("Q"):
            quarter = int(part[1:])
            if not 1 <= quarter <= 4:
                raise ValueError
            first, last = 3 * quarter - 2, 3 * quarter + 1
        else:
            first = int(part)
            if not 1 <= first <= 12:
                raise ValueError
            last = first + 1
        start = datetime(year, first, 1, tzinfo=UTC)
        end = datetime(year + (last > 12), (last - 1) % 12 + 1, 1, tzinfo=UTC)
    except ValueError:
        raise InvalidInput(
            f"{period!r} is not a period: YYYY, YYYY-Qn or YYYY-MM",
            code=ErrorCode.INVALID_PERIOD,
            loc=("period",),
        ) from None
    return start, end


def royalty_statement(
    session: Session, *, principal: Principal, licensor: str, period: str
) -> StatementOut:
    """What each licensee owes ``licensor`` for the period, per currency: accruals less
    reversals posted in it. Its totals are the ledger's, by construction and by test."""
    if not (
        principal.is_admin
        or (principal.role is Role.rights_holder and principal.party_id == licensor)
    ):
        raise Forbidden(
            "a statement is for its licensor or the admin", code=ErrorCode.NOT_YOUR_PARTY
        )
    start, end = period_bounds(period)
    account = f"royalty_receivable:{licensor}"
    rows = session.execute(
        select(
            LedgerEntry.licensee_id,
            LedgerEntry.currency,
            func.sum(LedgerEntry.sales_minor),
            func.sum(LedgerEntry.amount_minor),
            func.count(),
        )
        .where(
            LedgerEntry.account == account,
            LedgerEntry.posted_at >= start,
            LedgerEntry.posted_at < end,
        )
        .group_by(LedgerEntry.licensee_id, LedgerEntry.currency)
        .order_by(LedgerEntry.licensee_id, LedgerEntry.currency)
    ).all()
    lines = [
        StatementLine(
            licensee=licensee,
            currency=currency,
            sales_minor=int(sales),
            royalty_minor=int(amount),
            entries=n,
        )
        for licensee, currency, sales, amount, n in rows
    ]
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.currency] = totals.get(line.currency, 0) + line.royalty_minor
    return StatementOut(
        licensor=licensor, period=period, start=start, end=end, lines=lines, totals=totals
    )


def ledger_balance(session: Session) -> int:
    """The sum of every entry: zero when the books balance."""
    return int(session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))) or 0)
