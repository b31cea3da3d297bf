"""Untrusted images: every hostile file is refused per image with its reason, never raised
past the detector, and unusual but valid files are decoded."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.screening.images import WORK_SIDE, ImageRefused, decode
from ringfence.screening.interfaces import (
    DirectoryObjectStore,
    ImageSources,
    ImageUnavailable,
    MemoryObjectStore,
)
from tests.screening.imagegen import accepted_files, hostile_files

HOSTILE = hostile_files()
ACCEPTED = accepted_files()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_with_their_reason(name: str) -> None:
    data, reason = HOSTILE[name]
    with pytest.raises(ImageRefused) as caught:
        decode(data)
    assert caught.value.reason == reason


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_unusual_valid_files_decode_to_bounded_rgb(name: str) -> None:
    image = decode(ACCEPTED[name])
    assert image.rgb.ndim == 3
    assert image.rgb.shape[2] == 3
    assert max(image.rgb.shape[:2]) <= WORK_SIDE


def test_animated_image_decodes_its_first_frame_and_says_how_many() -> None:
    assert decode(ACCEPTED["animated_gif"]).frames == 3


def test_transparent_pixels_become_white_not_black() -> None:
    assert decode(ACCEPTED["rgba_png"]).rgb.min() == 255


def test_big_jpeg_keeps_its_declared_size_but_decodes_small() -> None:
    image = decode(ACCEPTED["big_jpeg"])
    assert (image.width, image.height) == (3000, 2000)
    assert image.rgb.shape[1] == WORK_SIDE


def test_wrong_extension_is_read_by_content(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(ACCEPTED["grey_png"])  # a PNG called .jpg
    assert decode(ImageSources().read(str(path), 1_000_000)).format == "PNG"


# ---------------------------------------------------------------------- sources


def test_local_paths_and_file_uris(tmp_path: Path) -> None:
    (tmp_path / "a b.png").write_bytes(b"x")
    sources = ImageSources(base=tmp_path)
    assert sources.read("a b.png", 10) == b"x"
    assert sources.read((tmp_path / "a b.png").as_uri(), 10) == b"x"


@pytest.mark.parametrize(
    ("sources", "ref", "reason"),
    [
        (ImageSources(), "https://example.com/x.jpg", "image_source_forbidden"),
        (ImageSources(local=False), "/etc/passwd", "image_source_forbidden"),
        (
            ImageSources(local_root=Path("/nonexistent-root")),
            "/etc/passwd",
            "image_source_forbidden",
        ),
        (ImageSources(), "store://bucket/key", "image_source_forbidden"),
        (ImageSources(store=MemoryObjectStore()), "store://bucket/key", "image_not_found"),
        (ImageSources(store=MemoryObjectStore()), "store:///key", "image_reference_invalid"),
        (ImageSources(), "/no/such/file.png", "image_not_found"),
        (ImageSources(), "file://host/x.png", "image_reference_invalid"),
    ],
)
def test_refused_references(sources: ImageSources, ref: str, reason: str) -> None:
    with pytest.raises(ImageUnavailable) as caught:
        sources.read(ref, 100)
    assert caught.value.reason == reason


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    (tmp_path / "big.png").write_bytes(b"0" * 101)
    with pytest.raises(ImageUnavailable) as caught:
        ImageSources(base=tmp_path).read("big.png", 100)
    assert caught.value.reason == "image_too_large"


def test_object_stores(tmp_path: Path) -> None:
    memory = MemoryObjectStore()
    memory.put("b", "k/1.png", b"data")
    assert ImageSources(store=memory).read("store://b/k/1.png", 10) == b"data"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.png").write_bytes(b"disk")
    directory = DirectoryObjectStore(tmp_path)
    assert ImageSources(store=directory).read("store://b/x.png", 10) == b"disk"
    with pytest.raises(ImageUnavailable) as caught:
        ImageSources(store=directory).read("store://b/..%2F..%2Fetc%2Fpasswd", 10)
    assert caught.value.reason == "image_source_forbidden"
