"""Issue 18, s11: a bundle is checked while it streams. A small .tar.zst that would inflate to
gigabytes is refused from its tar headers, the manifest's signature is checked before any table
file is inflated, and a deeply nested manifest is one line and exit 2, never a traceback."""

from __future__ import annotations

import io
import json
import tarfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
import zstandard

from ringfence.core.errors import RingfenceError
from ringfence.editions import bundle
from tests.cli.test_cli import Cli

SECRET = "deployment-secret"
ZEROS = bytes(1024**2)


def _header(name: str, size: int, **pax: str) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, 0
    info.pax_headers = pax
    return info.tobuf(tarfile.PAX_FORMAT)


def _zst(chunks: Iterator[bytes]) -> bytes:
    """A zstd frame of the chunks, compressed as they come (a bomb never exists inflated)."""
    out = io.BytesIO()
    with zstandard.ZstdCompressor(level=1).stream_writer(out, closefd=False) as writer:
        for chunk in chunks:
            writer.write(chunk)
    return out.getvalue()


def _member(name: str, size: int) -> Iterator[bytes]:
    """A member declaring ``size`` bytes of zeros, all of them there."""
    yield _header(name, size)
    for _ in range(size // len(ZEROS)):
        yield ZEROS
    yield bytes(size % len(ZEROS) + (-size % 512))


def _signed(tables: dict[str, bytes]) -> tuple[dict[str, object], bytes]:
    manifest = bundle.make_manifest(
        tables,
        edition="la28",
        counts=dict.fromkeys(tables, 0),
        created_at="2026-12-01T00:00:00+00:00",
        secret=SECRET,
    )
    return manifest, (json.dumps(manifest) + "\n").encode()


def _refused(data: bytes, limits: bundle.Limits = bundle.LIMITS) -> tuple[str, int]:
    """The refusal's code and the most memory Python held while reading the bundle."""
    tracemalloc.start()
    try:
        with pytest.raises(RingfenceError) as exc:
            bundle.read(data, SECRET, limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return exc.value.code, peak


def test_h18_s11_bundle_bomb_refused_before_inflating() -> None:
    """A table file that inflates to 3 GiB (a few kilobytes compressed, behind a manifest that
    lists it) is refused from its header: Python never holds more than a few MiB."""
    _, manifest = _signed({"parties": b""})
    size = 3 * 1024**3

    def chunks() -> Iterator[bytes]:
        yield _header("manifest.json", len(manifest))
        yield manifest + bytes(-len(manifest) % 512)
        yield _header("tables/parties.jsonl", size)
        for _ in range(64):  # the rest is never read: 64 MiB is enough to show it
            yield ZEROS

    data = _zst(chunks())
    assert len(data) < 100_000
    code, peak = _refused(data)
    assert code == "bundle_too_large"
    assert peak < 16 * 1024**2


def test_h18_s11_bundle_limits_per_member_total_and_count() -> None:
    """Each limit on its own: one member too big, all together too big, too many members; and a
    manifest bigger than the manifest limit."""
    small = bundle.Limits(manifest=4096, member=10_000, total=25_000, members=3)
    tables = {"a": bytes(9_000), "b": bytes(9_000), "c": bytes(9_000)}
    _, manifest = _signed(tables)

    def archive(files: dict[str, bytes], first: bytes = manifest) -> bytes:
        parts = [_header("manifest.json", len(first)), first + bytes(-len(first) % 512)]
        for name, body in files.items():
            parts += [_header(f"tables/{name}.jsonl", len(body)), body + bytes(-len(body) % 512)]
        return _zst(iter(parts))

    assert _refused(archive({"a": bytes(10_001)}), small)[0] == "bundle_too_large"
    assert _refused(archive(tables), small)[0] == "bundle_too_large"  # 27,000 > 25,000 total
    roomy = bundle.Limits(manifest=4096, member=10_000, total=10**6, members=3)
    assert _refused(archive(tables), roomy)[0] == "bundle_too_large"  # 4 members > 3
    assert _refused(archive({}, first=b" " * 5000), small)[0] == "bundle_too_large"
    # Under the limits, the same archive reads (and verifies).
    read_manifest, files = bundle.read(archive(tables), SECRET, bundle.Limits())
    assert read_manifest["edition"] == "la28"
    assert set(files) == {"tables/a.jsonl", "tables/b.jsonl", "tables/c.jsonl"}


def test_h18_s11_pax_header_bomb_is_refused() -> None:
    """A PAX header is read whole by tarfile: one that claims gigabytes is refused after the
    header allowance, not inflated."""

    def chunks() -> Iterator[bytes]:
        info = tarfile.TarInfo("././@PaxHeader")
        info.type, info.size = tarfile.XHDTYPE, 2 * 1024**3
        yield info.tobuf(tarfile.USTAR_FORMAT)
        for _ in range(64):
            yield ZEROS

    code, peak = _refused(_zst(chunks()))
    assert code == "bundle_too_large"
    assert peak < 16 * 1024**2


def test_h18_s11_signature_checked_before_any_table_file() -> None:
    """A bundle signed by someone else is refused at its manifest, before the table file (a
    bomb here) is inflated; so is one whose first member is not the manifest."""
    tables = {"parties": b""}
    manifest, _ = _signed(tables)
    manifest["signature"] = bundle.sign(manifest, "another-secret")
    forged = (json.dumps(manifest) + "\n").encode()

    def chunks(first: bytes) -> Iterator[bytes]:
        yield _header("manifest.json", len(first))
        yield first + bytes(-len(first) % 512)
        yield from _member("tables/parties.jsonl", 512 * 1024**2)

    code, peak = _refused(_zst(chunks(forged)))
    assert code == "bad_signature"
    assert peak < 16 * 1024**2
    _, good = _signed(tables)
    reordered = _zst(
        iter([_header("tables/parties.jsonl", 0), _header("manifest.json", len(good)), good])
    )
    assert _refused(reordered)[0] == "corrupt_bundle"


def _nested_manifest() -> bytes:
    deep = b"[" * 100_000 + b"]" * 100_000
    return _zst(iter([_header("manifest.json", len(deep)), deep + bytes(-len(deep) % 512)]))


def test_h18_s11_nested_manifest_is_corrupt_bundle() -> None:
    code, _ = _refused(_nested_manifest())
    assert code == "corrupt_bundle"
    with pytest.raises(RingfenceError) as exc:
        bundle.unpack(_nested_manifest())
    assert exc.value.code == "corrupt_bundle"
    assert "nested deeper than 64" in str(exc.value)


def test_h18_s11_nested_manifest_cli_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cli = Cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'a.db'}")
    assert cli("db", "upgrade")[0] == 0
    path = tmp_path / "deep.tar.zst"
    path.write_bytes(_nested_manifest())
    code, out, err = cli("edition", "import", str(path))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("error: bundle refused: manifest.json is not JSON")
    assert "[corrupt_bundle]" in err
