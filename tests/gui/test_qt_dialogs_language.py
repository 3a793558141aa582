"""Qt's own dialogs speak the desk's language: the file dialog, message boxes, input dialogs and
the edit fields' context menu come out Chinese in Chinese and English in English.

The file dialog is Qt's widget dialog (what Qt shows without a desktop's native one, and what
``DontUseNativeDialog`` forces); Qt's shipped ``qtbase_zh_CN.qm`` lacks two of its labels,
which ``console.ui.i18n.QT_SUPPLEMENT_ZH`` supplies.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from console.ui import i18n
from tests.gui.language_scan import Seen, chinese, english_words, texts

BUTTONS = (
    QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel
    | QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    | QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
    | QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Retry
    | QMessageBox.StandardButton.Ignore | QMessageBox.StandardButton.Abort
)


@pytest.fixture(params=["zh", "en"])
def lang(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    """The desk's language, with Qt's translators installed as the desk installs them."""
    language = str(request.param)
    i18n.set_language(language)
    i18n.install_qt_translator(qapp, language)
    yield language
    i18n.install_qt_translator(qapp, "en")


def _file_dialog(mode: QFileDialog.AcceptMode, qtbot) -> QFileDialog:
    dialog = QFileDialog(None, "", "", "(*.csv *.xlsx)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(mode)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _qt_dialogs(qtbot) -> list[QWidget]:
    box = QMessageBox(QMessageBox.Icon.Question, "", "", BUTTONS)
    box.setDetailedText(" ")  # adds Qt's "Show Details…" button
    ask = QInputDialog()
    dialogs: list[QWidget] = [
        _file_dialog(QFileDialog.AcceptMode.AcceptOpen, qtbot),
        _file_dialog(QFileDialog.AcceptMode.AcceptSave, qtbot),
        box, ask,
    ]
    for w in (box, ask):
        qtbot.addWidget(w)
        w.show()
    return dialogs


def _context_menu_texts(qtbot) -> list[Seen]:
    seen: list[Seen] = []
    for edit in (QLineEdit(), QPlainTextEdit()):
        qtbot.addWidget(edit)
        menu = edit.createStandardContextMenu()
        seen.extend(texts(menu))  # read now: the menu goes with its field
        menu.deleteLater()
    return seen


def _qt_texts(qtbot) -> list[Seen]:
    seen: list[Seen] = _context_menu_texts(qtbot)
    for widget in _qt_dialogs(qtbot):
        # The file dialog lists the folder it opens on: file names are data.
        seen.extend(s for s in texts(widget) if "lookInCombo" not in s.where)
    return seen


def test_qt_dialogs_speak_the_desk_language(lang: str, qtbot) -> None:
    seen = _qt_texts(qtbot)
    assert len(seen) > 30  # the walk found the dialogs' buttons, labels and menus
    if lang == "zh":
        english = [f"{s} -> {english_words(s.text)}" for s in seen if english_words(s.text)]
        assert not english, "English in Qt's dialogs of the Chinese desk:\n" + "\n".join(english)
        for must in ("取消", "确定", "是", "否", "保存"):
            assert any(must in s.text for s in seen), must
    else:
        cjk = [str(s) for s in seen if chinese(s.text)]
        assert not cjk, "Chinese in Qt's dialogs of the English desk:\n" + "\n".join(cjk)
        for must in ("Cancel", "OK", "&Yes", "&No", "Save", "File &name:", "&Look in:"):
            assert any(s.text == must for s in seen), must


def test_the_supplement_answers_only_for_its_own_strings(qapp: QApplication) -> None:
    from PySide6.QtCore import QCoreApplication

    i18n.install_qt_translator(qapp, "zh")
    try:
        for (context, source), chinese_text in i18n.QT_SUPPLEMENT_ZH.items():
            assert QCoreApplication.translate(context, source) == chinese_text
        # Everything else still comes from Qt's own file (or stays Qt's English source).
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
        assert QCoreApplication.translate("CityDeskNoSuchContext", "Look") == "Look"
    finally:
        i18n.install_qt_translator(qapp, "en")
    for context, source in i18n.QT_SUPPLEMENT_ZH:
        assert QCoreApplication.translate(context, source) == source
