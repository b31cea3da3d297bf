"""The command line: real commands on a fresh SQLite file; bad input is exit code 2 and one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli

LICENCE = """format: ringfence-registry
version: 1
parties:
  - {id: "LIC:cli", kind: licensee, name: CLI Licensee}
licences:
  - id: CLI-1
    licensor: "OCOG:la28"
    licensee: "LIC:cli"
    valid_from: 2026-01-01
    valid_until: 2028-12-31
    marks: [edition-la28]
    categories: [apparel]
    territories: [US]
    channels: [official_store]
"""


def test_db_upgrade_and_drift_check(cli: Cli) -> None:
    code, out, _ = cli("db", "upgrade")
    assert code == 0
    assert "database at head" in out
    code, out, _ = cli("db", "check")
    assert (code, out.strip()) == (0, "models and migrations agree")


def test_import_authorize_export(loaded: Cli, tmp_path: Path) -> None:
    source = tmp_path / "licence.yaml"
    source.write_text(LICENCE)
    code, out, err = loaded("registry", "import", str(source))
    assert code == 0, err
    assert "1 parties, 0 marks, 1 licences" in out

    args = [
        "authorize",
        "--seller",
        "LIC:cli",
        "--mark",
        "edition-la28",
        "--category",
        "apparel.headwear",
        "--territory",
        "US",
        "--channel",
        "official_store",
        "--on",
        "2027-03-01",
    ]
    code, out, _ = loaded(*args)
    assert code == 0
    assert json.loads(out)["licences"] == ["CLI-1"]
    code, out, _ = loaded(*args[:-2], "--on", "2029-03-01")
    assert code == 1
    assert json.loads(out)["reasons"] == ["licence_expired"]

    exported = tmp_path / "export.yaml"
    assert loaded("registry", "export", "--out", str(exported))[0] == 0
    assert "id: CLI-1" in exported.read_text()
    code, out, _ = loaded("registry", "check", str(exported))
    assert code == 0
    assert "valid (59 editions, 30 categories, 217 parties, 88 marks, 1 licences)" in out
    code, out, _ = loaded("registry", "check", "--file-only", str(exported))
    assert (code, out.strip()) == (
        0,
        f"{exported}: valid (59 editions, 30 categories, 217 parties, 88 marks, 1 licences)",
    )


def test_rejected_import_exits_2_with_the_line_and_changes_nothing(
    loaded: Cli, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(LICENCE.replace("edition-la28", "edition-paris-2024"))
    code, out, err = loaded("registry", "import", str(bad))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert f"{bad}:11: OCOG:la28 does not own or control mark 'edition-paris-2024'" in err
    assert "Traceback" not in err
    exported = tmp_path / "after.yaml"
    loaded("registry", "export", "--out", str(exported))
    assert "LIC:cli" not in exported.read_text()
    # check is the same validation as import, as a dry run; --file-only sees fields alone
    code, _, err = loaded("registry", "check", str(bad))
    assert code == 2
    assert f"{bad}:11: OCOG:la28 does not own or control mark" in err
    assert loaded("registry", "check", "--file-only", str(bad))[0] == 0
    good = tmp_path / "good.yaml"
    good.write_text(LICENCE)
    assert loaded("registry", "check", str(good))[0] == 0
    loaded("registry", "export", "--out", str(exported))
    assert "LIC:cli" not in exported.read_text()


def test_database_problems_are_one_line(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "cli.db").touch()  # an empty database file: not at head
    code, _, err = cli("db", "check")
    assert code == 3
    assert err.startswith("error: migrations: ")
    assert err.count("\n") == 1
    empty = tmp_path / "empty.db"
    empty.touch()  # a file that is no migrated database
    code, _, err = cli("registry", "export", "--database-url", f"sqlite:///{empty}")
    assert code == 3
    assert err.startswith("error: database: no such table")
    assert "Traceback" not in err


def test_commands_never_create_a_missing_database(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "none" / "x.db"
    source = tmp_path / "licence.yaml"
    source.write_text(LICENCE)
    # a missing database is a database failure: exit 3, as the README's table says
    code, _, err = cli("registry", "check", "--database-url", f"sqlite:///{missing}", str(source))
    assert code == 3
    assert f"no database at {missing}" in err
    assert err.count("\n") == 1
    assert not missing.parent.exists()
    other_driver = ["--database-url", f"sqlite+pysqlite:///{missing}"]
    # serve reads the URL from the environment: the fixture's file, not created yet
    for args in (["db", "check", *other_driver], ["registry", "export", *other_driver], ["serve"]):
        code, _, err = cli(*args)
        assert code == 3, args
        assert "no database at" in err
    assert not missing.parent.exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["registry", "check", "/nonexistent.yaml"], "/nonexistent.yaml: no such file"),
        (
            [
                "authorize",
                "--seller",
                "x",
                "--mark",
                "word-olympic",
                "--category",
                "apparel",
                "--territory",
                "FR",
                "--channel",
                "retail",
                "--on",
                "someday",
            ],
            "--on: 'someday' is not a date",
        ),
        (
            [
                "authorize",
                "--seller",
                "x",
                "--mark",
                "nope",
                "--category",
                "apparel",
                "--territory",
                "FR",
                "--channel",
                "retail",
            ],
            "unknown mark 'nope'",
        ),
        (
            ["keys", "create", "--party", "NOC:NED", "--role", "emperor"],
            "--role: 'emperor' is not one of",
        ),
        (
            ["keys", "create", "--party", "NOC:NED", "--role", "admin"],
            "a admin key must belong to a party of kind ioc",
        ),
        (
            ["keys", "create", "--party", "NOC:ZZZ", "--role", "rights_holder"],
            "no party with id 'NOC:ZZZ'",
        ),
        (["keys", "revoke", "000000000000"], "no API key with id '000000000000'"),
        (["serve", "--port", "99999"], "Invalid value for '--port'"),
        (["no-such-command"], "No such command"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(loaded: Cli, args: list[str], fragment: str) -> None:
    code, _, err = loaded(*args)
    assert code == 2
    assert fragment in err
    assert "Traceback" not in err


def test_keys_are_printed_once_and_stored_hashed(loaded: Cli, tmp_path: Path) -> None:
    code, out, err = loaded("keys", "create", "--party", "NOC:NED", "--role", "rights_holder")
    assert code == 0
    key = out.strip()
    assert key.startswith("rf_")
    assert "not shown again" in err
    db = (tmp_path / "cli.db").read_bytes()
    assert key.encode() not in db
    key_id = key.split("_")[1]
    assert loaded("keys", "revoke", key_id)[0] == 0


def test_default_secret_is_refused_in_production(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGFENCE_ENVIRONMENT", "production")
    code, _, err = cli("db", "upgrade")
    assert code == 2
    assert "RINGFENCE_SECRET_KEY must be set" in err


def test_index_build_and_screen(loaded: Cli, tmp_path: Path) -> None:
    source = tmp_path / "licence.yaml"
    source.write_text(LICENCE)
    assert loaded("registry", "import", str(source))[0] == 0
    index = tmp_path / "registry.rfi"
    code, out, _ = loaded("index", "build", "--out", str(index))
    assert code == 0
    assert "88 marks, 1 licences" in out
    listings = tmp_path / "listings.jsonl"
    listings.write_text(
        '{"listing_id": "a", "seller_id": "LIC:cli", "title": "LA28 cap", "category": "apparel.headwear", "ship_to": "US"}\n'
        '{"listing_id": "b", "seller_id": "SELLER:z", "title": "LA28 cap", "category": "apparel.headwear", "ship_to": "US"}\n'
    )
    verdicts = tmp_path / "verdicts.jsonl"
    code, out, err = loaded(
        "screen",
        str(listings),
        "--out",
        str(verdicts),
        "--index",
        str(index),
        "--today",
        "2027-01-01",
    )
    assert code == 0
    assert "2 listings" in out
    assert "note:" not in out + err

    def reasons() -> list[list[str]]:
        return [json.loads(line)["reasons"] for line in verdicts.read_text().splitlines()]

    # the imported licence is for the official store only, not for marketplace listings
    assert reasons() == [["channel_not_covered"], ["no_licence"]]
    # without --index: the built-in registry, which holds no licences, and the run says so
    code, out, err = loaded(
        "screen", str(listings), "--out", str(verdicts), "--today", "2027-01-01"
    )
    assert code == 0
    assert (
        "note: no --index: screened against the built-in registry, which holds no licences" in err
    )
    assert err.count("\n") == 1  # one line, on stderr: stdout stays the run's result
    assert "note:" not in out
    assert reasons() == [["no_licence"], ["no_licence"]]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["screen", "nope.parquet", "--out", "x.parquet"], "nope.parquet: no such file"),
        (["screen", "in.jsonl", "--out", "x.xlsx"], "unknown file type '.xlsx'"),
        (
            ["screen", "in.jsonl", "--out", "x.csv", "--index", "in.jsonl"],
            "not a ringfence screening index",
        ),
        (
            ["screen", "in.jsonl", "--out", "x.csv", "--today", "soon"],
            "--today: 'soon' is not a date",
        ),
    ],
)
def test_bad_screen_arguments_exit_2(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], fragment: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.jsonl").write_text('{"listing_id": "a", "seller_id": "s", "title": "t"}\n')
    code, _, err = cli(*args)
    assert code == 2
    assert fragment in err
    assert not (tmp_path / "x.csv").exists()


def test_bank_add_build_and_screen_an_image_only_listing(loaded: Cli, tmp_path: Path) -> None:
    import random

    from tests.screening.imagegen import TRANSFORMS, encode, official_photo

    licence = tmp_path / "licence.yaml"
    licence.write_text(
        LICENCE.replace("OCOG:la28", "IOC")
        .replace("edition-la28", "symbol-olympic-rings")
        .replace("[official_store]", "[official_store, marketplace]")
    )
    assert loaded("registry", "import", str(licence))[0] == 0
    (tmp_path / "front.png").write_bytes(encode(official_photo(2)))
    code, out, err = loaded(
        "bank", "add", str(tmp_path / "front.png"), "--licence", "CLI-1", "--product", "Tee"
    )
    assert code == 0, err
    assert "added 1 images to the bank for licence CLI-1" in out
    code, out, err = loaded("bank", "build", "-o", str(tmp_path / "index.gz"))
    assert code == 0, err
    assert "1 bank images" in out

    photos = tmp_path / "photos"
    photos.mkdir()
    copy = TRANSFORMS["jpeg_q30"](official_photo(2), random.Random(0))
    (photos / "copy.jpg").write_bytes(encode(copy, "JPEG"))
    listings = tmp_path / "listings.jsonl"
    listings.write_text(
        json.dumps({"listing_id": "a", "seller_id": "S:x", "title": "Tee",
                    "image_paths": ["photos/copy.jpg"]}) + "\n"
        + json.dumps({"listing_id": "b", "seller_id": "LIC:cli", "title": "Tee",
                      "image_paths": ["photos/copy.jpg"]}) + "\n"
    )  # fmt: skip
    out_file = tmp_path / "verdicts.jsonl"
    code, _, err = loaded(
        "screen", str(listings), "--index", str(tmp_path / "index.gz"), "-o", str(out_file)
    )
    assert code == 0, err
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert rows[0]["verdict"] == "infringing"
    assert rows[0]["reasons"][0] == "official_image_reuse"
    assert rows[1]["verdict"] == "clean"


@pytest.mark.parametrize(
    ("args", "code_text"),
    [
        (["--licence", "NO-SUCH", "--product", "Tee"], "unknown_licence"),
        (["--licence", "CLI-1", "--product", "Tee"], "image_unreadable"),
    ],
)
def test_bank_add_refuses_bad_input(
    loaded: Cli, tmp_path: Path, args: list[str], code_text: str
) -> None:
    licence = tmp_path / "licence.yaml"
    licence.write_text(LICENCE)
    assert loaded("registry", "import", str(licence))[0] == 0
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    code, _, err = loaded("bank", "add", str(junk), *args)
    assert code == 2
    assert f"[{code_text}]" in err
    assert len(err.strip().splitlines()) == 1


def test_bank_emblem_adds_a_reference_image(loaded: Cli, tmp_path: Path) -> None:
    from tests.screening.imagegen import emblem, encode

    (tmp_path / "crest.png").write_bytes(encode(emblem(1)))
    code, out, err = loaded("bank", "emblem", str(tmp_path / "crest.png"), "--mark", "word-olympic")
    assert code == 0, err
    assert "added reference image word-olympic:crest of mark word-olympic" in out
    code, out, _ = loaded("bank", "build", "-o", str(tmp_path / "i.gz"))
    assert "1 emblem images" in out
    (tmp_path / "flat.png").write_bytes(encode(emblem(1).convert("L").point(lambda _: 99)))
    code, _, err = loaded("bank", "emblem", str(tmp_path / "flat.png"), "--mark", "word-olympic")
    assert code == 2
    assert "[image_low_quality]" in err


def test_h18_s4_a_nested_json_cell_is_an_error_row_not_a_failed_run(
    cli: Cli, tmp_path: Path
) -> None:
    nested = "[" * 1000 + "]" * 1000
    listings = tmp_path / "in.csv"
    listings.write_text(
        "listing_id,seller_id,title,image_paths\n"
        f'deep,SELLER:x,Plain mug,"{nested}"\n'
        "fine,SELLER:x,Plain mug,\n"
    )
    deep_line = tmp_path / "in.jsonl"
    deep_line.write_text(
        '{"listing_id": "fine", "seller_id": "s", "title": "Plain mug"}\n'
        '{"listing_id": "deep", "seller_id": "s", "title": "t", "x": ' + nested + "}\n"
    )
    for source in (listings, deep_line):
        out = tmp_path / f"{source.stem}-{source.suffix[1:]}-verdicts.jsonl"
        code, _, err = cli("screen", str(source), "--out", str(out), "--today", "2027-01-01")
        assert code == 0, err
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(rows) == 2
        verdicts = sorted(r["verdict"] for r in rows)
        assert verdicts == ["clean", "error"]
