"""The console's settings: the only place a QSettings is created.

Options are declared once, with their defaults, in :data:`OPTIONS` (Picard's ``options.py``
idea); :class:`Settings` gives them typed accessors.  Window, splitter and header layouts are
kept per user, because an intake operator and a dispatcher sharing a machine arrange their panes
differently, and :meth:`Settings.reset_layout` forgets one user's layout.

The file is an INI file everywhere (not the Windows registry), so support can read it and tests
isolate it with ``QSettings.setPath(IniFormat, UserScope, tmp)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QSplitter, QTreeView

from console.ui.i18n import LANGUAGES
from console.ui.theme import THEMES

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow, QTableView

ORGANIZATION = "CityDesk"
APPLICATION = "CityDesk"


@dataclass(frozen=True, slots=True)
class Option:
    """A string option: its key in the file, its default and the values it may take."""

    key: str
    default: str
    choices: tuple[str, ...] = ()


OPTIONS: Mapping[str, Option] = {
    "theme": Option("ui/theme", "dark", THEMES),
    "language": Option("ui/language", "zh", LANGUAGES),
    # The wall's own: a desk's View → Language on the same machine must not switch the hall's
    # screen, nor `citydesk wall --lang` the desk.
    "wall_language": Option("wall/language", "zh", LANGUAGES),
    "last_user": Option("session/last_user", ""),
    "last_db": Option("session/last_db", ""),
}
"""Every plain option and its default, declared once."""


class WindowState(NamedTuple):
    """A main window's saved layout: ``saveGeometry()`` and ``saveState()`` bytes."""

    geometry: bytes
    state: bytes


def _user_group(user: str) -> str:
    if not user:
        raise ValueError("a layout belongs to a user; user must not be empty")
    # Percent-encode: '/' would open a sub-group and INI keys are ASCII at heart.
    return f"layout/{quote(user, safe='')}"


def _to_bytes(value: object) -> bytes | None:
    if isinstance(value, QByteArray):
        return bytes(value.data()) or None
    if isinstance(value, bytes):
        return value or None
    return None


class Settings:
    """Typed access to the console's settings.

    Parameters
    ----------
    qsettings : QSettings, optional
        The store; by default the user's ``CityDesk/CityDesk.ini``.  Tests inject their own.
    """

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._qs = qsettings or QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
        )

    # ------------------------------------------------------------------ plain options

    def _get(self, name: str) -> str:
        option = OPTIONS[name]
        value = self._qs.value(option.key, option.default)
        if not isinstance(value, str) or (option.choices and value not in option.choices):
            return option.default  # a hand-edited or older file must not break startup
        return value

    def _set(self, name: str, value: str) -> None:
        option = OPTIONS[name]
        if option.choices and value not in option.choices:
            raise ValueError(f"{name} must be one of {option.choices}, not {value!r}")
        self._qs.setValue(option.key, value)

    @property
    def theme(self) -> str:
        """``"dark"`` (default) or ``"light"``."""
        return self._get("theme")

    @theme.setter
    def theme(self, value: str) -> None:
        self._set("theme", value)

    @property
    def language(self) -> str:
        """The desk's language: ``"zh"`` (default) or ``"en"``."""
        return self._get("language")

    @language.setter
    def language(self, value: str) -> None:
        self._set("language", value)

    @property
    def wall_language(self) -> str:
        """The wall screen's language: ``"zh"`` (default) or ``"en"``, apart from the desk's."""
        return self._get("wall_language")

    @wall_language.setter
    def wall_language(self, value: str) -> None:
        self._set("wall_language", value)

    @property
    def last_user(self) -> str:
        """The user name last signed in, to prefill the sign-in dialog (``""`` at first)."""
        return self._get("last_user")

    @last_user.setter
    def last_user(self, value: str) -> None:
        self._set("last_user", value)

    @property
    def last_db(self) -> str:
        """The database URL or file last opened (``""`` at first)."""
        return self._get("last_db")

    @last_db.setter
    def last_db(self, value: str) -> None:
        self._set("last_db", value)

    # ------------------------------------------------------------------ per-user layout

    def _get_bytes(self, key: str) -> bytes | None:
        return _to_bytes(self._qs.value(key))

    def _set_bytes(self, key: str, value: bytes) -> None:
        self._qs.setValue(key, QByteArray(value))

    def window_state(self, user: str) -> WindowState | None:
        """The user's main window geometry and dock/toolbar state, or None if not saved.

        Unpacks as ``geometry, state = settings.window_state(user)``.
        """
        group = _user_group(user)
        geometry = self._get_bytes(f"{group}/window/geometry")
        state = self._get_bytes(f"{group}/window/state")
        return None if geometry is None or state is None else WindowState(geometry, state)

    def set_window_state(self, user: str, geometry: bytes, state: bytes) -> None:
        """Remember the user's main window geometry and dock/toolbar state."""
        group = _user_group(user)
        self._set_bytes(f"{group}/window/geometry", geometry)
        self._set_bytes(f"{group}/window/state", state)

    def header_state(self, user: str, pane: str) -> bytes | None:
        """``QHeaderView.saveState()`` of a pane's table for the user, or None."""
        return self._get_bytes(f"{_user_group(user)}/headers/{quote(pane, safe='')}")

    def set_header_state(self, user: str, pane: str, state: bytes) -> None:
        """Remember a pane's column sizes, order, hidden columns and sort for the user."""
        self._set_bytes(f"{_user_group(user)}/headers/{quote(pane, safe='')}", state)

    def splitter_state(self, user: str, name: str) -> bytes | None:
        """``QSplitter.saveState()`` of a named splitter for the user, or None."""
        return self._get_bytes(f"{_user_group(user)}/splitters/{quote(name, safe='')}")

    def set_splitter_state(self, user: str, name: str, state: bytes) -> None:
        """Remember a named splitter's sizes for the user."""
        self._set_bytes(f"{_user_group(user)}/splitters/{quote(name, safe='')}", state)

    def reset_layout(self, user: str) -> None:
        """Forget the user's window, splitter and header layout (other users keep theirs)."""
        self._qs.remove(_user_group(user))

    def sync(self) -> None:
        """Write pending changes to disk now (Qt also does it on exit and periodically)."""
        self._qs.sync()


# ---------------------------------------------------------------------- view helpers
# Picard's PreserveGeometry as plain functions: panes call them from showEvent / closeEvent
# and main_window.py from its close and reset-layout handlers.


def _header_of(view: QTableView | QTreeView) -> QHeaderView:
    return view.header() if isinstance(view, QTreeView) else view.horizontalHeader()


def save_header(view: QTableView | QTreeView, settings: Settings, user: str, pane: str) -> None:
    """Store a view's horizontal header: section sizes, order, hidden sections, sort column."""
    settings.set_header_state(user, pane, bytes(_header_of(view).saveState().data()))


def restore_header(view: QTableView | QTreeView, settings: Settings, user: str, pane: str) -> bool:
    """Restore what :func:`save_header` stored; call it once the model is set.

    Returns
    -------
    bool
        False when nothing was stored or Qt rejected the state (kept the defaults).
    """
    state = settings.header_state(user, pane)
    header = _header_of(view)
    if state is None or not header.restoreState(QByteArray(state)):
        return False
    if view.isSortingEnabled():
        # restoreState sets the indicator only; the model must be sorted to match it.
        view.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
    return True


def save_splitter(splitter: QSplitter, settings: Settings, user: str) -> None:
    """Store a splitter's sizes under its objectName (which must be set)."""
    settings.set_splitter_state(user, _named(splitter), bytes(splitter.saveState().data()))


def restore_splitter(splitter: QSplitter, settings: Settings, user: str) -> bool:
    """Restore what :func:`save_splitter` stored; False when nothing usable was stored."""
    state = settings.splitter_state(user, _named(splitter))
    return state is not None and splitter.restoreState(QByteArray(state))


def save_window(window: QMainWindow, settings: Settings, user: str) -> None:
    """Store a main window's geometry and dock/toolbar state (from its ``closeEvent``)."""
    geometry, state = bytes(window.saveGeometry().data()), bytes(window.saveState().data())
    settings.set_window_state(user, geometry, state)


def restore_window(window: QMainWindow, settings: Settings, user: str) -> bool:
    """Restore what :func:`save_window` stored, before the window is shown."""
    saved = settings.window_state(user)
    if saved is None:
        return False
    geometry_ok = window.restoreGeometry(QByteArray(saved.geometry))
    return window.restoreState(QByteArray(saved.state)) and geometry_ok


def _named(splitter: QSplitter) -> str:
    if not splitter.objectName():
        raise ValueError("the splitter needs an objectName to be saved under")
    return splitter.objectName()
