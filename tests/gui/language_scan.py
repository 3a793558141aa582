"""Walk a window's widgets and collect the text people read, to check it is in one language.

``texts(widget)`` gathers, for the widget and every descendant: text(), toolTip(),
windowTitle(), placeholderText(), statusTip(), the items of combo boxes, the titles and
actions of menus (and the menu bar's), header labels of item views and the tab texts of tab
widgets.  Each found text comes with where it was found, so a failure names the widget.

``english_words`` finds ASCII letter runs of three or more letters, minus an allow-list of
key names, the product name and file formats; ``chinese`` finds CJK ideographs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QTableView,
    QTextEdit,
    QTreeView,
    QWidget,
)

from console.ui.i18n import CJK

WORD = re.compile(r"[A-Za-z]{3,}")

ALLOWED_WORDS = frozenset({
    # key names of shortcuts (menus show "Ctrl+N"; Qt's own context menus "Ctrl+Z")
    "Ctrl", "Shift", "Alt", "Enter", "Return", "Del", "Delete", "Backspace", "Esc", "Tab",
    "Space", "Home", "End", "PgUp", "PgDown", "Ins", "Left", "Right", "Meta",
    # the product and file formats
    "CityDesk", "PDF", "XLSX", "CSV", "csv", "xlsx", "pdf", "JSON", "json", "YAML", "yaml",
    "GeoJSON", "geojson", "Open", "Feed",  # "Open311" and the feed channel are proper names
    "citydesk", "init", "sqlite",  # a command and a database URL quoted as they are typed
    "SOS",  # in a category's standard name (01066 紧急报警点异常SOS; the 热点图's category list)
})
"""English letter runs allowed in the Chinese desk: key names, names of things, formats."""

DATA_PATTERNS = (
    re.compile(r"\bKH-[A-Z0-9-]+"),  # unit codes
    re.compile(r"\b[a-z]+[a-z_]*\d+\b"),  # user names (zhibanzhang1, paiqian1, caiji01)
    re.compile(r"\badmin\b"),  # the administrator's user name
    re.compile(r"@[\w-]+"),  # desk names after the user ("caiji01@demo")
    re.compile(r"sqlite:///\S+|[\w./-]+\.sqlite3"),  # the database shown in the title/status
)
"""Data a Chinese desk shows as it is: unit codes, user names, desk names, the database."""


@dataclass(frozen=True, slots=True)
class Seen:
    """A text on screen and where: the widget's class and object name, and the property."""

    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text!r}"


def _name(w: object) -> str:
    name = w.objectName() if hasattr(w, "objectName") else ""
    return f"{type(w).__name__}({name})" if name else type(w).__name__


def _menu_texts(menu: QMenu, where: str, seen: set[int]) -> Iterator[Seen]:
    if id(menu) in seen:
        return
    seen.add(id(menu))
    if menu.title():
        yield Seen(f"{where} menu", menu.title())
    for action in menu.actions():
        yield from _action_texts(action, f"{where} > {menu.title() or _name(menu)}", seen)


def _action_texts(action: QAction, where: str, seen: set[int]) -> Iterator[Seen]:
    if action.isSeparator():
        return
    if action.objectName():
        where = f"{where} {action.objectName()}"
    for prop in ("text", "toolTip", "statusTip", "iconText"):
        value = getattr(action, prop)()
        if value:
            yield Seen(f"{where} action.{prop}", value)
    sub = action.menu()
    if isinstance(sub, QMenu):
        yield from _menu_texts(sub, where, seen)


def _view_headers(view: QAbstractItemView, where: str) -> Iterator[Seen]:
    model = view.model()
    if model is None:
        return
    for section in range(model.columnCount()):
        for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = model.headerData(section, Qt.Orientation.Horizontal, role)
            if isinstance(value, str) and value:
                yield Seen(f"{where} header[{section}]", value)


def texts(root: QWidget, *, include_item_data: bool = False) -> list[Seen]:
    """Every text of ``root`` and its descendants that people read (see module docstring).

    ``include_item_data`` adds the display text of every cell of every item view (for views
    whose cells are labels, not data).
    """
    out: list[Seen] = []
    menus_seen: set[int] = set()
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        where = _name(w)
        if isinstance(w, QMenu):
            out.extend(_menu_texts(w, where, menus_seen))
            continue
        props = ["toolTip", "statusTip", "accessibleName"]
        if w.isWindow():
            props.append("windowTitle")
        if isinstance(w, QAbstractButton | QLabel | QLineEdit):
            props.append("text")
        if isinstance(w, QLineEdit | QTextEdit | QPlainTextEdit):
            props.append("placeholderText")
        if isinstance(w, QGroupBox):
            props.append("title")
        for prop in props:
            value = getattr(w, prop)()
            if isinstance(value, str) and value:
                out.append(Seen(f"{where}.{prop}", value))
        if isinstance(w, QComboBox):
            out.extend(Seen(f"{where} item[{i}]", w.itemText(i)) for i in range(w.count()))
        if isinstance(w, QTabBar):
            out.extend(Seen(f"{where} tab[{i}]", w.tabText(i)) for i in range(w.count()))
            out.extend(Seen(f"{where} tabToolTip[{i}]", w.tabToolTip(i))
                       for i in range(w.count()) if w.tabToolTip(i))
        if isinstance(w, QTableView | QTreeView):  # list views have no header
            out.extend(_view_headers(w, where))
        if include_item_data and isinstance(w, QAbstractItemView) and w.model() is not None:
            m = w.model()
            columns = 1 if isinstance(w, QListView) else m.columnCount()
            out.extend(Seen(f"{where} cell[{r},{c}]", str(m.index(r, c).data() or ""))
                       for r in range(m.rowCount()) for c in range(columns))
        for action in w.actions():
            out.extend(_action_texts(action, where, menus_seen))
    if isinstance(root, QMainWindow):
        out.extend(_menu_texts_of_bar(root, menus_seen))
    return [s for s in out if s.text.strip()]


def _menu_texts_of_bar(window: QMainWindow, seen: set[int]) -> Iterator[Seen]:
    for action in window.menuBar().actions():
        yield from _action_texts(action, "menuBar", seen)


MARKUP = re.compile(r"<[^>]*>|&[a-z]+;|&#\d+;")
"""Rich-text tags and entities: markup, not words people read."""


def plain(text: str) -> str:
    """``text`` without rich-text markup."""
    return MARKUP.sub(" ", text)


def english_words(text: str, extra_allowed: Iterable[str] = ()) -> list[str]:
    """ASCII letter runs of 3+ letters in ``text`` that are not allowed (key names, data …)."""
    allowed = ALLOWED_WORDS | set(extra_allowed)
    text = plain(text)
    for pattern in DATA_PATTERNS:
        text = pattern.sub(" ", text)
    text = text.replace("&", "")  # mnemonics: "保存(&S)"
    return [w for w in WORD.findall(text) if w not in allowed]


FULL_WIDTH = re.compile(r"[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")
"""Chinese punctuation (、。「」 and the full-width （），：；！？): Chinese, not English, text."""


def chinese(text: str) -> list[str]:
    """The CJK ideographs and Chinese punctuation in ``text`` (markup aside)."""
    text = plain(text)
    return CJK.findall(text) + FULL_WIDTH.findall(text)
