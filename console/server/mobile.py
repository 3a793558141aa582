"""The collectors' phone page ``/m/`` (issue #15) and the category list it offers.

* ``GET /m/`` and ``GET /m/{app.js,app.css}`` — a small page of plain HTML and JavaScript
  (``resources/mobile/``) a collector opens in the phone's browser: sign in, 我的任务 with
  countdowns, answer a 核实 / 核查 with photos and the position, report a problem, 自处置.  It
  talks only to the field API (docs/field-api.md) and queues every submission in
  ``localStorage`` until the server has it, so a flaky network loses nothing and sends nothing
  twice (``client_id`` / ``request_id``).
* ``GET /api/v1/categories`` — the centre's categories (code, name, 部件 / 事件, pinyin
  initials, aliases) for the page's picker; any signed-in user, read-only.

The page's files are served with a Content-Security-Policy that allows the server's own
origin only (plus ``blob:`` images: photos are fetched with the bearer token and shown from
blob URLs the page itself makes), no framing, and no caching of stale code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from console.domain.category_search import KIND_ZH, pinyin_initials
from console.domain.reference import Category
from console.server.auth import CallerDep, StateDep

#: Where the page's files are (a centre does not replace them: they are code, not data).
PAGE_DIR = Path(__file__).resolve().parents[2] / "resources" / "mobile"

#: The page's files and their media types: nothing else under /m/ is served.
FILES = {"index.html": "text/html; charset=utf-8",
         "i18n.js": "text/javascript; charset=utf-8",
         "app.js": "text/javascript; charset=utf-8",
         "app.css": "text/css; charset=utf-8"}

#: Only the server's own origin: scripts, styles, requests, forms.  Images may also be blob
#: URLs (a photo fetched with the token, a photo just taken); nothing may frame the page.
CSP = ("default-src 'self'; img-src 'self' blob:; connect-src 'self'; script-src 'self'; "
       "style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")

HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer",
           # A phone must not keep an old app.js beside a new server: revalidate every load.
           "Cache-Control": "no-cache"}

router = APIRouter(tags=["mobile"])


@lru_cache(maxsize=len(FILES))
def _page_file(name: str) -> bytes:
    return (PAGE_DIR / name).read_bytes()


def _served(name: str) -> Response:
    return Response(_page_file(name), media_type=FILES[name], headers=HEADERS)


@router.get("/m", include_in_schema=False)
def page_root() -> RedirectResponse:
    """``/m`` → ``/m/`` (the page's relative links need the slash)."""
    return RedirectResponse("/m/", status_code=308)


@router.get("/m/", include_in_schema=False)
def page() -> Response:
    """The phone page."""
    return _served("index.html")


@router.get("/m/app.js", include_in_schema=False)
def page_script() -> Response:
    """The page's script."""
    return _served("app.js")


@router.get("/m/i18n.js", include_in_schema=False)
def page_strings() -> Response:
    """The page's English strings (Chinese by default; the collector may pick English)."""
    return _served("i18n.js")


@router.get("/m/app.css", include_in_schema=False)
def page_style() -> Response:
    """The page's style sheet."""
    return _served("app.css")


def category_dict(category: Category) -> dict[str, Any]:
    """A category as the phone's picker reads it."""
    return {"code": category.code, "name": category.name_zh, "name_en": category.name_en,
            "kind": category.kind.value,
            "kind_name": KIND_ZH[category.kind], "initials": _initials_of(category.name_zh),
            "aliases": list(category.aliases)}


@lru_cache(maxsize=4096)
def _initials_of(name: str) -> str:
    # pypinyin costs ~1 ms a name: computed once per name per process, not per request.
    return pinyin_initials(name)


@router.get("/api/v1/categories", tags=["field"])
def categories(state: StateDep, who: CallerDep) -> list[dict[str, Any]]:
    """The centre's categories, in code order (any signed-in user; read-only)."""
    del who  # the session is the whole check: categories are no secret of any seat
    ref = state.app.centre.ref
    return [category_dict(ref.categories[code]) for code in sorted(ref.categories)]
