"""Read and validate a photo file: JPEG or PNG, at most 10 MB, with a JPEG thumbnail."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from console.domain.errors import ValidationError
from console.services.uow import NewPhoto

MAX_BYTES = 10 * 1024 * 1024
THUMB_SIZE = (320, 320)
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


def photo_from_bytes(data: bytes, filename: str, kind: str = "before") -> NewPhoto:
    """Validate image bytes and make the thumbnail; ValidationError on anything else."""
    if not data:
        raise ValidationError(f"照片 {filename} 是空文件 / empty photo")
    if len(data) > MAX_BYTES:
        raise ValidationError(
            f"照片 {filename} 大小 {len(data) / 1048576:.1f} MB，超过 10 MB 上限 / photo too large"
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            probe.verify()  # checks structure without decoding every pixel
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            width, height = img.size
            thumb = img.convert("RGB")
            thumb.thumbnail(THUMB_SIZE)
            out = io.BytesIO()
            thumb.save(out, "JPEG", quality=80)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(f"{filename} 不是有效的 JPEG/PNG 图片 / not a JPEG or PNG image") from None
    if fmt not in _FORMATS:
        raise ValidationError(f"{filename} 是 {fmt or '未知'} 格式，只接受 JPEG/PNG / JPEG or PNG only")
    name = filename if len(filename) <= 120 else filename[:100] + "…" + filename[-19:]
    return NewPhoto(kind, name, _FORMATS[fmt], data, out.getvalue(), width, height)


def load_photo(path: str | Path, kind: str = "before") -> NewPhoto:
    """A photo from a file on disk."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise ValidationError(f"照片 {p.name} 超过 10 MB 上限 / photo too large")
        data = p.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"找不到照片文件 {p} / photo file not found") from None
    except IsADirectoryError:
        raise ValidationError(f"{p} 是目录，不是照片 / not a file") from None
    return photo_from_bytes(data, p.name, kind)
