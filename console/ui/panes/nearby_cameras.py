"""「附近视频」 in the case detail: the cameras that may see the case, nearest first."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from console.domain.cameras import Camera, NearCamera, NearReason
from console.ui.dialogs.collector_pick import distance_text
from console.ui.i18n import N_, _

REASONS = {NearReason.RADIUS: N_("半径内"), NearReason.CELL: N_("本网格"),
           NearReason.NEIGHBOUR: N_("相邻网格")}
"""Why a camera is listed, as the list says it."""

ROWS_SHOWN = 5
"""Rows the list is tall before it scrolls (the case must stay in sight)."""


def camera_line(near: NearCamera) -> str:
    """``东门路口 · 85 米 · 半径内 · 离线``."""
    camera = near.camera
    parts = [camera.name, distance_text(near.distance_m), _(REASONS.get(near.reason, near.reason))]
    if camera.online is False:
        parts.append(_("离线"))
    return " · ".join(parts)


class NearbyCameras(QWidget):
    """The list; Enter or a double-click on a row asks for the camera's live view."""

    camera_chosen = Signal(object)
    """A camera was opened: the :class:`~console.domain.cameras.Camera`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nearby_cameras")
        self.title = QLabel(_("附近视频"))
        self.list = QListWidget()
        self.list.setObjectName("nearby_cameras_list")
        self.list.itemActivated.connect(self._on_item_activated)  # double-click
        self.list.installEventFilter(self)  # Enter: activated is platform-dependent for keys
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.title)
        column.addWidget(self.list)
        column.addWidget(self.empty)
        self.cameras: list[NearCamera] = []
        self.set_cameras([])

    def set_cameras(self, cameras: Sequence[NearCamera]) -> None:
        """Show these cameras (already nearest first)."""
        self.cameras = list(cameras)
        self.list.clear()
        for near in self.cameras:
            item = QListWidgetItem(camera_line(near))
            item.setToolTip(f"{near.camera.code} · {near.camera.group}".rstrip(" ·"))
            self.list.addItem(item)
        rows = min(max(len(self.cameras), 1), ROWS_SHOWN)
        self.list.setFixedHeight(self.list.sizeHintForRow(0) * rows + 6 if self.cameras else 0)
        self.list.setVisible(bool(self.cameras))
        self.empty.setText("" if self.cameras else _("附近没有登记的摄像机"))
        self.empty.setVisible(not self.cameras)
        if self.cameras:
            self.list.setCurrentRow(0)

    def show_message(self, text: str) -> None:
        """Say why there is no list (loading, or the read failed)."""
        self.cameras = []
        self.list.clear()
        self.list.hide()
        self.empty.setText(text)
        self.empty.show()

    def chosen(self) -> Camera | None:
        """The camera of the current row."""
        row = self.list.currentRow()
        return self.cameras[row].camera if 0 <= row < len(self.cameras) else None

    def _on_item_activated(self, _item: QListWidgetItem) -> None:
        camera = self.chosen()
        if camera is not None:
            self.camera_chosen.emit(camera)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (watched is self.list and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self._on_item_activated(self.list.currentItem())
            return True
        return super().eventFilter(watched, event)
