"""Banner: kinds, colours, the action button and clearing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.widgets.imaging import color_at, is_blank
from widgets.banner import Banner


@pytest.fixture
def banner(qtbot: QtBot) -> Banner:
    widget = Banner()
    qtbot.addWidget(widget)
    return widget


def test_hidden_until_a_message(banner: Banner) -> None:
    assert banner.isHidden()
    banner.show_message("Message", "warning")
    assert not banner.isHidden()
    assert (banner.kind, banner.text) == ("warning", "Message")
    assert banner.action_button.isHidden()


def test_action_button_emits(qtbot: QtBot, banner: Banner) -> None:
    banner.show_message("Demo data", "demo", action_text="Leave demo")
    banner.show()
    qtbot.waitExposed(banner)
    assert banner.action_button.text() == "Leave demo"
    assert not banner.action_button.isHidden()
    with qtbot.waitSignal(banner.action_triggered):
        qtbot.mouseClick(banner.action_button, Qt.MouseButton.LeftButton)


def test_clear_hides_and_forgets(banner: Banner) -> None:
    banner.show_message("Message", "danger", action_text="Retry")
    banner.clear()
    assert banner.isHidden()
    assert (banner.kind, banner.text) == ("", "")
    assert banner.action_button.isHidden()


def test_unknown_kind_is_refused(banner: Banner) -> None:
    with pytest.raises(ValueError, match="unknown banner kind"):
        banner.show_message("Message", "purple")


def test_instance_colours_override_without_touching_the_class(qtbot: QtBot, banner: Banner) -> None:
    banner.kind_colors["info"] = ("#00aa00", "#ffffff")
    banner.kind_colors["ok"] = ("#008800", "#ffffff")
    banner.show_message("Fine", "ok")
    assert Banner.KIND_COLORS["info"] == ("#1565c0", "#ffffff")
    assert "ok" not in Banner.KIND_COLORS
    other = Banner()
    qtbot.addWidget(other)
    with pytest.raises(ValueError, match="unknown banner kind"):
        other.show_message("Fine", "ok")


@pytest.mark.parametrize("kind", ["info", "warning", "danger", "demo"])
def test_renders_in_the_kind_colour(qtbot: QtBot, banner: Banner, kind: str) -> None:
    banner.show_message("Message text", kind, action_text="Act")
    banner.resize(400, 36)
    banner.show()
    qtbot.waitExposed(banner)
    pixmap = banner.grab()
    assert not is_blank(pixmap), "the message is drawn over the background"
    assert color_at(pixmap, 2, 2).name() == Banner.KIND_COLORS[kind][0]
