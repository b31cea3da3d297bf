"""The decision index stays free of web, ORM and CLI code, so the screening engine and
distributed workers can embed it."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "typer",
    "alembic",
    "ringfence.web",
    "ringfence.cli",
)


def test_decision_module_imports_no_framework() -> None:
    code = (
        "import sys, ringfence.registry.decision, ringfence.registry.builtin;"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    loaded = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    offenders = [m for m in loaded if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN)]
    assert offenders == []
