"""The wall's language is its own: the desk's View → Language does not switch the hall's
screen, and ``citydesk wall --lang`` does not switch the desk (issue #12 part 8).

Both read one settings file on a machine that runs both (a supervisor's desk beside the wall's
screen); the wall keeps ``wall/language``, the desk ``ui/language``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction

from console.app import App
from console.ui import i18n
from console.ui.settings import OPTIONS, Settings
from console.ui.start import prepare_application
from console.ui.wall import start as wall_start
from console.ui.wall.window import WallWindow
from tests.gui.desk import NOW


def _run_wall(demo_template: Path, tmp_path: Path, settings: Settings, lang: str | None,
              qtbot, monkeypatch: pytest.MonkeyPatch, app) -> tuple[WallWindow, str]:
    """Start the wall as ``citydesk wall`` does; return its window and the language it ran in."""
    path = tmp_path / f"wall{len(list(tmp_path.glob('wall*.sqlite3')))}.sqlite3"
    shutil.copy(demo_template, path)
    backend = App.open(f"sqlite:///{path}", lambda: NOW)
    made: list[WallWindow] = []
    spoken: list[str] = []

    class Recorded(WallWindow):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)
            qtbot.addWidget(self)

    def event_loop() -> int:
        # Stands in for exec(): a real exec/quit would end the loops of later tests too.
        qtbot.waitUntil(lambda: bool(made) and made[0].data is not None, timeout=10000)
        spoken.append(i18n.language())
        return 0

    monkeypatch.setattr(wall_start, "WallWindow", Recorded)
    monkeypatch.setattr(app, "exec", event_loop)
    try:
        code = wall_start.run_wall(backend, lang=lang, theme=None, rotate_seconds=0,
                                   clock=lambda: NOW, fullscreen=False, settings=settings)
    finally:
        backend.close()
    assert code == 0
    return made[0], spoken[0]


def test_the_wall_has_its_own_remembered_language() -> None:
    assert OPTIONS["wall_language"].key != OPTIONS["language"].key
    assert OPTIONS["wall_language"].default == "zh"


def test_the_desks_language_menu_leaves_the_wall_alone(
    desk_factory: Callable, demo_template: Path, tmp_path: Path, themed_app, qtbot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk = desk_factory("zhibanzhang1")
    settings = desk.window.settings
    english = desk.window.findChild(QAction, "act_lang_en")
    assert english is not None
    english.trigger()  # View → 语言 / Language → English
    assert settings.language == "en"
    assert settings.wall_language == "zh"
    window, spoken = _run_wall(demo_template, tmp_path, settings, None, qtbot, monkeypatch,
                               themed_app)
    assert spoken == "zh"
    assert window.overview.tiles["overdue"].caption.text() == i18n.N_("当前超时")
    assert settings.language == "en" and settings.wall_language == "zh"


def test_citydesk_wall_lang_leaves_the_desk_alone(
    demo_template: Path, tmp_path: Path, themed_app, qtbot, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(QSettings(str(tmp_path / "both.ini"), QSettings.Format.IniFormat))
    _window, spoken = _run_wall(demo_template, tmp_path, settings, "en", qtbot, monkeypatch,
                                themed_app)
    assert spoken == "en"
    assert settings.wall_language == "en" and settings.language == "zh"
    # The desk starts next on this machine: Chinese, as it was.
    prepare_application(None, None, settings)
    assert i18n.language() == "zh"
    # The wall, restarted without --lang, remembers its English.
    _window, spoken = _run_wall(demo_template, tmp_path, settings, None, qtbot, monkeypatch,
                                themed_app)
    assert spoken == "en"
    assert settings.language == "zh"
