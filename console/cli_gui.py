"""``citydesk`` with no command: open the desktop console.

The first run on an empty database sets it up (schema and the shipped reference data) here, on
the command-line side, because the GUI package never touches ``db/``.
"""

from __future__ import annotations

import argparse

from console.app import App
from console.reference_files import load_centre_files


def ensure_ready(app: App) -> None:
    """Create the schema and load the default reference data if the database is new."""
    if app.is_set_up and not app.is_current:
        app.upgrade()  # an older schema: bring it up to date before any query needs it
    if app.is_set_up:
        with app.uow_factory() as uow:
            if uow.reference.load().categories:
                return
    from console.cli_setup import initialise

    initialise(app, load_centre_files())


def run_console(args: argparse.Namespace) -> int:
    """Open the console on ``--db`` (default: the embedded SQLite file)."""
    from console.ui.start import run_desk  # PySide6 only when the window is wanted

    app = App.open(args.db, args.clock)
    try:
        ensure_ready(app)
        return run_desk(app, user=args.user, lang=args.lang, theme=args.theme, demo=args.demo,
                        clock=args.clock)
    finally:
        app.close()
