"""Asking for the fields a workflow command needs (reason, notes, hours, unit …) by keyboard.

Commands that need nothing run at once; the others open this small dialog: the first field has
focus, Enter (Ctrl+Enter in a multi-line field) accepts, Escape cancels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.cases import CloseType
from console.domain.commands import Command
from console.ui.i18n import N_, _, command_label, label


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One input: the field name the command takes, its label and kind."""

    name: str
    label: str
    kind: str = "text"  # text | line | hours | yesno | unit | collector | close_type
    required: bool = True


@dataclass(frozen=True, slots=True)
class FieldsContext:
    """What the operator should see while deciding (check and close).

    Attributes
    ----------
    closing_condition : str
        The category's 结案条件: what the work is held to.
    photos : sequence of (kind, image bytes)
        The case's photos: "before" from the report, "after" from the unit's feedback.
    """

    closing_condition: str = ""
    photos: Sequence[tuple[str, bytes]] = ()


_REASON = FieldSpec("reason", N_("原因"))
FIELDS: dict[Command, tuple[FieldSpec, ...]] = {
    Command.REFUSE: (_REASON,),
    Command.REFUSE_FILE: (_REASON,),
    # A site visit goes to a named collector: the case's cell's own by default.
    Command.REQUEST_VERIFY: (FieldSpec("collector", N_("派给监督员"), "collector", required=False),),
    Command.REQUEST_CHECK: (FieldSpec("collector", N_("派给监督员"), "collector", required=False),),
    Command.VERIFY: (FieldSpec("found", N_("核实结果"), "yesno"), FieldSpec("notes", N_("说明"), required=False)),
    Command.DESIGNATE: (FieldSpec("unit", N_("代整改单位"), "unit"), _REASON),
    Command.SUBDISPATCH: (FieldSpec("unit", N_("下级单位"), "unit"),),
    # Only for "dispatch to another unit" (Ctrl+D): a plain dispatch takes the suggestion.
    # The reason goes into the log: why the matrix's unit was not the one.
    Command.DISPATCH: (FieldSpec("unit", N_("责任单位"), "unit"), _REASON),
    Command.FEEDBACK: (FieldSpec("notes", N_("处置情况")),),
    Command.CHECK_PASS: (FieldSpec("notes", N_("核查说明"), required=False),),
    Command.CHECK_FAIL: (FieldSpec("notes", N_("未通过原因")),),
    Command.CLOSE: (FieldSpec("close_type", N_("结案类型"), "close_type", required=False),
                    FieldSpec("reason", N_("说明"), required=False)),
    Command.REQUEST_RETURN: (_REASON,),
    Command.REQUEST_EXTENSION: (FieldSpec("hours", N_("延期（工作小时）"), "hours"), _REASON),
    Command.REQUEST_SUSPEND: (_REASON,),
    Command.REQUEST_VOID: (_REASON,),
    Command.DENY_REQUEST: (_REASON,),
    Command.MERGE: (FieldSpec("into", N_("合并到案件编号"), "line"),),
    Command.URGE: (FieldSpec("note", N_("督办意见")),),
    Command.REJECT_SELF_HANDLED: (FieldSpec("reason", N_("不通过原因")),),
    Command.REASSIGN: (FieldSpec("collector", N_("改派给监督员"), "collector"),),
}


def add_context(form: QFormLayout, context: FieldsContext) -> None:
    """The closing condition and the photos to decide by, as rows of ``form``."""
    if context.closing_condition:
        condition = QLabel(context.closing_condition)
        condition.setObjectName("context_closing_condition")
        condition.setWordWrap(True)
        form.addRow(_("结案条件"), condition)
    for kind, title in (("before", N_("上报照片")), ("after", N_("处置后照片"))):
        shots = [data for k, data in context.photos if k == kind]
        if not shots:
            continue
        row = QHBoxLayout()
        for data in shots[:4]:
            pixmap = QPixmap()
            pixmap.loadFromData(data)
            picture = QLabel()
            picture.setObjectName(f"context_photo_{kind}")
            picture.setPixmap(pixmap.scaled(160, 120, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation))
            row.addWidget(picture)
        row.addStretch(1)
        form.addRow(_(title), row)


class ActionFieldsDialog(QDialog):
    """Collects the fields of one command; ``submitted`` carries them when accepted.

    Parameters
    ----------
    command : Command
    choices : sequence of (value, text)
        The items of a unit or collector field (the first is the default).
    context : FieldsContext, optional
        The closing condition and photos to decide by (check and close).
    """

    submitted = Signal(dict)
    """The operator confirmed: the fields as the service takes them."""

    def __init__(self, command: Command, choices: Sequence[tuple[str, str]] = (),
                 parent: QWidget | None = None, context: FieldsContext | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(command_label(command))
        self.command = command
        self.inputs: dict[str, QWidget] = {}
        form = QFormLayout()
        if context is not None:
            add_context(form, context)
        for spec in FIELDS.get(command, ()):
            widget = self._input(spec, choices)
            widget.setObjectName(f"field_{spec.name}")
            self.inputs[spec.name] = widget
            form.addRow(_(spec.label), widget)
        self.photos: list[str] = []
        if command in PHOTO_COMMANDS:
            self.photo_button = QPushButton(_("添加照片…"))
            self.photo_button.setObjectName("field_photos")
            self.photo_label = QLabel()
            self.photo_button.clicked.connect(self._on_add_photos)
            form.addRow(_("照片"), self.photo_button)
            form.addRow("", self.photo_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._on_ok)
        self.error_label = QLabel("")
        self.error_label.setObjectName("fields_error")
        self.error_label.setStyleSheet("color: #e53935;")
        self.error_label.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.error = ""
        first = next(iter(self.inputs.values()), None)
        if first is not None:
            first.setFocus()

    @staticmethod
    def _input(spec: FieldSpec, units: Sequence[tuple[str, str]]) -> QWidget:
        if spec.kind == "hours":
            spin = QDoubleSpinBox()
            spin.setRange(0.5, 480.0)
            spin.setSingleStep(0.5)
            spin.setValue(8.0)
            return spin
        if spec.kind == "yesno":
            combo = QComboBox()
            combo.addItem(_("属实"), True)
            combo.addItem(_("不属实"), False)
            return combo
        if spec.kind == "unit":
            combo = QComboBox()
            combo.setEditable(True)
            for code, name in units:
                combo.addItem(_("{name}（{detail}）").format(name=name, detail=code), code)
            return combo
        if spec.kind == "collector":
            combo = QComboBox()
            for value, shown in units:
                combo.addItem(shown, value)
            return combo
        if spec.kind == "close_type":
            combo = QComboBox()
            combo.addItem(_("自动（按是否超时）"), None)
            for close_type in CloseType:
                if close_type is not CloseType.SELF_HANDLED:  # only a 自处置 review gives it
                    combo.addItem(label(close_type), close_type.value)
            return combo
        if spec.kind == "line":
            return QLineEdit()
        text = QPlainTextEdit()
        text.setTabChangesFocus(True)
        text.setFixedHeight(70)
        return text

    def add_photos(self, paths: Sequence[str]) -> None:
        """Attach image files (after-photos of the work, or of the check)."""
        self.photos += [p for p in paths if p]
        self.photo_label.setText("、".join(Path(p).name for p in self.photos))

    def _on_add_photos(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(
            self, _("选择照片"), "", _("图片 (*.jpg *.jpeg *.png)"))
        self.add_photos(files)

    def values(self) -> dict[str, Any]:
        """The fields as the service takes them (hours become working minutes)."""
        out: dict[str, Any] = {}
        for name, widget in self.inputs.items():
            if isinstance(widget, QDoubleSpinBox):
                out["minutes"] = round(widget.value() * 60)
            elif isinstance(widget, QComboBox):
                data = widget.currentData()
                if data is not None:
                    out[name] = data
            elif isinstance(widget, QLineEdit):
                if widget.text().strip():
                    out[name] = widget.text().strip()
            elif isinstance(widget, QPlainTextEdit) and widget.toPlainText().strip():
                out[name] = widget.toPlainText().strip()
        return out

    def _on_ok(self) -> None:
        values = self.values()
        for spec in FIELDS.get(self.command, ()):
            key = "minutes" if spec.kind == "hours" else spec.name
            if spec.required and key not in values:
                self.error = _("请填写「{field}」").format(field=_(spec.label))
                self.error_label.setText(self.error)
                self.error_label.show()
                self.inputs[spec.name].setFocus()
                return
        if self.photos:
            values["photos"] = list(self.photos)
        self.accept()
        self.submitted.emit(values)


#: Commands whose dialog can attach photos (the unit's result, the collector's check).
PHOTO_COMMANDS = frozenset({Command.FEEDBACK, Command.CHECK_PASS, Command.CHECK_FAIL})


def needs_fields(command: Command) -> bool:
    """True when the command asks the operator for something first."""
    return command in FIELDS and command is not Command.DISPATCH
