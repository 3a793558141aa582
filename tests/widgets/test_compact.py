"""CompactComboBox: as wide as its current choice, however long the other items are."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker

from widgets.compact import CompactComboBox

LONG = "County Housing and Urban-Rural Development Bureau (yellow 3 · red 1)"


def test_the_box_fits_its_choice_not_its_longest_item(qtbot) -> None:
    combo = CompactComboBox(4)
    qtbot.addWidget(combo)
    combo.addItems(["All units", LONG])
    combo.show()
    short = combo.minimumSizeHint().width()
    assert short < combo.fontMetrics().horizontalAdvance(LONG)
    assert short >= combo.fontMetrics().horizontalAdvance("All units")
    with QSignalBlocker(combo):  # chosen in code, signals blocked: the width follows anyway
        combo.setCurrentIndex(1)
    assert combo.minimumWidth() >= combo.fontMetrics().horizontalAdvance(LONG)
    combo.setCurrentIndex(0)
    assert combo.minimumWidth() == short


def test_never_narrower_than_its_character_floor(qtbot) -> None:
    combo = CompactComboBox(12)
    qtbot.addWidget(combo)
    combo.addItem("甲")
    assert combo.minimumSizeHint().width() >= combo.fontMetrics().averageCharWidth() * 12
