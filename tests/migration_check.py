"""`alembic upgrade head` and the drift check on each test database (used by `make migrations`)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ringfence.core.migrate import check, upgrade
from tests.dbs import backends, fresh_database


def main() -> int:
    for backend in backends():
        with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
            upgrade(url)
            check(url)
            print(f"migrations: {backend}: upgrade head ok, no drift")
    return 0


if __name__ == "__main__":
    sys.exit(main())
