"""BusyIndicator: shown and turning only while running."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from tests.widgets.imaging import count_near, is_blank
from widgets.busy import BusyIndicator


@pytest.fixture
def host(qtbot: QtBot) -> tuple[QWidget, BusyIndicator]:
    parent = QWidget()
    qtbot.addWidget(parent)
    busy = BusyIndicator(parent, diameter=24)
    QVBoxLayout(parent).addWidget(busy)
    parent.show()
    qtbot.waitExposed(parent)
    return parent, busy


def test_hidden_and_idle_until_started(host: tuple[QWidget, BusyIndicator]) -> None:
    _, busy = host
    assert busy.isHidden()
    assert not busy.is_running
    assert not busy.is_animating


def test_start_shows_and_turns(qtbot: QtBot, host: tuple[QWidget, BusyIndicator]) -> None:
    _, busy = host
    busy.start()
    assert busy.isVisible()
    assert busy.is_running and busy.is_animating
    angle = busy.angle
    qtbot.waitUntil(lambda: busy.angle != angle, timeout=1000)


def test_stop_hides_and_stops(host: tuple[QWidget, BusyIndicator]) -> None:
    _, busy = host
    busy.start()
    busy.stop()
    assert busy.isHidden()
    assert not busy.is_running
    assert not busy.is_animating


def test_timer_pauses_while_off_screen(host: tuple[QWidget, BusyIndicator]) -> None:
    parent, busy = host
    busy.start()
    parent.hide()
    assert busy.is_running
    assert not busy.is_animating
    parent.show()
    assert busy.is_animating


def test_start_under_a_hidden_parent_waits_for_show(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    busy = BusyIndicator(parent)
    busy.start()
    assert busy.is_running
    assert not busy.is_animating
    parent.show()
    qtbot.waitExposed(parent)
    assert busy.is_animating


def test_renders_an_arc(qtbot: QtBot) -> None:
    busy = BusyIndicator(diameter=32)
    qtbot.addWidget(busy)
    busy.set_color("#ff0000")
    busy.start()
    busy.resize(32, 32)
    pixmap = busy.grab()
    assert pixmap.width() == 32
    assert not is_blank(pixmap)
    assert count_near(pixmap, "#ff0000", tolerance=30) > 20
    busy.stop()
