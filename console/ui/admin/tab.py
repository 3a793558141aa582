"""The shape of an administration tab: a filterable table on the left, its edit form on the right."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from console.ui.admin.common import AdminContext, AdminData, TablePanel, message_banner


class EditTab(QWidget):
    """A table of rows and a form that edits the current one.

    Subclasses fill :attr:`form` and :attr:`buttons`, implement :meth:`show_data` and
    :meth:`edit`, and save through :attr:`ctx`.

    Parameters
    ----------
    name : str
        Object-name stem of the tab's widgets (``admin_<name>_…``).
    headings : sequence of str
        Column headings (Chinese sources, marked with ``N_``).
    title : str
        The form's title, already translated.
    ctx : AdminContext
        Where saves run.
    form_width : int
        The form's share of the width at first (a wide table wants less).
    parent : QWidget, optional
    """

    def __init__(self, name: str, headings: Sequence[str], title: str, ctx: AdminContext,
                 *, form_width: int = 560, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"admin_{name}")
        self.ctx = ctx
        self.data: AdminData | None = None
        self.panel = TablePanel(name, headings)
        self.panel.row_selected.connect(self.edit)
        self.banner = message_banner(name)
        self.box = QGroupBox(title)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.buttons = QHBoxLayout()
        self.hint = QLabel()
        self.hint.setObjectName(f"admin_{name}_hint")
        self.hint.setWordWrap(True)
        column = QVBoxLayout(self.box)
        column.addLayout(self.form)
        column.addLayout(self.buttons)
        column.addWidget(self.banner)
        column.addWidget(self.hint)
        side = QWidget()  # the form keeps its height; the space below it stays unframed
        side_column = QVBoxLayout(side)
        side_column.setContentsMargins(0, 0, 0, 0)
        side_column.addWidget(self.box)
        side_column.addStretch(1)
        split = QSplitter()
        split.setChildrenCollapsible(False)
        split.addWidget(self.panel)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([1460 - form_width, form_width])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(split)

    def button(self, text: str, name: str) -> QPushButton:
        """A form button (no auto-default: Enter in a field saves, not whichever has focus)."""
        button = QPushButton(text)
        button.setObjectName(f"{self.objectName()}_{name}")
        button.setAutoDefault(False)
        self.buttons.addWidget(button)
        return button

    def show_data(self, data: AdminData) -> None:
        """Fill the table from a fresh load; the form follows the current row."""
        self.data = data

    def edit(self, key: str) -> None:
        """Put the row ``key`` into the form."""
