"""Read feed batches from an HTTP endpoint or a drop folder, photos included.

Drop folder: every ``*.json`` file is a batch; once all its records are taken in or
quarantined it moves to ``done/`` (a file that is not a batch at all is quarantined as one
problem and moves to ``failed/``).  A file is moved only after its records are in, so a run
that dies half-way reads the file again next time, and the records it already took in are
duplicates.  HTTP: ``GET url[?since=…]``; a batch's ``next_since`` is sent back next time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import requests

from console.domain.errors import ValidationError
from console.intake.feed import FeedFormatError, feed_record, parse_batch
from console.photos import MAX_BYTES, photo_from_bytes
from console.services.intake import IntakeContext, IntakeCounts, take_in, take_in_all
from console.services.intake_ports import IntakeRecord
from console.services.uow import NewPhoto

CURSOR = "since"
Fetch = Callable[[str], bytes]


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """A configured feed channel: ``url`` (HTTP) or ``folder`` (drop folder), not both."""

    name: str
    url: str | None = None
    folder: Path | None = None
    source: str | None = None  # default source of records that name none
    timeout: float = 10.0
    interval: float = 60.0


def http_fetch(timeout: float = 10.0) -> Fetch:
    """Download a photo (at most 10 MB); ValidationError when it cannot be had."""
    def fetch(url: str) -> bytes:
        try:
            with requests.get(url, timeout=timeout, stream=True) as response:
                if response.status_code >= 400:
                    raise ValidationError(f"照片下载失败：HTTP {response.status_code} / photo download failed")
                data = response.raw.read(MAX_BYTES + 1, decode_content=True)
        except requests.RequestException as exc:
            raise ValidationError(f"照片下载失败：{type(exc).__name__} / photo download failed") from None
        if len(data) > MAX_BYTES:
            raise ValidationError("照片超过 10 MB 上限 / photo too large")
        return bytes(data)
    return fetch


def with_photos(record: IntakeRecord, fetch: Fetch) -> IntakeRecord:
    """The record with its photos fetched or decoded; a photo that fails makes it a problem."""
    photos = record.raw.get("photos") if record.report is not None else None
    if not photos or record.report is None:
        return record
    made: list[NewPhoto] = []
    try:
        for n, photo in enumerate(photos, 1):
            name = str(photo.get("filename") or f"photo{n}.jpg")
            if "base64" in photo:
                try:
                    data = base64.b64decode(str(photo["base64"]), validate=True)
                except (binascii.Error, ValueError):
                    raise ValidationError(f"照片 {name} 不是有效的 base64 / bad base64") from None
            else:
                data = fetch(str(photo["url"]))
            made.append(photo_from_bytes(data, name))
    except ValidationError as exc:
        return replace(record, problem=exc.message)
    return replace(record, report=replace(record.report, photos=tuple(made)))


def take_batch(ctx: IntakeContext, settings: FeedSettings, body: bytes, origin: str,
               fetch: Fetch, counts: IntakeCounts) -> str | None:
    """Take in one batch; returns its ``next_since``.  A batch that is no feed is quarantined."""
    try:
        items, source, since = parse_batch(body)
    except FeedFormatError as exc:
        raw: dict[str, Any] = {"origin": origin, "text": body[:20000].decode("utf-8", "replace")}
        counts.fetched += 1
        key = f"batch:{hashlib.sha256(body).hexdigest()[:24]}:{origin}"[:128]
        counts.add(take_in(ctx, IntakeRecord(settings.name, key, "feed", raw,
                                             problem=exc.message)), key)
        return None
    records = (with_photos(feed_record(settings.name, item, source or settings.source,
                                       ctx.centre.tz), fetch) for item in items)
    take_in_all(ctx, records, counts)
    return since


def _batches(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.glob("*.json") if p.is_file())


def _move(path: Path, sub: str) -> None:
    target = path.parent / sub
    target.mkdir(exist_ok=True)
    os.replace(path, target / path.name)


def poll_folder(ctx: IntakeContext, settings: FeedSettings, fetch: Fetch | None = None
                ) -> IntakeCounts:
    """Take in every batch file of the drop folder, then move it to ``done/`` or ``failed/``."""
    assert settings.folder is not None
    if not settings.folder.is_dir():
        raise ValidationError(f"投递目录 {settings.folder} 不存在 / no such folder")
    fetch = fetch or http_fetch(settings.timeout)
    counts = IntakeCounts()
    for path in _batches(settings.folder):
        try:
            body = path.read_bytes()
        except OSError:
            continue  # still being written, or gone: the next round sees it
        try:
            parse_batch(body)
            bad = False
        except FeedFormatError:
            bad = True
        take_batch(ctx, settings, body, path.name, fetch, counts)
        _move(path, "failed" if bad else "done")
    return counts


def poll_http(ctx: IntakeContext, settings: FeedSettings, fetch: Fetch | None = None,
              session: requests.Session | None = None) -> IntakeCounts:
    """GET the feed once (with the saved ``since``) and take the batch in."""
    assert settings.url is not None
    http = session or requests.Session()
    with ctx.uow_factory() as uow:
        since = uow.intake.cursor(settings.name, CURSOR)
    try:
        response = http.get(settings.url, params={"since": since} if since else None,
                            timeout=settings.timeout)
    except requests.RequestException as exc:
        raise ValidationError(f"无法读取馈送 {settings.url}：{type(exc).__name__} / feed unreachable") from None
    if response.status_code >= 400:
        raise ValidationError(f"馈送 {settings.url} 返回 HTTP {response.status_code} / feed error")
    counts = IntakeCounts()
    following = take_batch(ctx, settings, response.content, "http", fetch or http_fetch(
        settings.timeout), counts)
    if following:
        with ctx.uow_factory() as uow:
            uow.intake.set_cursor(settings.name, CURSOR, following, ctx.clock())
            uow.commit()
    return counts


def poll_feed(ctx: IntakeContext, settings: FeedSettings, fetch: Fetch | None = None
              ) -> IntakeCounts:
    """One round of a feed channel, whichever kind it is."""
    if settings.folder is not None:
        return poll_folder(ctx, settings, fetch)
    return poll_http(ctx, settings, fetch)
