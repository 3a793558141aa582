"""A full-width coloured strip with a message and an optional action button."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget


class Banner(QFrame):
    """A strip across the top of a pane that tells the operator something, hidden until needed.

    Each kind has a background and a text colour. :attr:`KIND_COLORS` holds the defaults for every
    banner; each instance copies it to :attr:`kind_colors`, which the app may change (e.g. per
    theme) or extend with kinds of its own.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.

    Attributes
    ----------
    KIND_COLORS : dict of str to (str, str)
        Default ``kind -> (background, text)`` colours, as CSS colour strings.
    kind_colors : dict of str to (str, str)
        This banner's colours, read at each :meth:`show_message`.
    """

    KIND_COLORS: ClassVar[dict[str, tuple[str, str]]] = {
        "info": ("#1565c0", "#ffffff"),
        "warning": ("#f9a825", "#000000"),
        "danger": ("#c62828", "#ffffff"),
        "demo": ("#6a1b9a", "#ffffff"),
    }

    action_triggered = Signal()
    """
    The user pressed the action button of the message on show.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.kind_colors = dict(self.KIND_COLORS)
        self._kind = ""
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._button = QPushButton()
        self._button.setVisible(False)
        self._button.clicked.connect(self._on_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.addWidget(self._label)
        layout.addWidget(self._button)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setVisible(False)

    def show_message(self, text: str, kind: str = "info", action_text: str | None = None) -> None:
        """Show ``text`` in the colours of ``kind``, with an action button when ``action_text``.

        Raises
        ------
        ValueError
            When ``kind`` is not in :attr:`kind_colors`.
        """
        if kind not in self.kind_colors:
            raise ValueError(f"unknown banner kind {kind!r}; known: {sorted(self.kind_colors)}")
        background, foreground = self.kind_colors[kind]
        # Style sheets, not the palette: the app's style sheet (qt-material) would override a palette.
        self.setStyleSheet(
            f"QFrame#banner {{ background-color: {background}; border: none; }}"
            f"QFrame#banner QLabel {{ color: {foreground}; background: transparent; }}"
            f"QFrame#banner QPushButton {{ color: {foreground}; background: transparent;"
            f" border: 1px solid {foreground}; border-radius: 3px; padding: 2px 12px; }}"
        )
        self._kind = kind
        self._label.setText(text)
        self._button.setText(action_text or "")
        self._button.setVisible(bool(action_text))
        self.setVisible(True)

    def clear(self) -> None:
        """Hide the banner and forget its message."""
        self._kind = ""
        self._label.clear()
        self._button.setVisible(False)
        self.setVisible(False)

    @property
    def kind(self) -> str:
        """Kind of the message on show ("" when cleared)."""
        return self._kind

    @property
    def text(self) -> str:
        """The message on show ("" when cleared)."""
        return self._label.text()

    @property
    def action_button(self) -> QPushButton:
        """The action button (for tests and keyboard focus)."""
        return self._button

    def _on_button_clicked(self) -> None:
        self.action_triggered.emit()
