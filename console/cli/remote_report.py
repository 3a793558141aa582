"""``citydesk eval`` and ``citydesk report`` through the centre's server (issue #14).

The server counts — as the saved session's seat, on its own clock, with the unit scope applied
there (a 责任单位 seat gets its own unit's row and cases, never another unit's) — and answers
through the desk seam (``evaluate``, ``period_data``).  This process only prints the league
table, or builds and writes the report file, with the very functions of the embedded path
(:func:`console.cli.evaluation.show_evaluation`, :func:`console.cli.report.write_period_report`):
the same text, the same ``--json``, the same files for the same user and period.

Bad input (a period, a format, an ``--out`` folder) is refused in one line before anything is
sent.  ``--config`` is refused: through a server the server's evaluation configuration applies
(a seat choosing its own weights would print scores nobody else sees).
"""

from __future__ import annotations

import argparse

from console.cli.remote import open_seat
from console.domain.errors import ValidationError

CONFIG_REFUSED = ("经服务器时不能用 --config：评价配置由服务器决定 / --config is refused against a "
                  "server: the server's evaluation configuration applies")


def cmd_eval(args: argparse.Namespace, server: str) -> int:
    """``citydesk eval`` as the session's seat: the server's league table, printed here."""
    from console.cli.evaluation import checked_eval_args, show_evaluation

    period = checked_eval_args(args)
    if args.config:
        raise ValidationError(CONFIG_REFUSED)
    seat = open_seat(server, args.desk)
    # The embedded command's area level is the grid unless told (the desk's view: streets).
    level = (args.area_level or "grid") if args.object == "area" else None
    report = seat.evaluate(period, args.object, args.compare, area_level=level)
    # The case lists came with the answer (the server reads them before it sends).
    return show_evaluation(args, report.as_dict(case_ids=bool(getattr(args, "json", False))))


def cmd_report(args: argparse.Namespace, server: str) -> int:
    """``citydesk report`` as the session's seat: the server counts, this process writes."""
    from console.cli.report import checked_target, write_period_report
    from console.domain.evaluation import parse_period

    period = parse_period(args.period)
    fmt, out = checked_target(args)
    seat = open_seat(server, args.desk)
    return write_period_report(args, seat, period, fmt, out)
