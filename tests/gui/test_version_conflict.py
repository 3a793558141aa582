"""Two desks on one case: the second to act on what it saw is refused, told who changed it, and
shown the case as it is now — embedded and through the server (issue #14).

Locally the other desk is the services on the same database file (another desk's process would
do the same); remotely it is another signed-in session acting through the server's case API,
so the refusal is the server's 409 carried back through the seam.
"""

from __future__ import annotations

import pytest

from console.domain.cases import CaseState
from console.services.accounts import DEMO_PASSWORD
from console.services.cases import act
from tests.gui.desk import accepted_case, case_state
from tests.gui.remote import BOTH


def file_events(desk, case_id: int) -> int:
    with desk.app.uow_factory() as uow:
        return sum(1 for e in uow.events.for_case(case_id) if e.type == "file")


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_acting_on_a_case_another_desk_changed_is_refused_as_a_conflict(
        desk_factory, qtbot, request, backend) -> None:
    desk = desk_factory("zhibanzhang1")
    w = desk.window
    made = accepted_case(desk)
    w.select_case(made.id)
    qtbot.waitUntil(lambda: w.detail.case_id == made.id, timeout=5000)
    seen = w.detail.version
    assert seen == made.version + 1  # reported, accepted
    # The other desk files the case first (the window has not heard of it yet).
    if backend == "remote":
        server = request.getfixturevalue("remote_centre").server
        token = server.token("zhibanzhang2", DEMO_PASSWORD, client="desk-2")
        reply = server.post(f"/api/v1/cases/{made.id}/file", token, json={"version": seen})
        assert reply.status_code == 200, reply.text
    else:
        app = desk.app
        act(app.uow_factory, app.centre, app.centre.actor("zhibanzhang2", "desk-2"),
            desk.clock(), made.id, "file", expected_version=seen)
    failed: list[tuple[str, bool]] = []
    w.controller.action_failed.connect(lambda message, conflict: failed.append((message,
                                                                                conflict)))
    w.commands.run_command(made.id, "file", {})  # F, on the version the pane showed
    qtbot.waitUntil(lambda: bool(failed), timeout=10_000)
    message, conflict = failed[0]
    assert conflict, message
    assert "已被他人修改" in message and "zhibanzhang2@desk-2" in message and "\n" not in message
    assert file_events(desk, made.id) == 1  # the other desk's only
    assert case_state(desk, made.id) is CaseState.FILED
    # The pane reads the case again: the next key acts on what is there now.
    qtbot.waitUntil(lambda: w.detail.version == seen + 1, timeout=5000)
    assert w.notice.isVisible()
