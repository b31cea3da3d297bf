"""Issue 18, r6: the wheel carries every data file. The full check builds and installs the wheel
(`make wheel`, .ci/wheel_smoke.py); this one, fast, holds pyproject's package-data globs
against the source tree, so a new data folder missing from them fails here first."""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "ringfence"
NOT_SHIPPED = {".py", ".pyc", ".pyx", ".c", ".so"}  # as in .ci/wheel_smoke.py


def test_h18_r6_package_data_covers_every_data_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["ringfence"]
    shipped = {
        Path(p).as_posix()
        for pattern in patterns
        for p in glob.glob(pattern, root_dir=PACKAGE)
        if (PACKAGE / p).is_file()
    }
    data = {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in NOT_SHIPPED and "__pycache__" not in p.parts
    }
    assert "screening/data/cues.tsv" in data
    assert sorted(data - shipped) == []
