"""Each domain's models import alone and make their tables: a process that imports one domain
(the stream worker imports enforcement's) finds every table its foreign keys name. Found by the
worker's kill test: enforcement's cases refer to the users table of auth."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "ringfence"
MODULES = sorted(f"ringfence.{p.parent.name}.models" for p in SRC.glob("*/models.py"))
CHECK = """
import importlib, sys
import sqlalchemy as sa
from sqlalchemy.orm import configure_mappers
from ringfence.core.db import Base
importlib.import_module(sys.argv[1])
configure_mappers()
Base.metadata.create_all(sa.create_engine("sqlite://"))
"""


@pytest.mark.parametrize("module", MODULES)
def test_a_domains_models_make_their_tables_alone(module: str) -> None:
    done = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", CHECK, module], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
