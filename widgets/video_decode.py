"""Decoding one video stream on a thread of its own (PyAV), keeping only the newest frame.

:class:`StreamReader` opens a URL (RTSP over TCP, HTTP, a file), decodes it, converts each frame
to a :class:`~PySide6.QtGui.QImage` of the size the viewer asked for, and hands it to a callback
— all on its own thread, so the GUI thread only paints.  It never queues frames: a slow viewer
sees the newest one and the others are dropped where they were decoded.  A stream that cannot be
opened, or stops sending, is reopened with a growing pause (backoff); the reader says which state
it is in through a second callback, so the viewer can say it honestly.

QImage (unlike QPixmap) may be built on any thread; the callbacks run on the reader's thread.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import av
import av.error
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)

BACKOFF_SECONDS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
"""Pauses before the 1st, 2nd, … new attempt after a failure; the last one repeats."""

OPEN_TIMEOUT = 5.0
"""Seconds an open (connect, RTSP handshake, first packets) may take."""

READ_TIMEOUT = 5.0
"""Seconds without a packet after which a playing stream counts as dead."""


class StreamState(enum.Enum):
    """What a reader is doing, as a viewer should say it."""

    CONNECTING = "connecting"
    """The first attempt to open the stream is under way."""
    PLAYING = "playing"
    """Frames arrive."""
    NO_SIGNAL = "no_signal"
    """The stream has never opened (retrying in the background)."""
    RECONNECTING = "reconnecting"
    """The stream played and then stopped; trying again with backoff."""
    STOPPED = "stopped"
    """The reader was stopped."""


@dataclass(frozen=True, slots=True)
class DecodedFrame:
    """One decoded picture ready to paint.

    Attributes
    ----------
    image : QImage
        RGB888 at the size the viewer asked for (the source's when it asked for none).
    index : int
        Frames decoded since the reader started (across reconnects).
    received_at : datetime
        UTC instant the frame was decoded here (a snapshot's frame time).
    monotonic : float
        ``time.monotonic()`` at that instant (for latency measurements).
    source_size : tuple of int
        The stream's own width and height.
    """

    image: QImage
    index: int
    received_at: datetime
    monotonic: float
    source_size: tuple[int, int]


FrameCallback = Callable[[DecodedFrame], None]
StateCallback = Callable[[StreamState, str], None]


def open_options(url: str, read_timeout: float = READ_TIMEOUT) -> dict[str, str]:
    """FFmpeg's demuxer options for ``url``: RTSP over TCP with as little buffering as it can.

    ``timeout`` is the RTSP socket timeout in microseconds (FFmpeg ≥ 5), so a server that
    accepts the connection and then says nothing is given up on too.  A file gets none of it:
    ``low_delay`` makes the decoder drop pictures that B-frames reorder (a camera sends none;
    an encoded file often has them).
    """
    if is_file(url):
        return {}
    # FFmpeg probes a live stream for up to 5 s before the first frame; the SDP already names
    # the codec and its parameter sets, so half a second of probing is plenty.
    options = {"fflags": "nobuffer", "flags": "low_delay", "max_delay": "200000",
               "analyzeduration": "500000", "probesize": "500000"}
    if url.startswith(("rtsp://", "rtsps://")):
        options["rtsp_transport"] = "tcp"
        options["timeout"] = str(int(read_timeout * 1_000_000))
    return options


def is_file(url: str) -> bool:
    """True for a local file (played at its own frame rate, looping), not a live stream."""
    return "://" not in url or url.startswith("file:")


def fit_size(source: tuple[int, int], box: tuple[int, int] | None) -> tuple[int, int]:
    """The largest even size with the source's aspect ratio inside ``box`` (the source's own
    size when ``box`` is None or larger)."""
    width, height = source
    if box is None or box[0] <= 0 or box[1] <= 0 or (box[0] >= width and box[1] >= height):
        return width, height
    scale = min(box[0] / width, box[1] / height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def to_qimage(frame: Any, size: tuple[int, int]) -> QImage:
    """An owned RGB888 QImage of ``frame`` scaled to ``size`` (swscale, on the calling thread)."""
    rgb = frame.reformat(width=size[0], height=size[1], format="rgb24")
    plane = rgb.planes[0]  # rows padded to FFmpeg's alignment: line_size, not width * 3
    data = bytes(plane)
    image = QImage(data, rgb.width, rgb.height, plane.line_size, QImage.Format.Format_RGB888)
    return image.copy()  # ``data`` goes away with this call: the image must own its pixels


class StreamReader:
    """Reads and decodes one stream on a daemon thread until :meth:`stop`.

    Parameters
    ----------
    url : str
        What FFmpeg opens: ``rtsp://…``, ``http://…``, a path or ``file:`` URL.
    on_frame : callable
        Called on the reader's thread with each :class:`DecodedFrame`.
    on_state : callable
        Called on the reader's thread with the new :class:`StreamState` and a detail text
        (the error, or the attempt number) whenever the state changes or an attempt fails.
    open_timeout, read_timeout : float
        Seconds an open may take, and without a packet before a stream counts as dead.
    backoff : sequence of float
        Pauses between attempts (:data:`BACKOFF_SECONDS`).
    """

    def __init__(self, url: str, on_frame: FrameCallback, on_state: StateCallback, *,
                 open_timeout: float = OPEN_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                 backoff: Sequence[float] = BACKOFF_SECONDS) -> None:
        self.url = url
        self._on_frame = on_frame
        self._on_state = on_state
        self._open_timeout = open_timeout
        self._read_timeout = read_timeout
        self._backoff = tuple(backoff) or (1.0,)
        self._stop = threading.Event()
        self._box: tuple[int, int] | None = None
        # The newest av.VideoFrame and its time, for a full-size snapshot.
        self._last: tuple[Any, datetime] | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.state = StreamState.CONNECTING
        self.frames = 0
        self.attempts = 0

    # -- control -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the reader's thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"video {self.url}", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 0.0) -> bool:
        """Ask the thread to end; wait up to ``wait`` seconds.  True when it has ended.

        A read that is blocked ends within the read timeout: never wait on the GUI thread.
        """
        self._stop.set()
        thread = self._thread
        if thread is None:
            return True
        if wait > 0:
            thread.join(wait)
        return not thread.is_alive()

    def set_box(self, box: tuple[int, int] | None) -> None:
        """Scale frames to fit ``box`` (pixels) from the next frame on; None: full size."""
        self._box = box

    def last_frame(self) -> tuple[Any, datetime] | None:
        """The newest decoded av.VideoFrame and when it arrived (None before the first)."""
        with self._lock:
            return self._last

    # -- the thread ----------------------------------------------------------------------
    def _set_state(self, state: StreamState, detail: str = "") -> None:
        self.state = state
        self._on_state(state, detail)

    def _run(self) -> None:
        played = False
        failures = 0
        self._set_state(StreamState.CONNECTING)
        while not self._stop.is_set():
            self.attempts += 1
            before = self.frames
            detail = "stream ended"
            try:
                self._play()
            except (av.error.FFmpegError, OSError, ValueError) as exc:
                detail = str(exc) or type(exc).__name__
                log.info("video %s: %s", self.url, detail)
            except Exception as exc:  # a decoder bug must not kill the thread silently
                detail = str(exc) or type(exc).__name__
                log.warning("video %s failed", self.url, exc_info=exc)
            if self.frames > before:  # it played: the next pause starts short again
                played, failures = True, 0
            if self._stop.is_set():
                break
            self._set_state(StreamState.RECONNECTING if played else StreamState.NO_SIGNAL,
                            detail)
            pause = self._backoff[min(failures, len(self._backoff) - 1)]
            failures += 1
            if self._stop.wait(pause):
                break
        self._set_state(StreamState.STOPPED)

    def _play(self) -> None:
        """Open and decode until the stream ends or stop is asked."""
        container = av.open(self.url, options=open_options(self.url, self._read_timeout),
                            timeout=(self._open_timeout, self._read_timeout))
        try:
            stream = container.streams.video[0]
            # Slices, not frames, on threads: frame threading holds frames back (latency).
            stream.codec_context.thread_type = "SLICE"
            paced = is_file(self.url)
            while not self._stop.is_set():
                if not self._decode_pass(container, stream, paced) or not paced:
                    break
                container.seek(0)  # a file loops: it stands for a camera that never stops
        finally:
            container.close()

    def _decode_pass(self, container: Any, stream: Any, paced: bool) -> bool:
        got = False
        started = time.monotonic()
        first_pts: float | None = None
        for packet in container.demux(stream):
            if self._stop.is_set():
                break
            for frame in packet.decode():
                if paced and frame.time is not None:
                    first_pts = frame.time if first_pts is None else first_pts
                    delay = started + (frame.time - first_pts) - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        return got
                self._deliver(frame)
                got = True
        return got

    def _deliver(self, frame: Any) -> None:
        now = datetime.now(UTC)
        with self._lock:
            self._last = (frame, now)
        source = (frame.width, frame.height)
        image = to_qimage(frame, fit_size(source, self._box))
        self.frames += 1
        if self.state is not StreamState.PLAYING:
            self._set_state(StreamState.PLAYING)
        self._on_frame(DecodedFrame(image, self.frames, now, time.monotonic(), source))

