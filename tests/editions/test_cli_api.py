"""The `ringfence edition` commands on fresh SQLite files, and the /v1/editions API."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ringfence.core.security import Role
from tests.cli.test_cli import Cli
from tests.conftest import Keys


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Cli:
    loaded = Cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'a.db'}")
    assert loaded("db", "upgrade")[0] == 0
    assert loaded("registry", "builtin")[0] == 0
    return loaded


def test_lifecycle_commands(cli: Cli) -> None:
    code, out, _ = cli("edition", "list")
    assert "la28\tpreparing\tLA28" in out.splitlines()
    assert cli("edition", "advance", "la28") == (0, "la28: preparing -> live\n", "")
    code, _, err = cli("edition", "advance", "la28", "--to", "archived")
    assert code == 2
    assert "[illegal_transition]" in err
    assert cli("edition", "advance", "la28", "--to", "closing")[0] == 0
    assert cli("edition", "archive", "la28") == (0, "la28: archived\n", "")


def test_handover_dry_run_and_run(cli: Cli) -> None:
    code, out, err = cli("edition", "handover", "--from", "paris-2024", "--to", "la28", "--dry-run")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "hand-over paris-2024 -> la28 (dry run: nothing changed)"
    assert "  not carried  edition_marks: edition-paris-2024" in out
    assert "  shared       trusted_reporters: computed" in out
    code, out, _ = cli("edition", "handover", "--from", "paris-2024", "--to", "la28")
    assert code == 0
    assert "  carried      open_cases: -" in out
    code, out, _ = cli("edition", "handover", "--from", "paris-2024", "--to", "milano-cortina-2026")
    assert code == 2
    assert "[handover_not_allowed]" in out + _


def test_export_import_between_deployments(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "paris.tar.zst"
    code, out, err = cli("edition", "export", "--edition", "paris-2024", "--out", str(out_file))
    assert (code, err) == (0, "")
    assert out.startswith(f"wrote {out_file}: paris-2024, ")
    target = Cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'b.db'}")  # the other deployment
    assert target("db", "upgrade")[0] == 0
    code, out, err = target("edition", "import", "--dry-run", str(out_file))
    assert (code, err) == (0, "")
    assert out.startswith("would import paris-2024: ")
    assert out.endswith(", 0 already here\n")  # and the import below finds nothing written
    code, out, err = target("edition", "import", str(out_file))
    assert (code, err) == (0, "")
    assert out.startswith("imported paris-2024: ")
    assert out.endswith(", 0 already here\n")
    out_file.write_bytes(out_file.read_bytes()[:100])
    code, out, err = target("edition", "import", str(out_file))
    assert code == 2
    assert "[corrupt_bundle]" in err


def test_api(client: TestClient, keys: Keys) -> None:
    admin, la28 = keys("IOC", Role.admin), keys("OCOG:la28", Role.rights_holder)
    noc = keys("NOC:USA", Role.rights_holder)
    got = client.get("/v1/editions/la28", headers=la28)
    assert (got.status_code, got.json()["status"]) == (200, "preparing")
    assert client.post("/v1/editions/la28/advance", json={}, headers=noc).status_code == 403
    moved = client.post("/v1/editions/la28/advance", json={"to": "live"}, headers=la28)
    assert (moved.status_code, moved.json()["status"]) == (200, "live")
    illegal = client.post("/v1/editions/la28/advance", json={"to": "archived"}, headers=admin)
    assert (illegal.status_code, illegal.json()["detail"][0]["code"]) == (409, "illegal_transition")
    history = client.get("/v1/editions/la28/history", headers=admin).json()
    assert [(e["kind"], e["detail"]) for e in history] == [
        ("transition", {"from": "preparing", "to": "live"})
    ]
    body = {"from": "paris-2024", "to": "brisbane-2032", "dry_run": True}
    assert client.post("/v1/editions/handover", json=body, headers=la28).status_code == 403
    plan = client.post("/v1/editions/handover", json=body, headers=admin)
    assert plan.status_code == 200
    assert plan.json()["from"] == "paris-2024"
    assert {p["part"]: p["action"] for p in plan.json()["parts"]}["licences"] == "not_carried"
    assert client.get("/v1/editions/nowhere", headers=admin).status_code == 404
