"""`ringfence codes`: register, issue (CSV and QR files), verify offline, recall, keys."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli

PRODUCT = [
    "codes", "product", "--gtin", "5901234123457", "--name", "Rings tee",
    "--licensee", "LIC:heritage-apparel", "--category", "apparel.clothing.tops",
    "--mark", "symbol-olympic-rings",
]  # fmt: skip


@pytest.fixture
def demo(cli: Cli) -> Cli:
    assert cli("demo", "--no-serve")[0] == 0
    return cli


def test_issue_verify_offline_and_recall(demo: Cli, tmp_path: Path) -> None:
    assert demo(*PRODUCT)[0] == 0
    out, qr = tmp_path / "codes.csv", tmp_path / "qr"
    qr.mkdir()
    code, said, _ = demo(
        "codes", "issue", "--product", "5901234123457", "--count", "4", "--lot", "L1",
        "--out", str(out), "--qr-dir", str(qr), "--qr-format", "png",
    )  # fmt: skip
    assert code == 0, said
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == 4
    assert {r["lot"] for r in rows} == {"L1"}
    assert len(list(qr.glob("*.png"))) == 4
    uri = rows[0]["uri"]
    assert demo("codes", "verify", uri)[:2] == (
        0,
        f"valid signature: 05901234123457/{rows[0]['serial']} signed by key {uri.split('s=')[1][:8]}\n",
    )
    forged = uri[:-3] + ("AAA" if not uri.endswith("AAA") else "BBB")
    assert demo("codes", "verify", forged)[0] == 1

    keys = tmp_path / "keys.json"
    assert demo("codes", "keys", "list")[0] == 0
    batch = said.split()[2].rstrip(":")
    assert demo("codes", "recall", batch, "--reason", "test")[0] == 0
    assert demo("codes", "recall", batch, "--reason", "again")[0] == 2
    key_id = uri.split("s=")[1][:8]
    assert demo("codes", "keys", "revoke", key_id, "--reason", "leak")[0] == 0
    code, said, _ = demo("codes", "verify", uri)
    assert (code, said.split(":")[0]) == (1, "revoked")
    keys.write_text(json.dumps({"keys": []}))
    assert demo("codes", "verify", uri, "--keys", str(keys))[0] == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["codes", "issue", "--product", "5901234123458", "--count", "1", "--out", "x.csv"],
            "check digit",
        ),
        (
            ["codes", "issue", "--product", "5901234123457", "--count", "1", "--out", "x.csv"],
            "no product",
        ),
        (
            ["codes", "issue", "--product", "5901234123457", "--count", "0", "--out", "x.csv"],
            "count",
        ),
        (
            [
                "codes",
                "issue",
                "--product",
                "5901234123457",
                "--count",
                "1",
                "--out",
                "nodir/x.csv",
            ],
            "no directory",
        ),
        (
            [
                "codes",
                "issue",
                "--product",
                "5901234123457",
                "--count",
                "1",
                "--out",
                "x.csv",
                "--lot",
                "a b",
            ],
            "--lot",
        ),
        (["codes", "verify", "not a uri"], "not an http(s) URI"),
        (
            ["codes", "verify", "https://x/01/05901234123457/21/A", "--keys", "missing.json"],
            "cannot read",
        ),
        (
            [
                "codes",
                "product",
                "--gtin",
                "1",
                "--name",
                "x",
                "--licensee",
                "LIC:heritage-apparel",
                "--category",
                "apparel",
                "--mark",
                "word-olympic",
            ],
            "gtin",
        ),
        (
            ["codes", "keys", "rotate", "--party", "LIC:heritage-apparel"],
            "only the IOC, OCOGs and NOCs",
        ),
        (["codes", "keys", "revoke", "00000000", "--reason", "x"], "no signing key"),
    ],
)
def test_bad_input_is_exit_2_and_one_line(
    demo: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], fragment: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = demo(*args)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1
    assert fragment in err
    assert not (tmp_path / "x.csv").exists()


def test_refused_issuance_writes_nothing(demo: Cli, tmp_path: Path) -> None:
    args = [*PRODUCT]
    args[args.index("apparel.clothing.tops")] = "toys"
    assert demo(*args)[0] == 0
    out = tmp_path / "codes.csv"
    code, _, err = demo(
        "codes", "issue", "--product", "5901234123457", "--count", "2", "--out", str(out)
    )
    assert code == 2
    assert "licence_does_not_cover" in err
    assert not out.exists()


def test_shop_maintain_and_royalty_statement(demo: Cli, tmp_path: Path) -> None:
    code, out, _ = demo("shop", "maintain")
    assert (code, out) == (
        0,
        "expired 0 reservations; unpublished 0 offers; "
        "payments: 0 paid, 0 refunded, 0 failed, 0 pending\n",
    )
    code, out, _ = demo("royalties", "statement", "--licensor", "IOC", "--period", "2026-Q4")
    assert code == 0
    assert out.splitlines() == [
        "licensor,period,licensee,currency,sales_minor,royalty_minor,entries"
    ]
    target = tmp_path / "statement.json"
    assert (
        demo(
            "royalties",
            "statement",
            "--licensor",
            "IOC",
            "--period",
            "2026",
            "--format",
            "json",
            "--out",
            str(target),
        )[0]
        == 0
    )
    assert json.loads(target.read_text())["totals"] == {}
    code, _, err = demo("royalties", "statement", "--licensor", "IOC", "--period", "2026-Q7")
    assert code == 2
    assert "invalid_period" in err
