"""Merging a bundle's rows into a deployment that already holds rows of its own.

A bundle carries one edition with every row it refers to, so its shared rows (the IOC, the
categories, IOC marks, the edition's own row) usually exist already in a deployment that holds
the built-in registry or other editions. Each bundled row, table by table with parents first,
is one of:

* **new**: not here; inserted, under its own id when that id is free.
* **kept**: here with the same contents, bookkeeping times (``created_at``, ``updated_at``)
  aside: each deployment keeps its own.
* **moved on**: the edition's own row, later in its lifecycle in the bundle (``preparing``
  here, ``live`` there): the bundle's status is taken, as the hand-over means.
* **renumbered**: a row whose integer id a deployment allocates itself (a mark's variant, an
  order line, a scan...) and which that id names another row here: it takes a new id, and the
  rows that refer to it follow. A row here with the same contents under another id is the same
  row (so importing twice changes nothing).
* **a conflict**: anything else that differs (a mark whose owner differs, an edition further on
  here than in the bundle, a case id taken here: case ids are written into the hash-chained
  audit bodies, so a case is never renumbered). Every conflict is reported, with the columns
  that differ; one conflict refuses the whole bundle.

``plan`` decides and changes nothing; ``apply`` writes a plan. The caller's transaction makes
the import all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Integer, Table, and_, func, select, tuple_, update
from sqlalchemy.orm import Session

from ringfence.core.errors import Conflict, ErrorDetail
from ringfence.editions.error_codes import ErrorCode
from ringfence.registry.enums import EditionStatus

Row = dict[str, Any]

BOOKKEEPING = frozenset({"created_at", "updated_at"})
# Integer ids that other tables' hashed or signed contents name: never renumbered.
FIXED_IDS = frozenset({"enforcement_cases"})
_LIFECYCLE = list(EditionStatus)
_CHUNK = 500


@dataclass
class TablePlan:
    insert: list[Row] = field(default_factory=list)
    update: list[Row] = field(default_factory=list)  # editions moved on: the bundle's row
    kept: int = 0
    renumbered: int = 0


@dataclass
class Plan:
    tables: dict[str, TablePlan] = field(default_factory=dict)
    conflicts: list[ErrorDetail] = field(default_factory=list)
    ids: dict[str, dict[int, int]] = field(default_factory=dict)  # table -> bundle id -> here

    def refuse_on_conflict(self) -> None:
        if self.conflicts:
            raise Conflict(
                f"bundle refused: {len(self.conflicts)} rows conflict with this deployment's",
                code=ErrorCode.BUNDLE_CONFLICTS,
                details=self.conflicts,
            )

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            name: {
                "inserted": len(p.insert),
                "updated": len(p.update),
                "kept": p.kept,
                "renumbered": p.renumbered,
            }
            for name, p in self.tables.items()
        }


def plan(session: Session, tables: Iterable[tuple[Table, list[Row]]]) -> Plan:
    """What importing the decoded rows (``tables`` parents first) would do, changing nothing."""
    out = Plan()
    for table, bundled in tables:
        rows = [_follow(table, row, out.ids) for row in bundled]
        out.tables[table.name] = _plan_table(session, table, rows, out)
    return out


def apply(session: Session, tables: Iterable[Table], plan: Plan) -> None:
    """Write ``plan`` (already checked free of conflicts), parents first."""
    for table in tables:
        step = plan.tables.get(table.name)
        if step is None:
            continue
        for row in _parents_first(table, step.insert):
            session.execute(table.insert().values(row))
        pk = _pk(table)
        for row in step.update:
            session.execute(
                update(table)
                .where(and_(*(c == row[c.name] for c in pk)))
                .values({k: v for k, v in row.items() if k not in BOOKKEEPING})
            )
    session.flush()


def _pk(table: Table) -> list[Any]:
    return list(table.primary_key.columns)


def _key(table: Table, row: Row) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


def content(table: Table, row: Row, *, with_pk: bool = True) -> dict[str, Any]:
    pk = {c.name for c in table.primary_key.columns}
    return {k: v for k, v in row.items() if k not in BOOKKEEPING and (with_pk or k not in pk)}


def _renumbered(table: Table) -> bool:
    pk = _pk(table)
    return (
        len(pk) == 1
        and isinstance(pk[0].type, Integer)
        and not pk[0].foreign_keys
        and table.name not in FIXED_IDS
    )


def _follow(table: Table, row: Row, ids: dict[str, dict[int, int]]) -> Row:
    """The row with every foreign key to a renumbered row pointing at its id here."""
    out = dict(row)
    for fk in table.foreign_keys:
        moved = ids.get(fk.column.table.name)
        value = out.get(fk.parent.name)
        if moved and value in moved:
            out[fk.parent.name] = moved[value]
    return out


def rows_by_key(session: Session, table: Table, keys: list[tuple[Any, ...]]) -> dict[Any, Row]:
    """The rows here with these primary keys, by key (in chunks of a bounded IN list)."""
    pk = _pk(table)
    found: dict[Any, Row] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        cond = pk[0].in_([k[0] for k in chunk]) if len(pk) == 1 else tuple_(*pk).in_(chunk)
        for there in session.execute(select(table).where(cond)).mappings():
            found[_key(table, dict(there))] = dict(there)
    return found


def _plan_table(session: Session, table: Table, rows: list[Row], out: Plan) -> TablePlan:
    step = TablePlan()
    existing = rows_by_key(session, table, [_key(table, r) for r in rows])
    # A row of a renumbered table may be here under another id (renumbered by an earlier
    # import, or allocated in another order): looked for by contents, unless the table is empty.
    renumbered = _renumbered(table) and session.scalar(select(table).limit(1)) is not None
    taken: list[Row] = []
    for row in rows:
        key = _key(table, row)
        there = existing.get(key)
        if there is None and renumbered and (same := _same_row(session, table, row)) is not None:
            out.ids.setdefault(table.name, {})[key[0]] = same
            step.kept += 1
        elif there is None:
            step.insert.append(row)
        elif content(table, there) == content(table, row):
            step.kept += 1
        elif _moved_on(table, there, row):
            step.update.append(row)
        elif renumbered:
            taken.append(row)
        else:
            out.conflicts.append(_conflict(table, key, there, row))
    if taken:
        _renumber(session, table, taken, step, out)
    return step


def _moved_on(table: Table, there: Row, row: Row) -> bool:
    """The edition's own row, later in its lifecycle in the bundle and otherwise the same."""
    if table.name != "editions":
        return False
    a, b = dict(content(table, there)), dict(content(table, row))
    if {k for k in a if a[k] != b.get(k)} != {"status"}:
        return False
    return _LIFECYCLE.index(EditionStatus(b["status"])) > _LIFECYCLE.index(
        EditionStatus(a["status"])
    )


def _conflict(table: Table, key: tuple[Any, ...], there: Row, row: Row) -> ErrorDetail:
    a, b = content(table, there), content(table, row)
    columns = sorted(k for k in b if a.get(k) != b[k])
    shown = ", ".join(f"{c} {_show(a.get(c))} here, {_show(b[c])} in the bundle" for c in columns)
    name = "/".join(str(k) for k in key)
    return ErrorDetail(ErrorCode.ROW_CONFLICT, f"{table.name} {name}: {shown}", (table.name, *key))


def _show(value: Any) -> str:
    text = getattr(value, "value", value)
    text = repr(text)
    return text if len(text) <= 60 else text[:57] + "..."


def _renumber(session: Session, table: Table, rows: list[Row], step: TablePlan, out: Plan) -> None:
    """Rows whose id names another row here: the same contents under another id is that row;
    the rest take ids past the highest here and in the bundle."""
    pk = _pk(table)[0]
    moved = out.ids.setdefault(table.name, {})
    top = max(
        session.scalar(select(func.max(pk))) or 0,
        *(r[pk.name] for r in step.insert),
        *(r[pk.name] for r in rows),
    )
    for row in rows:
        same = _same_row(session, table, row)
        if same is not None:
            moved[row[pk.name]] = same
            step.kept += 1
            continue
        top += 1
        moved[row[pk.name]] = top
        step.insert.append({**row, pk.name: top})
        step.renumbered += 1


def _same_row(session: Session, table: Table, row: Row) -> Any:
    """The id of a row here with the contents of ``row`` under another id, or None (JSON
    values are compared here, not by the database: PostgreSQL has no ``json = json``)."""
    pk = _pk(table)[0]
    wanted = content(table, row, with_pk=False)
    plain = {k: v for k, v in wanted.items() if not isinstance(table.c[k].type, JSON)}
    query = select(table).where(
        *(table.c[k] == v if v is not None else table.c[k].is_(None) for k, v in plain.items())
    )
    for there in session.execute(query.limit(100)).mappings():
        if content(table, dict(there), with_pk=False) == wanted:
            return there[pk.name]
    return None


def _parents_first(table: Table, rows: list[Row]) -> list[Row]:
    """Rows of a self-referencing table (categories, parties) with each parent before its
    children."""
    selfrefs = [
        ([c.name for c in fk.columns], [e.column.name for e in fk.elements])
        for fk in table.foreign_key_constraints
        if fk.referred_table is table
    ]
    if not selfrefs:
        return rows
    pending = list(rows)
    keys_pending = {_key(table, r) for r in pending}
    ordered: list[Row] = []
    while pending:
        ready = [
            r
            for r in pending
            if all(
                tuple(r[c] for c in local) not in keys_pending
                or tuple(r[c] for c in local) == _key(table, r)
                for local, _ in selfrefs
            )
        ]
        if not ready:  # a cycle: let the database say what is wrong
            ordered.extend(pending)
            break
        ordered.extend(ready)
        done = {_key(table, r) for r in ready}
        pending = [r for r in pending if _key(table, r) not in done]
        keys_pending -= done
    return ordered
