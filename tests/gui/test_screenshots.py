"""The main window at 1920x1080 in both themes and both languages, rendered offscreen.

Set CITYDESK_UPDATE_SCREENSHOTS=1 to write them to docs/screenshots/ (they are committed and
shown in the README); otherwise they go to the test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from console.services.presence import heartbeat
from console.ui import i18n
from console.ui.theme import apply_theme

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _distinct_colours(image: QImage) -> int:
    step = 37
    seen = {image.pixel(x, y) for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)}
    return len(seen)


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_main_window_screenshot(desk_factory, themed_app, qtbot, tmp_path, lang, theme) -> None:
    i18n.set_language(lang)
    apply_theme(themed_app, theme)
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    w.apply_theme_colors(theme)
    w.resize(1920, 1080)
    # A colleague at another desk has a case open: its row and the detail pane say so.
    shared = w.dispatch.model.case_id(0)
    colleague = desk.app.centre.actor("paiqian2", "desk-2")
    heartbeat(desk.app.uow_factory, colleague, "派遣员 周敏", shared, desk.clock(), desk.clock())
    w.presence.beat()
    w.select_case(shared)
    qtbot.waitUntil(lambda: w.detail.presence_label.text() != "", timeout=3000)
    qtbot.wait(300)  # layout, the map's first fit, a timer tick
    image = w.grab().toImage()
    assert (image.width(), image.height()) == (1920, 1080)
    assert _distinct_colours(image) > 40  # not a blank or single-colour window
    if lang == "en":
        assert not i18n.missing(), sorted(i18n.missing())
    for pane in (w.intake, w.dispatch, w.board):
        assert pane.model.rowCount() > 0
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    assert image.save(str(folder / f"desk_{lang}_{theme}.png"))
    assert QColor(image.pixel(5, 5)).isValid()
