"""Reading a write's body: JSON, or ``multipart/form-data`` with photos.

A command or a report is a JSON object.  When it brings photos (a report's 现场照片, a
feedback's or a check's 处置后照片) the client sends ``multipart/form-data`` instead: the same
object as the text part ``body``, and each image as a file part ``photo`` (JPEG or PNG, at
most 10 MB each, at most :data:`MAX_PHOTOS`).  Images are checked and thumbnailed before any
database work (:func:`console.photos.photo_from_bytes`); a bad one is 422 naming ``photo``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from console.domain.errors import ValidationError
from console.photos import MAX_BYTES, photo_from_bytes, printable
from console.server.errors import FieldError
from console.services.uow import NewPhoto

#: Photos one command or report may bring.
MAX_PHOTOS = 5
#: The largest JSON body (a command's fields are a few short texts).
MAX_JSON = 256 * 1024


def json_object(raw: bytes | str) -> dict[str, Any]:
    """A JSON body as an object (empty: ``{}``); otherwise 422 naming ``body``."""
    if not raw:
        return {}
    if len(raw) > MAX_JSON:
        raise FieldError("body", "请求体过大 / the body is too large")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise FieldError("body", "请求体不是有效的 JSON / the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise FieldError("body", "请求体应为 JSON 对象 / the body must be a JSON object")
    return value


async def read_body(request: Request, photo_kind: str | None,
                    parts: dict[str, str] | None = None) -> tuple[dict[str, Any],
                                                                  list[NewPhoto]]:
    """The body's object and its photos; ``photo_kind`` None means photos are refused.

    ``parts`` names other file parts and the kind of their photos instead of ``photo`` (a
    自处置's ``before`` and ``after``): at most :data:`MAX_PHOTOS` each; ``photo`` is refused.
    """
    kinds = parts if parts is not None else {} if photo_kind is None else {"photo": photo_kind}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("", "application/json"):
        return json_object(await request.body()), []
    if content_type != "multipart/form-data":
        raise FieldError("body", f"不支持的内容类型 {content_type[:64]!r}：请用 application/json 或 "
                                 "multipart/form-data / unsupported content type")
    async with request.form(max_files=MAX_PHOTOS * max(1, len(kinds)), max_fields=4) as form:
        text = form.get("body")
        if isinstance(text, UploadFile):
            raise FieldError("body", "body 应为文本部分 / 'body' must be a text part")
        body = json_object(text or "")
        if "photo" not in kinds and form.getlist("photo"):
            raise FieldError("photo", "此操作不带照片 / this command takes no photos" if not kinds
                             else f"照片应放在 {'、'.join(kinds)} 部分 / photos go in the "
                                  f"{', '.join(kinds)} parts")
        read: list[tuple[str, str, bytes, str]] = []  # (part, kind, bytes, file name)
        for part, kind in kinds.items():
            files = form.getlist(part)
            if len(files) > MAX_PHOTOS:
                raise FieldError(part, f"{part} 最多 {MAX_PHOTOS} 张 / at most {MAX_PHOTOS} "
                                       f"'{part}' photos")
            for item in files:
                if not isinstance(item, UploadFile):
                    raise FieldError(part, f"{part} 应为文件部分 / '{part}' must be a file part")
                data = await item.read(MAX_BYTES + 1)
                read.append((part, kind, data, printable(item.filename or part)[:200]))
    # Decoding and thumbnailing a phone's 3 MB JPEG takes ~50 ms: on worker threads, so the
    # event loop keeps serving the other phones, and all of a request's photos at once (the
    # decoder releases the interpreter lock: two photos on two cores take the time of one).
    decoded = await asyncio.gather(*(run_in_threadpool(photo_from_bytes, data, name, kind)
                                     for _part, kind, data, name in read),
                                   return_exceptions=True)
    photos: list[NewPhoto] = []
    for (part, _kind, _data, _name), photo in zip(read, decoded, strict=True):
        if isinstance(photo, ValidationError):  # the first bad one, in the request's order
            raise FieldError(part, photo.message)
        if isinstance(photo, BaseException):
            raise photo
        photos.append(photo)
    return body, photos
