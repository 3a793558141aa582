"""The default layout at 1366x768 and 1920x1080: every pane has room, no label is cut, and no
stray dock tab bar sits over a queue (Qt makes a spare one while two groups are tabbed before
the window shows; it must be gone once the event loop has run)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QPushButton, QTabBar

from console.ui.theme import apply_theme

SIZES = [(1366, 768), (1920, 1080)]


@pytest.fixture(params=["dark", "light"])
def theme(request, themed_app) -> str:
    """The desk as it runs: qt-material's look (its sizes decide what fits)."""
    apply_theme(themed_app, request.param)
    return request.param


def _open(desk_factory, qtbot, size):
    desk = desk_factory("zhibanzhang1")
    w = desk.window
    w.resize(*size)
    w.reset_layout()  # the default layout, sized for this window (what a first start does)
    qtbot.wait(300)  # the layout settles (combos take their choices' widths)
    return w


@pytest.mark.parametrize("size", SIZES)
def test_panes_get_their_share(desk_factory, qtbot, size, theme) -> None:
    w = _open(desk_factory, qtbot, size)
    width, height = size
    left, right = w.docks["intake"].width(), w.docks["detail"].width()
    assert left >= width * 0.29 and right >= width * 0.28
    assert w.map.width() >= width * 0.3  # the map keeps the middle
    strip = w.docks["charts"].height()
    assert strip <= max(height * 0.25, 180)
    assert w.docks["detail"].height() >= (height - strip) * 0.45
    assert w.intake.view.height() >= 120 and w.board.view.height() >= 100


@pytest.mark.parametrize("size", SIZES)
def test_no_stray_tab_bar(desk_factory, qtbot, size, theme) -> None:
    w = _open(desk_factory, qtbot, size)
    qtbot.wait(50)
    bars = [b for b in w.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if b.isVisible()]
    # One bar per tabbed group (dispatch / approvals / check, and the two chart tabs), each
    # right under its docks, none over the intake queue.
    assert len(bars) == 2
    intake = w.docks["intake"].geometry()
    assert not any(b.geometry().intersects(intake) for b in bars)


@pytest.mark.parametrize("size", SIZES)
def test_every_button_and_drop_down_shows_its_whole_text(desk_factory, qtbot, size,
                                                         theme) -> None:
    w = _open(desk_factory, qtbot, size)
    buttons = [b for b in w.findChildren(QPushButton) if b.isVisible() and b.text()]
    assert any(b.objectName().startswith("action_") for b in buttons)
    for button in buttons:
        assert button.width() >= button.sizeHint().width() - 1, button.text()
    for combo in (c for c in w.findChildren(QComboBox) if c.isVisible()):
        text = combo.currentText()
        assert combo.width() >= combo.fontMetrics().horizontalAdvance(text) + 20, text
    box = w.finder.box
    assert box.geometry().right() <= w.width()  # the search box is whole at the top right


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_window_fits_a_1366_screen_in_either_language(desk_factory, qtbot, theme,
                                                          lang) -> None:
    from console.ui import i18n

    i18n.set_language(lang)
    w = _open(desk_factory, qtbot, (1366, 768))
    assert w.width() == 1366, w.minimumSizeHint()  # no pane's minimum widens the window
    assert w.minimumSizeHint().width() <= 1366
    combos = [c for c in w.findChildren(QComboBox) if c.isVisible()]
    for combo in combos:
        assert combo.width() >= combo.fontMetrics().horizontalAdvance(combo.currentText()) + 20, (
            combo.objectName(), combo.minimumSizeHint(), w.map.width(), w.map.minimumSizeHint(),
            w.docks["intake"].width(), w.docks["detail"].width())


@pytest.mark.parametrize("size", SIZES)
def test_queue_titles_stay_on_one_line(desk_factory, qtbot, size, theme) -> None:
    from PySide6.QtWidgets import QLabel

    w = _open(desk_factory, qtbot, size)
    w.docks["approvals"].raise_()  # the longest Chinese title, tabbed behind 派遣 by default
    qtbot.wait(100)
    # Docks tabbed behind another stay "visible", parked outside the window: skip those.
    titles = [t for t in w.findChildren(QLabel, "pane_title")
              if t.isVisible() and t.mapTo(w, t.rect().topLeft()).x() >= 0
              and t.mapTo(w, t.rect().topLeft()).y() >= 0]
    assert any("代整改" in t.text() for t in titles)
    for title in titles:
        # A wrapped Chinese title breaks inside a word (代整 / 改): one line is the rule.
        assert title.width() >= title.fontMetrics().horizontalAdvance(title.text()), title.text()
