"""centre.yaml's ``basemap:`` list: the centre's basemap sources, read and checked.

Each bad value is one line naming centre.yaml, ``basemap[N].FIELD`` (and its line), as every
other field of the centre's files.  A key written into the file (``tk:``, ``key:``, a ``tk=`` in
a URL) is refused: the file is under version control; ``key_env`` names the variable instead.
"""

from __future__ import annotations

import re
from typing import Any

from console.domain.basemap import (
    DEFAULT_TIANDITU_ATTRIBUTION,
    KINDS,
    TIANDITU_LABELS,
    TIANDITU_LAYERS,
    BasemapSource,
)
from console.reference_entry import LONG, Entry, show

_KEYS = frozenset({"name", "kind", "layer", "labels", "matrix", "url", "subdomains", "path",
                   "key_env", "attribution", "min_zoom", "max_zoom"})
#: Fields a secret might be written into by habit.
_SECRETS = frozenset({"tk", "key", "token", "api_key", "apikey", "secret"})
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,63}")  # upper case: a tk is lower-case hex
_LITERAL_KEY = re.compile(r"[?&](tk|key|token|api_key|access_token)=(?!\{)[^&]+", re.I)
_NO_KEY = ("密钥不得写入文件，请在 key_env 中写环境变量名",
           "never put a key in the file: name an environment variable in key_env")


def basemap_sources(centre: Entry) -> tuple[BasemapSource, ...]:
    """The ``basemap`` list of centre.yaml's entry (absent: no sources)."""
    seen: set[str] = set()
    out = []
    for number, raw in enumerate(centre.items("basemap"), 1):
        e = centre.nested("basemap", raw, number)
        source = _source(e)
        if source.name in seen:
            e.fail("name", f"{show(source.name)} 与前面的底图重名", "duplicates an earlier source")
        seen.add(source.name)
        out.append(source)
    return tuple(out)


def _source(e: Entry) -> BasemapSource:
    for key in e.data:
        if str(key).lower() in _SECRETS:
            e.fail(str(key), *_NO_KEY)
    e.unknown_keys(_KEYS)
    kind = e.text("kind")
    if kind not in KINDS:
        e.fail("kind", f"{show(kind)} 不是 {'、'.join(KINDS)} 之一", f"not one of {', '.join(KINDS)}")
    name = e.text("name")
    low = e.integer("min_zoom", low=0, high=22, default=1)
    high = e.integer("max_zoom", low=0, high=22, default=18)
    if high < low:
        e.fail("max_zoom", "小于 min_zoom", "below min_zoom")
    attribution = e.text("attribution", required=False)
    if kind == "tianditu":
        _only(e, kind, {"layer", "labels", "matrix", "key_env"})
        layer = e.text("layer")
        if layer not in TIANDITU_LAYERS:
            e.fail("layer", f"应为 {'、'.join(TIANDITU_LAYERS)} 之一", "unknown 天地图 layer")
        labels = e.text("labels", required=False)
        if labels and labels not in TIANDITU_LABELS:
            e.fail("labels", f"应为 {'、'.join(TIANDITU_LABELS)} 之一", "unknown 天地图 label layer")
        matrix = e.text("matrix")
        if matrix not in ("c", "w"):
            e.fail("matrix", "应为 c（经纬度）或 w（墨卡托）", "expected c or w")
        key_env = _env_name(e)
        return BasemapSource(name, kind, layer=layer, labels=labels, matrix=matrix,
                             key_env=key_env, min_zoom=max(low, 1), max_zoom=high,
                             attribution=attribution or DEFAULT_TIANDITU_ATTRIBUTION)
    if kind == "xyz":
        _only(e, kind, {"url", "subdomains", "key_env"})
        url = e.text("url", limit=LONG)
        if not url.startswith(("http://", "https://")):
            e.fail("url", "应以 http:// 或 https:// 开头", "expected an http(s) URL")
        for part in ("{z}", "{x}", "{y}"):
            if part not in url:
                e.fail("url", f"缺少 {part}", f"missing {part}")
        if _LITERAL_KEY.search(url):
            e.fail("url", *_NO_KEY)
        subdomains = tuple(e.check_text("subdomains", s) for s in e.items("subdomains"))
        if "{s}" in url and not subdomains:
            e.fail("subdomains", "URL 含 {s}，须列出子域名", "the URL has {s}: list subdomains")
        key_env = _env_name(e, required="{tk}" in url)
        return BasemapSource(name, kind, url=url, subdomains=subdomains, key_env=key_env,
                             min_zoom=low, max_zoom=high, attribution=attribution)
    _only(e, kind, {"path"})
    return BasemapSource(name, kind, path=e.text("path", limit=4096), min_zoom=low,
                         max_zoom=high, attribution=attribution)


def _only(e: Entry, kind: str, allowed: set[str]) -> None:
    """Refuse a field of another kind (an xyz ``path`` would be silently unused)."""
    specific = {"layer", "labels", "matrix", "url", "subdomains", "path", "key_env"}
    for key in e.data:
        if key in specific and key not in allowed:
            e.fail(str(key), f"{kind} 类底图没有此字段", f"not a field of a {kind} source")


def _env_name(e: Entry, *, required: bool = True) -> str:
    value: Any = e.text("key_env", required=required)
    if value and not _ENV_NAME.fullmatch(value):
        e.fail("key_env", "应为大写的环境变量名（如 TIANDITU_TK），不是密钥本身",
               "expected an upper-case environment variable name (e.g. TIANDITU_TK), not the key")
    return str(value)
