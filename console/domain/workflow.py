"""The case workflow as ONE table, and the pure function that applies a command.

``TABLE[(state, command)]`` says where the command leads, who may run it and which fields it
needs.  Tests iterate over it, the console asks it which buttons to enable, the CLI lists it.
:func:`apply` checks the table, the actor and the fields, then returns the new case and the
events that explain the change (see ``transitions.py``); it never mutates its input and
changes nothing on error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from console.domain.cases import CaseState, RequestKind, Role
from console.domain.commands import Command

S = CaseState
C = Command
R = Role

#: Roles of the centre itself (a 管理员 may do anything an operator can).
_ACCEPT = frozenset({R.ACCEPTOR, R.SUPERVISOR, R.ADMIN})
_FILE = frozenset({R.SUPERVISOR, R.ACCEPTOR, R.ADMIN})  # merged county centres let 受理员 file
_DISPATCH = frozenset({R.DISPATCHER, R.SUPERVISOR, R.ADMIN})
_SUPERVISE = frozenset({R.SUPERVISOR, R.ADMIN})
_UNIT = frozenset({R.UNIT, R.ADMIN})
_FIELD = frozenset({R.COLLECTOR, R.ACCEPTOR, R.SUPERVISOR, R.ADMIN})  # collector, or desk keys it in

OPEN_STATES: tuple[CaseState, ...] = tuple(s for s in CaseState if not s.is_terminal)
_WITH_UNIT = (S.DISPATCHED, S.HANDLING)


@dataclass(frozen=True, slots=True)
class Transition:
    """One row of the table.

    ``target`` None means the case stays in its state (a request, an urge, an extension).
    ``needs_pending`` names the request an approval decides.
    """

    target: CaseState | None
    roles: frozenset[Role]
    required: tuple[str, ...] = ()
    needs_pending: RequestKind | None = None
    any_pending: bool = False  # DENY_REQUEST: any pending request

    def next_state(self, current: CaseState) -> CaseState:
        """The state after the command (``current`` when the command keeps it)."""
        return current if self.target is None else self.target


def _rows() -> Iterator[tuple[tuple[CaseState | None, Command], Transition]]:
    yield (None, C.REPORT), Transition(
        S.REPORTED,
        frozenset({R.COLLECTOR, R.ACCEPTOR, R.SUPERVISOR, R.ADMIN}),
        ("case_no", "source", "category", "description"),
    )
    # 自处置: the collector reports a minor problem already fixed, with photos before and after
    # (checked in transitions._report); whoever may accept reviews it, never its reporter.
    yield (None, C.SELF_HANDLE), Transition(
        S.SELF_HANDLED, frozenset({R.COLLECTOR, R.ADMIN}),
        ("case_no", "source", "category", "description", "photos_before", "photos_after"),
    )
    yield (S.SELF_HANDLED, C.APPROVE_SELF_HANDLED), Transition(S.CLOSED, _ACCEPT)
    yield (S.SELF_HANDLED, C.REJECT_SELF_HANDLED), Transition(S.REPORTED, _ACCEPT, ("reason",))
    yield (S.REPORTED, C.ACCEPT), Transition(S.ACCEPTED, _ACCEPT)
    yield (S.REPORTED, C.REFUSE), Transition(S.REFUSED, _ACCEPT, ("reason",))
    yield (S.ACCEPTED, C.REQUEST_VERIFY), Transition(S.VERIFYING, _ACCEPT)
    yield (S.VERIFYING, C.VERIFY), Transition(S.ACCEPTED, _FIELD, ("found",))
    yield (S.ACCEPTED, C.FILE), Transition(S.FILED, _FILE)
    yield (S.ACCEPTED, C.REFUSE_FILE), Transition(S.NOT_FILED, _FILE, ("reason",))
    yield (S.FILED, C.DISPATCH), Transition(S.DISPATCHED, _DISPATCH, ("unit",))
    yield (S.FILED, C.DESIGNATE), Transition(S.DISPATCHED, _SUPERVISE, ("unit", "reason"))
    yield (S.DISPATCHED, C.SUBDISPATCH), Transition(
        None, frozenset({R.UNIT, R.DISPATCHER, R.SUPERVISOR, R.ADMIN}), ("unit",)
    )
    yield (S.DISPATCHED, C.START), Transition(S.HANDLING, _UNIT)
    for state in _WITH_UNIT:
        yield (state, C.FEEDBACK), Transition(S.HANDLED, _UNIT, ("notes",))
        yield (state, C.REQUEST_RETURN), Transition(None, _UNIT, ("reason",))
        yield (state, C.REQUEST_EXTENSION), Transition(None, _UNIT, ("minutes", "reason"))
        yield (state, C.REQUEST_SUSPEND), Transition(
            None, frozenset({R.UNIT, R.DISPATCHER, R.ADMIN}), ("reason",)
        )
        yield (state, C.APPROVE_RETURN), Transition(
            S.FILED, _SUPERVISE, needs_pending=RequestKind.RETURN
        )
        yield (state, C.APPROVE_EXTENSION), Transition(
            None, _SUPERVISE, needs_pending=RequestKind.EXTENSION
        )
        yield (state, C.APPROVE_SUSPEND), Transition(
            S.SUSPENDED, _SUPERVISE, needs_pending=RequestKind.SUSPEND
        )
    yield (S.HANDLED, C.REQUEST_CHECK), Transition(S.CHECKING, _ACCEPT)
    yield (S.CHECKING, C.CHECK_PASS), Transition(S.TO_CLOSE, _FIELD)
    yield (S.CHECKING, C.CHECK_FAIL), Transition(S.DISPATCHED, _FIELD, ("notes",))
    # 改派: a waiting visit goes to another collector; the stage's clock runs on (the visit's
    # deadline is the request's, whoever holds it).
    for state in (S.VERIFYING, S.CHECKING):
        yield (state, C.REASSIGN), Transition(None, _ACCEPT, ("collector",))
    yield (S.TO_CLOSE, C.CLOSE), Transition(S.CLOSED, _SUPERVISE)
    yield (S.SUSPENDED, C.RESUME), Transition(S.HANDLING, frozenset({R.SUPERVISOR, R.DISPATCHER, R.ADMIN}))
    for state in (S.DISPATCHED, S.HANDLING, S.SUSPENDED):
        yield (state, C.URGE), Transition(None, _SUPERVISE, ("note",))
    for state in (S.REPORTED, S.VERIFYING, S.ACCEPTED, S.FILED):
        yield (state, C.MERGE), Transition(S.MERGED, _ACCEPT, ("into",))
    for state in OPEN_STATES:
        yield (state, C.REQUEST_VOID), Transition(
            None, frozenset({R.ACCEPTOR, R.DISPATCHER, R.SUPERVISOR, R.ADMIN}), ("reason",)
        )
        yield (state, C.APPROVE_VOID), Transition(
            S.VOIDED, _SUPERVISE, needs_pending=RequestKind.VOID
        )
        yield (state, C.DENY_REQUEST), Transition(None, _SUPERVISE, ("reason",), any_pending=True)
        yield (state, C.ACK_ALERT), Transition(
            None, frozenset({R.SUPERVISOR, R.DISPATCHER, R.ACCEPTOR, R.ADMIN}), ("alert",)
        )


TABLE: Mapping[tuple[CaseState | None, Command], Transition] = dict(_rows())

#: Commands that create a case (the rows from no state).
CREATIONS: frozenset[Command] = frozenset(cmd for (st, cmd) in TABLE if st is None)

#: Commands that file a request for a supervisor, and the kind of request they file.
REQUESTS: Mapping[Command, RequestKind] = {
    C.REQUEST_RETURN: RequestKind.RETURN,
    C.REQUEST_EXTENSION: RequestKind.EXTENSION,
    C.REQUEST_SUSPEND: RequestKind.SUSPEND,
    C.REQUEST_VOID: RequestKind.VOID,
}

#: The approval command for each request kind (what ``citydesk case approve`` runs).
APPROVALS: Mapping[RequestKind, Command] = {
    RequestKind.RETURN: C.APPROVE_RETURN,
    RequestKind.EXTENSION: C.APPROVE_EXTENSION,
    RequestKind.SUSPEND: C.APPROVE_SUSPEND,
    RequestKind.VOID: C.APPROVE_VOID,
}

#: Commands still allowed while a request waits (everything else waits for the decision).
ALLOWED_WHILE_PENDING = frozenset({C.DENY_REQUEST, C.URGE, C.ACK_ALERT, *APPROVALS.values()})


def commands_for(state: CaseState | None, role: Role | None = None) -> list[Command]:
    """Commands the table allows in ``state`` (for ``role`` when given), in table order."""
    return [
        cmd
        for (st, cmd), tr in TABLE.items()
        if st == state and (role is None or role in tr.roles)
    ]


def states_allowing(command: Command) -> list[CaseState | None]:
    """States in which ``command`` is in the table."""
    return [st for (st, cmd) in TABLE if cmd == command]
