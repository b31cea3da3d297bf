"""The CLI under test: real commands on a fresh SQLite file, output and exit code captured."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ringfence.cli.main import run


class Cli:
    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str
    ) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", url)

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.monkeypatch.setattr(sys, "argv", ["ringfence", *args])
        code = 0
        try:
            run()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = self.capsys.readouterr()
        return code, out.out, out.err


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Cli:
    monkeypatch.setenv("RINGFENCE_EVIDENCE_DIR", str(tmp_path / "evidence"))  # the demo's files
    return Cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'cli.db'}")


@pytest.fixture
def loaded(cli: Cli) -> Cli:
    assert cli("db", "upgrade")[0] == 0
    assert cli("registry", "builtin")[0] == 0
    return cli
