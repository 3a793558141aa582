"""Open the desk: language, theme, demo data on an empty database, sign-in, the main window."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from console.desk_local import demo_state, sign_in
from console.domain.errors import CityDeskError
from console.services.accounts import DEMO_PASSWORD
from console.services.centre import Centre
from console.services.demo import DemoSettings, run_demo
from console.ui.controller import Backend, DeskController, Listener
from console.ui.dialogs.signin import SignInDialog
from console.ui.i18n import _, error_text, install_qt_translator, set_language
from console.ui.interrupt import quit_on_signals
from console.ui.ops import OpRunner
from console.ui.session import DeskSession
from console.ui.settings import Settings
from console.ui.theme import apply_theme


def desk_name() -> str:
    """The desk's name, recorded on every event it writes: ``desk.toml``'s, else the host's."""
    from console.config import load_config  # the command line has already checked the file

    return (load_config().desk or socket.gethostname() or "desk")[:64]


def _wait(ops: OpRunner, work: Callable[[], object]) -> object:
    """Run ``work`` on the worker while the GUI keeps painting; return its result."""
    out: list[object] = []
    loop = QEventLoop()

    def done(value: object) -> None:
        out.append(value)
        loop.quit()

    def failed(exc: Exception) -> None:
        out.append(exc)
        loop.quit()

    ops.run(work, done, failed)
    if not out:
        loop.exec()
    if isinstance(out[0], Exception):
        raise out[0]
    return out[0]


def prepare_application(lang: str | None, theme: str | None, settings: Settings, *,
                        wall: bool = False) -> QApplication:
    """The QApplication with the chosen language and theme (remembered for next time).

    ``wall`` reads and remembers the wall screen's language (:attr:`Settings.wall_language`)
    instead of the desk's: the two are set apart, so a desk switching to English on the
    machine that drives the hall's screen leaves the wall as it was, and the other way round.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("CityDesk")
    language = lang or (settings.wall_language if wall else settings.language)
    set_language(language)
    install_qt_translator(app, language)
    chosen = theme or settings.theme
    apply_theme(app, chosen)
    if wall:
        settings.wall_language = language
    else:
        settings.language = language
    settings.theme = chosen
    return app


def offer_demo(backend: Backend, ops: OpRunner, clock: Callable[[], datetime],
               always: bool) -> None:
    """On an empty embedded database, create demo data (asked first unless ``always``).

    Never through a server: a centre's server holds real cases and refuses demo data.
    """
    state = _wait(ops, lambda: demo_state(backend))
    assert isinstance(state, tuple)
    if state[0] > 0:
        return
    if not always:
        answer = QMessageBox.question(
            None, _("CityDesk 智慧城管指挥台"),
            _("数据库中还没有案件。要生成 30 天的模拟运行数据（演示数据）吗？"),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
    progress = QProgressDialog(_("正在生成演示数据…"), "", 0, 0)
    progress.setCancelButton(None)
    progress.setMinimumDuration(0)
    progress.show()
    try:
        _wait(ops, lambda: run_demo(backend.uow_factory,  # type: ignore[attr-defined]
                                    backend.centre, clock(), DemoSettings()))
    finally:
        progress.close()


def sign_in_dialog(backend: Backend, ops: OpRunner, clock: Callable[[], datetime],
                   last: str, is_demo: bool, notice: str = "") -> str | None:
    """Ask for a user name and password until the services accept them; None if cancelled."""
    def check(name: str, password: str) -> str | None:
        try:
            _wait(ops, lambda: sign_in(backend, name, password, clock))
        except CityDeskError as exc:
            return error_text(exc)
        return None

    hint = _("演示数据库：所有演示用户的密码均为 {pw}").format(pw=DEMO_PASSWORD) if is_demo else ""
    if notice:  # why the last session ended (the server signed this desk out)
        hint = notice
    dialog = SignInDialog(check, last, hint)
    if dialog.exec() != SignInDialog.DialogCode.Accepted:
        return None
    return dialog.username()


def make_listener(backend: Backend, controller: DeskController) -> Listener | None:
    """The backend's LISTEN thread (PostgreSQL) feeding ``controller``, or None (SQLite).

    The listener calls back on its own thread; the controller's signals carry the calls over to
    the GUI thread (a signal emitted in another thread is queued to its receiver's thread).
    """
    factory = getattr(backend, "event_listener", None)
    if factory is None:
        return None
    listener: Listener | None = factory(controller.event_notified.emit,
                                        controller.listener_status.emit)
    return listener


def _close(session: DeskSession, app: QApplication) -> None:
    """End the desk as its window's close does (layout saved, presence withdrawn)."""
    if session.window is not None:
        session.window.close()  # the session's ended signal quits the loop
    else:
        app.quit()


def run_desk(backend: Backend, *, user: str | None, lang: str | None, theme: str | None,
             demo: bool, clock: Callable[[], datetime], settings: Settings | None = None) -> int:
    """Show the console and run the event loop until it closes; returns the exit code.

    Signing out (Ctrl+Shift+L) brings the sign-in dialog back for the next user; the program
    ends when the window is closed or that dialog is cancelled.
    """
    settings = settings or Settings()
    app = prepare_application(lang, theme, settings)
    ops = OpRunner()
    session: DeskSession | None = None
    quit_on_close = app.quitOnLastWindowClosed()
    try:
        offer_demo(backend, ops, clock, demo)
        # Loading it reads the database; through a server it comes with the sign-in instead.
        centre = None if hasattr(backend, "desk_backend") else _wait(ops, lambda: backend.centre)
        assert centre is None or isinstance(centre, Centre)
        state = _wait(ops, lambda: demo_state(backend))
        assert isinstance(state, tuple)
        is_demo = bool(state[1])
        session = DeskSession(
            backend, ops, centre, clock, settings, desk_name(),
            lambda last: sign_in_dialog(backend, ops, clock, last, is_demo,
                                        session.notice if session is not None else ""),
            demo=is_demo, make_listener=make_listener)
        if not session.sign_in(user or settings.last_user):
            return 0
        # The window closing on a sign-out must not end the program; the session says when.
        app.setQuitOnLastWindowClosed(False)
        session.ended.connect(app.quit)
        # Ctrl+C in the terminal, SIGTERM.  The handler may run inside any slot, so the close
        # waits for the loop's next turn rather than tearing the window down under that slot.
        with quit_on_signals(lambda: QTimer.singleShot(0, lambda: _close(session, app))):
            return int(app.exec())
    finally:
        if session is not None:
            session.stop()  # joins the LISTEN thread before the window and worker go
        app.setQuitOnLastWindowClosed(quit_on_close)
        ops.shutdown()
