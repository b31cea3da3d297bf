"""Each benchmark rewrites its own section of docs/benchmarks.md, between two markers."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(name: str, lines: list[str], docs: Path = DOCS) -> None:
    """Replace the section ``name`` (or append it), keeping every other section as it is."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = "\n".join([begin, *lines, end])
    text = docs.read_text() if docs.exists() else "# Benchmarks\n"
    if begin in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    docs.write_text(text)


def publish(name: str, lines: list[str], *, write: bool) -> None:
    """Print a benchmark's section, and write it into docs/benchmarks.md when asked."""
    print("\n".join(lines))
    if write:
        write_section(name, lines)
