"""The state-machine helper (core/states.py): it raises on an illegal move, every status column
of the schema has a machine, and no code in src changes a status any other way."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace

import pytest

import ringfence
from ringfence.core.db import Base
from ringfence.core.errors import Conflict
from ringfence.core.states import MACHINES, Machine, declare, move

SRC = Path(ringfence.__file__).parent
HELPER = SRC / "core" / "states.py"
DOCS = SRC.parents[1] / "docs" / "architecture.md"

# Bulk statements that write a status column for many rows at once; each writes only statuses
# that its caller checked with the column's machine (``Machine.check``) first.
BULK_WRITERS = {
    # settle_orders: every order's step passes order_transition (ORDER.check) before the batch
    ("shop/settlement.py", "_SET_STATUS"),
}


def _load_everything() -> None:
    """Import every domain's models and enums, so Base.metadata and MACHINES are complete."""
    for info in pkgutil.iter_modules(ringfence.__path__):
        for leaf in ("models", "enums"):
            if (SRC / info.name / f"{leaf}.py").exists():
                importlib.import_module(f"ringfence.{info.name}.{leaf}")


class Light(StrEnum):
    red = "red"
    green = "green"
    amber = "amber"


LIGHT = Machine(
    "test_lights.status",
    "light",
    {
        Light.red: frozenset({Light.green}),
        Light.green: frozenset({Light.amber}),
        Light.amber: frozenset({Light.red}),
    },
    recorded_by="the tests (no rows, no chain)",
)
MACHINES.pop(LIGHT.column)  # a fixture, not a column of the schema


def test_a_legal_move_applies_and_an_illegal_one_raises_and_changes_nothing() -> None:
    row = SimpleNamespace(id="L1", status=Light.red)
    assert move(row, LIGHT, Light.green) is Light.green
    assert row.status is Light.green
    with pytest.raises(Conflict) as info:
        move(row, LIGHT, Light.red)
    assert info.value.code == "illegal_light_transition"
    assert info.value.loc == ("status",)
    assert str(info.value.msg) == "a light cannot go from green to red"
    assert row.status is Light.green


def test_a_domain_error_replaces_the_default() -> None:
    from ringfence.shop.enums import ORDER, OrderStatus

    row = SimpleNamespace(id="O9", status=OrderStatus.cancelled)
    with pytest.raises(Conflict) as info:
        move(row, ORDER, OrderStatus.paid)
    assert (info.value.code, info.value.msg) == (
        "illegal_transition",
        "order O9 is cancelled: it cannot become paid",
    )


def test_declare_takes_any_status_of_the_machine_only() -> None:
    row = SimpleNamespace(id="L2", status=None)
    assert declare(row, LIGHT, Light.amber) is Light.amber
    with pytest.raises(ValueError, match="not a status"):
        declare(row, LIGHT, "blue")  # type: ignore[misc]
    assert row.status is Light.amber


def test_a_table_must_cover_every_status_and_stay_inside_it() -> None:
    with pytest.raises(ValueError, match="missing"):
        Machine("t.a", "t", {Light.red: frozenset()})
    assert "t.a" not in MACHINES


def test_every_status_column_has_a_machine_and_a_line_in_the_docs() -> None:
    _load_everything()
    columns = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.name == "status"
    }
    assert columns, "no status column found: the scan is broken"
    assert columns <= set(MACHINES), f"status columns without a machine: {columns - set(MACHINES)}"
    docs = DOCS.read_text(encoding="utf-8")
    undocumented = [c for c in MACHINES if f"`{c}`" not in docs]
    assert not undocumented, f"machines missing from docs/architecture.md: {undocumented}"


def _targets(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.Tuple | ast.List):
        return [t for elt in node.elts for t in _targets(elt)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return [node]


def _writes(tree: ast.Module, name: str) -> list[str]:
    """Every place in one module that writes a ``status`` outside a machine."""
    found: list[str] = []
    bulk = {var for module, var in BULK_WRITERS if module == name}
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in _targets(target)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = _targets(node.target)
        for t in targets:
            if isinstance(t, ast.Attribute) and t.attr == "status":
                found.append(f"{name}:{t.lineno}: {ast.unparse(t)} = ...")
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (
                called == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value == "status"
            ):
                found.append(f"{name}:{node.lineno}: setattr(..., 'status', ...)")
            if called == "values" and any(k.arg == "status" for k in node.keywords):
                found.append(f"{name}:{node.lineno}: .values(status=...)")
    if bulk:
        # The allowed bulk statements: drop the findings inside their own assignment.
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in bulk for t in node.targets
            ):
                span = range(node.lineno, (node.end_lineno or node.lineno) + 1)
                found = [f for f in found if int(f.split(":")[1]) not in span]
    return found


def test_no_status_is_written_outside_the_state_machines() -> None:
    found: list[str] = []
    scanned = 0
    for path in sorted(SRC.rglob("*.py")):
        if path == HELPER or "migrations" in path.parts:
            continue
        name = path.relative_to(SRC).as_posix()
        found += _writes(ast.parse(path.read_text(encoding="utf-8")), name)
        scanned += 1
    assert scanned > 50
    assert not found, "write statuses with core.states.move or declare:\n" + "\n".join(found)


def test_the_scan_sees_every_form_of_write() -> None:
    code = (
        "a.status = 1\n"
        "a.x, a.status = 1, 2\n"
        "a.status += 1\n"
        "setattr(a, 'status', 3)\n"
        "update(T).values(status=4)\n"
    )
    assert len(_writes(ast.parse(code), "x.py")) == 5
