"""Fake wvp-GB28181-pro and iSecure Center (artemis) servers on 127.0.0.1 for the adapter tests.

Each CHECKS what a real one checks: the wvp fake answers only a token it issued for the right
user and MD5 password (HTTP 401 otherwise); the artemis fake recomputes ``X-Ca-Signature``
from the request as Hikvision's OpenAPI security document defines the string to sign — written
here independently of ``console.video.artemis`` — and answers 401 on a mismatch, an unknown
appKey, a missing nonce or a reused one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

WVP_USER, WVP_PASSWORD = "admin", "wvp-pass-1"
APP_KEY, APP_SECRET = "23456789", "s3cr3t-artemis"
DEVICE, CHANNEL = "34020000001320000001", "34020000001320000011"
ARTEMIS_CAMERA = "a1b2c3d4e5"


class FakePlatform(ThreadingHTTPServer):
    """A fake platform; ``calls`` lists the paths asked, ``refused`` the 401s given."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.calls: list[str] = []
        self.refused = 0
        self.tokens: set[str] = set()
        self.nonces: set[str] = set()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Base(BaseHTTPRequestHandler):
    server: FakePlatform

    def log_message(self, *_args: Any) -> None:
        """Quiet."""

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self) -> None:
        self.server.refused += 1
        self._json(401, {"code": 401, "msg": "unauthorized"})


class _Wvp(_Base):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.server.calls.append(parts.path)
        if parts.path == "/api/user/login":
            md5 = hashlib.md5(WVP_PASSWORD.encode()).hexdigest()
            if query.get("username") != WVP_USER or query.get("password") != md5:
                self._json(200, {"code": -1, "msg": "用户名或密码错误"})
                return
            token = secrets.token_hex(8)
            self.server.tokens.add(token)
            self._json(200, {"code": 0, "msg": "成功", "data": {"accessToken": token}})
            return
        if self.headers.get("access-token") not in self.server.tokens:
            self._refuse()
            return
        if parts.path == "/api/device/query/devices":
            self._json(200, {"code": 0, "data": {"total": 1, "list": [{"deviceId": DEVICE}]}})
        elif parts.path == f"/api/device/query/devices/{DEVICE}/channels":
            channel = {"channelId": CHANNEL, "name": "解放街口", "longitude": 118.4017,
                       "latitude": 29.14745, "status": 1, "ptzType": 1}
            self._json(200, {"code": 0, "data": {"total": 1, "list": [channel]}})
        elif parts.path == f"/api/play/start/{DEVICE}/{CHANNEL}":
            self._json(200, {"code": 0, "data": {
                "rtsp": f"rtsp://127.0.0.1:554/rtp/{DEVICE}_{CHANNEL}",
                "flv": f"http://127.0.0.1/rtp/{DEVICE}_{CHANNEL}.live.flv"}})
        else:
            self._json(200, {"code": 100, "msg": "未找到设备"})


def artemis_string(method: str, path: str, headers: dict[str, str]) -> str:
    """The documented string to sign: method, Accept, Content-MD5, Content-Type, Date (those
    present), the X-Ca-Signature-Headers as sorted ``name:value`` lines, then the URL."""
    text = method + "\n"
    for name in ("accept", "content-md5", "content-type", "date"):
        if name in headers:
            text += headers[name] + "\n"
    signed = sorted(h.strip().lower() for h in headers.get("x-ca-signature-headers", "").split(",")
                    if h.strip())
    text += "".join(f"{h}:{headers.get(h, '')}\n" for h in signed)
    return text + path


class _Artemis(_Base):
    def do_POST(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self.rfile.read(int(headers.get("content-length", "0") or 0))
        self.server.calls.append(self.path)
        signed = headers.get("x-ca-signature-headers", "")
        expected = base64.b64encode(hmac.new(
            APP_SECRET.encode(), artemis_string("POST", self.path, headers).encode(),
            hashlib.sha256).digest()).decode()
        nonce = headers.get("x-ca-nonce", "")
        if (headers.get("x-ca-key") != APP_KEY or "x-ca-key" not in signed
                or "x-ca-nonce" not in signed or not nonce or nonce in self.server.nonces
                or not hmac.compare_digest(expected, headers.get("x-ca-signature", ""))):
            self._refuse()
            return
        self.server.nonces.add(nonce)
        data = json.loads(body or b"{}")
        if self.path == "/artemis/api/resource/v1/cameras":
            camera = {"cameraIndexCode": ARTEMIS_CAMERA, "cameraName": "城东",
                      "gbIndexCode": "33082400001320000009", "longitude": "118.409",
                      "latitude": "29.1475", "status": 1}
            self._json(200, {"code": "0", "msg": "success",
                             "data": {"total": 1, "pageNo": data.get("pageNo"),
                                      "list": [camera]}})
        elif self.path == "/artemis/api/video/v1/cameras/previewURLs":
            if data.get("cameraIndexCode") != ARTEMIS_CAMERA:
                self._json(200, {"code": "0x02401007", "msg": "资源不存在"})
                return
            stream = "sub" if data.get("streamType") == 1 else "main"
            self._json(200, {"code": "0", "msg": "success", "data": {
                "url": f"rtsp://127.0.0.1:655/openUrl/{stream}-{data.get('protocol')}"}})
        else:
            self._json(404, {"code": "404", "msg": "no such api"})


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[FakePlatform]:
    server = FakePlatform(handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def wvp_server() -> Iterator[FakePlatform]:
    """A fake wvp-GB28181-pro."""
    yield from _serve(_Wvp)


@pytest.fixture
def artemis_server() -> Iterator[FakePlatform]:
    """A fake artemis gateway."""
    yield from _serve(_Artemis)
