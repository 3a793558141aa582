"""`citydesk --demo` end to end: an empty database, demo data, the window, a clean exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from console.app import App
from console.cli.gui import ensure_ready
from console.services.accounts import DEMO_PASSWORD, hash_password
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


def test_ctrl_c_in_the_terminal_closes_the_desk_as_its_window_would(
        tmp_path: Path, themed_app, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    # No demo data: the question is answered No (it is the first test's subject).
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_a, **_k: QMessageBox.StandardButton.No)

    app = App.open(f"sqlite:///{tmp_path / 'int.sqlite3'}", lambda: NOW)
    ensure_ready(app)
    with app.uow_factory() as uow:
        uow.accounts.set_password("paiqian1", hash_password(DEMO_PASSWORD), NOW)
        uow.commit()
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    seen: list[MainWindow] = []

    def interrupt_when_shown() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        # Until the event loop runs, Ctrl+C still has Python's default handler.
        if not windows or signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            QTimer.singleShot(100, interrupt_when_shown)
            return
        seen.append(windows[0])
        os.kill(os.getpid(), signal.SIGINT)  # what Ctrl+C in the terminal sends

    def sign_in() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, SignInDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(100, sign_in)
            return
        dialogs[0].password.setText(DEMO_PASSWORD)
        dialogs[0].try_sign_in()
        QTimer.singleShot(300, interrupt_when_shown)

    QTimer.singleShot(200, sign_in)
    code = run_desk(app, user="paiqian1", lang="zh", theme="dark", demo=False,
                    clock=lambda: NOW, settings=settings)
    assert code == 0 and seen
    assert settings.window_state("paiqian1") is not None  # closed as a window: layout saved
    assert settings.window_state("paiqian1") is not None  # closed as a window: layout saved
    app.close()
