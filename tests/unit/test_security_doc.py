"""docs/security.md's role table is the workflow table's permissions, not a second opinion."""

from __future__ import annotations

from pathlib import Path

from console.domain.cases import Role
from console.domain.commands import Command
from console.domain.permissions import PERMISSIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_the_documented_permission_table_matches_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- permission-table:start -->")[1].split("<!-- permission-table:end -->")[0]
    lines = [line for line in table.strip().splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")][1:]
    assert header == [r.value for r in Role]
    documented: dict[Role, set[Command]] = {r: set() for r in Role}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        command = Command(cells[0].split("`")[1])
        for role, mark in zip(Role, cells[1:], strict=True):
            if mark == "✔":
                documented[role].add(command)
    assert documented == {r: set(PERMISSIONS[r]) for r in Role}
