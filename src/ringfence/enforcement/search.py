"""Finding cases: search and filters over every case the principal may see (decided ones
included), the CSV export of a search, and saved views (a user's named searches).

A search is a :class:`CaseQuery`, parsed from a page's query string by :func:`parse_query`:
every value is checked and a bad one raises ``InvalidInput`` with code ``invalid_filter`` and
the parameter's name as ``loc`` (never a 500). ``CaseQuery.params`` writes the canonical query
string back, which is what links, saved views and the CSV export carry."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import ColumnElement, Select, String, cast, delete, extract, func, or_, select
from sqlalchemy.orm import Session

from ringfence.core import spreadsheet
from ringfence.core.db import utcnow
from ringfence.core.errors import InvalidInput, NotFound
from ringfence.core.security import Principal
from ringfence.enforcement._common import ANALYSTS, OPENERS, _require, _visible
from ringfence.enforcement.enums import AppealStatus, CaseSource, CaseStatus, Decision
from ringfence.enforcement.error_codes import ErrorCode
from ringfence.enforcement.models import Appeal, Case, SavedView
from ringfence.enforcement.queries import CSV_COLUMNS
from ringfence.enforcement.schemas import CaseOut

MAX_PAGE = 100  # the most cases one page of results shows
PAGE_SIZES = (25, 50, 100)
MAX_EXPORT = 10_000  # the most cases one CSV export holds (newest first by the search's order)
MAX_TEXT = 200
MAX_VIEWS = 50  # saved views per user
MAX_VIEW_NAME = 100
MAX_QUERY = 2_000  # a saved view's query string
# Risk bands (risk is 0..1): [low, high) except the last, which includes 1.
BANDS: dict[str, tuple[float, float]] = {
    "low": (0.0, 0.5),
    "medium": (0.5, 0.8),
    "high": (0.8, 1.0),
}
SORTS = ("newest", "oldest", "risk")
# Takedown turnaround buckets (hours from opening to the decision): [low, high).
TURNAROUND: dict[str, tuple[float, float | None]] = {
    "under_1h": (0, 1),
    "1h_to_24h": (1, 24),
    "1d_to_7d": (24, 168),
    "over_7d": (168, None),
}
E = TypeVar("E")


def _bad(name: str, msg: str) -> InvalidInput:
    return InvalidInput(f"{name}: {msg}", code=ErrorCode.INVALID_FILTER, loc=("query", name))


@dataclass(frozen=True)
class CaseQuery:
    """The filters of a search; an empty field filters nothing."""

    q: str = ""  # words in the title, the listing id or the seller id (case-insensitive)
    mark: str = ""  # a mark id the case names
    seller: str = ""  # a seller id, exactly
    marketplace: str = ""  # a marketplace id, exactly
    status: tuple[CaseStatus, ...] = ()
    source: tuple[CaseSource, ...] = ()  # who reported: screening, buyer report, ...
    reporter: str = ""  # the reporter id, exactly (a user, key or screening run)
    band: str = ""  # low, medium, high
    risk_min: float | None = None
    risk_max: float | None = None
    territory: str = ""  # a territory the listing ships to (ISO code)
    opened_from: date | None = None
    opened_to: date | None = None  # inclusive
    decided_from: date | None = None
    decided_to: date | None = None  # inclusive
    decision: Decision | None = None
    appeal: AppealStatus | None = None
    turnaround: str = ""  # a TURNAROUND bucket of the time from opening to the decision
    sort: str = "newest"
    size: int = 50
    page: int = 1

    MULTI: ClassVar[frozenset[str]] = frozenset({"status", "source"})

    def params(self, *, paging: bool = False) -> list[tuple[str, str]]:
        """The canonical query string's pairs, defaults left out (``paging``: size and page too)."""
        out: list[tuple[str, str]] = []
        default = CaseQuery()
        for f in fields(self):
            if f.name in ("size", "page") and not paging:
                continue
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if f.name in self.MULTI:
                out += [(f.name, v.value) for v in value]
            elif isinstance(value, date):
                out.append((f.name, value.isoformat()))
            elif hasattr(value, "value"):
                out.append((f.name, value.value))
            else:
                out.append((f.name, str(value)))
        return out

    def query_string(self, *, paging: bool = False, **changes: Any) -> str:
        """The query string of this search, with ``changes`` (another page, another size)."""
        pairs = [p for p in self.params(paging=paging) if p[0] not in changes]
        pairs += [(k, str(v)) for k, v in changes.items() if v not in (None, "")]
        return urlencode(pairs)

    @property
    def empty(self) -> bool:
        return not self.params()


def _text(raw: Mapping[str, list[str]], name: str) -> str:
    values = raw.get(name) or [""]
    if len(values) > 1:
        raise _bad(name, "give it once")
    value = " ".join(values[0].split())
    if len(value) > MAX_TEXT:
        raise _bad(name, f"at most {MAX_TEXT} characters")
    return value


def _date(raw: Mapping[str, list[str]], name: str) -> date | None:
    value = _text(raw, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad(name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _risk(raw: Mapping[str, list[str]], name: str) -> float | None:
    value = _text(raw, name)
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise _bad(name, f"{value!r} is not a number") from None
    if not 0 <= number <= 1:  # also refuses nan
        raise _bad(name, "a risk is between 0 and 1")
    return number


def _choice(raw: Mapping[str, list[str]], name: str, kind: type[E]) -> E | None:
    value = _text(raw, name)
    if not value:
        return None
    try:
        return kind(value)  # type: ignore[call-arg]
    except ValueError:
        allowed = ", ".join(m.value for m in kind)  # type: ignore[attr-defined]
        raise _bad(name, f"{value!r} is not one of {allowed}") from None


def _choices(raw: Mapping[str, list[str]], name: str, kind: type[E]) -> tuple[E, ...]:
    out: list[E] = []
    for given in raw.get(name, []):
        value = given.strip()
        if not value:
            continue
        try:
            item = kind(value)  # type: ignore[call-arg]
        except ValueError:
            allowed = ", ".join(m.value for m in kind)  # type: ignore[attr-defined]
            raise _bad(name, f"{value[:50]!r} is not one of {allowed}") from None
        if item not in out:
            out.append(item)
    return tuple(out)


def _int(raw: Mapping[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    value = _text(raw, name)
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise _bad(name, f"a whole number from {low} to {high}")
    return int(value)


KNOWN = frozenset(f.name for f in fields(CaseQuery)) | {"view"}


def parse_query(pairs: Sequence[tuple[str, str]]) -> CaseQuery:
    """A search from a query string's pairs; InvalidInput (``invalid_filter``) on any bad value.
    Unknown parameters are ignored (a page may add its own)."""
    raw: dict[str, list[str]] = {}
    for key, value in pairs:
        if key in KNOWN:
            raw.setdefault(key, []).append(value)
    band = _text(raw, "band")
    if band and band not in BANDS:
        raise _bad("band", f"{band!r} is not one of {', '.join(BANDS)}")
    turnaround = _text(raw, "turnaround")
    if turnaround and turnaround not in TURNAROUND:
        raise _bad("turnaround", f"{turnaround!r} is not one of {', '.join(TURNAROUND)}")
    sort = _text(raw, "sort") or "newest"
    if sort not in SORTS:
        raise _bad("sort", f"{sort!r} is not one of {', '.join(SORTS)}")
    query = CaseQuery(
        q=_text(raw, "q"),
        mark=_text(raw, "mark"),
        seller=_text(raw, "seller"),
        marketplace=_text(raw, "marketplace"),
        status=_choices(raw, "status", CaseStatus),
        source=_choices(raw, "source", CaseSource),
        reporter=_text(raw, "reporter"),
        band=band,
        risk_min=_risk(raw, "risk_min"),
        risk_max=_risk(raw, "risk_max"),
        territory=_text(raw, "territory").upper(),
        opened_from=_date(raw, "opened_from"),
        opened_to=_date(raw, "opened_to"),
        decided_from=_date(raw, "decided_from"),
        decided_to=_date(raw, "decided_to"),
        decision=_choice(raw, "decision", Decision),
        appeal=_choice(raw, "appeal", AppealStatus),
        turnaround=turnaround,
        sort=sort,
        size=_int(raw, "size", 50, 1, MAX_PAGE),
        page=_int(raw, "page", 1, 1, 100_000),
    )
    low, high = query.risk_min, query.risk_max
    if low is not None and high is not None and low > high:
        raise _bad("risk_max", "the highest risk is below the lowest")
    for start, end in (("opened_from", "opened_to"), ("decided_from", "decided_to")):
        a, b = getattr(query, start), getattr(query, end)
        if a is not None and b is not None and a > b:
            raise _bad(end, "the range ends before it starts")
    return query


def parse_query_string(text: str) -> CaseQuery:
    return parse_query(parse_qsl(text, keep_blank_values=True))


# ------------------------------------------------------------------ the query


def _like(text: str) -> str:
    """``text`` for a LIKE pattern, with ``!`` as the escape character."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _contains(column: Any, value: str) -> ColumnElement[bool]:
    """A JSON list of strings holds ``value``: the list's text holds its JSON string (the
    column is written by json.dumps on SQLite and PostgreSQL alike)."""
    return cast(column, String).like(f"%{_like(json.dumps(value))}%", escape="!")


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _hours(dialect: str) -> ColumnElement[Any]:
    """Hours from a case's opening to its decision, in the database's own date arithmetic."""
    if dialect == "postgresql":
        return extract("epoch", Case.decided_at - Case.created_at) / 3600
    return (func.julianday(Case.decided_at) - func.julianday(Case.created_at)) * 24


def _conditions(query: CaseQuery, dialect: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.q:
        for word in query.q.split()[:10]:
            pattern = f"%{_like(word.lower())}%"
            where.append(
                or_(
                    func.lower(Case.title).like(pattern, escape="!"),
                    func.lower(Case.seller_id).like(pattern, escape="!"),
                    func.lower(func.coalesce(Case.listing_id, "")).like(pattern, escape="!"),
                )
            )
    if query.mark:
        where.append(_contains(Case.marks, query.mark))
    if query.territory:
        where.append(_contains(Case.territories, query.territory))
    if query.seller:
        where.append(Case.seller_id == query.seller)
    if query.marketplace:
        where.append(Case.marketplace_id == query.marketplace)
    if query.status:
        where.append(Case.status.in_(list(query.status)))
    if query.source:
        where.append(Case.source.in_(list(query.source)))
    if query.reporter:
        where.append(Case.reporter_id == query.reporter)
    if query.band:
        low, high = BANDS[query.band]
        where.append(Case.risk >= low)
        where.append(Case.risk <= high if query.band == "high" else Case.risk < high)
    if query.risk_min is not None:
        where.append(Case.risk >= query.risk_min)
    if query.risk_max is not None:
        where.append(Case.risk <= query.risk_max)
    if query.opened_from is not None:
        where.append(Case.created_at >= _start(query.opened_from))
    if query.opened_to is not None:
        where.append(Case.created_at < _start(query.opened_to + timedelta(days=1)))
    if query.decided_from is not None:
        where.append(Case.decided_at >= _start(query.decided_from))
    if query.decided_to is not None:
        where.append(Case.decided_at < _start(query.decided_to + timedelta(days=1)))
    if query.decision is not None:
        where.append(Case.decision == query.decision)
    if query.appeal is not None:
        where.append(Case.id.in_(select(Appeal.case_id).where(Appeal.status == query.appeal)))
    if query.turnaround:
        shortest, longest = TURNAROUND[query.turnaround]
        hours = _hours(dialect)
        where += [Case.decided_at.is_not(None), hours >= shortest]
        if longest is not None:
            where.append(hours < longest)
    return where


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _select(principal: Principal, query: CaseQuery, dialect: str) -> Select[Case]:
    _require(principal, OPENERS, "search enforcement cases")
    statement = select(Case).where(_visible(principal), *_conditions(query, dialect))
    if query.sort == "oldest":
        return statement.order_by(Case.id)
    if query.sort == "risk":
        return statement.order_by(Case.risk.desc(), Case.id.desc())
    return statement.order_by(Case.id.desc())


@dataclass(frozen=True)
class SearchPage:
    """One page of a search: its cases, how many match in all, and the search itself."""

    query: CaseQuery
    cases: list[CaseOut]
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.size))


def search_cases(session: Session, *, principal: Principal, query: CaseQuery) -> SearchPage:
    """One page of the cases that match ``query``, among those the principal may see."""
    statement = _select(principal, query, _dialect(session))
    total = count_cases(session, principal=principal, query=query)
    rows = session.scalars(statement.limit(query.size).offset((query.page - 1) * query.size)).all()
    return SearchPage(
        query=query, cases=[CaseOut.model_validate(c) for c in rows], total=int(total or 0)
    )


def count_cases(session: Session, *, principal: Principal, query: CaseQuery) -> int:
    """How many cases the principal sees match ``query``."""
    statement = _select(principal, query, _dialect(session)).order_by(None)
    return int(session.scalar(select(func.count()).select_from(statement.subquery())) or 0)


def cases_between(
    session: Session, *, principal: Principal, start: date, end: date, limit: int
) -> list[CaseOut]:
    """The cases opened or decided from ``start`` to ``end`` (inclusive, UTC days), newest
    first, at most ``limit``: what the dashboard counts."""
    _require(principal, OPENERS, "see enforcement cases")
    since, until = _start(start), _start(end + timedelta(days=1))
    opened = (Case.created_at >= since) & (Case.created_at < until)
    decided = (Case.decided_at >= since) & (Case.decided_at < until)
    rows = session.scalars(
        select(Case)
        .where(_visible(principal), or_(opened, decided))
        .order_by(Case.id.desc())
        .limit(limit)
    )
    return [CaseOut.model_validate(c) for c in rows]


def marketplaces(session: Session, *, principal: Principal, limit: int = 200) -> list[str]:
    """The marketplaces of the principal's cases (suggestions for the search form)."""
    _require(principal, OPENERS, "see enforcement cases")
    return list(
        session.scalars(
            select(Case.marketplace_id)
            .where(_visible(principal))
            .distinct()
            .order_by(Case.marketplace_id)
            .limit(limit)
        )
    )


def export_rows(
    session: Session, *, principal: Principal, query: CaseQuery, limit: int = MAX_EXPORT
) -> list[list[Any]]:
    """The matching cases as rows of ``CSV_COLUMNS`` (the CLI's export columns), at most
    ``limit`` of them, in the search's order."""
    statement = _select(principal, query, _dialect(session))
    rows = session.scalars(statement.limit(min(limit, MAX_EXPORT)))
    out = []
    for case in rows:
        row = CaseOut.model_validate(case).model_dump(mode="json")
        out.append([row[c] for c in CSV_COLUMNS])
    return out


def csv_chunks(rows: Sequence[Sequence[Any]], *, chunk: int = 500) -> Iterator[str]:
    """The CSV text of ``rows`` under a header, a few hundred rows at a time (formulas
    neutralised, lists joined by ``;``)."""
    out = io.StringIO()
    writer = spreadsheet.Writer(out)
    writer.writerow(CSV_COLUMNS)
    for i, row in enumerate(rows, 1):
        writer.writerow(row)
        if i % chunk == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


# ------------------------------------------------------------------ saved views


@dataclass(frozen=True)
class ViewOut:
    id: int
    name: str
    query: str
    created_at: datetime
    filters: list[tuple[str, str]] = field(default_factory=list)


def _owner(principal: Principal) -> str:
    """The party a user's views belong to: views are kept per user and per party."""
    _require(principal, ANALYSTS, "save searches")
    return principal.party_id or ""


def _view_out(view: SavedView) -> ViewOut:
    return ViewOut(
        id=view.id,
        name=view.name,
        query=view.query,
        created_at=view.created_at,
        filters=parse_query_string(view.query).params(),
    )


def list_views(session: Session, *, principal: Principal, user_id: int) -> list[ViewOut]:
    """The user's saved views, by name, for the party the user acts for now."""
    party = _owner(principal)
    rows = session.scalars(
        select(SavedView)
        .where(SavedView.user_id == user_id, SavedView.party_id == party)
        .order_by(SavedView.name, SavedView.id)
    )
    return [_view_out(v) for v in rows]


def save_view(
    session: Session, *, principal: Principal, user_id: int, name: str, query: CaseQuery
) -> ViewOut:
    """Save ``query`` under ``name`` (the same name again replaces that view's filters)."""
    party = _owner(principal)
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("name the view", code=ErrorCode.INVALID_VIEW_NAME, loc=("name",))
    if len(name) > MAX_VIEW_NAME:
        raise InvalidInput(
            f"a view's name has at most {MAX_VIEW_NAME} characters",
            code=ErrorCode.INVALID_VIEW_NAME,
            loc=("name",),
        )
    text = query.query_string()
    if not text:
        raise InvalidInput(
            "choose at least one filter to save", code=ErrorCode.EMPTY_VIEW, loc=("query",)
        )
    if len(text) > MAX_QUERY:
        raise InvalidInput(
            "the search is too long to save", code=ErrorCode.INVALID_FILTER, loc=("query",)
        )
    mine = (SavedView.user_id == user_id, SavedView.party_id == party)
    view = session.scalars(select(SavedView).where(*mine, SavedView.name == name)).one_or_none()
    if view is None:
        count = session.scalar(select(func.count()).select_from(SavedView).where(*mine)) or 0
        if count >= MAX_VIEWS:
            raise InvalidInput(
                f"you have {MAX_VIEWS} saved views: delete one first", code=ErrorCode.TOO_MANY_VIEWS
            )
        view = SavedView(
            user_id=user_id, party_id=party, name=name, query=text, created_at=utcnow()
        )
        session.add(view)
    else:
        view.query = text
    session.flush()
    return _view_out(view)


def get_view(session: Session, *, principal: Principal, user_id: int, view_id: int) -> ViewOut:
    party = _owner(principal)
    view = session.scalars(
        select(SavedView).where(
            SavedView.id == view_id, SavedView.user_id == user_id, SavedView.party_id == party
        )
    ).one_or_none()
    if view is None:
        raise NotFound(f"no saved view with id {view_id}", code=ErrorCode.VIEW_NOT_FOUND)
    return _view_out(view)


def delete_view(session: Session, *, principal: Principal, user_id: int, view_id: int) -> None:
    """Delete one of the user's views; another user's (or another party's) is NotFound."""
    get_view(session, principal=principal, user_id=user_id, view_id=view_id)
    session.execute(delete(SavedView).where(SavedView.id == view_id))
