"""Role -> allowed commands, derived from the one workflow table (never written twice)."""

from __future__ import annotations

from collections.abc import Mapping

from console.domain.cases import Role
from console.domain.commands import Command
from console.domain.workflow import TABLE


def _matrix() -> Mapping[Role, frozenset[Command]]:
    out: dict[Role, set[Command]] = {role: set() for role in Role}
    for (_state, command), row in TABLE.items():
        for role in row.roles:
            out[role].add(command)
    return {role: frozenset(cmds) for role, cmds in out.items()}


PERMISSIONS: Mapping[Role, frozenset[Command]] = _matrix()


def may(role: Role, command: Command) -> bool:
    """True when ``role`` may run ``command`` in at least one state."""
    return command in PERMISSIONS[role]
