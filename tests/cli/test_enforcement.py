"""Enforcement commands on a fresh SQLite file: open (dedup), decide, dispatch, scheduler,
exports, and `audit verify` (0 intact, 1 with the break after tampering)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from tests.cli.test_cli import Cli

CASE = {
    "source": "rights_holder_report",
    "marketplace": "MKT:tmall",
    "listing_id": "cli-1",
    "seller_id": "seller-cli",
    "title": "Olympic rings hoodie",
    "marks": ["symbol-olympic-rings"],
}


@pytest.fixture
def ready(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Cli:
    loaded = Cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'cli.db'}")
    assert loaded("db", "upgrade")[0] == 0
    assert loaded("registry", "builtin")[0] == 0
    monkeypatch.setenv("RINGFENCE_EVIDENCE_DIR", str(tmp_path / "evidence"))
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(c) for c in (CASE, CASE, CASE | {"listing_id": "cli-2"})))
    code, out, err = loaded("cases", "open", str(cases))
    assert (code, err) == (0, "")
    assert out.strip() == f"{cases}: 2 cases opened, 1 already open"
    return loaded


def test_open_list_decide_dispatch(ready: Cli) -> None:
    code, out, _ = ready("cases", "list", "--queue")
    listed = json.loads(out)
    assert [c["listing_id"] for c in listed] == ["cli-1", "cli-2"]
    assert {c["rights_holder"] for c in listed} == {"IOC"}
    case_id = str(listed[0]["id"])
    code, out, _ = ready(
        "cases", "decide", case_id, "--decision", "takedown", "--reason", "counterfeit"
    )
    assert (code, out.strip()) == (0, f"case {case_id}: takedown_requested")
    assert ready("notices", "dispatch")[:2] == (0, "notices: 1 delivered, 0 failed\n")
    code, out, _ = ready("cases", "show", case_id)
    assert json.loads(out)["notices"][0]["status"] == "sent"
    code, out, _ = ready("scheduler", "run", "--now", "2030-01-01T00:00:00")
    assert json.loads(out) == {
        "closed_without_appeal": [],
        "appeals_upheld_by_default": [],
        "seller_cases_opened": [],
    }
    code, out, _ = ready("cases", "strikes", "seller-cli")
    assert json.loads(out)["strikes"] == 0


@pytest.mark.parametrize(
    "args",
    [
        ("cases", "decide", "1", "--decision", "takedown", "--reason", "legitimate_use"),
        ("cases", "decide", "1", "--decision", "nuke", "--reason", "counterfeit"),
        ("cases", "decide", "999", "--decision", "takedown", "--reason", "counterfeit"),
        ("cases", "list", "--status", "nope"),
        ("appeals", "decide", "1", "--outcome", "upheld", "--reason", "licence_shown"),
        ("scheduler", "run", "--now", "tomorrow"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(ready: Cli, args: tuple[str, ...]) -> None:
    code, _, err = ready(*args)
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("error: ")


def test_illegal_transition_is_exit_2(ready: Cli) -> None:
    assert (
        ready("cases", "decide", "1", "--decision", "dismiss", "--reason", "false_positive")[0] == 0
    )
    code, _, err = ready(
        "cases", "decide", "1", "--decision", "takedown", "--reason", "counterfeit"
    )
    assert code == 2
    assert "illegal_case_transition" in err


def test_exports(ready: Cli, tmp_path: Path) -> None:
    out_csv = tmp_path / "cases.csv"
    assert ready("cases", "export-csv", "-o", str(out_csv))[0] == 0
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    assert [r["listing_id"] for r in rows] == ["cli-1", "cli-2"]
    pack = tmp_path / "pack.zip"
    assert ready("cases", "export-pack", "1", "-o", str(pack))[0] == 0
    assert zipfile.ZipFile(pack).namelist() == ["case.json"]
    assert not list(tmp_path.glob("*.tmp"))


def test_audit_verify_finds_tampering(ready: Cli, tmp_path: Path) -> None:
    assert ready("audit", "verify") == (0, "audit trail intact\n", "")
    code, out, _ = ready("audit", "head")
    assert out.startswith("IOC\t")
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    code, _, err = ready("audit", "verify")
    assert code == 1
    assert "broken: IOC #2: edited: actor differ from the body" in err
    assert ready("audit", "verify", "--rights-holder", "NOC:NED")[0] == 0


def test_screen_a_file_into_cases(ready: Cli, tmp_path: Path) -> None:
    listings = tmp_path / "listings.jsonl"
    rows = [
        {"listing_id": "f-1", "seller_id": "s", "title": "Olympic rings replica hoodie"},
        {"listing_id": "f-2", "seller_id": "s", "title": "Plain blue mug"},
        {"listing_id": "f-3", "seller_id": "s"},
    ]
    listings.write_text("\n".join(json.dumps(r) for r in rows))
    # Only the registry's marketplaces: none is known yet.
    code, out, err = ready("cases", "screen", str(listings), "--marketplace", "MKT:tmall")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "'MKT:tmall' is not a marketplace of the registry" in err
    market = tmp_path / "market.yaml"
    market.write_text(
        "format: ringfence-registry\nversion: 1\nparties:\n"
        '  - {id: "MKT:tmall", kind: marketplace, name: Tmall}\n'
    )
    assert ready("registry", "import", str(market))[0] == 0
    code, out, err = ready("cases", "screen", str(listings), "--marketplace", "ebay")
    assert code == 2
    assert "'ebay' is not a marketplace of the registry (known: MKT:tmall)" in err
    code, out, err = ready("cases", "screen", str(listings), "--marketplace", "tmall")
    assert (code, err) == (0, "")
    assert out.strip() == (
        f"{listings}: 3 listings, 1 cases opened, 0 already open, 1 not screened"
    )
    # Again, as a new version of the listing, and spelt by its name: the listing's case is
    # still undecided, so it opens no second one.
    rows[0]["listing_version"] = "2"
    listings.write_text("\n".join(json.dumps(r) for r in rows))
    code, out, err = ready("cases", "screen", str(listings), "--marketplace", "Tmall")
    assert (code, err) == (0, "")
    assert out.strip() == (
        f"{listings}: 3 listings, 0 cases opened, 1 already open, 1 not screened"
    )
    listed = json.loads(ready("cases", "list")[1])
    assert [(c["listing_id"], c["marketplace"]) for c in listed] == [
        ("cli-1", "MKT:tmall"),
        ("cli-2", "MKT:tmall"),
        ("f-1", "MKT:tmall"),
    ]


def test_i16_cli_scoped_exception_preview_decide_and_revoke(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cli = Cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'cli.db'}")
    assert cli("db", "upgrade")[0] == 0
    assert cli("registry", "builtin")[0] == 0
    cases = tmp_path / "bakery.jsonl"
    bakery = CASE | {
        "listing_id": "cli-bakery",
        "title": "Olympic Bakery butter cookies",
        "marks": ["word-olympic"],
        "territories": ["FR"],
        "category": "home",
    }
    cases.write_text(json.dumps(bakery))
    assert cli("cases", "open", str(cases))[0] == 0
    decide = ("cases", "decide", "1", "--decision", "dismiss", "--reason", "exception_applies")
    mark = ("--except-mark", "word-olympic", "--except-reason", "grandfathered_brand")
    code, _, err = cli(*decide, *mark, "--except-text", "Olympic")
    assert code == 2
    assert err.count("\n") == 1
    assert "exception_too_broad" in err
    code, out, _ = cli(*decide, *mark, "--except-text", "Olympic Bakery", "--preview")
    assert code == 0
    shown = json.loads(out)
    assert shown["exception"]["territories"] == ["FR"]
    assert shown["exception"]["category"] == "home"
    assert shown["changed"] == 0  # no listing verdicts kept in this database
    assert json.loads(cli("cases", "exceptions", "1")[1]) == []  # a preview saves nothing
    code, out, _ = cli(*decide, *mark, "--except-text", "Olympic Bakery")
    assert (code, out.strip()) == (0, "case 1: dismissed")
    made = json.loads(cli("cases", "exceptions", "1")[1])
    assert [x["text"] for x in made] == ["Olympic Bakery"]
    code, out, _ = cli("cases", "revoke-exception", str(made[0]["id"]))
    assert (code, out.strip()) == (
        0,
        f"exception {made[0]['id']} revoked: word-olympic 'Olympic Bakery'",
    )
    assert json.loads(cli("cases", "exceptions", "1")[1]) == []
    code, _, err = cli("cases", "revoke-exception", str(made[0]["id"]))
    assert code == 2
    assert "exception_not_found" in err
