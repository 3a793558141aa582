"""The desk window's menus and keys, built from the one shortcut table.

Every action is a ``QAction`` on the window (named ``act_<name>``), so its key works wherever the
focus is in the window, the F1 sheet lists it, and the offline mode can disable the writing ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from console.domain.cases import Role
from console.domain.commands import Command
from console.domain.permissions import may
from console.ui.i18n import N_, _, command_label
from console.ui.shortcuts import SHORTCUTS, WINDOW_SHORTCUTS
from console.ui.video_patrol import may_patrol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget, QMenu, QMenuBar, QWidget

    from console.domain.reference import User


class MenuHost(Protocol):
    """The window the menus are built on, and the slots they call."""

    user: User
    docks: dict[str, QDockWidget]

    def menuBar(self) -> QMenuBar: ...  # noqa: N802 (Qt's name)

    def addAction(self, action: QAction) -> None: ...  # noqa: N802 (Qt's name)

    def as_widget(self) -> QWidget:
        """The window, as the actions' parent."""

    def slots(self) -> Mapping[str, Callable[[], object]]:
        """Window action name -> what it does (keys of :data:`WINDOW_SHORTCUTS` and more)."""

    def run_on_current(self, command: str) -> None:
        """Run a workflow command on the current case."""

    def acknowledge_alert(self) -> None:
        """Ctrl+K."""

    def switch_theme(self, theme: str) -> None:
        """Change the look now."""

    def switch_language(self, lang: str) -> None:
        """Remember the language for the next start."""


def make_action(host: MenuHost, text: str, key: str, slot: Callable[[], object],
                name: str = "") -> QAction:
    """A window-wide action with its key; named ``act_<name>`` for tests and the offline mode."""
    action = QAction(text, host.as_widget())
    action.setObjectName(f"act_{name}" if name else "")
    if key:
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(slot)
    host.addAction(action)
    return action


class DeskMenus:
    """Builds the menu bar of a desk window.

    Attributes
    ----------
    theme_menu, lang_menu : QMenu
        The View menu's theme and language submenus.
    """

    def __init__(self, host: MenuHost) -> None:
        self.host = host
        bar = host.menuBar()
        self.desk = bar.addMenu(_("工作台"))
        self.view = bar.addMenu(_("视图"))
        self.cases = bar.addMenu(_("案件"))
        if Role(host.user.role) is Role.ADMIN:  # other seats get neither the menu nor the key
            self.window_action(bar.addMenu(_("管理")), "admin")
        self.help = bar.addMenu(_("帮助"))
        self._desk_menu()
        self._view_menu()
        self._cases_menu()
        self.window_action(self.help, "help")

    def window_action(self, menu: QMenu, name: str) -> QAction:
        """Add the window action ``name`` (its key and label from the shortcut table)."""
        key, text = WINDOW_SHORTCUTS[name]
        action = make_action(self.host, _(text), key, self.host.slots()[name], name)
        menu.addAction(action)
        return action

    def _desk_menu(self) -> None:
        slots = self.host.slots()
        for name in ("new_report", "find_case", "refresh", "evaluation"):
            self.window_action(self.desk, name)
        self.desk.addAction(make_action(self.host, _("入库问题"), "", slots["intake_problems"],
                                        "intake_problems"))
        self.desk.addAction(make_action(self.host, _("导入案件文件…"), "", slots["import_file"],
                                        "import_file"))
        if may_patrol(Role(self.host.user.role)):
            self.window_action(self.desk, "video_patrol")
        if may(Role(self.host.user.role), Command.ACK_ALERT):  # seats that acknowledge alarms
            self.desk.addAction(make_action(self.host, _("监督员在岗"), "", slots["duty_board"],
                                            "duty_board"))
        self.desk.addSeparator()
        self.window_action(self.desk, "sign_out")
        self.window_action(self.desk, "quit")

    def _view_menu(self) -> None:
        host = self.host
        for name in ("focus_intake", "focus_dispatch", "focus_board", "focus_approvals",
                     "focus_check", "focus_map"):
            self.window_action(self.view, name)
        self.view.addSeparator()
        for dock in host.docks.values():
            self.view.addAction(dock.toggleViewAction())
        self.view.addSeparator()
        self.window_action(self.view, "charts_window")
        self.window_action(self.view, "reset_layout")
        self.theme_menu = self.view.addMenu(_("主题"))
        for theme, text in (("dark", N_("深色")), ("light", N_("浅色"))):
            self.theme_menu.addAction(make_action(host, _(text), "",
                                                  partial(host.switch_theme, theme),
                                                  f"theme_{theme}"))
        self.lang_menu = self.view.addMenu(_("语言 / Language"))
        # Each language is named in itself, whatever the current language.
        for lang, text in (("zh", "中文"), ("en", "English")):  # i18n: ignore
            self.lang_menu.addAction(make_action(host, text, "",
                                                 partial(host.switch_language, lang),
                                                 f"lang_{lang}"))

    def _cases_menu(self) -> None:
        host = self.host
        self.window_action(self.cases, "next_case")
        self.window_action(self.cases, "file_with_choices")
        self.window_action(self.cases, "dispatch_to")
        self.cases.addSeparator()
        seen: set[str] = set()
        for command, key in SHORTCUTS.items():
            if key in seen:
                continue
            seen.add(key)
            text = _("审批通过") if key == "Ctrl+Return" else command_label(command)
            run = "approve" if key == "Ctrl+Return" else command.value
            slot = (host.acknowledge_alert if command is Command.ACK_ALERT
                    else partial(host.run_on_current, run))
            self.cases.addAction(make_action(host, text, key, slot, f"cmd_{run}"))
