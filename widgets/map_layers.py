"""A map's layer switcher: one button whose menu turns named layers on and off.

The map owner registers its layers by key with a label (the basemap, the grid, components,
cases … and whatever a later feature adds, such as cameras); the switcher only keeps the
check marks and says which layer was toggled.  A menu rather than a row of check boxes: the
desk's map pane is narrow at 1366 px and the list grows.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QPushButton, QWidget

__all__ = ["LayerSwitcher"]


class LayerSwitcher(QPushButton):
    """A 「图层」 button with a checkable entry per layer.

    Parameters
    ----------
    text : str
        The button's text (the caller translates it).
    parent : QWidget, optional
        The parent widget.
    """

    layer_toggled = Signal(str, bool)
    """
    A layer was turned on or off.

    Parameters
    ----------
    key : str
        The layer's key.
    visible : bool
        Whether it is on now.
    """

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        # A push button with a menu: styled like the pane's other buttons, opens on a click.
        self._menu = QMenu(self)
        self.setMenu(self._menu)
        self._actions: dict[str, QAction] = {}

    def add_layer(self, key: str, label: str, *, checked: bool = True,
                  icon: QIcon | None = None) -> QAction:
        """Add a layer's entry (a key already there is relabelled and re-checked)."""
        action = self._actions.get(key)
        if action is None:
            action = QAction(label, self._menu)
            action.setCheckable(True)
            action.setObjectName(f"layer_{key}")
            action.toggled.connect(lambda on, k=key: self.layer_toggled.emit(k, on))
            self._menu.addAction(action)
            self._actions[key] = action
        action.setText(label)
        if icon is not None:
            action.setIcon(icon)
        action.setChecked(checked)
        return action

    def set_layers(self, layers: list[tuple[str, str, bool]]) -> None:
        """Add several layers at once: ``(key, label, checked)`` in menu order."""
        for key, label, checked in layers:
            self.add_layer(key, label, checked=checked)

    def layer_keys(self) -> list[str]:
        """The layers' keys in menu order."""
        return list(self._actions)

    def is_on(self, key: str) -> bool:
        """Whether the layer ``key`` is on (False for an unknown key)."""
        action = self._actions.get(key)
        return action is not None and action.isChecked()

    def set_on(self, key: str, on: bool) -> None:
        """Turn a layer on or off (as a click would: the signal follows)."""
        self._actions[key].setChecked(on)

    def action(self, key: str) -> QAction:
        """The menu entry of ``key``."""
        return self._actions[key]
