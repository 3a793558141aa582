"""A live video tile: decodes off the GUI thread, paints the newest frame, says what it is doing.

:class:`VideoPlayer` owns one :class:`~widgets.video_decode.StreamReader`.  The reader's thread
decodes and scales; the GUI thread only draws the newest image.  Between the two sits one slot,
not a queue: while a frame waits to be painted a newer one replaces it, so a busy GUI thread
drops frames instead of falling behind (and memory stays flat).  Over the picture the tile
writes its state — connecting, no signal, reconnecting — in the words its owner gives it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from widgets.video_decode import DecodedFrame, StreamReader, StreamState, to_qimage

DEFAULT_LABELS: Mapping[StreamState, str] = {
    StreamState.CONNECTING: "连接中…",
    StreamState.NO_SIGNAL: "无信号",
    StreamState.RECONNECTING: "重连中…",
    StreamState.STOPPED: "未播放",
    StreamState.PLAYING: "",
}
"""What the tile writes over the picture in each state (callers pass translated ones)."""


@dataclass(frozen=True, slots=True)
class GrabbedFrame:
    """A frame taken for a snapshot.

    Attributes
    ----------
    jpeg : bytes
        The frame at the stream's full size, as JPEG.
    taken_at : datetime
        UTC instant the frame was decoded.
    size : tuple of int
        Width and height in pixels.
    """

    jpeg: bytes
    taken_at: datetime
    size: tuple[int, int]


class VideoPlayer(QWidget):
    """One stream in a tile.

    Parameters
    ----------
    parent : QWidget, optional
    labels : mapping, optional
        State → text drawn over the picture (:data:`DEFAULT_LABELS`).
    open_timeout, read_timeout : float
        Passed to the reader: seconds an open may take, and without a packet.
    backoff : tuple of float, optional
        The reader's pauses between attempts.
    """

    state_changed = Signal(str)
    """The stream's state changed: the :class:`StreamState` value."""

    frame_shown = Signal(int)
    """A new frame was taken for painting: its index since the stream started."""

    _frame_ready = Signal()
    _state_ready = Signal(object, object, str)  # reader, state, detail

    def __init__(self, parent: QWidget | None = None, *,
                 labels: Mapping[StreamState, str] | None = None,
                 open_timeout: float = 5.0, read_timeout: float = 5.0,
                 backoff: tuple[float, ...] | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self._labels = dict(DEFAULT_LABELS if labels is None else labels)
        self._timeouts = (open_timeout, read_timeout)
        self._backoff = backoff
        self._reader: StreamReader | None = None
        self._lock = threading.Lock()
        self._waiting: DecodedFrame | None = None
        self._signalled = False
        self._frame: DecodedFrame | None = None
        self._state = StreamState.STOPPED
        self._detail = ""
        self._title = ""
        self._url = ""
        self.frames_shown = 0
        """Frames taken for painting since construction (dropped ones are not counted)."""
        self._frame_ready.connect(self._on_frame_ready, Qt.ConnectionType.QueuedConnection)
        self._state_ready.connect(self._on_state_ready, Qt.ConnectionType.QueuedConnection)

    # -- control -------------------------------------------------------------------------
    def play(self, url: str) -> None:
        """Play ``url`` (stopping what played before); the picture is kept until the new
        stream's first frame."""
        self.stop()
        self._url = url
        reader = StreamReader(
            url, lambda f: self._on_reader_frame(reader, f),
            lambda s, d: self._emit_state(reader, s, d),
            open_timeout=self._timeouts[0], read_timeout=self._timeouts[1],
            **({} if self._backoff is None else {"backoff": self._backoff}))
        reader.set_box(self._box())
        self._reader = reader
        self._set_state(StreamState.CONNECTING, "")
        reader.start()

    def stop(self) -> None:
        """Stop the stream (its thread ends by itself within the read timeout)."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.stop()
        with self._lock:
            self._waiting = None  # a frame of the old stream must not show under the new
        if self._state is not StreamState.STOPPED:
            self._set_state(StreamState.STOPPED, "")

    def clear(self) -> None:
        """Stop and forget the picture."""
        self.stop()
        self._frame = None
        self.update()

    def set_title(self, title: str) -> None:
        """The camera's name, written in the tile's lower left corner."""
        self._title = title
        self.update()

    def set_labels(self, labels: Mapping[StreamState, str]) -> None:
        """Texts for the states (after a language change)."""
        self._labels.update(labels)
        self.update()

    @property
    def url(self) -> str:
        """The URL played last ("" before any)."""
        return self._url

    @property
    def state(self) -> StreamState:
        """The stream's state as last reported to the GUI thread."""
        return self._state

    @property
    def detail(self) -> str:
        """Why the last attempt failed ("" while playing)."""
        return self._detail

    @property
    def frame(self) -> DecodedFrame | None:
        """The frame on screen."""
        return self._frame

    @property
    def reader(self) -> StreamReader | None:
        """The running reader (for tests and benchmarks)."""
        return self._reader

    def state_text(self) -> str:
        """The text drawn over the picture now ("" while playing)."""
        return self._labels.get(self._state, "")

    def grab_frame(self, quality: int = 90) -> GrabbedFrame | None:
        """The newest decoded frame at full size as JPEG, with its time; None before one."""
        reader = self._reader
        last = reader.last_frame() if reader is not None else None
        if last is None:
            return None
        frame, taken_at = last
        image = to_qimage(frame, (frame.width, frame.height))
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "JPG", quality)  # type: ignore[call-overload]  # str at run time
        buffer.close()
        return GrabbedFrame(bytes(data.data()), taken_at, (frame.width, frame.height))

    # -- from the reader's thread --------------------------------------------------------
    def _on_reader_frame(self, reader: StreamReader, frame: DecodedFrame) -> None:
        if reader is not self._reader:
            return
        with self._lock:
            self._waiting = frame
            # One queued event at most: frames arriving before it runs replace each other.
            signal, self._signalled = not self._signalled, True
        if signal:
            try:
                self._frame_ready.emit()
            except RuntimeError:  # the widget is gone (its C++ half deleted): end the reader
                reader.stop()

    def _emit_state(self, reader: StreamReader, state: StreamState, detail: str) -> None:
        try:
            self._state_ready.emit(reader, state, detail)
        except RuntimeError:
            reader.stop()

    # -- on the GUI thread ---------------------------------------------------------------
    def _on_frame_ready(self) -> None:
        with self._lock:
            frame, self._waiting = self._waiting, None
            self._signalled = False
        if frame is None or self._reader is None:
            return
        self._frame = frame
        self.frames_shown += 1
        self.update()
        self.frame_shown.emit(frame.index)

    def _on_state_ready(self, reader: StreamReader, state: StreamState, detail: str) -> None:
        if reader is self._reader and state is not StreamState.STOPPED:
            self._set_state(state, detail)

    def _set_state(self, state: StreamState, detail: str) -> None:
        changed = state is not self._state
        self._state = state
        self._detail = "" if state is StreamState.PLAYING else detail
        self.setToolTip(self._detail)
        self.update()
        if changed:
            self.state_changed.emit(state.value)

    def _box(self) -> tuple[int, int]:
        ratio = self.devicePixelRatioF()
        return round(self.width() * ratio), round(self.height() * ratio)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._reader is not None:
            self._reader.set_box(self._box())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._reader is not None:
            self._reader.set_box(self._box())

    def sizeHint(self) -> QSize:  # noqa: N802
        """16:9 at 640 pixels wide."""
        return QSize(640, 360)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        rect = self.rect()
        painter.fillRect(rect, QColor("#000000"))
        if self._frame is not None:
            image = self._frame.image
            size = image.size().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(rect.center())
            painter.drawImage(target, image)
        text = self.state_text()
        font = QFont(self.font())
        if text:
            font.setPixelSize(max(14, min(rect.height() // 8, 40)))
            painter.setFont(font)
            box = painter.fontMetrics().boundingRect(text).adjusted(-16, -8, 16, 8)
            box.moveCenter(rect.center())
            painter.fillRect(box, QColor(0, 0, 0, 170))
            painter.setPen(QColor("#ffb74d" if self._state is not StreamState.CONNECTING
                                  else "#e0e0e0"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        if self._title:
            font.setPixelSize(max(12, min(rect.height() // 14, 24)))
            painter.setFont(font)
            metrics = painter.fontMetrics()
            title = metrics.elidedText(self._title, Qt.TextElideMode.ElideRight,
                                       rect.width() - 16)
            box = QRect(0, 0, metrics.horizontalAdvance(title) + 12, metrics.height() + 6)
            box.moveBottomLeft(rect.bottomLeft())
            painter.fillRect(box, QColor(0, 0, 0, 150))
            painter.setPen(QColor("#ffffff"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, title)
        painter.end()
