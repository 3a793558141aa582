"""``citydesk`` with no command: open the desktop console.

The first run on an empty database sets it up (schema and the shipped reference data) here, on
the command-line side, because the GUI package never touches ``db/``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING

from console.app import App
from console.cli import xcb_check
from console.cli.common import EXIT_SYSTEM
from console.config import server_url
from console.reference_files import load_centre_files

if TYPE_CHECKING:
    from console.intake.worker import WorkerThread


def ensure_ready(app: App) -> None:
    """Create the schema and load the default reference data if the database is new."""
    if app.is_set_up and not app.is_current:
        app.upgrade()  # an older schema: bring it up to date before any query needs it
    if app.is_set_up:
        with app.uow_factory() as uow:
            if uow.reference.load().categories:
                return
    from console.cli.setup import initialise

    initialise(app, load_centre_files())


def refuse_window(line: str) -> int:
    """Print ONE line saying why no window can open here; the exit code for it."""
    print(f"citydesk: {line}", file=sys.stderr)
    return EXIT_SYSTEM


def window_refusal(gui_module: str) -> str | None:
    """Why this machine cannot open Qt's window, or None once ``gui_module`` is imported.

    Asked before any database is opened or created and before PySide6 loads, so the user reads
    one line naming the missing system library (or display) and what to install, instead of
    Qt's hint (which blames libxcb-cursor0 whatever is missing) and an abort.  Importing
    ``gui_module`` loads QtGui, whose own libraries (libEGL …) every platform needs.
    """
    line = xcb_check.problem()
    if line:
        return line
    try:
        importlib.import_module(gui_module)
    except ImportError as exc:
        line = xcb_check.import_problem(exc)
        if line is None:
            raise
        return line
    return None


def run_console(args: argparse.Namespace) -> int:
    """Open the console on ``--db`` (default: the embedded SQLite file)."""
    line = window_refusal("console.ui.start")
    if line:
        return refuse_window(line)
    from console.ui.start import run_desk  # PySide6 only when the window is wanted

    server = None if args.db else server_url()
    if server is not None:  # desk.toml's server / $CITYDESK_SERVER: no database here at all
        from console.client.remote import ServerRoot
        from console.ui.start import desk_name

        return run_desk(ServerRoot(server, desk_name()), user=args.user, lang=args.lang,
                        theme=args.theme, demo=False, clock=args.clock)
    app = App.open(args.db, args.clock)
    thread = None
    try:
        ensure_ready(app)
        thread = start_intake_in_console(app, args.desk)
        return run_desk(app, user=args.user, lang=args.lang, theme=args.theme, demo=args.demo,
                        clock=args.clock)
    finally:
        if thread is not None:
            thread.stop()
        app.close()


def start_intake_in_console(app: App, desk: str) -> WorkerThread | None:
    """A one-machine setup (``in_console = true`` in desk.toml's ``[intake]``): run the intake
    channels on a thread of the console instead of a separate ``citydesk worker``."""
    from console.cli.intake import intake_factory
    from console.intake.settings import worker_settings
    from console.intake.worker import Worker, WorkerThread
    from console.services.intake import IntakeContext

    settings = worker_settings(app.config.intake)
    if not settings.in_console or settings.empty:
        return None
    actor = app.centre.actor(settings.user, desk)
    thread = WorkerThread(Worker(IntakeContext(intake_factory(app, True), app.centre, actor, app.clock),
                                 settings))
    thread.start()
    return thread
