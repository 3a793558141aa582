"""The desk's search box: a citizen calling back with a number is answered in seconds.

The box sits at the right of the menu bar; **Ctrl+F** puts the cursor in it from anywhere in the
desk.  Enter on a whole case number opens that case at once; anything else lists what matched in
:class:`~console.ui.dialogs.case_search.CaseSearchDialog`, where Enter opens a case.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from console.services import timefmt
from console.services.case_search import CaseSearch
from console.ui.dialogs.case_search import SEARCH_HINT, CaseSearchDialog
from console.ui.i18n import _

if TYPE_CHECKING:
    from console.ui.desk_view import DeskView


class CaseFinder(QObject):
    """The search box and the results dialog of one desk window.

    Parameters
    ----------
    window : DeskView
        The desk: its controller searches, and the chosen case opens there.
    """

    def __init__(self, window: DeskView) -> None:
        super().__init__(window.as_widget())
        self.window = window
        self.box = QLineEdit()
        self.box.setObjectName("case_search_box")
        self.box.setPlaceholderText(_(SEARCH_HINT) + "  [Ctrl+F]")
        self.box.setClearButtonEnabled(True)
        # As wide as its hint: a cut "案件编号 / 电话尾号 /" tells nobody what to type.
        hint = self.box.fontMetrics().horizontalAdvance(self.box.placeholderText())
        self.box.setFixedWidth(hint + 48)
        # The menu bar places a corner widget by its size hint, which a line edit keeps at
        # ~17 characters whatever its width: a layout around it reports the real width.
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 4, 0)
        row.addWidget(self.box)
        self.box.returnPressed.connect(self._on_box_return_pressed)
        self.dialog: CaseSearchDialog | None = None

    def focus(self) -> None:
        """Ctrl+F: the cursor in the search box, its text selected for typing over."""
        self.box.setFocus()
        self.box.selectAll()

    def when(self, instant: object) -> str:
        """An instant as the desk shows it: in the centre's zone."""
        if not isinstance(instant, datetime):
            return ""
        return timefmt.date_time(self.window.controller.centre, instant)

    def _on_box_return_pressed(self) -> None:
        text = self.box.text()
        if text.strip():
            self.search(text)

    def search(self, text: str) -> None:
        """Search; a whole case number opens its case, anything else lists the matches."""
        def done(found: CaseSearch) -> None:
            if found.exact and self.dialog is None:
                self.window.select_case(found.rows[0].case.id or 0)
                self.window.statusBar().showMessage(
                    _("已打开 {no}").format(no=found.rows[0].case.case_no), 4000)
                return
            self.open_dialog().show_found(found)

        def failed(message: str) -> None:
            self.open_dialog().show_error(message)

        self.window.controller.search(text, done, failed)

    def open_dialog(self) -> CaseSearchDialog:
        """The results dialog (one at a time)."""
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.raise_()
            return self.dialog
        dialog = CaseSearchDialog(self.when, self.window.as_widget())
        dialog.line.setText(self.box.text())
        dialog.search_requested.connect(self.search)
        dialog.case_chosen.connect(self.window.select_case)
        dialog.finished.connect(lambda _r: self._on_dialog_finished(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _on_dialog_finished(self, dialog: CaseSearchDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
