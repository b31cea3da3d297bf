"""The screening engine and the licence decision import no web, ORM or CLI code, so that
library users and distributed workers can embed them."""

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


ENGINE = (
    "ringfence.registry.decision",
    "ringfence.registry.builtin",
    "ringfence.screening.engine",
    "ringfence.screening._kernel",
    "ringfence.screening.index",
    "ringfence.screening.normalize",
    "ringfence.screening.runners.local",
    "ringfence.screening.runners.dataset",
    "ringfence.screening.detectors.terms",
    "ringfence.screening.detectors.fuzzy",
    "ringfence.screening.detectors.cues",
    "ringfence.screening.detectors.rings",
    "ringfence.screening.detectors.price",
)


def test_engine_modules_import_no_framework() -> None:
    code = f"import sys, {', '.join(ENGINE)}; print('\\n'.join(sorted(sys.modules)))"
    loaded = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    offenders = [m for m in loaded if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN)]
    assert offenders == []
