"""`citydesk --demo` end to end: an empty database, demo data, the window, a clean exit."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QLabel

from console.app import App
from console.cli.gui import ensure_ready
from console.services.accounts import DEMO_PASSWORD
from console.services.uow import CaseFilter
from console.ui.dialogs.signin import SignInDialog
from console.ui.main_window import MainWindow
from console.ui.settings import Settings
from console.ui.start import run_desk
from tests.gui.desk import NOW


def test_run_desk_creates_demo_data_opens_the_window_and_exits(tmp_path: Path, themed_app) -> None:
    app = App.open(f"sqlite:///{tmp_path / 'first.sqlite3'}", lambda: NOW)
    ensure_ready(app)  # what `citydesk` does first on an empty database
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    seen: list[MainWindow] = []

    def close_when_shown() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if windows and windows[0].isVisible():
            seen.append(windows[0])
            QTimer.singleShot(500, windows[0].close)
        else:
            QTimer.singleShot(200, close_when_shown)

    def sign_in() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, SignInDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(100, sign_in)
            return
        dialog = dialogs[0]
        assert dialog.user.text() == "zhibanzhang1"  # --as prefills the name
        assert DEMO_PASSWORD in dialog.findChild(QLabel, "signin_hint").text()
        dialog.password.setText("wrong-password")
        dialog.try_sign_in()
        assert dialog.isVisible() and "密码错误" in dialog.message.text()
        dialog.password.setText(DEMO_PASSWORD)
        dialog.try_sign_in()
        QTimer.singleShot(200, close_when_shown)

    QTimer.singleShot(200, sign_in)
    code = run_desk(app, user="zhibanzhang1", lang="zh", theme="light", demo=True,
                    clock=lambda: NOW, settings=settings)
    assert code == 0
    assert seen and seen[0].banner.kind == "demo"  # the demo banner was up
    assert seen[0].intake.model.rowCount() > 0
    with app.uow_factory() as uow:
        assert uow.cases.count(CaseFilter()) > 1000
    assert settings.theme == "light" and settings.last_user == "zhibanzhang1"
    assert settings.window_state("zhibanzhang1") is not None  # saved on close
    app.close()
