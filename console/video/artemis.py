"""Hikvision iSecure Center (综合安防管理平台) OpenAPI through its gateway, artemis.

Every request is signed: ``X-Ca-Signature`` is base64(HMAC-SHA256(appSecret, string-to-sign))
where the string to sign is, each followed by a newline, the method, then those of ``Accept``,
``Content-MD5``, ``Content-Type`` and ``Date`` the request carries, then the signed headers as
``name:value`` lines in name order (here ``x-ca-key``, ``x-ca-nonce``, ``x-ca-timestamp``,
named in ``X-Ca-Signature-Headers``), and last the path with its sorted query — as Hikvision's
OpenAPI security document and its SDK build it (:func:`string_to_sign`).  The appKey goes in
``X-Ca-Key``; the nonce makes each request unique and the millisecond timestamp bounds its age.

* ``POST /artemis/api/resource/v1/cameras`` ``{"pageNo", "pageSize"}`` — the cameras
  (``data.list``: ``cameraIndexCode``, ``cameraName``, ``gbIndexCode``, ``longitude``,
  ``latitude``, ``status``).
* ``POST /artemis/api/video/v1/cameras/previewURLs`` ``{"cameraIndexCode", "streamType"
  (0 main, 1 sub), "protocol": "rtsp", "transmode": 1 (TCP)}`` — ``data.url``, valid for a
  few minutes.

Answers are ``{"code": "0", "msg": "success", "data": …}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from console.domain.cameras import Camera
from console.video.config import PlatformConfig
from console.video.http_json import call
from console.video.platforms import PlatformCamera, VideoPlatformError, coordinate

PREFIX = "/artemis"
SIGNED = ("x-ca-key", "x-ca-nonce", "x-ca-timestamp")
_PAGE = 1000
_MAX_PAGES = 200


def string_to_sign(method: str, path: str, headers: Mapping[str, str],
                   query: Mapping[str, str] | None = None) -> str:
    """The string artemis signs (module docstring); ``headers`` by lower-case name."""
    lines = [method.upper()]
    lines += [headers[h] for h in ("accept", "content-md5", "content-type", "date")
              if h in headers]
    lines += [f"{h}:{headers[h].strip()}" for h in sorted(headers) if h in SIGNED]
    resource = path
    if query:
        resource += "?" + "&".join(f"{k}={query[k]}" if query[k] != "" else k
                                   for k in sorted(query))
    return "\n".join(lines) + "\n" + resource


def sign(secret: str, text: str) -> str:
    """base64(HMAC-SHA256(secret, text))."""
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class ArtemisAdapter:
    """An iSecure Center platform.

    Parameters
    ----------
    platform : PlatformConfig
        Its ``url`` (``https://host:443``) and credentials (appKey as user, appSecret as
        password).
    """

    def __init__(self, platform: PlatformConfig) -> None:
        self._p = platform

    def _post(self, api: str, body: dict[str, Any]) -> Any:
        creds = self._p.credentials()
        path = PREFIX + api
        headers = {"accept": "*/*", "content-type": "application/json;charset=UTF-8",
                   "x-ca-key": creds.user, "x-ca-nonce": str(uuid.uuid4()),
                   "x-ca-timestamp": str(int(time.time() * 1000))}
        headers["x-ca-signature"] = sign(creds.password, string_to_sign("POST", path, headers))
        headers["x-ca-signature-headers"] = ",".join(SIGNED)
        answer = call("POST", self._p.url + path, name=self._p.name, timeout=self._p.timeout_s,
                      verify=self._p.verify_tls, headers=headers,
                      data=json.dumps(body).encode("utf-8"))
        if not isinstance(answer, dict) or str(answer.get("code")) != "0":
            msg = str(answer.get("msg", ""))[:100] if isinstance(answer, dict) else ""
            raise VideoPlatformError(f"视频平台 {self._p.name} 拒绝请求：{msg} / the platform "
                                     "refused the request")
        return answer.get("data")

    def list(self) -> list[PlatformCamera]:
        """Every camera of the platform, page by page."""
        out: list[PlatformCamera] = []
        for page in range(1, _MAX_PAGES + 1):
            data = self._post("/api/resource/v1/cameras", {"pageNo": page, "pageSize": _PAGE})
            items = [i for i in (data or {}).get("list") or () if isinstance(i, dict)]
            for c in items:
                index = str(c.get("cameraIndexCode", ""))
                out.append(PlatformCamera(index, str(c.get("cameraName") or index),
                                          str(c.get("gbIndexCode") or index),
                                          coordinate(c.get("longitude")), coordinate(c.get("latitude")),
                                          None if c.get("status") is None
                                          else c.get("status") in (1, "1")))
            if not items or len(out) >= int((data or {}).get("total") or 0):
                break
        return out

    def play_url(self, camera: Camera, sub: bool = False) -> str:
        """A fresh RTSP preview URL (main or sub stream), over TCP."""
        data = self._post("/api/video/v1/cameras/previewURLs",
                          {"cameraIndexCode": camera.platform_id, "streamType": 1 if sub else 0,
                           "protocol": "rtsp", "transmode": 1})
        url = (data or {}).get("url")
        if not isinstance(url, str) or not url:
            raise VideoPlatformError(f"视频平台 {self._p.name} 没有给出预览地址 / no preview URL")
        return url

