"""The desk at its default layout at 1920x1080 and 1366x768, rendered offscreen.

The window is sized to the screen and the layout reset (what a first start does), nothing
resized by hand.  Set CITYDESK_UPDATE_SCREENSHOTS=1 to write them to docs/screenshots/ (they are
committed and shown in the README); otherwise they go to the test's temporary folder.

Files: ``desk_{lang}_{theme}_{height}.png`` (zh dark, zh light, en dark, en light),
``supervisor_{height}.png`` (the approvals queue raised), ``statistics_{height}.png`` (the
统计图表 tab raised, docked) and ``statistics_window_{height}.png`` (the same charts in their own
window, Ctrl+Shift+G), ``evaluation_{height}.png`` (Ctrl+E).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from console.services.presence import heartbeat
from console.ui import i18n
from console.ui.evaluation_view import EvaluationView
from console.ui.theme import apply_theme

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = [(1920, 1080), (1366, 768)]


def _distinct_colours(image: QImage) -> int:
    step = 37
    seen = {image.pixel(x, y) for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)}
    return len(seen)


def _folder(tmp_path: Path) -> Path:
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _desk(desk_factory, themed_app, qtbot, theme: str, size: tuple[int, int]):
    apply_theme(themed_app, theme)
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    w.apply_theme_colors(theme)
    w.resize(*size)
    w.reset_layout()  # the default layout for this screen, as a first start makes it
    return desk, w


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("lang", "theme"), [("zh", "dark"), ("zh", "light"), ("en", "dark"),
                                             ("en", "light")])
def test_main_window_screenshot(desk_factory, themed_app, qtbot, tmp_path, lang, theme,
                                size) -> None:
    i18n.set_language(lang)
    desk, w = _desk(desk_factory, themed_app, qtbot, theme, size)
    # A colleague at another desk has a case open: its row and the detail pane say so.
    shared = w.dispatch.model.case_id(0)
    colleague = desk.app.centre.actor("paiqian2", "desk-2")
    heartbeat(desk.app.uow_factory, colleague, "派遣员 周敏", shared, desk.clock(), desk.clock())
    w.presence.beat()
    w.select_case(shared)
    qtbot.waitUntil(lambda: w.detail.presence_label.text() != "", timeout=3000)
    qtbot.wait(1000)  # layout, the map's first fit, a timer tick (a loaded CI machine is slow)
    image = w.grab().toImage()
    assert (image.width(), image.height()) == size
    assert _distinct_colours(image) > 40  # not a blank or single-colour window
    if lang == "en":
        assert not i18n.missing(), sorted(i18n.missing())
    for pane in (w.intake, w.dispatch, w.board):
        assert pane.model.rowCount() > 0
    assert image.save(str(_folder(tmp_path) / f"desk_{lang}_{theme}_{size[1]}.png"))
    assert QColor(image.pixel(5, 5)).isValid()


@pytest.mark.parametrize("size", SIZES)
def test_supervisor_statistics_and_evaluation(desk_factory, themed_app, qtbot, tmp_path,
                                              size) -> None:
    _opened, w = _desk(desk_factory, themed_app, qtbot, "dark", size)
    folder = _folder(tmp_path)
    w.docks["approvals"].raise_()
    w.docks["live_charts"].raise_()
    qtbot.wait(300)
    assert w.grab().save(str(folder / f"supervisor_{size[1]}.png"))
    # The 统计图表 tab at the default layout: every chart at least its minimum height.
    charts = w.live_charts
    assert charts.isVisible()
    w.docks["charts"].raise_()
    w.docks["live_charts"].raise_()
    qtbot.wait(100)
    assert w.grab().save(str(folder / f"statistics_{size[1]}.png"))
    dock = w.show_charts_window()
    qtbot.wait(300)
    assert dock.grab().save(str(folder / f"statistics_window_{size[1]}.png"))
    w.reset_layout()
    view = w.windows.evaluation()
    assert isinstance(view, EvaluationView)
    qtbot.wait(300)
    assert view.width() <= size[0] and view.height() <= size[1]  # it fits the screen
    assert view.grab().save(str(folder / f"evaluation_{size[1]}.png"))
    view.close()
