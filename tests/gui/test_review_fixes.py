"""Regressions found in review: fast keys on the real worker thread, double saves, stale
merge choices, the startup replay, alerts while hidden, and a lost database."""

from __future__ import annotations

import time
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console.domain.cases import CaseState
from console.services.cases import Report, report_case
from console.services.uow import CaseFilter
from console.ui.dialogs.new_report import NewReportDialog
from tests.gui.desk import accepted_case, activate, case_state


def test_file_then_dispatch_typed_at_once_on_the_worker_thread(desk_factory, qtbot) -> None:
    desk = desk_factory(user="zhibanzhang1", threaded=True)
    w = desk.window
    made = accepted_case(desk)
    qtbot.waitUntil(lambda: w.intake.model.row_of(made.id) is not None, timeout=3000)
    activate(qtbot, w)
    QTest.keyClick(w, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: w.detail.case_id == made.id, timeout=3000)
    QTest.keyClick(w, Qt.Key.Key_F)
    QTest.keyClick(w, Qt.Key.Key_D)  # before the GUI has heard back from F
    qtbot.waitUntil(lambda: case_state(desk, made.id) is CaseState.DISPATCHED, timeout=5000)
    assert not w.alert.isVisible() or "修改" not in w.alert.text


def test_two_saves_of_one_report_file_one_case(desk_factory, qtbot) -> None:
    desk = desk_factory(user="shouli1", threaded=True)
    w = desk.window
    with desk.app.uow_factory() as uow:
        before = uow.cases.count(CaseFilter())
    form = w.reports.open()
    form.category.setText("06010")
    form.location.setText("330824001001001")
    form.description.setPlainText("一堆垃圾")
    closed: list[int] = []
    form.finished.connect(closed.append)
    form._on_save()
    form._on_save()  # a second Ctrl+Enter while the first is saving
    qtbot.waitUntil(lambda: bool(closed), timeout=5000)
    with desk.app.uow_factory() as uow:
        assert uow.cases.count(CaseFilter()) == before + 1


def test_a_merge_refused_by_validation_is_forgotten(desk_factory, qtbot) -> None:
    desk = desk_factory(user="shouli1")
    w = desk.window
    first = accepted_case(desk)
    form = w.reports.open()
    form.merge_into = first.id  # "merge into this case" pressed …
    form._on_save()  # … but the description was empty
    assert form.isVisible() and form.merge_into is None
    form.category.setText("06010")
    form.location.setText("330824001001001")
    form.description.setPlainText("另一处垃圾")
    form._on_save()
    case_id = w.detail.case_id
    assert case_state(desk, case_id) is CaseState.REPORTED  # a case of its own, not merged


def test_opening_the_desk_does_not_claim_changes_elsewhere(desk_factory) -> None:
    w = desk_factory().window
    w.controller.poll()  # the first 1 s poll replays the grace window
    assert not w.detail.banner.isVisible()


def test_a_case_turns_red_while_its_pane_is_hidden(desk_factory, qtbot) -> None:
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    w.docks["board"].hide()
    model = w.board.model
    green = [model.row_data(r) for r in range(model.rowCount())
             if model.row_data(r).light is not None and model.row_data(r).light.value != "red"
             and model.row_data(r).case.suspended_at is None]
    target = min(green, key=lambda r: r.case.stage_deadline).case
    reds: list[int] = []
    model.turned_red.connect(reds.append)
    desk.now[0] = target.stage_deadline + timedelta(minutes=2)
    w._on_deadline_timer_timeout()  # what the window's 1 s timer does, visible or not
    assert target.id in reds and w.alert.isVisible()
    reds.clear()
    w._on_deadline_timer_timeout()
    assert reds == []  # once


def test_a_lost_database_shows_a_banner_and_recovers(desk_factory, monkeypatch) -> None:
    desk = desk_factory()
    w = desk.window
    controller = w.controller
    real = controller.desk.events_since

    def broken(*_args, **_kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(controller.desk, "events_since", broken)
    # Offline is decided by time without an answer, not by a count of failed polls.
    monkeypatch.setattr(controller.link, "monotonic", lambda: time.monotonic() + 10)
    for _ in range(3):
        controller.poll()
    assert w.banner.isVisible() and w.banner.kind == "danger"
    monkeypatch.setattr(controller.desk, "events_since", real)
    controller.poll()
    assert not w.banner.isVisible() or w.banner.kind != "danger"


def test_one_report_dialog_at_a_time(desk_factory) -> None:
    w = desk_factory().window
    first = w.reports.open()
    first.hide()  # picking a point on the map hides it
    assert w.reports.open() is first
    assert isinstance(first, NewReportDialog)


def test_alerts_stay_until_acknowledged_and_the_acknowledgement_is_logged(desk_factory, qtbot) -> None:
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    rows = [p.model.row_data(r) for p in w.queues for r in range(p.model.rowCount())]
    waiting = [r.case for r in rows if r.light is not None and r.light.value != "red"
               and r.case.suspended_at is None]
    first = min(waiting, key=lambda c: c.stage_deadline)
    desk.now[0] = first.stage_deadline + timedelta(seconds=1)  # only the earliest runs out
    w._on_deadline_timer_timeout()
    assert w.alert.isVisible() and first.case_no in w.alert.text
    w._on_deadline_timer_timeout()
    assert w.alert.isVisible()  # nothing fades it: it waits for a person
    raised = [case_id for case_id, _text in w.alerts.pending]  # cases sharing that deadline alert too
    activate(qtbot, w)
    for _ in raised:
        assert w.alert.isVisible()
        QTest.keyClick(w, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert not w.alert.isVisible()
    with desk.app.uow_factory() as uow:
        for case_id in raised:
            acks = [e for e in uow.events.for_case(case_id) if e.type == "ack-alert"]
            assert len(acks) == 1 and acks[0].actor == "zhibanzhang1"
            assert "红灯" in acks[0].payload["alert"]
    assert first.id in raised


def test_an_urgent_report_from_another_desk_raises_an_alert(desk_factory) -> None:
    desk = desk_factory(user="zhibanzhang1")
    app, w = desk.app, desk.window
    report_case(app.uow_factory, app.centre, app.centre.actor("shouli2"), desk.clock(),
                Report("06010", "县领导交办：广场垃圾", grid="330824001001001", source="领导交办"))
    w.controller.poll()
    assert w.alert.isVisible() and "紧急上报" in w.alert.text
