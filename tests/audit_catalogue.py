"""The table of audit event kinds in docs/audit.md, made from the declarations.

Every package's kinds (``core.audit.kind`` in its ``events.py``, ``core.audit.track`` in its
``models.py``, and the ``<name>.status`` kind of each machine in its ``enums.py``) are loaded and
listed. ``python -m tests.audit_catalogue --write`` rewrites the section between its markers;
``tests/core/test_audit.py`` fails when the section is not what the source makes.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import ringfence

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "ringfence"
DOC = ROOT / "docs" / "audit.md"
BEGIN = "<!-- audit-kinds:begin (python -m tests.audit_catalogue --write) -->"
END = "<!-- audit-kinds:end -->"


def load_every_kind() -> None:
    """Import every module that declares kinds."""
    for info in pkgutil.iter_modules(ringfence.__path__):
        for leaf in ("models", "enums", "events"):
            if (SRC / info.name / f"{leaf}.py").exists():
                importlib.import_module(f"ringfence.{info.name}.{leaf}")


def section() -> str:
    from ringfence.core import audit

    load_every_kind()
    lines = [
        BEGIN,
        "| kind | package | records | payload keys |",
        "|---|---|---|---|",
    ]
    for kind in audit.describe():
        keys = ", ".join(f"`{k}`" for k in sorted(kind.payload)) or "none"
        lines.append(f"| `{kind.name}` | {kind.package} | {kind.summary} | {keys} |")
    lines.append(END)
    return "\n".join(lines)


def current() -> str:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def write() -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    DOC.write_text(text[:start] + section() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        print(section())
