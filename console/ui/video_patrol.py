"""The video-patrol seat (视频巡查): camera groups on 1/4/9/16 tiles, turning by themselves (轮巡).

An operator watches the cameras of a group a page at a time; every N seconds the next page comes
up.  A double-click enlarges a tile to the camera's main stream (and pauses the rotation while
it is enlarged: nobody wants the picture taken away mid-look).  F2 files a case from the tile
being looked at: the window hands the camera and the frame to the desk, which opens its report
form filled from them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.domain.cameras import Camera
from console.domain.cases import Role
from console.domain.commands import Command
from console.domain.permissions import may
from console.ui.i18n import _
from console.ui.video_tiles import LAYOUTS, CameraGrid, CameraTile, UrlLookup

DEFAULT_ROTATE_SECONDS = 30
"""Seconds a page of cameras stays up unless the operator changes it."""

FILE_KEY = "F2"
"""Files a case from the current frame (listed in the shortcut sheet)."""


def may_patrol(role: Role) -> bool:
    """The seats that get the patrol window: those that file reports at the centre (the
    permission model has roles per workflow step, not per seat; a collector reports from the
    street)."""
    return may(role, Command.REPORT) and role is not Role.COLLECTOR


def pages_of(cameras: Sequence[Camera], per_page: int) -> list[list[Camera]]:
    """The cameras cut into pages of ``per_page`` (at least one page, maybe empty)."""
    pages = [list(cameras[at: at + per_page]) for at in range(0, len(cameras), per_page)]
    return pages or [[]]


class PatrolWindow(QMainWindow):
    """The patrol seat's window.

    Parameters
    ----------
    lookup : UrlLookup
        Finds a camera's stream URL (see :func:`console.ui.video_tiles.direct_url`).
    load_cameras : callable
        ``load_cameras(done, failed)`` reads every camera off the GUI thread and calls
        ``done(list)`` or ``failed(message)`` on it; the groups offered are theirs.
    rotate_seconds : int
        Seconds per page (0: no rotation).
    tiles : int
        Tiles at a time, one of 1, 4, 9, 16.
    parent : QWidget, optional
    """

    file_requested = Signal(object, object)
    """F2: (Camera, GrabbedFrame) — file a case from this frame."""

    page_shown = Signal(int)
    """A page of cameras is on the tiles: its index."""

    def __init__(self, lookup: UrlLookup,
                 load_cameras: Callable[[Callable[[list[Camera]], None],
                                         Callable[[str], None]], None],
                 *, rotate_seconds: int = DEFAULT_ROTATE_SECONDS,
                 tiles: int = 9, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("video_patrol")
        self.setWindowTitle(_("视频巡查"))
        self._load = load_cameras
        self.all_cameras: list[Camera] = []
        self.cameras: list[Camera] = []  # the chosen group's
        self.pages: list[list[Camera]] = [[]]
        self.page = 0
        self.grid = CameraGrid(lookup)
        self.grid.set_count(tiles)
        self.grid.tile_enlarged.connect(self._on_grid_tile_enlarged)

        self.group = QComboBox()
        self.group.setObjectName("patrol_group")
        self.group.addItem(_("全部摄像机"), None)
        self.layout_box = QComboBox()
        self.layout_box.setObjectName("patrol_layout")
        for count in LAYOUTS:
            self.layout_box.addItem(_("{n} 画面").format(n=count), count)
        self.layout_box.setCurrentIndex(LAYOUTS.index(tiles))
        self.rotate = QSpinBox()
        self.rotate.setObjectName("patrol_rotate")
        self.rotate.setRange(0, 3600)
        self.rotate.setSuffix(_(" 秒"))
        self.rotate.setSpecialValueText(_("不轮巡"))
        self.rotate.setValue(rotate_seconds)
        self.previous = QPushButton(_("上一组"))
        self.next = QPushButton(_("下一组"))
        self.file = QPushButton(_("上报案件 [{key}]").format(key=FILE_KEY))
        self.file.setObjectName("patrol_file")
        self.pager = QLabel()
        self.pager.setObjectName("patrol_pager")
        self.status = QLabel()
        self.status.setObjectName("patrol_status")

        bar = QHBoxLayout()
        for text, widget in ((_("分组"), self.group), (_("画面"), self.layout_box),
                             (_("轮巡"), self.rotate)):
            bar.addWidget(QLabel(text))
            bar.addWidget(widget)
        bar.addWidget(self.previous)
        bar.addWidget(self.next)
        bar.addWidget(self.pager)
        bar.addStretch(1)
        bar.addWidget(self.status)
        bar.addWidget(self.file)
        root = QWidget()
        column = QVBoxLayout(root)
        column.setContentsMargins(4, 4, 4, 4)
        column.addLayout(bar)
        column.addWidget(self.grid, 1)
        self.setCentralWidget(root)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self.next_page)
        self._apply_rotation()
        self.group.currentIndexChanged.connect(lambda _i: self._on_group_changed())
        self.layout_box.currentIndexChanged.connect(self._on_layout_changed)
        self.rotate.valueChanged.connect(lambda _v: self._apply_rotation())
        self.previous.clicked.connect(self.previous_page)
        self.next.clicked.connect(self.next_page)
        self.file.clicked.connect(self.file_current)
        QShortcut(QKeySequence(FILE_KEY), self, self.file_current)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.grid.restore)

    # -- cameras and pages -----------------------------------------------------------------
    def reload(self) -> None:
        """Read the cameras again and show the chosen group's first page."""
        self.status.setText(_("正在读取摄像机…"))
        self._load(self.set_cameras, self._on_load_failed)

    def set_cameras(self, cameras: Sequence[Camera]) -> None:
        """Patrol these cameras (the group chosen stays chosen if it still has cameras)."""
        self.all_cameras = list(cameras)
        chosen = self.group.currentData()
        groups = sorted({c.group for c in self.all_cameras if c.group})
        with QSignalBlocker(self.group):
            while self.group.count() > 1:
                self.group.removeItem(1)
            for name in groups:
                self.group.addItem(name, name)
            self.group.setCurrentIndex(max(self.group.findData(chosen), 0))
        self._on_group_changed()

    def _on_group_changed(self) -> None:
        group = self.group.currentData()
        self.cameras = [c for c in self.all_cameras if group is None or c.group == group]
        self.status.setText("" if self.cameras else _("该分组没有摄像机"))
        self._paginate()
        self.show_page(0)

    def _on_load_failed(self, message: str) -> None:
        self.status.setText(message)

    def _paginate(self) -> None:
        self.pages = pages_of(self.cameras, self.grid.count)

    def show_page(self, index: int) -> None:
        """Put page ``index`` (wrapping) on the tiles."""
        self.page = index % len(self.pages)
        self.grid.show_cameras(self.pages[self.page])
        self.pager.setText(_("第 {page}/{pages} 组").format(page=self.page + 1,
                                                           pages=len(self.pages)))
        self.page_shown.emit(self.page)

    def next_page(self) -> None:
        """The next page (after the last, the first)."""
        if self.grid.enlarged is None:
            self.show_page(self.page + 1)

    def previous_page(self) -> None:
        """The page before."""
        self.show_page(self.page - 1)

    def _on_layout_changed(self, _index: int) -> None:
        first = self.page * self.grid.count  # keep the first camera on screen in sight
        self.grid.set_count(int(self.layout_box.currentData()))
        self._paginate()
        self.show_page(first // self.grid.count)

    def _apply_rotation(self) -> None:
        seconds = self.rotate.value()
        self.timer.stop()
        if seconds > 0:
            self.timer.start(seconds * 1000)

    def _on_grid_tile_enlarged(self, tile: CameraTile | None) -> None:
        # An enlarged tile holds the page: the rotation waits until the grid comes back.
        if tile is None:
            self._apply_rotation()
        else:
            self.timer.stop()

    # -- filing ----------------------------------------------------------------------------
    def file_current(self) -> None:
        """F2: the frame on the tile being looked at, for a new case."""
        tile = self.grid.current()
        if tile is None or tile.camera is None:
            self.status.setText(_("没有正在播放的画面"))
            return
        frame = tile.grab_frame()
        if frame is None:
            self.status.setText(_("{name}：尚无画面，无法上报").format(name=tile.camera.name))
            return
        self.status.setText(_("已截取 {name} 的画面").format(name=tile.camera.name))
        self.file_requested.emit(tile.camera, frame)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.timer.stop()
        self.grid.stop()
        super().closeEvent(event)
