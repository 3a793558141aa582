"""Which actions a seat may take on a case now, and why the others are disabled.

The console shows one button per command the actor's role may run in the case's state; a button
is disabled, with the reason as its tooltip, when the command would be refused (another unit's
case, a request waiting, verification missing).  The reasons are the same messages
:func:`~console.domain.transitions.apply` would raise, so a click never fails afterwards for a
reason the button did not show.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.domain.cases import Actor, Case
from console.domain.commands import Command
from console.domain.errors import CityDeskError
from console.domain.transitions import filing_block, transition_for
from console.domain.workflow import APPROVALS, TABLE


@dataclass(frozen=True, slots=True)
class ActionOption:
    """One button: the command, whether it can run, and if not, why."""

    command: Command
    enabled: bool
    reason: str = ""


def options_for(case: Case, actor: Actor, verify_sources: frozenset[str]) -> list[ActionOption]:
    """The actor's commands in the case's state, in table order, enabled or with a reason.

    Approvals appear only for the request actually waiting, so a supervisor sees "批准延期", not
    four approval buttons.
    """
    out: list[ActionOption] = []
    for (state, command), row in TABLE.items():
        if state != case.state or actor.role not in row.roles:
            continue
        if row.needs_pending is not None and (
            case.pending is None or APPROVALS[case.pending.kind] is not command
        ):
            continue
        if row.any_pending and case.pending is None:
            continue
        try:
            transition_for(case, command, actor)
        except CityDeskError as exc:
            out.append(ActionOption(command, False, exc.message))
            continue
        if command is Command.FILE and (why := filing_block(case, verify_sources)):
            out.append(ActionOption(command, False, why))
            continue
        out.append(ActionOption(command, True))
    return out
