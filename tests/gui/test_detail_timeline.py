"""The detail pane's timeline shows every note, reason, result and photo; who holds a task.

The renders at the width the pane gets in a 1366×768 and a 1920×1080 window go to the test's
temporary folder, or to ``CITYDESK_RENDER_DIR`` when set (never to docs/screenshots).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument, QTextOption
from PySide6.QtWidgets import QLabel, QScrollArea, QToolButton

from console.ui import i18n
from console.ui.theme import apply_theme
from tests.gui.loop_case import SHANGHAI, TEXTS, run_loop
from tests.gui.remote import BOTH

START = datetime(2026, 11, 24, 9, 5, tzinfo=SHANGHAI)  # the day before the desk's "now"


def open_story(desk_factory, qtbot, user: str = "zhibanzhang1", until: str | None = None):
    desk = desk_factory(user=user)
    story = run_loop(desk.app, START, until=until)
    w = desk.window
    w.controller.poll()  # the desk reads the story's events now, not at its next poll
    w.select_case(story.case_id)
    qtbot.waitUntil(lambda: w.detail.case_id == story.case_id, timeout=3000)
    # Widgets added to a shown pane are shown from the event loop.
    qtbot.waitUntil(lambda: w.detail.timeline.entry_widget(0).isVisible(), timeout=3000)
    return desk, story


def field(w, name: str) -> str:
    """The text of a field row of the detail pane, by its label."""
    form = w.detail.fields
    for row in range(form.rowCount()):
        label = form.itemAt(row, form.ItemRole.LabelRole)
        value = form.itemAt(row, form.ItemRole.FieldRole)
        if label is not None and label.widget().text() == name:
            return value.widget().text()
    raise AssertionError(f"no field {name!r}")


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_the_timeline_shows_every_note_reason_result_and_photo(desk_factory, qtbot) -> None:
    desk, story = open_story(desk_factory, qtbot)
    timeline = desk.window.detail.timeline
    texts = [timeline.entry_text(i) for i in range(timeline.entry_count())]
    assert len(texts) == 18  # report … close, one block per logged step
    whole = "\n".join(texts)
    for note in TEXTS.values():
        assert note in whole, note
    by_step = dict(zip(["report", "accept", "request-verify", "verify", "file", "dispatch",
                        "start", "request-extension", "deny-request", "urge", "feedback1",
                        "request-check1", "check-fail", "start2", "feedback2",
                        "request-check2", "check-pass", "close"], texts, strict=True))
    assert "核实结果：问题属实" in by_step["verify"] and TEXTS["verify"] in by_step["verify"]
    assert "交由监督员：监督员 汪一" in by_step["request-verify"]
    assert "延期（工作时）：2:00" in by_step["request-extension"]
    assert f"申请理由：{TEXTS['extension']}" in by_step["request-extension"]
    assert f"驳回理由：{TEXTS['deny']}" in by_step["deny-request"]
    assert "申请类型：延期" in by_step["deny-request"]
    assert f"督办意见：{TEXTS['urge']}" in by_step["urge"]
    assert f"处置说明：{TEXTS['feedback1']}" in by_step["feedback1"]
    assert f"核查意见：{TEXTS['check_fail']}" in by_step["check-fail"]
    assert "返工次数：1" in by_step["check-fail"]
    assert f"核查意见：{TEXTS['check_pass']}" in by_step["check-pass"]
    assert "结案类型：" in by_step["close"]
    assert "派往单位：" in by_step["dispatch"]
    # Photos hang on the step that added them, as references and as thumbnails.
    assert "照片：市民来电现场照.jpg（处置前）" in by_step["report"]
    assert "照片：清运后.jpg（处置后）" in by_step["feedback1"]
    assert "照片：绿化带残留.jpg（处置后）" in by_step["check-fail"]
    assert "返工后全景.jpg" in by_step["feedback2"] and "临时垃圾桶.jpg" in by_step["feedback2"]
    assert "照片" not in by_step["check-pass"]
    photos = [len(timeline.entry_widget(i).findChildren(QToolButton, "timeline_photo"))
              for i in range(timeline.entry_count())]
    assert photos == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 2, 0, 0, 0]
    button = timeline.entry_widget(14).findChildren(QToolButton, "timeline_photo")[0]
    assert "处置反馈" in button.toolTip() and "返工后全景.jpg" in button.toolTip()
    with qtbot.waitSignal(desk.window.detail.photo_requested) as clicked:
        button.click()
    with desk.app.uow_factory() as uow:
        photos_by_name = {p.filename: p.id for p in uow.photos.for_case(story.case_id)}
    assert clicked.args == [photos_by_name["返工后全景.jpg"]]


def test_the_timeline_in_english(desk_factory, qtbot) -> None:
    i18n.set_language("en")
    desk, story = open_story(desk_factory, qtbot)
    # Only the detail pane's strings are checked: load the case again with a clean record.
    i18n.clear_missing()
    desk.window.controller.open_case(story.case_id)
    timeline = desk.window.detail.timeline
    whole = "\n".join(timeline.entry_text(i) for i in range(timeline.entry_count()))
    assert "Check notes: " + TEXTS["check_fail"] in whole
    assert "Verification result: Problem found" in whole
    assert "Photo: 清运后.jpg (After)" in whole
    assert not i18n.missing(), sorted(i18n.missing())


@pytest.mark.parametrize(("until", "expected"), [
    ("request-verify", "核实：监督员 汪一（芹阳办事处北门社区北片） caiji01，自 11-24 09:11"),
    ("request-check1", "核查：监督员 汪一（芹阳办事处北门社区北片） caiji01，自 11-24 10:56"),
    ("feedback2", "核查：待受理员发出，自 11-24 14:16"),
    ("request-check2", "核查：监督员（未指定人员），自 11-25 07:16"),
])
def test_the_detail_pane_says_who_holds_the_task_since_when(desk_factory, qtbot, until,
                                                            expected) -> None:
    desk, _story = open_story(desk_factory, qtbot, until=until)
    assert field(desk.window, "任务持有人") == expected


def test_no_task_holder_outside_verification_and_check(desk_factory, qtbot) -> None:
    desk, _story = open_story(desk_factory, qtbot, until="dispatch")
    with pytest.raises(AssertionError, match="no field"):
        field(desk.window, "任务持有人")


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_detail_pane_renders_without_clipping(desk_factory, themed_app, qtbot, tmp_path,
                                              size) -> None:
    apply_theme(themed_app, "dark")
    desk, _story = open_story(desk_factory, qtbot)
    w = desk.window
    w.apply_theme_colors("dark")
    w.resize(*size)
    qtbot.wait(200)
    pane = w.detail
    scroll = pane.findChild(QScrollArea)
    viewport = scroll.viewport().width()
    assert scroll.widget().width() <= viewport  # nothing wider than the pane: no text cut off
    for label in pane.findChildren(QLabel):
        if not label.isVisible() or not label.wordWrap() or not label.text():
            continue
        # A wrapped label gets the height its text needs at its width (never cut at the bottom).
        assert label.height() >= label.heightForWidth(label.width()), label.text()[:40]
        assert label.width() <= viewport, label.text()[:40]
        # ... and no line of it is wider than the label (an unbroken link would be cut off).
        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setDefaultTextOption(QTextOption(label.alignment()))  # QLabel: break at words only
        option = doc.defaultTextOption()
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        doc.setDefaultTextOption(option)
        if label.textFormat() is Qt.TextFormat.RichText:
            doc.setHtml(label.text())
        else:
            doc.setPlainText(label.text())
        doc.setDocumentMargin(0)
        doc.setTextWidth(label.width())
        assert doc.idealWidth() <= label.width(), label.text()[:40]
    folder = Path(os.environ.get("CITYDESK_RENDER_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    body = scroll.widget()
    assert body.grab().save(str(folder / f"detail_{size[0]}x{size[1]}.png"))
    assert pane.grab().save(str(folder / f"detail_pane_{size[0]}x{size[1]}.png"))
