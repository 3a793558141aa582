"""The intake problems pane and the import dialog: wiring, actions, and their screenshots."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtWidgets import QInputDialog

from console.desk_local import open_desk
from console.intake.feed import feed_record
from console.intake.open311_parse import request_record
from console.services.intake import IntakeContext, take_in
from console.services.intake_ports import IntakeUowFactory
from console.ui import i18n
from console.ui.dialogs.import_dialog import ImportDialog
from console.ui.intake_problems import IntakeProblemsPane
from console.ui.theme import apply_theme

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAPPING = """channel: 2019年历史案件
columns: {external_id: 案卷编号, reported_at: 上报时间, category: 小类名称, description: 问题描述,
          grid: 单元网格, status: 案件状态, unit: 处置部门, dispatched_at: 派遣时间,
          due_at: 处置截止时间, closed_at: 结案时间, source: 案件来源}
values: {status: {已办结: 已结案}, source: {监督员: 监督员上报, 热线: 12345热线}}
"""
CSV = """案卷编号,上报时间,小类名称,问题描述,案件来源,案件状态,单元网格,处置部门,派遣时间,处置截止时间,结案时间
2019-0001,2025-06-03 09:10,暴露垃圾,芹阳路口垃圾堆积,监督员,已办结,330824001001001,县综合执法局,2025-06-03 09:40,2025-06-03 15:40,2025-06-04 09:00
2019-0002,2025-06-03 11:00,占道经营,沿街店外经营,热线,待处置,330824001001002,,2025-06-03 14:30,2025-06-04 14:30,
2019-0003,2025-06-04 08:00,路灯不亮,北门路灯不亮,监督员,已办结,330824001001001,,2025-06-04 09:00,,2025-06-05 09:00
2019-0004,2025-06-04 08:00,暴露垃圾,结案早于派遣,监督员,已办结,330824001001001,,2025-06-05 09:00,,2025-06-04 09:00
2019-0005,2025-06-04 10:00,暴露垃圾,网格编码错误,监督员,已办结,33082400100,,2025-06-04 10:30,,2025-06-04 17:00
"""


def _context(desk: Any) -> IntakeContext:
    factory = cast(IntakeUowFactory, desk.app.uow_factory)
    centre = desk.app.centre
    return IntakeContext(factory, centre, centre.actor("admin", "intake"), desk.clock)


def _problems(ctx: IntakeContext) -> None:
    tz = ctx.centre.tz
    for n, code in enumerate(["LAMP-OUT", "POTHOLE", "GRAFFITI"]):
        take_in(ctx, request_record("open311:12345.kaihua.gov.cn", {
            "service_request_id": 880 + n, "service_code": code, "status": "open",
            "description": f"市民上报：{['路灯不亮', '路面坑洼', '墙面涂鸦'][n]}",
            "requested_datetime": f"2026-11-25T09:1{n}:00+08:00",
            "lat": 29.1474435, "long": 118.401522}, "网络/微信", tz))
    take_in(ctx, request_record("open311:12345.kaihua.gov.cn", {
        "service_request_id": 884, "service_code": "GARB", "address": "芹阳路 88 号",
        "requested_datetime": "2026-11-25T10:02:00+08:00", "description": "只有地址"}, "网络/微信", tz))
    take_in(ctx, feed_record("feed:12345", {
        "id": "HL-20261125-0031", "reported_at": "2026-11-25T10:20:00+08:00",
        "category": "暴露垃圾", "description": "热线：小区门口垃圾", "lon": 118.9, "lat": 29.9},
        "hotline", tz))
    take_in(ctx, feed_record("feed:field-app", {
        "id": "FA-7731", "reported_at": "昨天下午", "category": "06010",
        "description": "采集员上报", "grid": "330824001001001", "source": "collector",
        "collector_id": "caiji01"}, None, tz))


def test_problems_pane_lists_maps_and_retries(desk_factory, qtbot, monkeypatch) -> None:
    desk = desk_factory(user="admin")
    ctx = _context(desk)
    _problems(ctx)
    pane = desk.window.windows.intake_problems()
    assert desk.window.docks["intake_problems"].isVisible()
    assert pane.model.rowCount() == 6
    assert "6" in pane.title.text()
    row = next(i for i, p in enumerate(pane.model.rows) if p.external_code == "LAMP-OUT")
    pane.table.selectRow(row)
    assert "LAMP-OUT" in pane.raw.toPlainText()
    assert pane.buttons["map"].isEnabled()
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(
        lambda *a, **k: ("06010 暴露垃圾", True)))
    opened: list[int] = []
    pane.case_requested.connect(opened.append)
    pane.map_and_retry()
    assert opened and pane.model.rowCount() == 5
    assert "已入库" in pane.message.text()
    addressed = next(i for i, p in enumerate(pane.model.rows) if p.external_id == "884")
    pane.table.selectRow(addressed)
    pane.retry("330824001001001")  # the operator names the cell the address lies in
    assert "未映射" in pane.message.text() or "仍未入库" in pane.message.text()
    pane.table.selectRow(0)
    pane.dismiss()
    assert pane.model.rowCount() == 4


def test_import_dialog_previews_checks_and_imports(desk_factory, tmp_path, qtbot) -> None:
    desk = desk_factory(user="admin")
    (tmp_path / "cases.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    dialog = desk.window.windows.import_dialog()
    dialog.file_edit.setText(str(tmp_path / "cases.csv"))
    dialog.mapping_edit.setText(str(tmp_path / "map.yaml"))
    dialog.load_preview()
    assert dialog.preview_model.rowCount() == 5
    assert "问题描述" in dialog.preview_model.headings
    before = desk.app.uow_factory
    dialog.check()
    assert "试运行" in dialog.summary.text() and dialog.report_model.rowCount() == 3
    with before() as uow:
        from console.services.uow import CaseFilter
        count = uow.cases.count(CaseFilter())
    dialog.start_import()
    assert dialog.progress.value() == 5
    with before() as uow:
        assert uow.cases.count(CaseFilter()) == count + 2
    dialog.close()


def test_import_dialog_refuses_bad_input(desk_factory, tmp_path, qtbot) -> None:
    desk = desk_factory(user="admin")
    dialog = desk.window.windows.import_dialog()
    dialog.load_preview()
    assert dialog.summary.text() == "请先选择文件和列映射"
    (tmp_path / "map.yaml").write_text("channel: x\ncolumns: {外部: 1}", encoding="utf-8")
    dialog.file_edit.setText(str(tmp_path / "none.csv"))
    dialog.mapping_edit.setText(str(tmp_path / "map.yaml"))
    dialog.load_preview()
    # The Chinese desk shows the message's Chinese half only (issue #12 part 8).
    assert "无法完成" in dialog.summary.text() and "未知的字段" in dialog.summary.text()
    assert "unknown field" not in dialog.summary.text()
    assert not dialog.buttons["import"].isEnabled()
    dialog.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshots(desk_factory, themed_app, qtbot, tmp_path, lang) -> None:
    i18n.set_language(lang)
    apply_theme(themed_app, "dark")
    desk = desk_factory(user="shouli1")
    ctx = _context(desk)
    _problems(ctx)
    c = desk.window.controller
    pane = IntakeProblemsPane(c.desk, c.ops)
    qtbot.addWidget(pane)
    pane.resize(1600, 1000)
    pane.show()
    pane.refresh()
    pane.table.selectRow(0)
    qtbot.wait(100)
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" and lang == "zh" \
        else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    shot = pane.grab().toImage()
    assert (shot.width(), shot.height()) == (1600, 1000)
    assert shot.save(str(folder / "intake_problems.png"))
    (tmp_path / "cases.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    admin = desk.app.centre.actor("admin", "test-desk")
    dialog = ImportDialog(open_desk(desk.app, admin, desk.clock), c.ops)
    qtbot.addWidget(dialog)
    dialog.resize(1600, 1000)
    dialog.show()
    dialog.file_edit.setText(str(tmp_path / "cases.csv"))
    dialog.mapping_edit.setText(str(tmp_path / "map.yaml"))
    dialog.load_preview()
    dialog.check()
    dialog.progress.hide()
    dialog.tabs.setCurrentIndex(0)
    qtbot.wait(100)
    shot = dialog.grab().toImage()
    assert (shot.width(), shot.height()) == (1600, 1000)
    assert shot.save(str(folder / "import_dialog.png"))
    if lang == "en":
        assert not i18n.missing(), sorted(i18n.missing())
    dialog.close()


US_MAPPING = """channel: us-export
timezone: America/New_York
columns: {external_id: Id, reported_at: Created, category: Type, description: Text, grid: Cell,
          status: Status, dispatched_at: Assigned, due_at: Due, handled_at: Resolved,
          closed_at: Closed}
values: {status: {Closed: 已结案}}
"""
US_CSV = """Id,Created,Type,Text,Cell,Status,Assigned,Due,Resolved,Closed
U1,2025-11-03 09:00,0102,Trash by the door,330824001001001,Closed,2025-11-03 09:20,2025-11-03 15:00,2025-11-03 14:00,2025-11-03 16:30
U2,2025-11-03 10:00,暴露垃圾,Trash in the park,33082400100,Closed,2025-11-03 10:20,2025-11-03 16:00,2025-11-03 15:00,2025-11-03 17:30
"""


def test_fixing_a_new_york_row_in_the_pane_keeps_its_times(
        desk_factory, tmp_path, monkeypatch) -> None:
    """映射类别并重试 and 指定网格重试 read a row in its mapping's zone (issue 13 part 2), and an
    ambiguous legacy code waits with both meanings named until it is mapped (part 1)."""
    from datetime import UTC, datetime

    from console.intake.file_import import read_table, run_import
    from console.intake.file_mapping import load_mapping

    desk = desk_factory(user="admin")
    (tmp_path / "map.yaml").write_text(US_MAPPING, encoding="utf-8")
    (tmp_path / "us.csv").write_text(US_CSV, encoding="utf-8")
    mapping = load_mapping(tmp_path / "map.yaml")
    report = run_import(_context(desk), read_table(tmp_path / "us.csv", mapping), mapping)
    assert report.counts.quarantined == 2
    pane = desk.window.windows.intake_problems()
    rows = {p.external_id: i for i, p in enumerate(pane.model.rows)}
    assert "污水井盖异常" in pane.model.rows[rows["U1"]].reason
    pane.table.selectRow(rows["U1"])
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(
        lambda *a, **k: ("06010 暴露垃圾", True)))
    pane.map_and_retry()
    pane.table.selectRow(next(i for i, p in enumerate(pane.model.rows) if p.external_id == "U2"))
    pane.retry("330824001001001")
    assert pane.model.rowCount() == 0
    with desk.app.uow_factory() as uow:
        for external_id, hour in (("U1", 14), ("U2", 15)):  # 09:00 / 10:00 EST = UTC-5
            link = uow.intake.link("file:us-export", external_id)
            assert link is not None
            assert uow.cases.get(link.case_id).category == "06010"
            at = {e.type: e for e in uow.events.for_case(link.case_id)}
            assert at["report"].occurred_at == datetime(2025, 11, 3, hour, 0, tzinfo=UTC)
            assert at["feedback"].stage_deadline == datetime(2025, 11, 3, hour + 6, 0, tzinfo=UTC)
            assert at["close"].occurred_at == datetime(2025, 11, 3, hour + 7, 30, tzinfo=UTC)
