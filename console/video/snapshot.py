"""One frame of a camera as a JPEG: ``citydesk camera snapshot`` and the worker's probe.

PyAV (FFmpeg's libraries in its wheels, no system FFmpeg) opens the URL — RTSP over TCP, so a
lossy network drops no packets of the one frame wanted — and decodes key frames only: the
first picture is then whole, never the grey smear of P-frames decoded without their
reference.  Opening and every read are bounded by ``timeout_s``: a camera that answers
nothing costs that long, never a hung command.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from console.domain.errors import CityDeskError

#: How long a snapshot may wait for the camera (seconds), unless told.
DEFAULT_TIMEOUT_S = 10.0
#: Frames read before giving up on a stream that sends no key frame.
_MAX_PACKETS = 600


class SnapshotError(CityDeskError):
    """No frame could be had from the camera (one line, Chinese / English)."""

    code = "snapshot"


@dataclass(frozen=True, slots=True)
class Frame:
    """A decoded frame as JPEG bytes, its size, and the instant it was decoded."""

    jpeg: bytes
    width: int
    height: int
    taken_at: datetime


def open_options(url: str, timeout_s: float) -> dict[str, str]:
    """FFmpeg options for ``url``: RTSP over TCP, low delay, socket timeouts in µs."""
    micros = str(int(timeout_s * 1_000_000))
    if url.startswith(("rtsp:", "rtsps:")):
        # The SDP carries the parameter sets: a short probe suffices (FFmpeg's default 5 s
        # analysis made a loopback grab 2.1 s; 0.1 s / 64 kB: 1.1 s, the wait for a key frame).
        return {"rtsp_transport": "tcp", "timeout": micros, "fflags": "nobuffer",
                "flags": "low_delay", "analyzeduration": "100000", "probesize": "65536"}
    if url.startswith(("http:", "https:", "rtmp:")):
        return {"rw_timeout": micros}
    return {}


def grab_frame(url: str, timeout_s: float = DEFAULT_TIMEOUT_S,
               clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Frame:
    """The first whole frame of the stream at ``url``; SnapshotError when there is none."""
    import av  # imported here: the command line starts without FFmpeg's libraries

    try:
        with av.open(url, options=open_options(url, timeout_s),
                     timeout=(timeout_s, timeout_s)) as container:
            if not container.streams.video:
                raise SnapshotError("该地址没有视频流 / the URL has no video stream")
            stream = container.streams.video[0]
            stream.codec_context.skip_frame = "NONKEY"
            for count, packet in enumerate(container.demux(stream)):
                if count >= _MAX_PACKETS:
                    break
                for frame in packet.decode():
                    image = frame.to_image()  # type: ignore[no-untyped-call]  # PyAV's
                    out = io.BytesIO()
                    image.convert("RGB").save(out, "JPEG", quality=85)
                    return Frame(out.getvalue(), image.width, image.height, clock())
    except SnapshotError:
        raise
    except (av.FFmpegError, OSError) as exc:
        reason = str(exc).split(":")[0][:80] or type(exc).__name__
        raise SnapshotError(f"无法从摄像机取得画面（{reason}）/ no picture from the camera") \
            from None
    raise SnapshotError("摄像机没有送来完整的画面 / the camera sent no whole frame")
