"""Photo validation and thumbnails (console/photos.py): the JPEG fast path keeps every check."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from console.domain.errors import ValidationError
from console.photos import photo_from_bytes


def encoded(size: tuple[int, int], fmt: str) -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_phone_photo_keeps_its_size_and_gets_a_small_thumbnail(fmt: str) -> None:
    photo = photo_from_bytes(encoded((2400, 1800), fmt), "scene", "after")
    assert (photo.width, photo.height, photo.mime) == (2400, 1800, f"image/{fmt.lower()}")
    with Image.open(io.BytesIO(photo.thumbnail)) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (320, 240)


def test_a_truncated_jpeg_is_refused_in_one_line() -> None:
    data = encoded((2400, 1800), "JPEG")
    with pytest.raises(ValidationError, match="不是有效的 JPEG/PNG 图片"):
        photo_from_bytes(data[: len(data) // 2], "half.jpg")
