"""Files that are whole or absent: written to a temporary file beside the target, synced, then
renamed over it, so a reader (or a crash) never sees a part."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path


def atomic_write(path: Path, chunks: Iterable[str | bytes]) -> None:
    """Write ``chunks`` (text as UTF-8, no newline translation) to ``path`` atomically. The
    temporary name is unique, so concurrent writers of the same path do not collide; it is
    removed whatever happens."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("wb") as fh:
            for chunk in chunks:
                fh.write(chunk.encode() if isinstance(chunk, str) else chunk)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
