"""Another desk (a separate process on the same SQLite file) acts; this window shows it in 2 s."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from console.domain.cases import CaseState
from tests.gui.remote import BOTH


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_a_dispatch_by_another_process_appears_within_two_seconds(desk_factory, qtbot) -> None:
    from console.services.cases import Report, act, report_case

    desk = desk_factory(user="zhibanzhang1")
    app, w = desk.app, desk.window
    made = report_case(app.uow_factory, app.centre, app.centre.actor("caiji01"), desk.clock(),
                       Report("07001", "电线杆上小广告", grid="330824001002003")).case
    for command in ("accept", "file"):
        act(app.uow_factory, app.centre, app.centre.actor("zhibanzhang2"), desk.clock(),
            made.id, command)
    case_id = made.id
    qtbot.waitUntil(lambda: w.dispatch.model.row_of(case_id) is not None, timeout=2000)
    w.select_case(case_id)
    other = subprocess.run(
        [sys.executable, "-m", "console", "case", "dispatch", str(case_id), "--db", desk.url,
         "--as", "paiqian2", "--desk", "desk-2", "--now", desk.clock().isoformat()],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert other.returncode == 0, other.stderr
    written = time.monotonic()
    qtbot.waitUntil(lambda: w.board.model.row_of(case_id) is not None, timeout=2000)
    assert time.monotonic() - written < 2.0
    assert w.dispatch.model.row_of(case_id) is None
    row = w.board.model.row_data(w.board.model.row_of(case_id))
    assert row.case.state is CaseState.DISPATCHED
    # the open case says who changed it, and shows the new state
    assert w.detail.banner.isVisible() and "paiqian2@desk-2" in w.detail.banner.text
    assert "待处置" in w.detail.header.text()
