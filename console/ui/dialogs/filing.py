"""Shift+F: file a case with judgement — category, filing condition, limit class — and see what
that leads to (the unit the matrix names, the rule, the limit and deadlines) before confirming.

**F** files at once with the suggestion; this dialog is for the case that needs a second look.
Digit keys 1–9 choose a filing condition; Enter (or Ctrl+Enter) files; Escape cancels.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from console.domain.cases import Case
from console.domain.errors import CityDeskError
from console.domain.reference import LimitClass
from console.services.centre import Centre
from console.services.filing import FilingPreview, preview_filing
from console.ui.admin.common import duration_text
from console.ui.dialogs.new_report import category_entries
from console.ui.i18n import _, error_text, label
from console.ui.names import localized, unit_name_of


class FilingDialog(QDialog):
    """Choose how a case is filed, with the outcome shown live.

    Parameters
    ----------
    centre : Centre
        Categories, the matrix and the calendar (the preview needs no database).
    case : Case
        The case to file (in 待立案).
    now : datetime
        The instant deadlines are counted from.
    when : callable
        Formats an instant as the desk shows it (the centre's zone).
    """

    submitted = Signal(dict)
    """The operator confirmed: ``{"category", "condition", "limit_class"}`` for the FILE command."""

    def __init__(self, centre: Centre, case: Case, now: datetime,
                 when: Callable[[datetime], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filing_dialog")
        self.setWindowTitle(_("立案：{no}").format(no=case.case_no))
        self.centre, self.case, self.now, self._when = centre, case, now, when
        self.preview: FilingPreview | None = None
        self._entries = dict(category_entries(centre))
        self.category = QLineEdit()
        self.category.setObjectName("filing_category")
        self.category.setPlaceholderText(_("类别代码、名称、别名或拼音首字母"))
        completer = QCompleter(QStringListModel(list(self._entries), self.category), self.category)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setMaxVisibleItems(12)
        self.category.setCompleter(completer)
        own = centre.ref.categories.get(case.category)
        self.category.setText(next((e for e, code in self._entries.items() if code == case.category),
                                   case.category) if own else case.category)
        self.conditions = QListWidget()
        self.conditions.setObjectName("filing_conditions")
        self.conditions.setMinimumHeight(90)
        self.limit_class = QComboBox()
        self.limit_class.setObjectName("filing_limit_class")
        for cls in LimitClass:
            self.limit_class.addItem(label(cls), cls.value)
        self.outcome = QLabel()
        self.outcome.setObjectName("filing_outcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.RichText)
        self.outcome.setMinimumWidth(520)
        form = QFormLayout()
        form.addRow(_("类别"), self.category)
        form.addRow(_("立案条件 [1–9]"), self.conditions)
        form.addRow(_("时限类别"), self.limit_class)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(_("立案 [Enter]"))
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._on_ok)
        # Digits choose a condition; a line edit keeps its digits (it claims printable keys
        # before shortcuts), so typing a category code is not disturbed.
        for digit in range(1, 10):
            QShortcut(QKeySequence(str(digit)), self,
                      lambda d=digit: self._on_digit(d))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.outcome)
        layout.addWidget(buttons)
        self.category.textChanged.connect(self._on_category_changed)
        self.conditions.currentRowChanged.connect(self._on_condition_changed)
        self.limit_class.currentIndexChanged.connect(lambda _i: self.refresh())
        self._on_category_changed()
        if case.condition:
            self.choose_condition(case.condition)
        self.conditions.setFocus()

    # -- choices -------------------------------------------------------------------------------
    def category_code(self) -> str:
        """The category as typed or picked (a completer entry becomes its code)."""
        text = self.category.text().strip()
        return self._entries.get(text, text)

    def choose_condition(self, condition_id: str) -> None:
        """Select a filing condition by its id."""
        for row in range(self.conditions.count()):
            if self.conditions.item(row).data(Qt.ItemDataRole.UserRole) == condition_id:
                self.conditions.setCurrentRow(row)

    def _on_category_changed(self) -> None:
        try:
            category = self.centre.category(self.category_code())
        except CityDeskError:
            category = None
        self.conditions.blockSignals(True)
        self.conditions.clear()
        for i, cond in enumerate(category.filing_conditions if category else ()):
            self.conditions.addItem(f"{i + 1}. " + _("{name}（{detail}）").format(
                name=cond.text, detail=label(cond.limit_class)))
            self.conditions.item(i).setData(Qt.ItemDataRole.UserRole, cond.id)
        self.conditions.blockSignals(False)
        if self.conditions.count():
            self.conditions.setCurrentRow(0)  # sets the condition's limit class and refreshes
        else:
            self.refresh()

    def _on_condition_changed(self, row: int) -> None:
        try:
            category = self.centre.category(self.category_code())
        except CityDeskError:
            return
        conditions = category.filing_conditions
        if 0 <= row < len(conditions):
            self.limit_class.blockSignals(True)
            self.limit_class.setCurrentIndex(
                self.limit_class.findData(LimitClass(conditions[row].limit_class).value))
            self.limit_class.blockSignals(False)
        self.refresh()

    def _condition_id(self) -> str | None:
        item = self.conditions.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    # -- the outcome ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Work the outcome out again from the current choices."""
        try:
            self.preview = preview_filing(self.centre, self.case, self.category_code(),
                                          self._condition_id(),
                                          str(self.limit_class.currentData()), self.now)
        except CityDeskError as exc:
            self.preview = None
            shown = html.escape(error_text(exc)).replace("\n", "<br>")
            self.outcome.setText(f"<span style='color:#e53935'>{shown}</span>")
            self.ok.setEnabled(False)
            return
        p = self.preview
        clock = _("自然时间") if p.natural_time else _("工作时间")
        rows = [
            (_("类别"), f"{p.category.code} "
                        f"{localized(p.category.name_zh, p.category.name_en)}"),
            (_("责任单位"), unit_name_of(self.centre.ref.units, p.unit, p.unit_name)),
            (_("派遣依据"), p.rule),
            (_("处置时限"), _("{name}（{detail}）").format(
                name=duration_text(p.handle_minutes, p.natural_time), detail=clock)),
            (_("派遣截止"), self._when(p.dispatch_deadline)),
            (_("若现在派遣，处置截止"), self._when(p.handle_deadline)),
            (_("结案条件"), p.closing_condition or "—"),
        ]
        self.outcome.setText("<table>" + "".join(
            f"<tr><td style='padding-right:12px'><b>{name}</b></td><td>{value}</td></tr>"
            for name, value in rows) + "</table>")
        self.ok.setEnabled(True)

    def values(self) -> dict[str, str]:
        """The FILE command's fields."""
        assert self.preview is not None
        out = {"category": self.preview.category.code, "limit_class": self.preview.limit_class}
        if self.preview.condition is not None:
            out["condition"] = self.preview.condition.id
        return out

    def _on_ok(self) -> None:
        if self.preview is None:
            return
        self.accept()
        self.submitted.emit(self.values())

    def _on_digit(self, digit: int) -> None:
        if digit <= self.conditions.count():
            self.conditions.setCurrentRow(digit - 1)
