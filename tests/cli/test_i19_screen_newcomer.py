"""Issue 19, newcomers: `ringfence screen` on the files a newcomer feeds it. A binary file is one
readable line naming the file (never its bytes), a CSV quote that is never closed is refused
naming its line (Arrow would merge every row after it into one value), a missing database exits
3 as the README says, the missing --index is said on stderr, and the progress bar learns the
number of listings when the input says it."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ringfence.core.errors import InvalidInput
from ringfence.screening.runners.local import check_csv, one_line, read_batches
from tests.cli.conftest import Cli


def _garbage(size: int, *, nul: bool) -> bytes:
    rng = random.Random(19)
    data = bytearray(rng.randrange(0x80, 0x100) for _ in range(size))  # mostly not UTF-8
    if nul:
        data[size // 2] = 0
    return bytes(data)


def _screen(cli: Cli, source: Path, out: Path) -> tuple[int, str, str]:
    return cli("screen", str(source), "--out", str(out), "--today", "2027-01-01")


def _is_plain(text: str) -> bool:
    """One line of printable text: no raw bytes, no replacement characters."""
    line = text.rstrip("\n")
    return "\n" not in line and all(c.isprintable() and c != "\ufffd" for c in line)


@pytest.mark.parametrize(
    ("name", "nul", "what"),
    [
        ("garbage.csv", True, "not a CSV file: binary content (a NUL byte at offset 1500)"),
        ("garbage.csv", False, "not a CSV file: binary content (1,967 of its first 3,000 bytes"),
        ("garbage.jsonl", True, "not a JSON Lines file: binary content (a NUL byte at offset"),
        ("garbage.jsonl", False, "not a JSON Lines file: binary content (1,967 of its first"),
    ],
)
def test_i19_a_binary_text_file_is_one_clear_line_exit_2(
    cli: Cli, tmp_path: Path, name: str, nul: bool, what: str
) -> None:
    source = tmp_path / name
    source.write_bytes(_garbage(3000, nul=nul))
    out = tmp_path / "verdicts.csv"
    code, stdout, err = _screen(cli, source, out)
    assert code == 2
    assert stdout == ""
    assert err.startswith(f"error: {source}: {what}")
    assert err.rstrip().endswith("[binary_file]")
    assert _is_plain(err)
    assert not out.exists()


def test_i19_a_utf16_csv_is_refused_with_the_way_out(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "listings.csv"
    source.write_bytes("listing_id,seller_id,title\n1,S:a,Olympic cap\n".encode("utf-16"))
    code, _, err = _screen(cli, source, tmp_path / "verdicts.csv")
    assert (code, err) == (
        2,
        f"error: {source}: not a CSV file in UTF-8: UTF-16 text (save it as UTF-8) [binary_file]\n",
    )


def test_i19_a_binary_parquet_file_is_one_printable_line(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "garbage.parquet"
    source.write_bytes(_garbage(3000, nul=True))
    code, _, err = _screen(cli, source, tmp_path / "verdicts.csv")
    assert code == 2
    assert err.startswith(f"error: {source}: not a readable Parquet file: ")
    assert _is_plain(err)


def test_i19_a_text_file_with_one_bad_row_is_still_screened(cli: Cli, tmp_path: Path) -> None:
    """The binary check looks at the share of bytes that are not text: one row of invalid
    UTF-8 stays one error row, as before."""
    source = tmp_path / "listings.csv"
    source.write_bytes(
        b"listing_id,seller_id,title\n1,S:a,Olympic hoodie\n2,S:b,caf\xe9 mug\n3,S:c,plain cap\n"
    )
    out = tmp_path / "verdicts.csv"
    code, stdout, err = _screen(cli, source, out)
    assert code == 0, err
    assert "3 listings" in stdout
    assert "error 1" in stdout


def test_i19_parser_errors_lose_their_raw_bytes() -> None:
    raw = "CSV parse error: Expected 3 columns, got 2: \x07\x1b[31m\ufffdab\tc\n\x00d"
    assert one_line(ValueError(raw)) == (
        "CSV parse error: Expected 3 columns, got 2: ??[31m?ab c ?d"
    )
    assert one_line(ValueError("x" * 500), limit=20) == "x" * 19 + "…"


def test_i19_an_unclosed_quote_is_refused_naming_its_line(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "listings.csv"
    source.write_text(
        "listing_id,seller_id,title\n"
        "1,S:a,Olympic cap\n"
        '2,S:b,"Olympic hoodie, size M\n'  # never closed: Arrow reads lines 3-5 as one title
        "3,S:c,plain shorts\n"
        "4,S:d,mug\n"
    )
    out = tmp_path / "verdicts.csv"
    code, stdout, err = _screen(cli, source, out)
    assert code == 2
    assert stdout == ""
    assert err == (
        f"error: {source}:3: a quoted value starts on this line and its quote is never closed: "
        "the 2 line(s) after it would be read as one value [unclosed_quote]\n"
    )
    assert not out.exists()


def test_i19_a_quote_closed_mid_value_is_refused(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "listings.csv"
    source.write_text(
        "listing_id,seller_id,title\n"
        '1,S:a,"Olympic hoodie\n'  # runs on to the next quote, on line 3
        '2,S:b,"plain" shorts\n'
    )
    code, _, err = _screen(cli, source, tmp_path / "verdicts.csv")
    assert code == 2
    assert err.startswith(
        f"error: {source}:3: a quoted value that starts on line 2 ends on line 3 is followed by "
        "more text before the next comma"
    )
    assert err.rstrip().endswith("[stray_quote]")
    assert _is_plain(err)


def test_i19_well_formed_quotes_still_read(cli: Cli, tmp_path: Path) -> None:
    """Quoted commas, doubled quotes, a quoted line break and a bare inch mark all read as
    before: only a broken quote is refused."""
    source = tmp_path / "listings.csv"
    source.write_text(
        "listing_id,seller_id,title,description\n"
        '1,S:a,"Olympic cap, red","the ""official"" one"\n'
        '2,S:b,plain shorts,"two lines\nof description"\n'
        '3,S:c,12" vinyl record,\n'
        "\n"
    )
    assert check_csv(source) == 3
    out = tmp_path / "verdicts.csv"
    code, stdout, err = _screen(cli, source, out)
    assert code == 0, err
    assert "3 listings" in stdout


def test_i19_the_number_of_listings_is_known_before_the_first_batch(tmp_path: Path) -> None:
    rows = [{"listing_id": str(i), "seller_id": "S:a", "title": f"cap {i}"} for i in range(7)]
    csv_file = tmp_path / "l.csv"
    csv_file.write_text(
        "listing_id,seller_id,title\n" + "".join(f"{i},S:a,cap {i}\n" for i in range(7))
    )
    jsonl = tmp_path / "l.jsonl"
    jsonl.write_text(
        "\n".join(f'{{"listing_id": "{i}", "seller_id": "S:a", "title": "c"}}' for i in range(7))
        + "\n\n"
    )
    parquet = tmp_path / "l.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    for path in (csv_file, jsonl, parquet):
        told: list[int] = []
        batches = read_batches(path, 3, total=told.append)
        assert told == [7], path  # before any batch was read
        assert sum(b.num_rows for b in batches) == 7


def test_i19_check_csv_counts_a_header_only_file_as_empty(tmp_path: Path) -> None:
    source = tmp_path / "empty.csv"
    source.write_text("listing_id,seller_id,title\n")
    assert check_csv(source) == 0
    source.write_text('listing_id,seller_id,title\n1,S:a,"x')
    with pytest.raises(InvalidInput) as raised:
        check_csv(source)
    assert raised.value.code == "unclosed_quote"


def test_i19_missing_database_exits_3_as_the_readme_says(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    code, stdout, err = cli("keys", "create", "--party", "IOC", "--role", "admin",
                            "--database-url", f"sqlite:///{missing}")  # fmt: skip
    assert (code, stdout) == (3, "")
    assert (
        err == f"error: no database at {missing}: run `ringfence db upgrade` first [no_database]\n"
    )
    assert not missing.exists()
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "3 database or migration failure (a missing database included)" in readme


def test_i19_no_index_note_is_one_line_on_stderr_after_the_run(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "listings.jsonl"
    source.write_text('{"listing_id": "a", "seller_id": "S:a", "title": "Olympic cap"}\n')
    code, stdout, err = _screen(cli, source, tmp_path / "verdicts.jsonl")
    assert code == 0
    assert stdout.startswith("wrote ")
    assert err.startswith("note: no --index: screened against the built-in registry")
    assert err.count("\n") == 1


def test_i19_the_progress_bar_shows_percentage_and_time_left_once_the_total_is_known() -> None:
    from io import StringIO

    from rich.console import Console

    from ringfence.cli.screen import _progress_bar

    screen = StringIO()
    bar = _progress_bar(Console(file=screen, force_terminal=True, width=120, color_system=None))
    task = bar.add_task("screen", total=None)
    bar.advance(task, 250)
    console = Console(file=StringIO(), width=120, color_system=None)
    console.print(bar.get_renderable())
    unknown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "250 listings" in unknown
    assert "%" not in unknown
    bar.update(task, total=1_000)
    console = Console(file=StringIO(), width=120, color_system=None)
    console.print(bar.get_renderable())
    known = console.file.getvalue()  # type: ignore[attr-defined]
    assert "25%" in known
    assert "250 listings" in known
    assert re.search(r"\d:\d\d:\d\d|-:--:--", known)  # the time left column
