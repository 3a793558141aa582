"""The JSON round trip the platform adapters share: one line for every way it fails."""

from __future__ import annotations

from typing import Any

import requests

from console.video.platforms import VideoPlatformError


def call(method: str, url: str, *, name: str, timeout: float, verify: bool = True,
         **kwargs: Any) -> Any:
    """The JSON body of a request; VideoPlatformError (one line) otherwise."""
    try:
        response = requests.request(method, url, timeout=timeout, verify=verify, **kwargs)
    except requests.RequestException as exc:
        raise VideoPlatformError(f"无法连接视频平台 {name}（{type(exc).__name__}）/ cannot reach "
                                 f"the video platform {name}") from None
    if response.status_code in (401, 403):
        raise VideoPlatformError(f"视频平台 {name} 拒绝了凭据或签名（HTTP {response.status_code}）"
                                 f" / the video platform {name} refused the credentials")
    if response.status_code >= 400:
        raise VideoPlatformError(f"视频平台 {name} 返回 HTTP {response.status_code} / the video "
                                 f"platform {name} answered HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise VideoPlatformError(f"视频平台 {name} 的回答不是 JSON / the video platform {name} "
                                 "did not answer JSON") from None
