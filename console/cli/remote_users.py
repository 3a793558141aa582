"""``citydesk user add|disable|enable|passwd|list`` through the centre's server.

An administrator signed in with ``citydesk login`` manages users as the administration window
does: through the server, whose session says who acts (an administrator, or 403) and whose
admin log records each change.  The output is the embedded command's (the same text and
``--json``, :mod:`console.cli.users`).  A password is read as there — standard input or asked
twice — and travels only in the request body, over the server's TLS.  ``device-key`` stays with
the database owner (the key is printed once, on the machine that holds the database).
"""

from __future__ import annotations

import argparse

from console.cli.remote import open_seat
from console.cli.users import (
    emit_active,
    emit_added,
    emit_passwd,
    emit_users,
    grids_of,
    read_password,
)
from console.domain.reference import User


def cmd_add(args: argparse.Namespace, server: str) -> int:
    """``user add`` through the server."""
    password = None if args.no_password else read_password(args)
    seat = open_seat(server)
    user = User(args.username, args.name, args.role, args.unit, grids_of(args), True)
    emit_added(args, seat.add_user(user, password), password is not None)
    return 0


def cmd_active(args: argparse.Namespace, server: str) -> int:
    """``user disable|enable`` through the server."""
    emit_active(args, open_seat(server).set_active(args.username, args.active))
    return 0


def cmd_passwd(args: argparse.Namespace, server: str) -> int:
    """``user passwd`` through the server."""
    password = read_password(args)
    open_seat(server).set_password(args.username, password)
    emit_passwd(args, args.username)
    return 0


def cmd_list(args: argparse.Namespace, server: str) -> int:
    """``user list`` through the server (the lock state judged by this machine's clock)."""
    snapshot = open_seat(server).admin_snapshot()
    emit_users(args, [(a.user, a.has_password, a.failed_logins, a.locked_until)
                      for a in snapshot.accounts], args.clock())
    return 0


#: ``user`` sub-commands and their handlers through the server.
HANDLERS = {"add": cmd_add, "disable": cmd_active, "enable": cmd_active, "passwd": cmd_passwd,
            "list": cmd_list}
