"""The map's camera layer (issue #17): the registry's cameras, coloured by their online state.

The cameras are few next to the components (hundreds to a few thousand a county), so they
show at every zoom.  Each is one icon of :class:`widgets.map_components.ComponentLayer` — a
single item blitting cached pixmaps — drawn as a camera glyph (:mod:`widgets.map_camera_icon`,
unlike any component's shape) in its state's colour: 离线 red, 在线 green, 未检 grey (the worker
has not checked it; the collectors' layer's colours).  The layer is read through the seam when
the map is shown and every :data:`REFRESH_MS` while it stays visible (the worker's online
round is every five minutes), and is a line of the map's 图层 switcher.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon

from console.domain.cameras import Camera
from console.ui.i18n import N_, _
from widgets.map_camera_icon import camera_icons
from widgets.map_components import ComponentLayer, ComponentPoint

if TYPE_CHECKING:
    from console.ui.main_window import MainWindow

#: How often a visible map reads the cameras again (their online state changes).
REFRESH_MS = 300_000
#: A camera's online state as the layer's kind.
STATES = {False: "offline", True: "online", None: "unknown"}
#: The kinds in icon order, and their colours: 离线 red, 在线 green, 未检 grey.
ORDER = ("offline", "online", "unknown")
COLORS = ("#d64541", "#2e9d4a", "#8a8f98")
LABELS = {"offline": N_("离线"), "online": N_("在线"), "unknown": N_("未检")}


def camera_points(cameras: Sequence[Camera]) -> list[ComponentPoint]:
    """One point per camera, its kind the online state."""
    return [ComponentPoint(c.code, c.lon, c.lat, STATES[c.online]) for c in cameras]


class CameraLayer(QObject):
    """The cameras on a map pane, kept current while the map is visible.

    Parameters
    ----------
    window : MainWindow
        The desk: its map pane, its seam (``cameras``) and its worker (``ops``).
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        controller = window.controller
        self._desk, self._ops = controller.desk, controller.ops
        self._pane = window.map
        view = self._pane.map
        self.items = ComponentLayer(view.to_scene, 0.0, camera_icons(COLORS))
        self.items.setZValue(1.6)  # over the components, under the case markers
        view.scene().addItem(self.items)
        self.switcher = self._pane.layers.switcher
        self.switcher.add_layer("cameras", _("摄像机"))
        self.switcher.layer_toggled.connect(self._on_layer_toggled)
        self._busy = False
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._pane.installEventFilter(self)  # read when the map comes on screen
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Read the cameras when the map is shown (a hidden map is not refreshed)."""
        if watched is self._pane and event.type() == QEvent.Type.Show:
            self.refresh()
        return False

    def refresh(self) -> None:
        """One read of the registry, unless one is running or the map is hidden."""
        if self._busy or not self._pane.isVisible():
            return
        self._busy = True
        self._ops.run(lambda: self._desk.cameras(None), self.show, self._failed)

    def _failed(self, _exc: BaseException) -> None:
        self._busy = False  # the next tick tries again; the window reports the failure

    def show(self, cameras: list[Camera]) -> None:
        """Draw these cameras; the switcher lists the states present."""
        self._busy = False
        self.items.set_points(camera_points(cameras), ORDER)
        known = set(self.switcher.layer_keys())
        for kind in self.items.kinds():
            if f"cameras:{kind}" not in known:  # a refresh keeps what the operator turned off
                self.switcher.add_layer(f"cameras:{kind}", "  · " + _(LABELS[kind]),
                                        icon=QIcon(self.items.icon(kind)))

    def _on_layer_toggled(self, key: str, on: bool) -> None:
        if key == "cameras":
            self.items.setVisible(on)
        elif key.startswith("cameras:"):
            hidden = [k.split(":", 1)[1] for k in self.switcher.layer_keys()
                      if k.startswith("cameras:") and not self.switcher.is_on(k)]
            self.items.set_hidden_kinds(hidden)
