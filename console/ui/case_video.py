"""Seeing a case from the desk: 「附近视频」 in the detail, a live view in a dock, the snapshot and
the 核实 by video.

When a case is shown, its nearby cameras are read on the worker (the seat's
``nearby_cameras``).  Enter on one opens its main stream in a dockable player; **抓拍** attaches
the frame on screen to the case as a photo of kind 视频 (the seat's ``attach_snapshot``, which
records the camera and the frame time), and an acceptor can record 核实 属实 / 不属实 with that
frame as evidence (``verify_by_video``).  Every call runs off the GUI thread; a refusal is said
in the dock's status line in one sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.domain.cameras import DEFAULT_RADIUS_M, Camera, NearCamera
from console.domain.commands import Command
from console.ui.i18n import _, error_text
from console.ui.video_tiles import make_player, url_lookup
from widgets.video_player import GrabbedFrame

if TYPE_CHECKING:
    from console.ui.ops import OpRunner
    from console.ui.panes.nearby_cameras import NearbyCameras

#: Commands after which a 核实 by video may be recorded (the case waits for a verification).
VERIFY_COMMANDS = frozenset({Command.VERIFY, Command.REQUEST_VERIFY})


class LiveViewDock(QDockWidget):
    """A camera's live picture with 抓拍 and the 核实 buttons, dockable or floating."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("实时视频"), parent)
        self.setObjectName("dock_video")
        self.camera: Camera | None = None
        self.case_id: int | None = None
        self.player = make_player()
        self.player.setObjectName("live_view_player")
        # Small enough to sit as a tab beside the board on a 768-pixel-high laptop screen.
        self.player.setMinimumSize(160, 40)
        self.snapshot = QPushButton(_("抓拍并附加到案件"))
        self.snapshot.setObjectName("live_view_snapshot")
        self.found = QPushButton(_("视频核实：属实"))
        self.found.setObjectName("live_view_found")
        self.not_found = QPushButton(_("视频核实：不属实"))
        self.not_found.setObjectName("live_view_not_found")
        self.status = QLabel()
        self.status.setObjectName("live_view_status")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.snapshot, self.found, self.not_found):
            buttons.addWidget(button)
        buttons.addWidget(self.status, 1)  # beside the buttons: one line less of height
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.player, 1)
        column.addLayout(buttons)
        self.setWidget(body)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)

    def show_camera(self, camera: Camera, case_id: int, case_no: str) -> None:
        """Say which camera for which case (the stream is started by the caller)."""
        self.camera, self.case_id = camera, case_id
        # The camera in the dock's title (a tab's label when tabbed: kept short), the rest in
        # its tooltip; not a label of its own: every line of height counts on a laptop screen.
        self.setWindowTitle(_("实时视频") + " · " + camera.name)
        self.setToolTip(_("{camera}（{code}）· 案件 {no}").format(
            camera=camera.name, code=camera.code, no=case_no))
        self.player.set_title(camera.name)
        self.status.setText("")

    def set_verifiable(self, allowed: bool) -> None:
        """Show the 核实 buttons only where this seat may verify this case now."""
        self.found.setVisible(allowed)
        self.not_found.setVisible(allowed)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        # Closed, not just undocked or tabbed away: no decoding for a view nobody will see.
        self.player.stop()
        super().closeEvent(event)


class CaseVideo(QObject):
    """Wires the detail's 「附近视频」 list and the live view dock to the seat.

    Parameters
    ----------
    window : MainWindow
        The desk (its controller, detail pane and docks).
    cameras : NearbyCameras
        The detail pane's list.
    radius_m : float
        The radius the seat asks for.
    """

    def __init__(self, window: Any, cameras: NearbyCameras,
                 radius_m: float = DEFAULT_RADIUS_M) -> None:
        super().__init__(window)
        self.window = window
        self.list = cameras
        self.radius_m = radius_m
        self.dock: LiveViewDock | None = None
        self._case_id: int | None = None
        self._verifiable = False
        controller = window.controller
        self.ops: OpRunner = controller.ops
        self.desk = controller.desk
        desk = self.desk
        self.lookup = url_lookup(self.ops, lambda code, sub: desk.camera_play_url(code, sub))
        cameras.camera_chosen.connect(self.open_camera)

    # -- the list ------------------------------------------------------------------------
    def show_case(self, case_id: int, options: Any) -> None:
        """A case is in the detail: list its nearby cameras (read again only for a new case)."""
        self._verifiable = any(o.command in VERIFY_COMMANDS and o.enabled for o in options)
        if self.dock is not None and self.dock.case_id == case_id:
            self.dock.set_verifiable(self._verifiable)
        if case_id == self._case_id:
            return
        self._case_id = case_id
        self.list.show_message(_("正在查找附近摄像机…"))

        def found(cameras: list[NearCamera]) -> None:
            if self._case_id == case_id and shiboken6.isValid(self.list):
                self.list.set_cameras(cameras)

        def failed(exc: Exception) -> None:
            if self._case_id == case_id and shiboken6.isValid(self.list):
                self.list.show_message(error_text(exc))

        desk, radius = self.desk, self.radius_m
        self.ops.run(lambda: desk.nearby_cameras(case_id, radius), found, failed)

    def clear(self) -> None:
        """No case in the detail."""
        self._case_id = None
        self.list.set_cameras([])

    # -- the live view -------------------------------------------------------------------
    def _ensure_dock(self) -> LiveViewDock:
        if self.dock is None:
            dock = LiveViewDock(self.window)
            self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            dock.setFloating(True)
            dock.resize(800, 560)
            dock.snapshot.clicked.connect(self.snapshot)
            dock.found.clicked.connect(lambda: self.verify(True))
            dock.not_found.clicked.connect(lambda: self.verify(False))
            self.dock = dock
        return self.dock

    def open_camera(self, camera: Camera) -> None:
        """Enter on a camera: its main stream in the live view dock."""
        if self._case_id is None:
            return
        dock = self._ensure_dock()
        detail = self.window.current_detail
        case_no = detail.detail.row.case.case_no if detail is not None else str(self._case_id)
        dock.show_camera(camera, self._case_id, case_no)
        dock.set_verifiable(self._verifiable)
        dock.show()
        dock.raise_()

        def failed(reason: str) -> None:
            dock.player.clear()
            dock.status.setText(reason)

        self.lookup(camera, False, dock.player.play, failed)

    def _frame(self) -> tuple[LiveViewDock, Camera, int, GrabbedFrame] | None:
        dock = self.dock
        if dock is None or dock.camera is None or dock.case_id is None:
            return None
        frame = dock.player.grab_frame()
        if frame is None:
            dock.status.setText(_("尚无画面：等画面出现后再抓拍"))
            return None
        return dock, dock.camera, dock.case_id, frame

    def snapshot(self) -> None:
        """抓拍: the frame on screen, attached to the case as a photo of kind 视频."""
        taken = self._frame()
        if taken is None:
            return
        dock, camera, case_id, frame = taken
        dock.status.setText(_("正在附加抓拍…"))
        desk = self.desk

        def done(_photo: object) -> None:
            dock.status.setText(_("已附加抓拍（{camera}，{size}）").format(
                camera=camera.name, size=f"{frame.size[0]}×{frame.size[1]}"))
            self.window.controller.open_case(case_id)

        self.ops.run(lambda: desk.attach_snapshot(case_id, camera.code, frame.jpeg,
                                                  frame.taken_at),
                     done, lambda exc: dock.status.setText(error_text(exc)))

    def verify(self, found: bool) -> None:
        """核实 by video: 属实 / 不属实, with the frame on screen as evidence."""
        taken = self._frame()
        if taken is None:
            return
        dock, camera, case_id, frame = taken
        detail = self.window.current_detail
        version = detail.detail.row.case.version if detail is not None else None
        desk = self.desk
        dock.status.setText(_("正在记录视频核实…"))

        def done(_case: object) -> None:
            dock.status.setText(_("已记录视频核实：{result}").format(
                result=_("属实") if found else _("不属实")))
            self.window.controller.open_case(case_id)

        self.ops.run(lambda: desk.verify_by_video(case_id, camera.code, found, frame.jpeg,
                                                  frame.taken_at, "", version),
                     done, lambda exc: dock.status.setText(error_text(exc)))

    def stop(self) -> None:
        """The window closes: stop the stream."""
        if self.dock is not None:
            self.dock.player.stop()
