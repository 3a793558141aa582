"""What an Open311 source did, on the desk: 源系统已关闭 in the intake problems pane, the source
event in the case's timeline, and the alert that waits for the desk's decision."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from console.intake.open311_channel import Open311Settings, poll
from console.intake.open311_client import Open311Endpoint
from console.services.intake import IntakeContext
from console.services.intake_ports import IntakeUowFactory
from console.services.intake_problems import set_mapping
from console.ui import i18n
from tests.gui.desk import NOW
from tests.open311_server import City, Open311Server, request

CHANNEL = "open311:kaihua.gov.cn"


def test_the_desk_shows_what_the_source_did(desk_factory, qtbot, open311_server: Open311Server
                                            ) -> None:
    desk = desk_factory(user="zhibanzhang1")
    w, app = desk.window, desk.app
    ctx = IntakeContext(cast(IntakeUowFactory, app.uow_factory), app.centre,
                        app.centre.actor("admin", "intake"), desk.clock)
    set_mapping(ctx.uow_factory, ctx.centre, ctx.actor, desk.clock(), CHANNEL, "GARB", "06010")
    city = City(desk.clock).install(open311_server)
    at = NOW - timedelta(hours=1)
    city.add(request(1, at=at), request(2, status="closed", status_notes="与 1001 重复", at=at,
                                        parent_service_request_id=1001))
    settings = Open311Settings(CHANNEL, Open311Endpoint(f"{open311_server.url}/v2", fmt="json",
                                                        timeout=2))
    assert poll(ctx, settings).closed_at_source == 1
    with ctx.uow_factory() as uow:
        link = uow.intake.link(CHANNEL, "1001")
        assert link is not None
        case = uow.cases.get(link.case_id)

    pane = w.windows.intake_problems()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1, timeout=3000)
    assert pane.model.data(pane.model.index(0, 3)) == "源系统已关闭"
    assert case.case_no in pane.model.data(pane.model.index(0, 4))
    pane.table.selectRow(0)
    # The buttons follow the selection on the event loop's next turn (slow on a loaded CI).
    qtbot.waitUntil(lambda: not pane.buttons["map"].isEnabled()
                    and "新案件" in pane.buttons["retry"].toolTip(), timeout=3000)
    opened: list[int] = []
    pane.case_requested.connect(opened.append)
    pane.table.doubleClicked.emit(pane.model.index(0, 0))
    assert opened == [case.id]  # the case of the request it duplicates
    i18n.set_language("en")
    assert pane.model.data(pane.model.index(0, 3)) == "Closed at source"
    i18n.set_language("zh")

    w.controller.poll()  # the desk has the new case
    desk.now[0] += timedelta(minutes=10)
    city.change("1001", status="closed", status_notes="市政已清理")
    assert poll(ctx, settings).updated == 1
    w.controller.poll()
    qtbot.waitUntil(lambda: w.alert.isVisible(), timeout=3000)
    assert f"源系统已关闭案件 {case.case_no} 的请求" in w.alert.text
    assert "市政已清理" in w.alert.text
    w.select_case(case.id)
    qtbot.waitUntil(lambda: w.detail.case_id == case.id
                    and w.detail.timeline.entry_count() == 2, timeout=3000)
    last = w.detail.timeline.entry_text(1)
    assert "源系统更新" in last and "源系统已关闭" in last and "源系统说明：市政已清理" in last
    assert "→" not in last.splitlines()[0]  # the case's state did not move
    while any(case_id == case.id for case_id, _text in w.alerts.pending):
        w.acknowledge_alert()  # Ctrl+K, oldest first
    with app.uow_factory() as uow:
        acks = [e for e in uow.events.for_case(case.id) if e.type == "ack-alert"]
    assert len(acks) == 1 and "源系统已关闭" in acks[0].payload["alert"]
