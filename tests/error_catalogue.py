"""The catalogue of error codes in docs/api.md ("Error codes"), made from the source.

Every package's ``ErrorCode`` (``<package>/error_codes.py``) is read with the places that raise
each member: the error class (and so the HTTP status) and the message, its variable parts shown
as ``…``. ``python -m tests.error_catalogue --write`` rewrites the section between its markers;
``tests/core/test_error_codes.py`` fails when the section is not what the source makes.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "ringfence"
DOC = ROOT / "docs" / "api.md"
BEGIN = "<!-- error-codes:begin (python -m tests.error_catalogue --write) -->"
END = "<!-- error-codes:end -->"
STATUS = {  # core/errors.py
    "RingfenceError": 400,
    "InvalidInput": 422,
    "NotFound": 404,
    "Conflict": 409,
    "Unauthenticated": 401,
    "Forbidden": 403,
    "PayloadTooLarge": 413,
    "RateLimited": 429,
    "ConfigurationError": 500,
}


@dataclass
class Code:
    value: str
    packages: set[str] = field(default_factory=set)
    statuses: set[int] = field(default_factory=set)
    message: str = ""


def enums() -> dict[str, dict[str, str]]:
    """package -> member name -> value."""
    out = {}
    for path in sorted(SRC.glob("*/error_codes.py")):
        members = {}
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    members[target.id] = str(node.value.value)
        out[path.parent.name] = members
    return out


def _statuses() -> dict[str, int]:
    """Every error class of the source by name, with the status it inherits."""
    known = dict(STATUS)
    classes = [
        node
        for path in SRC.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
    ]
    changed = True
    while changed:
        changed = False
        for c in classes:
            if c.name in known:
                continue
            for base in c.bases:
                name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                if name in known:
                    own = [
                        n.value.value
                        for n in c.body
                        if isinstance(n, ast.Assign)
                        and isinstance(n.value, ast.Constant)
                        and any(getattr(t, "id", "") == "status_code" for t in n.targets)
                    ]
                    known[c.name] = int(str(own[0])) if own else known[name]
                    changed = True
                    break
    return known


def _message(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "…"
            for v in node.values
        )
    return "…"


def catalogue() -> list[Code]:
    members = enums()
    statuses = _statuses()
    codes: dict[str, Code] = {}
    for package, names in members.items():
        for value in names.values():
            codes.setdefault(value, Code(value)).packages.add(package)
    uses: dict[str, list[tuple[int | None, str]]] = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        package = path.relative_to(SRC).parts[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            refs = [kw.value for kw in node.keywords if kw.arg == "code"]
            f = node.func
            fname = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
            if fname == "ErrorDetail" and node.args:
                refs.append(node.args[0])
            for ref in refs:
                if not (
                    isinstance(ref, ast.Attribute)
                    and isinstance(ref.value, ast.Name)
                    and ref.value.id == "ErrorCode"
                ):
                    continue
                found_value = members.get(package, {}).get(ref.attr)
                if found_value is None:
                    continue
                value = found_value
                message = _message(node.args[0]) if node.args and fname != "ErrorDetail" else ""
                if fname == "ErrorDetail" and len(node.args) > 1:
                    message = _message(node.args[1])
                uses[value].append((statuses.get(fname), message))
    for value, found in uses.items():
        code = codes[value]
        code.statuses.update(s for s, _ in found if s is not None)
        messages = sorted(
            (m for _, m in found if m and m != "…"), key=lambda m: (m.count("…"), len(m))
        )
        code.message = messages[0] if messages else ""
    return sorted(codes.values(), key=lambda c: c.value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def section() -> str:
    rows = [
        BEGIN,
        "| code | HTTP status | raised in | message (an example; `…` is filled in) |",
        "|---|---|---|---|",
    ]
    for c in catalogue():
        status = ", ".join(str(s) for s in sorted(c.statuses)) or "–"
        rows.append(
            f"| `{c.value}` | {status} | {', '.join(sorted(c.packages))} | {_cell(c.message)} |"
        )
    rows.append(END)
    return "\n".join(rows)


def current() -> str:
    text = DOC.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def write() -> None:
    text = DOC.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    DOC.write_text(text[:start] + section() + text[end:])


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        print(section())
