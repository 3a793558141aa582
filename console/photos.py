"""Read and validate a photo file: JPEG or PNG, at most 10 MB, with a JPEG thumbnail."""

from __future__ import annotations

import io
import os
import stat
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
            width, height = img.size
            if img.format == "JPEG":
                # libjpeg decodes at 1/2…1/8 scale straight to the thumbnail's size: a phone's
                # 4000×3000 photo in ~45 ms instead of ~130.  Every byte is still read, so a
                # truncated or corrupt file fails here as with a full decode.
                img.draft("RGB", (THUMB_SIZE[0] * 2, THUMB_SIZE[1] * 2))
            img.load()
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
    """A photo from a regular file on disk, read no further than the size limit.

    ``/dev/zero``, a FIFO or a terminal would never end (``stat`` says 0 bytes and the read
    runs on), so only regular files are read, and at most one byte past the limit.
    """
    p = Path(path)
    name = printable(p.name)
    try:
        if not stat.S_ISREG(os.stat(p).st_mode):  # before open(): opening a FIFO blocks
            raise ValidationError(f"{printable(str(p))} 不是普通文件（目录、设备或管道）/ "
                                  "not a regular file")
        # O_NONBLOCK: were the file swapped for a FIFO since the stat, open() still returns.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise ValidationError(f"{printable(str(p))} 不是普通文件 / not a regular file")
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ValidationError(f"找不到照片文件 {printable(str(p))} / photo file not found") from None
    except OSError as exc:  # a name too long, no permission, a path through a file …
        raise ValidationError(f"无法读取照片 {name[:60]}：{exc.strerror} / cannot read the "
                              "photo") from None
    if len(data) > MAX_BYTES:
        raise ValidationError(f"照片 {name} 超过 10 MB 上限 / photo too large")
    return photo_from_bytes(data, name, kind)


def printable(text: str) -> str:
    """``text`` with bytes the locale could not decode (a GBK file name) shown as U+FFFD.

    Such a name opens the file, but neither the database nor a strict terminal takes it.
    """
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
