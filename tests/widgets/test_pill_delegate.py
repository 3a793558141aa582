"""PillDelegate: pill colour from a role, contrasting text, default painting without colour."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStyleOptionViewItem, QTableView
from pytestqt.qtbot import QtBot

from tests.widgets.imaging import color_at, count_near, is_blank
from widgets.pill_delegate import PillDelegate, contrast_text_color

ColorRole = Qt.ItemDataRole.UserRole + 1


@pytest.mark.parametrize(
    ("background", "text"),
    [("#000000", "#ffffff"), ("#ffffff", "#000000"), ("#c62828", "#ffffff"),
     ("#f9a825", "#000000"), ("#2e7d32", "#ffffff"), ("#a5d6a7", "#000000")],
)  # fmt: skip
def test_text_colour_contrasts(background: str, text: str) -> None:
    assert contrast_text_color(QColor(background)).name() == text


@pytest.fixture
def table(qtbot: QtBot) -> QTableView:
    model = QStandardItemModel(0, 1)
    for text, color in [
        ("Red", QColor("#c62828")),
        ("Yellow", "#f9a825"),
        ("Brush", QBrush(QColor("#2e7d32"))),
        ("Plain", None),
    ]:
        item = QStandardItem(text)
        if color is not None:
            item.setData(color, ColorRole)
        model.appendRow(item)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    model.setParent(view)
    view.setItemDelegate(PillDelegate(ColorRole, view))
    view.resize(240, 200)
    view.setColumnWidth(0, 180)
    view.show()
    qtbot.waitExposed(view)
    return view


def pill_pixel(view: QTableView, row: int) -> QColor:
    rect = view.visualRect(view.model().index(row, 0))
    pixmap = view.viewport().grab()
    return color_at(pixmap, rect.left() + 6, rect.center().y())


def test_pills_take_the_role_colour(table: QTableView) -> None:
    assert pill_pixel(table, 0).name() == "#c62828"
    assert pill_pixel(table, 1).name() == "#f9a825"
    assert pill_pixel(table, 2).name() == "#2e7d32"


def test_rows_without_colour_paint_as_usual(table: QTableView) -> None:
    rect = table.visualRect(table.model().index(3, 0))
    row = table.viewport().grab(rect)
    assert not is_blank(row), "the text is drawn"
    for color in ("#c62828", "#f9a825", "#2e7d32"):
        assert count_near(row, color, tolerance=40) == 0


def test_size_hint_leaves_room_for_the_pill(table: QTableView) -> None:
    delegate = table.itemDelegate()
    assert isinstance(delegate, PillDelegate)
    assert delegate.color_role == ColorRole
    plain = PillDelegate(ColorRole + 1)  # reads a role no item has: the default size
    option = QStyleOptionViewItem()
    option.initFrom(table)
    index = table.model().index(0, 0)
    assert delegate.sizeHint(option, index).width() > plain.sizeHint(option, index).width()


def test_renders_not_blank(table: QTableView) -> None:
    pixmap = table.grab()
    assert not is_blank(pixmap)
    assert count_near(pixmap, "#c62828", tolerance=10) > 100
