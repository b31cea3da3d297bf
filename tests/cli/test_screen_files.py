"""Issue 18, r4: `ringfence screen` and the files it cannot use. A directory it may not read or
write is one line and exit 2 (never a traceback), an empty JSON Lines file is refused like an
empty CSV or Parquet file, and a refused partitioned run leaves nothing behind that would block
the corrected rerun."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ringfence.screening.runners.dataset import read_output
from tests.cli.test_cli import Cli

ROW = '{"listing_id": "a", "seller_id": "s", "title": "olympic cap"}\n'


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory whose modes the test sets (and resets for the clean-up)."""
    path = Path(tempfile.mkdtemp(prefix="ringfence-r4-"))
    try:
        yield path
    finally:
        for sub in path.rglob("*"):
            if sub.is_dir():
                sub.chmod(0o755)
        shutil.rmtree(path)


def _screen_without_override(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command, run where file permissions apply: root reads and writes anything by
    its DAC capabilities, so a root test session drops them for the child (util-linux
    setpriv); any other user is refused by the permission bits anyway."""
    command = [str(Path(sys.executable).parent / "ringfence"), "screen", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be enforced")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    return subprocess.run(  # noqa: S603 - our own command line
        command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("input in an unreadable directory", "locked/in.jsonl: permission denied [file_error]"),
        ("output file in a read-only directory", "[unwritable_output]"),
        ("output run directory in a read-only directory", "permission denied [file_error]"),
    ],
)
def test_h18_r4_unreadable_and_read_only_directories_one_line_exit_2(
    shared_dir: Path, case: str, fragment: str
) -> None:
    locked, readonly = shared_dir / "locked", shared_dir / "readonly"
    locked.mkdir()
    readonly.mkdir()
    (locked / "in.jsonl").write_text(ROW)
    (shared_dir / "in.jsonl").write_text(ROW)
    (shared_dir / "parts").mkdir()
    pq.write_table(
        pa.table({"listing_id": ["a"], "seller_id": ["s"], "title": ["olympic cap"]}),
        shared_dir / "parts" / "p0.parquet",
    )
    for path in shared_dir.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    locked.chmod(0o000)
    readonly.chmod(0o555)
    args = {
        "input in an unreadable directory": ["locked/in.jsonl", "--out", "out.jsonl"],
        "output file in a read-only directory": ["in.jsonl", "--out", "readonly/out.jsonl"],
        "output run directory in a read-only directory": ["parts", "--out", "readonly/run"],
    }[case]
    done = _screen_without_override(*args, cwd=shared_dir)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: ")
    assert fragment in done.stderr
    assert not (shared_dir / "out.jsonl").exists()
    assert list(readonly.iterdir()) == []


def test_h18_r4_empty_jsonl_is_refused(cli: Cli, tmp_path: Path) -> None:
    for name in ("empty.jsonl", "blank.jsonl"):
        (tmp_path / name).write_text("" if name == "empty.jsonl" else "\n  \n")
        out = tmp_path / f"{name}.out.jsonl"
        code, _, err = cli("screen", str(tmp_path / name), "--out", str(out))
        assert code == 2
        assert err == f"error: {tmp_path / name}: empty file, no listings [invalid_file]\n"
        assert not out.exists()
    # like an empty CSV file
    (tmp_path / "empty.csv").write_text("")
    code, _, err = cli("screen", str(tmp_path / "empty.csv"), "--out", str(tmp_path / "o.csv"))
    assert code == 2
    assert "[invalid_file]" in err


def _partition(path: Path, ids: list[str]) -> None:
    n = len(ids)
    pq.write_table(
        pa.table({"listing_id": ids, "seller_id": ["s"] * n, "title": ["olympic mug"] * n}), path
    )


def test_h18_r4_refused_run_leaves_nothing_and_the_rerun_works(cli: Cli, tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    _partition(parts / "a.parquet", ["a1", "a2"])
    (parts / "b.parquet").write_bytes(b"not parquet at all")
    out = tmp_path / "run"
    code, _, err = cli("screen", str(parts), "--out", str(out), "--today", "2026-12-01")
    assert code == 2
    assert "b.parquet: not a readable Parquet file" in err
    assert not out.exists()  # the first partition's committed output went with it
    _partition(parts / "b.parquet", ["b1"])
    code, out_text, err = cli("screen", str(parts), "--out", str(out), "--today", "2026-12-01")
    assert code == 0, err
    assert err.startswith("note: no --index")  # the only line on stderr (issue 19)
    assert err.count("\n") == 1
    assert "2 partitions: 3 listings" in out_text
    assert sorted(read_output(out).column("listing_id").to_pylist()) == ["a1", "a2", "b1"]


def test_h18_r4_refused_run_keeps_an_existing_directorys_other_files(
    cli: Cli, tmp_path: Path
) -> None:
    """Refused before it wrote a manifest (the directory holds someone else's files): nothing
    there is removed."""
    parts = tmp_path / "parts"
    parts.mkdir()
    _partition(parts / "a.parquet", ["a1"])
    out = tmp_path / "busy"
    out.mkdir()
    (out / "p000000-0000.parquet").write_bytes(b"theirs")
    code, _, err = cli("screen", str(parts), "--out", str(out))
    assert code == 2
    assert "[out_not_empty]" in err
    assert (out / "p000000-0000.parquet").read_bytes() == b"theirs"
