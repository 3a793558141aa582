"""A collector's cells edited in the administration window (issue #15: CLI-only before), on the
embedded desk and through a server: saved, written to the admin log, refused in one line for an
unknown code (nothing saved), and counted by the 在岗 check's next round.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from console.services.on_duty import OnDutyJob, patrol_area
from db.alarm_repo import SqlAlarmStore
from db.tables import AdminLogRow
from tests.gui.remote import BOTH
from tests.gui.test_admin_window import open_admin

CELLS = ("330824001002001", "330824001002002")


def _stored(desk, username: str) -> tuple[str, ...]:
    with desk.app.uow_factory() as uow:
        account = uow.accounts.get(username)
    assert account is not None
    return tuple(account.user.grids)


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_a_collectors_cells_are_edited_in_the_admin_window(desk_factory, qtbot) -> None:
    desk = desk_factory("admin")
    before = _stored(desk, "caiji06")
    job = OnDutyJob(SqlAlarmStore(desk.app.engine), desk.app.uow_factory, desk.clock)
    old_area = patrol_area(job.centre(), job.centre().user("caiji06"))
    window = open_admin(desk)
    tab = window.users
    window.tabs.setCurrentWidget(tab)
    tab.panel.select("caiji06")
    tab.edit("caiji06")
    assert tab.grids.isEnabled() and tab.grids.text() == ", ".join(before)
    tab.grids.setText("330824001002999，" + CELLS[0])  # an unknown code: refused, nothing saved
    tab.save.click()
    qtbot.waitUntil(lambda: tab.banner.kind == "danger", timeout=5000)
    assert "330824001002999" in tab.banner.text and "\n" not in tab.banner.text
    assert _stored(desk, "caiji06") == before
    tab.grids.setText(f"{CELLS[0]}、{CELLS[1]} {CELLS[0]}")  # any separator, each once
    tab.save.click()
    qtbot.waitUntil(lambda: _stored(desk, "caiji06") == CELLS, timeout=5000)
    with desk.app.engine.connect() as conn:
        payload = conn.execute(select(AdminLogRow.payload).where(
            AdminLogRow.action == "user-update", AdminLogRow.target == "caiji06")
            .order_by(AdminLogRow.id.desc())).first()
    assert payload is not None and tuple(payload[0]["grids"]) == CELLS
    # the worker's next round judges 越界 against the new cells (the admin log moved)
    centre = job.centre()
    assert centre.user("caiji06").grids == CELLS
    new_area = patrol_area(centre, centre.user("caiji06"))
    lon, lat = centre.ref.grids[CELLS[0]].centroid
    assert new_area.contains(lon, lat) and not old_area.contains(lon, lat)
    # put the demo's cells back for the next test on the shared server
    tab.grids.setText(", ".join(before))
    tab.save.click()
    qtbot.waitUntil(lambda: _stored(desk, "caiji06") == before, timeout=5000)


def test_only_a_collector_has_cells(desk_factory) -> None:
    desk = desk_factory("admin")
    tab = open_admin(desk).users
    tab.edit("shouli1")
    assert not tab.grids.isEnabled()
    tab.role.setCurrentIndex(tab.role.findData("监督员"))
    assert tab.grids.isEnabled()
