"""``citydesk category list [--search TEXT]``: the categories and every word that finds them.

``--search`` matches as ``--category`` resolves (console.domain.category_search): the list is
what ``--category TEXT`` would choose between, so one row means ``--category TEXT`` works.
"""

from __future__ import annotations

import argparse
import unicodedata
from typing import Any

from console.cli.common import emit
from console.cli.setup import open_app
from console.domain.category_search import CategoryIndex, MatchKind
from console.domain.reference import Category, CategoryKind

_KIND_ZH = {CategoryKind.COMPONENT: "部件", CategoryKind.EVENT: "事件"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    # str.ljust counts a Chinese character as one column; a terminal shows it as two.
    return text + " " * max(0, width - _width(text))


def _row(index: CategoryIndex, cat: Category, kind: MatchKind | None) -> dict[str, Any]:
    row = {
        "code": cat.code, "kind": cat.kind.value, "name": cat.name_zh, "name_en": cat.name_en,
        "legacy_code": cat.legacy_code, "aliases": list(cat.aliases),
        "initials": index.initials(cat),
    }
    if kind is not None:
        row["matched_by"] = kind.value
    return row


def _table(rows: list[dict[str, Any]]) -> str:
    name_width = max((_width(r["name"]) for r in rows), default=4)
    lines = [f"代码   类型  {_pad('名称', name_width)}  旧代码  拼音首字母      别名"]
    for r in rows:
        lines.append((
            f"{r['code']}  {_KIND_ZH[CategoryKind(r['kind'])]}  {_pad(r['name'], name_width)}  "
            f"{(r['legacy_code'] or '—'):<6}  {r['initials']:<14}  {'、'.join(r['aliases'])}"
        ).rstrip())
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace) -> int:

    app = open_app(args)
    try:
        index = app.centre.category_index
    finally:
        app.close()
    if args.search is None:
        kind, found = None, index.categories
    else:
        kind, found = index.lookup(args.search)
    rows = [_row(index, cat, kind) for cat in found]
    if rows:
        emit(args, rows, lambda: _table(rows))
        return 0
    closest = index.suggest(args.search or "")
    hint = "".join(f"\n  {c.code} {c.name_zh}" for c in closest)
    emit(args, rows, f"没有与 {args.search!r} 匹配的类别 / no category matches"
         + (f"；相近的 / closest:{hint}" if hint else ""))
    return 0


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``category list``."""
    p = sub.add_parser("category", parents=[common], help="案件类别：代码、名称、别名、拼音首字母")
    csub = p.add_subparsers(dest="category_cmd", metavar="list", required=True)
    lst = csub.add_parser("list", parents=[common], help="列出类别（--search 按 --category 的规则匹配）")
    lst.add_argument("--search", metavar="TEXT",
                     help="代码、名称、别名、拼音首字母或名称片段 / as --category accepts")
    lst.set_defaults(handler=cmd_list)
