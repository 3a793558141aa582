"""What a camera's stream URL and platform name may be (checked on import and in video.toml).

A stream URL is RTSP (``rtsp``/``rtsps``), RTMP, HTTP(S) (HLS, HTTP-FLV) or a local file
(``file:``, tests and recorded clips).  It never carries a password: CityDesk stores none in
plain text, and a registry file is the kind of file that ends up in version control.  A
camera that needs one names a platform of kind ``url`` whose credentials (from the
environment or a 0600 file) are put into the URL when it is played.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Schemes a stream URL may have.
SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https", "file")
#: A platform's name in video.toml and the registry.
PLATFORM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,63}")
#: Kinds of platform (console.video.platforms has one adapter each).
PLATFORM_KINDS = ("url", "wvp", "artemis")


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a usable stream URL (one line, Chinese / English), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number
    except ValueError:
        return "不是有效的地址 / not a valid URL"
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        return (f"地址协议应为 {'、'.join(SCHEMES)} 之一 / the URL scheme must be one of "
                f"{', '.join(SCHEMES)}")
    if scheme == "file":
        return None if parts.path else "文件地址没有路径 / a file URL needs a path"
    if not parts.hostname:
        return "地址没有主机 / the URL has no host"
    if parts.password is not None:
        return ("地址中不得含密码：请配置 url 类平台及其凭据 / no password in a URL: use a "
                "platform of kind url with its credentials")
    del port
    return None
