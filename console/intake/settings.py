"""The ``[intake]`` table of ``desk.toml``: which channels the worker runs, and how often.

::

    [intake]
    user = "admin"              # who files channel reports (an active user)
    push_interval = 60          # seconds between status pushes
    in_console = false          # a one-machine setup: the console runs the channels itself

    [[intake.open311]]
    name = "open311:kaihua"     # default open311:<jurisdiction>; one of the two is required
    url = "https://open311.example.gov.cn/v2"
    jurisdiction = "kaihua.gov.cn"
    api_key_env = "CITYDESK_OPEN311_KEY"   # the key is read from this variable, never the file
    format = "json"             # xml (default) | json
    interval = 300
    source = "网络/微信"
    updated_after = true
    push = "updates"            # updates | requests | none
    page_size = 100
    lookback_days = 7

    [[intake.feed]]
    name = "feed:12345"
    url = "http://hotline.local/citydesk/feed"   # or: folder = "/srv/citydesk/drop"
    source = "hotline"
    interval = 60

Every fault raises :class:`~console.config.ConfigError` naming the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.config import ConfigError
from console.domain.cases import Source
from console.intake.feed import SOURCES as FEED_SOURCES
from console.intake.feed_channel import FeedSettings
from console.intake.open311_channel import (
    PUSH_MODES,
    ChannelNameError,
    Open311Settings,
    channel_name,
)
from console.intake.open311_client import Open311Endpoint

TOP = ("user", "push_interval", "in_console", "open311", "feed")
OPEN311 = ("name", "url", "jurisdiction", "api_key_env", "format", "interval", "source",
           "updated_after", "push", "page_size", "lookback_days", "timeout")
FEED = ("name", "url", "folder", "source", "interval", "timeout")


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """The channels of one worker and how it runs them."""

    user: str = "admin"
    push_interval: float = 60.0
    in_console: bool = False
    open311: tuple[Open311Settings, ...] = ()
    feeds: tuple[FeedSettings, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        """True when no channel is configured."""
        return not self.open311 and not self.feeds


def _keys(table: Any, allowed: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} 应为表 / {where} must be a table")
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ConfigError(f"{where} 含未知的键 {', '.join(unknown)}（可用：{', '.join(allowed)}）"
                          " / unknown key")
    return table


def _str(table: dict[str, Any], key: str, where: str, default: str | None = None) -> str | None:
    value = table.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key} 应为非空字符串 / {key} must be a non-empty string")
    return value.strip()


def _num(table: dict[str, Any], key: str, where: str, default: float, low: float,
         high: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{where}.{key} 应为 {low:g}–{high:g} 的数 / {key} out of range")
    return float(value)


def _bool(table: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{key} 应为 true 或 false / {key} must be a boolean")
    return value


def _open311(table: Any, n: int) -> Open311Settings:
    where = f"[[intake.open311]] 第 {n} 项"
    t = _keys(table, OPEN311, where)
    url = _str(t, "url", where)
    if url is None or not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}.url 应为 http(s) 地址 / url must be an http(s) URL")
    fmt = _str(t, "format", where, "xml")
    if fmt not in ("xml", "json"):
        raise ConfigError(f"{where}.format 应为 xml 或 json / format must be xml or json")
    push = _str(t, "push", where, "updates")
    if push not in PUSH_MODES:
        raise ConfigError(f"{where}.push 应为 {'、'.join(PUSH_MODES)} 之一 / unknown push mode")
    source = _str(t, "source", where, Source.WEB.value)
    if source not in {s.value for s in Source}:
        raise ConfigError(f"{where}.source 不是已知的来源 / unknown source")
    key_env = _str(t, "api_key_env", where)
    jurisdiction = _str(t, "jurisdiction", where)
    endpoint = Open311Endpoint(
        url, jurisdiction, os.environ.get(key_env) if key_env else None, str(fmt),
        timeout=_num(t, "timeout", where, 10, 1, 300),
        page_size=int(_num(t, "page_size", where, 100, 1, 1000)))
    lookback = int(_num(t, "lookback_days", where, 7, 1, 90))
    updated_after = _bool(t, "updated_after", where, True)
    interval = _num(t, "interval", where, 300, 5, 86400)
    try:  # the channel's identity: its name or jurisdiction, never the URL's spelling
        name = channel_name(_str(t, "name", where), jurisdiction)
    except ChannelNameError as exc:
        raise ConfigError(f"{where}：{exc.message}") from None
    return Open311Settings(name, endpoint, str(source), lookback, updated_after, str(push),
                           interval)


def _feed(table: Any, n: int) -> FeedSettings:
    where = f"[[intake.feed]] 第 {n} 项"
    t = _keys(table, FEED, where)
    url, folder = _str(t, "url", where), _str(t, "folder", where)
    if (url is None) == (folder is None):
        raise ConfigError(f"{where} 须给出 url 或 folder 之一 / give url or folder")
    name = _str(t, "name", where)
    if name is None or len(name) > 64:
        raise ConfigError(f"{where}.name 须给出（上限 64 字）/ name required")
    source = _str(t, "source", where)
    if source is not None and source not in FEED_SOURCES:
        raise ConfigError(f"{where}.source 应为 {'、'.join(FEED_SOURCES)} 之一 / unknown source")
    return FeedSettings(name, url, Path(folder).expanduser() if folder else None, source,
                        _num(t, "timeout", where, 10, 1, 300), _num(t, "interval", where, 60, 1, 86400))


def worker_settings(intake: dict[str, Any] | None) -> WorkerSettings:
    """Check ``desk.toml``'s ``[intake]`` table (None: nothing configured)."""
    if intake is None:
        return WorkerSettings()
    t = _keys(intake, TOP, "[intake]")
    open311 = t.get("open311", [])
    feeds = t.get("feed", [])
    if not isinstance(open311, list) or not isinstance(feeds, list):
        raise ConfigError("[intake] 的 open311 / feed 应写成 [[intake.open311]] 表数组 / arrays of tables")
    made = WorkerSettings(
        _str(t, "user", "[intake]", "admin") or "admin",
        _num(t, "push_interval", "[intake]", 60, 5, 86400),
        _bool(t, "in_console", "[intake]", False),
        tuple(_open311(x, n) for n, x in enumerate(open311, 1)),
        tuple(_feed(x, n) for n, x in enumerate(feeds, 1)))
    names = [c.name for c in made.open311] + [f.name for f in made.feeds]
    if len(names) != len(set(names)):
        raise ConfigError("[intake] 中有重名的渠道 / two channels share a name")
    return made
