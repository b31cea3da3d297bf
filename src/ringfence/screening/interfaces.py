"""Where listing images come from: local files and ``file://`` URIs, and an object store behind
a Protocol (``store://BUCKET/KEY``) with an in-memory, a directory and a filesystem-URI
(S3 and the rest of pyarrow's and fsspec's) implementation.

Framework-free like the rest of the engine; no image library is imported here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import pyarrow.fs as pafs

from ringfence.core.errors import RingfenceError

STORE_SCHEME = "store"


class ImageUnavailable(Exception):
    """An image that cannot be fetched; ``reason`` is the per-image reason code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


class ObjectStore(Protocol):
    """An object store (S3, GCS...): the bytes of one object, at most ``limit`` of them.
    Raises ImageUnavailable(``image_not_found``) for a missing object and
    ImageUnavailable(``image_too_large``) for one larger than ``limit``."""

    def get(self, bucket: str, key: str, limit: int) -> bytes: ...


@dataclass
class MemoryObjectStore:
    """For development and tests: objects in a dict ``{(bucket, key): bytes}``."""

    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def put(self, bucket: str, key: str, data: bytes) -> None:
        self.objects[(bucket, key)] = data

    def get(self, bucket: str, key: str, limit: int) -> bytes:
        data = self.objects.get((bucket, key))
        if data is None:
            raise ImageUnavailable("image_not_found", f"store://{bucket}/{key}")
        if len(data) > limit:
            raise ImageUnavailable("image_too_large", f"{len(data)} bytes")
        return data


@dataclass(frozen=True)
class DirectoryObjectStore:
    """A store mirrored on a local directory: ``store://b/k`` is ``ROOT/b/k`` (no escaping
    ``ROOT``). Picklable, so worker processes get it as it is."""

    root: Path

    def get(self, bucket: str, key: str, limit: int) -> bytes:
        base = self.root.resolve()
        path = (base / bucket / key).resolve()
        if not path.is_relative_to(base):
            raise ImageUnavailable("image_source_forbidden", "outside the store")
        return read_limited(path, limit)


_FILESYSTEMS: dict[
    str, tuple[pafs.FileSystem, str]
] = {}  # per process: a store's filesystem, opened once


@dataclass(frozen=True)
class UriObjectStore:
    """A store behind a filesystem URI: ``store://b/k`` is ``ROOT/b/k``, and ``ROOT`` ``s3://``
    makes it ``s3://b/k`` itself. Credentials and endpoint from the environment (``AWS_*``).
    Picklable (the URI only), so Ray tasks and Spark workers get it as it is and open the
    filesystem themselves, once per process."""

    root: str

    def uri(self, bucket: str, key: str) -> str:
        if self.root.endswith("://"):
            return f"{self.root}{bucket}/{key}"
        return f"{self.root.rstrip('/')}/{bucket}/{key}"

    def _opened(self) -> tuple[pafs.FileSystem, str]:
        """The filesystem and the path on it that ``bucket/key`` follows."""
        opened = _FILESYSTEMS.get(self.root)
        if opened is None:
            from ringfence.screening.runners.dataset import filesystem  # noqa: PLC0415 - cycle

            fs, probe = filesystem(self.uri("b", "k"))
            opened = _FILESYSTEMS[self.root] = (fs, probe.removesuffix("b/k"))
        return opened

    def get(self, bucket: str, key: str, limit: int) -> bytes:
        if ".." in key.split("/") or bucket == "..":
            raise ImageUnavailable("image_source_forbidden", "outside the store")
        uri = self.uri(bucket, key)
        try:
            fs, base = self._opened()
            path = f"{base}{bucket}/{key}"
            info = fs.get_file_info(path)
            if info.type != pafs.FileType.File:
                raise ImageUnavailable("image_not_found", uri)
            if (info.size or 0) > limit:
                raise ImageUnavailable("image_too_large", f"{info.size} bytes")
            with fs.open_input_stream(path) as handle:
                data: bytes = handle.read(limit + 1)
        except (OSError, ValueError, RingfenceError) as exc:
            raise ImageUnavailable(
                "image_not_found", f"{uri}: {str(exc).splitlines()[0]}"
            ) from None
        if len(data) > limit:
            raise ImageUnavailable("image_too_large", f"over {limit} bytes")
        return data


def read_limited(path: Path, limit: int) -> bytes:
    """A local file's bytes, refusing one over ``limit`` before reading it."""
    try:
        if not path.is_file():
            raise ImageUnavailable("image_not_found", str(path))
        if path.stat().st_size > limit:
            raise ImageUnavailable("image_too_large", f"{path.stat().st_size} bytes")
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ImageUnavailable("image_not_found", exc.strerror or str(exc)) from None
    if len(data) > limit:  # grew while we looked
        raise ImageUnavailable("image_too_large", f"over {limit} bytes")
    return data


@dataclass(frozen=True)
class ImageSources:
    """Resolves an image reference to bytes.

    - a plain path or a ``file://`` URI: read from the local disk when ``local`` is allowed,
      only under ``local_root`` when that is set (the API sets it, or refuses local files);
    - ``store://BUCKET/KEY``: read from ``store`` (refused when none is configured).
    Relative paths resolve against ``base`` (the listings file's directory for the CLI)."""

    local: bool = True
    local_root: Path | None = None
    base: Path | None = None
    store: ObjectStore | None = None

    def read(self, ref: str, limit: int) -> bytes:
        parts = urlsplit(ref)
        scheme = parts.scheme.lower()
        if scheme == STORE_SCHEME:
            if self.store is None:
                raise ImageUnavailable("image_source_forbidden", "no object store configured")
            key = unquote(parts.path.lstrip("/"))
            if not parts.netloc or not key:
                raise ImageUnavailable("image_reference_invalid", ref)
            return self.store.get(parts.netloc, key, limit)
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise ImageUnavailable("image_reference_invalid", ref)
            path = Path(unquote(parts.path))
        elif scheme and len(scheme) > 1:  # http:, s3:... ("C:" is a drive letter)
            raise ImageUnavailable("image_source_forbidden", f"scheme {scheme!r}")
        else:
            path = Path(ref)
        if not self.local:
            raise ImageUnavailable("image_source_forbidden", "local files are not allowed")
        if not path.is_absolute():
            path = (self.base or self.local_root or Path.cwd()) / path
        if self.local_root is not None:
            root = self.local_root.resolve()
            if not path.resolve().is_relative_to(root):
                raise ImageUnavailable("image_source_forbidden", "outside the image root")
        return read_limited(path, limit)
