"""`alembic upgrade head` and `alembic check` (model/migration drift), run as the real alembic
command on a fresh SQLite file and, when RINGFENCE_TEST_DATABASE_URL is set, on a fresh
PostgreSQL database. Used by `make migrations` (part of `make test`)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.dbs import backends, fresh_database

ALEMBIC = Path(sys.executable).with_name("alembic")
ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    for backend in backends():
        with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
            env = os.environ | {"RINGFENCE_DATABASE_URL": url}
            for args in (["upgrade", "head"], ["check"]):
                done = subprocess.run(  # noqa: S603 - the venv's own alembic, fixed arguments
                    [str(ALEMBIC), *args],
                    cwd=ROOT,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    print(done.stdout + done.stderr, file=sys.stderr)
                    print(
                        f"migrations: {backend}: alembic {' '.join(args)} failed", file=sys.stderr
                    )
                    return 1
            print(f"migrations: {backend}: alembic upgrade head ok; alembic check: no drift")
    return 0


if __name__ == "__main__":
    sys.exit(main())
