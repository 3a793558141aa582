"""wvp-GB28181-pro's HTTP API: sign in, list devices' channels, start a play.

The calls are those of its web page (``/api/...``, every answer ``{"code": 0, "msg": …,
"data": …}``, code 0 meaning success):

* ``GET /api/user/login?username=U&password=MD5`` — the password travels as its MD5 hex, as
  wvp's page sends it; ``data.accessToken`` is then sent as the ``access-token`` header.
* ``GET /api/device/query/devices?page=&count=`` and
  ``GET /api/device/query/devices/{deviceId}/channels?page=&count=`` — paged lists
  (``data.list``, ``data.total``); a channel's GB/T 28181 id is ``channelId`` (``deviceId``
  in newer releases), its place ``longitude``/``latitude``, ``status`` 1 or ``ON`` online.
* ``GET /api/play/start/{deviceId}/{channelId}`` — asks the device to send its stream to the
  media server; ``data`` holds the stream's URLs (``rtsp``, ``flv``, ``hls`` …).  wvp plays one
  stream per channel, so ``sub`` gets the same URL.

A camera's ``platform_id`` is ``deviceId/channelId``.  An expired token (HTTP 401) signs in
again once.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from console.domain.cameras import Camera
from console.video.config import PlatformConfig
from console.video.http_json import call
from console.video.platforms import PlatformCamera, VideoPlatformError, coordinate

HEADER = "access-token"
_PAGE = 100
_MAX_PAGES = 1000
_TOKENS: dict[str, str] = {}
_LOCK = threading.Lock()


class WvpAdapter:
    """A wvp-GB28181-pro server.

    Parameters
    ----------
    platform : PlatformConfig
        Its ``url`` and credentials (user and password of a wvp account).
    """

    def __init__(self, platform: PlatformConfig) -> None:
        self._p = platform
        # Tokens outlive an adapter (one is made per play): kept per platform and address.
        self._key = f"{platform.name}|{platform.url}"

    def _login(self) -> str:
        creds = self._p.credentials()
        digest = hashlib.md5(creds.password.encode("utf-8")).hexdigest()  # wvp wants the MD5 hex
        body = call("GET", f"{self._p.url}/api/user/login", name=self._p.name,
                    timeout=self._p.timeout_s, verify=self._p.verify_tls,
                    params={"username": creds.user, "password": digest})
        token = (body.get("data") or {}).get("accessToken") if isinstance(body, dict) else None
        if not isinstance(body, dict) or body.get("code") != 0 or not token:
            raise VideoPlatformError(f"视频平台 {self._p.name} 登录失败 / signing in to "
                                     f"{self._p.name} failed")
        with _LOCK:
            _TOKENS[self._key] = str(token)
        return str(token)

    def _get(self, path: str, **params: Any) -> Any:
        token = _TOKENS.get(self._key) or self._login()
        for attempt in (1, 2):
            try:
                body = call("GET", f"{self._p.url}{path}", name=self._p.name,
                            timeout=self._p.timeout_s, verify=self._p.verify_tls,
                            params=params or None, headers={HEADER: token})
            except VideoPlatformError:
                if attempt == 2:
                    raise
                token = self._login()  # an expired or revoked token: once more, signed in anew
                continue
            if not isinstance(body, dict) or body.get("code") != 0:
                msg = str(body.get("msg", ""))[:100] if isinstance(body, dict) else ""
                raise VideoPlatformError(f"视频平台 {self._p.name} 拒绝请求：{msg} / the platform "
                                         "refused the request")
            return body.get("data")
        raise AssertionError("unreachable")

    def _pages(self, path: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in range(1, _MAX_PAGES + 1):
            data = self._get(path, page=page, count=_PAGE) or {}
            items = [i for i in data.get("list") or () if isinstance(i, dict)]
            out.extend(items)
            if not items or len(out) >= int(data.get("total") or 0):
                break
        return out

    def list(self) -> list[PlatformCamera]:
        """Every channel of every device the account sees."""
        cameras = []
        for device in self._pages("/api/device/query/devices"):
            device_id = str(device.get("deviceId", ""))
            for ch in self._pages(f"/api/device/query/devices/{device_id}/channels"):
                channel_id = str(ch.get("channelId") or ch.get("deviceId") or "")
                cameras.append(PlatformCamera(
                    f"{device_id}/{channel_id}", str(ch.get("name") or channel_id), channel_id,
                    coordinate(ch.get("longitude")), coordinate(ch.get("latitude")),
                    ch.get("status") in (1, "1", "ON", True), ch.get("ptzType") in (1, 4)))
        return cameras

    def play_url(self, camera: Camera, sub: bool = False) -> str:
        """Start the channel's stream on wvp's media server; its RTSP URL (else FLV, HLS)."""
        device_id, _, channel_id = camera.platform_id.partition("/")
        if not device_id or not channel_id:
            raise VideoPlatformError(f"摄像机 {camera.code} 的平台编号应为 设备编号/通道编号 / "
                                     "the wvp id must be deviceId/channelId")
        data = self._get(f"/api/play/start/{device_id}/{channel_id}") or {}
        for key in ("rtsp", "flv", "hls", "rtmp"):
            url = data.get(key)
            if isinstance(url, str) and url:
                return url
        raise VideoPlatformError(f"视频平台 {self._p.name} 没有给出播放地址 / no play URL")

