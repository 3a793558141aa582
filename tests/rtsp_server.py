"""An RTSP server on 127.0.0.1 serving a generated H.264 or H.265 clip, for the video tests.

Small on purpose: one clip, looped at its frame rate, to any number of clients, and only what
FFmpeg's RTSP client needs — OPTIONS, DESCRIBE (SDP with the parameter sets: RFC 6184
``sprop-parameter-sets``, RFC 7798 ``sprop-vps/sps/pps``), SETUP with RTP over the RTSP TCP
connection (interleaved, RFC 2326 §10.12; UDP is refused with 461), PLAY, GET_PARAMETER (the
keep-alive) and TEARDOWN.  NAL units larger than one packet go as fragmentation units (FU-A for
H.264, RFC 6184 §5.8; FU for H.265, RFC 7798 §4.4.3).  :meth:`RtspServer.stop` drops every
client at once (a camera dying) and :meth:`RtspServer.start` serves again on the same port.

Each frame carries its clip index as 16 black or white blocks along its top edge
(:func:`read_counter` reads them back), and the server notes when it sent each index
(``sent``), so a benchmark can measure glass-to-glass latency on loopback.

``make_clip`` encodes with PyAV: its wheels carry FFmpeg with libx264 and libx265, so the
tests need no ``ffmpeg`` command.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

COUNTER_BITS = 16
MTU = 1400  # RTP payload bytes per packet before a NAL unit is fragmented


# -- the clip --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Clip:
    """An encoded clip as access units of NAL units (no start codes)."""

    codec: str  # "h264" or "hevc"
    fps: int
    width: int
    height: int
    units: tuple[tuple[bytes, ...], ...]

    def parameter_sets(self) -> dict[str, bytes]:
        """The first VPS (H.265), SPS and PPS in the clip, by name."""
        found: dict[str, bytes] = {}
        names = ({7: "sps", 8: "pps"} if self.codec == "h264"
                 else {32: "vps", 33: "sps", 34: "pps"})
        for unit in self.units:
            for nal in unit:
                name = names.get(nal_type(self.codec, nal))
                if name and name not in found:
                    found[name] = nal
        return found


def nal_type(codec: str, nal: bytes) -> int:
    """The NAL unit type (H.264: 5 bits of byte 0; H.265: 6 bits after the forbidden bit)."""
    return nal[0] & 0x1F if codec == "h264" else (nal[0] >> 1) & 0x3F


def split_nals(data: bytes) -> list[bytes]:
    """NAL units of an Annex B byte stream (start codes 00 00 01 or 00 00 00 01)."""
    nals: list[bytes] = []
    at = data.find(b"\x00\x00\x01")
    while at >= 0:
        start = at + 3
        nxt = data.find(b"\x00\x00\x01", start)
        nal = data[start:] if nxt < 0 else data[start:nxt].rstrip(b"\x00")
        if nal:
            nals.append(nal)
        at = nxt
    return nals


def frame_picture(index: int, width: int, height: int) -> np.ndarray:
    """An RGB picture: a moving gradient, a bar, and ``index`` in blocks along the top."""
    y, x = np.mgrid[0:height, 0:width]
    picture = np.empty((height, width, 3), dtype=np.uint8)
    picture[..., 0] = (x * 255 // max(width - 1, 1) + index * 4) % 256
    picture[..., 1] = y * 255 // max(height - 1, 1)
    picture[..., 2] = 96
    bar = (index * 8) % width
    picture[height // 3: 2 * height // 3, bar: bar + width // 16] = (255, 255, 255)
    block = width // COUNTER_BITS
    band = max(height // 12, 8)
    for bit in range(COUNTER_BITS):
        value = 255 if index >> bit & 1 else 0
        picture[:band, bit * block: (bit + 1) * block] = value
    return picture


def read_counter(rgb: np.ndarray) -> int:
    """The index :func:`frame_picture` wrote, read from a decoded (maybe scaled) picture."""
    height, width = rgb.shape[:2]
    block = width / COUNTER_BITS
    row = max(int(height / 24), 1)
    value = 0
    for bit in range(COUNTER_BITS):
        sample = rgb[row, int((bit + 0.5) * block)]
        if int(sample.mean()) > 127:
            value |= 1 << bit
    return value


def make_clip(path: Path, codec: str = "h264", *, width: int = 640, height: int = 360,
              fps: int = 15, frames: int = 30) -> Clip:
    """Encode a clip of :func:`frame_picture` frames into ``path`` (raw Annex B) and load it.

    One key frame a second and no B-frames, as cameras send: a client that joins mid-stream
    sees a picture within a second.
    """
    encoder = {"h264": "libx264", "hevc": "libx265"}[codec]
    if encoder not in av.codecs_available:  # PyAV's wheels carry both (checked: av 18.1)
        raise RuntimeError(f"this PyAV's FFmpeg has no {encoder} encoder")
    _encode_pyav(path, codec, encoder, width, height, fps, frames)
    return load_clip(path, codec, fps)


def _encode_pyav(path: Path, codec: str, encoder: str, width: int, height: int, fps: int,
                 frames: int) -> None:
    with av.open(str(path), "w", format=codec) as out:
        options = ({"preset": "ultrafast", "tune": "zerolatency", "bf": "0", "g": str(fps)}
                   if codec == "h264" else
                   {"preset": "ultrafast", "x265-params":
                    f"bframes=0:keyint={fps}:repeat-headers=1:log-level=error"})
        _write(out, out.add_stream(encoder, rate=fps, options=options), width, height, frames)


def _write(out: Any, stream: Any, width: int, height: int, frames: int) -> None:
    """Encode ``frames`` pictures of :func:`frame_picture` into ``stream`` of ``out``."""
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    for index in range(frames):
        frame = av.VideoFrame.from_ndarray(frame_picture(index, width, height), format="rgb24")
        frame.pts = index
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def load_clip(path: Path, codec: str, fps: int) -> Clip:
    """Split a raw Annex B file into access units (FFmpeg's parser finds their borders)."""
    units: list[tuple[bytes, ...]] = []
    with av.open(str(path), format=codec) as source:
        stream = source.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        for packet in source.demux(stream):
            if packet.size:
                units.append(tuple(split_nals(bytes(packet))))
    return Clip(codec, fps, width, height, tuple(units))


def mp4_clip(path: Path, *, width: int = 320, height: int = 180, fps: int = 15,
             frames: int = 30) -> Path:
    """The same pictures in an MP4 file (H.264 when PyAV can encode it, else MPEG-4 part 2):
    the file URL of the simplest tests."""
    encoder = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    with av.open(str(path), "w") as out:
        _write(out, out.add_stream(encoder, rate=fps), width, height, frames)
    return path


# -- RTP ---------------------------------------------------------------------------------------
def payloads(codec: str, nal: bytes, mtu: int = MTU) -> Iterator[bytes]:
    """RTP payloads for one NAL unit: itself, or fragmentation units when it is too big."""
    if len(nal) <= mtu:
        yield nal
        return
    if codec == "h264":
        head = bytes([(nal[0] & 0xE0) | 28])  # FU indicator: F, NRI, type 28 (FU-A)
        kind, body = nal[0] & 0x1F, nal[1:]
    else:
        head = bytes([(nal[0] & 0x81) | (49 << 1), nal[1]])  # payload header, type 49 (FU)
        kind, body = (nal[0] >> 1) & 0x3F, nal[2:]
    size = mtu - len(head) - 1
    for at in range(0, len(body), size):
        start = 0x80 if at == 0 else 0
        end = 0x40 if at + size >= len(body) else 0
        yield head + bytes([start | end | kind]) + body[at: at + size]


@dataclass
class _Rtp:
    ssrc: int
    seq: int = 0

    def packet(self, payload: bytes, timestamp: int, marker: bool) -> bytes:
        header = struct.pack(">BBHII", 0x80, (0x80 if marker else 0) | 96, self.seq & 0xFFFF,
                             timestamp & 0xFFFFFFFF, self.ssrc)
        self.seq += 1
        return header + payload


def sdp(clip: Clip, url: str) -> str:
    """The session description: one video track, payload type 96, 90 kHz clock."""
    sets = {k: base64.b64encode(v).decode() for k, v in clip.parameter_sets().items()}
    if clip.codec == "h264":
        fmtp = (f"packetization-mode=1;profile-level-id={clip.parameter_sets()['sps'][1:4].hex()};"
                f"sprop-parameter-sets={sets['sps']},{sets['pps']}")
        rtpmap = "H264/90000"
    else:
        fmtp = f"sprop-vps={sets['vps']};sprop-sps={sets['sps']};sprop-pps={sets['pps']}"
        rtpmap = "H265/90000"
    lines = ["v=0", "o=- 0 0 IN IP4 127.0.0.1", "s=CityDesk test stream", "c=IN IP4 0.0.0.0",
             "t=0 0", "a=control:*", "m=video 0 RTP/AVP 96", f"a=rtpmap:96 {rtpmap}",
             f"a=fmtp:96 {fmtp}", f"a=framerate:{clip.fps}", f"a=control:{url}/track1"]
    return "\r\n".join(lines) + "\r\n"


# -- the server --------------------------------------------------------------------------------
@dataclass
class _Client:
    sock: socket.socket
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    playing: threading.Event = field(default_factory=threading.Event)
    gone: threading.Event = field(default_factory=threading.Event)


class RtspServer:
    """Serves ``clip`` at ``rtsp://127.0.0.1:PORT/clip`` until :meth:`stop`.

    Parameters
    ----------
    clip : Clip
    port : int
        0 picks a free port (kept across stop and start).
    on_sent : callable, optional
        Called with (clip index, ``time.monotonic()``) as each frame starts going out.
    """

    def __init__(self, clip: Clip, port: int = 0,
                 on_sent: Callable[[int, float], None] | None = None) -> None:
        self.clip = clip
        self.port = port
        self.plays = 0
        self._on_sent = on_sent
        #: ``time.monotonic()`` when each clip index last started going out.
        self.sent: dict[int, float] = {}
        self._listener: socket.socket | None = None
        self._clients: list[_Client] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        """The stream's URL."""
        return f"rtsp://127.0.0.1:{self.port}/clip"

    def start(self) -> RtspServer:
        """Listen (again) and serve."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping = threading.Event()
        self._spawn(self._accept, listener, self._stopping)
        return self

    def stop(self) -> None:
        """Close the port and drop every client now (their players see the stream die)."""
        self._stopping.set()
        listener, self._listener = self._listener, None
        if listener is not None:
            # close() alone leaves a thread blocked in accept() holding the port open (and
            # taking connections); shutdown() wakes it.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for client in list(self._clients):
            self._drop(client)
        for thread in self._threads:
            thread.join(5)
        self._threads = [t for t in self._threads if t.is_alive()]

    def __enter__(self) -> RtspServer:
        return self.start() if self._listener is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                sock, _addr = listener.accept()
            except OSError:
                return  # closed by stop()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            client = _Client(sock)
            self._clients.append(client)
            self._spawn(self._serve, client)

    def _drop(self, client: _Client) -> None:
        client.gone.set()
        with contextlib.suppress(OSError):
            client.sock.shutdown(socket.SHUT_RDWR)
        client.sock.close()
        if client in self._clients:
            self._clients.remove(client)

    # -- RTSP requests ---------------------------------------------------------------------
    def _serve(self, client: _Client) -> None:
        buffer = b""
        try:
            while not client.gone.is_set():
                data = client.sock.recv(65536)
                if not data:
                    break
                buffer += data
                buffer = self._handle_all(client, buffer)
        except OSError:
            pass
        finally:
            self._drop(client)

    def _handle_all(self, client: _Client, buffer: bytes) -> bytes:
        while buffer:
            if buffer[:1] == b"$":  # the client's RTCP, interleaved: skip it
                if len(buffer) < 4:
                    return buffer
                size = struct.unpack(">H", buffer[2:4])[0]
                if len(buffer) < 4 + size:
                    return buffer
                buffer = buffer[4 + size:]
                continue
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return buffer
            head = buffer[:end].decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip()
                       for k, _sep, v in (line.partition(":") for line in head[1:])}
            length = int(headers.get("content-length", "0"))
            if len(buffer) < end + 4 + length:
                return buffer
            buffer = buffer[end + 4 + length:]
            self._request(client, head[0].split(" ")[0], headers)
        return buffer

    def _request(self, client: _Client, method: str, headers: dict[str, str]) -> None:
        cseq = headers.get("cseq", "0")
        extra: dict[str, str] = {}
        body = ""
        status = "200 OK"
        if method == "OPTIONS":
            extra["Public"] = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER"
        elif method == "DESCRIBE":
            body = sdp(self.clip, self.url)
            extra.update({"Content-Base": self.url + "/", "Content-Type": "application/sdp"})
        elif method == "SETUP":
            if "interleaved" not in headers.get("transport", ""):
                status = "461 Unsupported Transport"
            else:
                extra["Transport"] = "RTP/AVP/TCP;unicast;interleaved=0-1"
                extra["Session"] = "12345678;timeout=60"
        elif method == "PLAY":
            extra.update({"Session": "12345678", "Range": "npt=0.000-"})
        elif method in ("TEARDOWN", "GET_PARAMETER", "SET_PARAMETER"):
            extra["Session"] = "12345678"
        else:
            status = "501 Not Implemented"
        lines = [f"RTSP/1.0 {status}", f"CSeq: {cseq}", *(f"{k}: {v}" for k, v in extra.items())]
        if body:
            lines.append(f"Content-Length: {len(body.encode())}")
        self._send(client, ("\r\n".join(lines) + "\r\n\r\n" + body).encode())
        if method == "PLAY" and not client.playing.is_set():
            client.playing.set()
            self.plays += 1
            self._spawn(self._stream, client)
        elif method == "TEARDOWN":
            client.gone.set()

    def _send(self, client: _Client, data: bytes) -> None:
        with client.send_lock:  # a response never lands inside an RTP packet
            client.sock.sendall(data)

    # -- RTP over the connection -----------------------------------------------------------
    def _stream(self, client: _Client) -> None:
        clip = self.clip
        rtp = _Rtp(ssrc=0x1234ABCD)
        step = 90000 // clip.fps
        started = time.monotonic()
        count = 0
        try:
            while not client.gone.is_set():
                for index, unit in enumerate(clip.units):
                    due = started + count / clip.fps
                    if client.gone.wait(max(0.0, due - time.monotonic())):
                        return
                    self.sent[index] = now = time.monotonic()
                    if self._on_sent is not None:
                        self._on_sent(index, now)
                    packets = [p for nal in unit for p in payloads(clip.codec, nal)]
                    data = b"".join(
                        b"$\x00" + struct.pack(">H", len(packet)) + packet for packet in (
                            rtp.packet(payload, count * step, i == len(packets) - 1)
                            for i, payload in enumerate(packets)))
                    self._send(client, data)
                    count += 1
        except OSError:
            pass
        finally:
            self._drop(client)



# -- fixtures (import them into a test module) ----------------------------------------------
@pytest.fixture(scope="module")
def h264_clip(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    """A 640×360 H.264 clip of 30 frames at 15 fps (two seconds, looped by the server)."""
    return make_clip(tmp_path_factory.mktemp("clip") / "c.h264", "h264", frames=30)


@pytest.fixture
def rtsp_h264(h264_clip: Clip) -> Iterator[RtspServer]:
    """The server playing :func:`h264_clip`, stopped after the test."""
    with RtspServer(h264_clip) as running:
        yield running


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.rtsp_server [--codec h264|hevc] [--width W] [--height H] [--fps N]
    [--frames N] [--log-sends]``: serve a generated clip until stdin closes (the benchmark's
    server, in a process of its own).  Prints the URL first; ``--log-sends`` then prints
    ``index monotonic`` for every frame sent."""
    import argparse
    import sys
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m tests.rtsp_server")
    parser.add_argument("--codec", choices=("h264", "hevc"), default="h264")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--log-sends", action="store_true")
    args = parser.parse_args(argv)
    lock = threading.Lock()

    def log(index: int, at: float) -> None:
        with lock:
            print(f"{index} {at:.6f}", flush=True)

    with tempfile.TemporaryDirectory() as folder:
        clip = make_clip(Path(folder) / f"clip.{args.codec}", args.codec, width=args.width,
                         height=args.height, fps=args.fps, frames=args.frames)
    server = RtspServer(clip, on_sent=log if args.log_sends else None).start()
    print(server.url, flush=True)
    sys.stdin.read()  # the parent closes our stdin to stop us
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
