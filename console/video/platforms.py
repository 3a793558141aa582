"""One small interface in front of every way a camera is played.

:class:`PlatformAdapter` has two methods: ``list()`` — the platform's cameras, for an import
or a sync — and ``play_url(camera, sub)`` — a URL PyAV opens now.  Platform URLs expire (a
wvp stream is torn down when nobody watches; an iSecure Center preview URL lives minutes), so
they are asked for when a camera is played and never stored.  Every call blocks on the
network: the desk calls it on a worker thread.

* :class:`UrlAdapter` (kind ``url``, and cameras without a platform): the camera's own main /
  sub URL; with a platform of kind ``url`` its credentials are put into the URL.
* :class:`console.video.wvp.WvpAdapter`: wvp-GB28181-pro's HTTP API.
* :class:`console.video.artemis.ArtemisAdapter`: Hikvision iSecure Center's OpenAPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from console.domain.cameras import Camera
from console.domain.errors import CityDeskError
from console.video.config import PlatformConfig, VideoConfig, load_video_config


class VideoPlatformError(CityDeskError):
    """A platform refused or failed (one line, Chinese / English)."""

    code = "video_platform"


@dataclass(frozen=True, slots=True)
class PlatformCamera:
    """A camera as a platform lists it (position in the platform's datum, usually WGS-84)."""

    platform_id: str
    name: str
    code: str
    lon: float | None
    lat: float | None
    online: bool | None
    ptz: bool = False


def coordinate(value: Any) -> float | None:
    """A platform's longitude or latitude (number or text); None when absent or 0 (platforms
    send 0 for "not surveyed")."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number else None


class PlatformAdapter(Protocol):
    """What CityDesk asks of a video platform."""

    def list(self) -> list[PlatformCamera]:
        """Every camera the account sees."""
        ...

    def play_url(self, camera: Camera, sub: bool = False) -> str:
        """A stream URL for the camera now (the sub stream when asked and there is one)."""
        ...


class UrlAdapter:
    """Cameras played from their own URLs; ``platform`` adds its credentials to them.

    Parameters
    ----------
    platform : PlatformConfig, optional
        A platform of kind ``url`` (None: the URLs as stored).
    """

    def __init__(self, platform: PlatformConfig | None = None) -> None:
        self._platform = platform

    def list(self) -> list[PlatformCamera]:
        """Nothing: plain cameras are only known from the registry."""
        return []

    def play_url(self, camera: Camera, sub: bool = False) -> str:
        """The sub URL when asked and stored, else the main URL."""
        url = camera.sub_url if sub and camera.sub_url else camera.main_url
        if not url:
            raise VideoPlatformError(f"摄像机 {camera.code} 没有视频地址 / camera {camera.code} "
                                     "has no stream URL")
        if self._platform is None or url.startswith("file:"):
            return url
        creds = self._platform.credentials()
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"{quote(creds.user, safe='')}:{quote(creds.password, safe='')}@{host}"
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit(parts._replace(netloc=netloc))


def platform_adapter(platform: PlatformConfig) -> PlatformAdapter:
    """The adapter of a platform of video.toml."""
    if platform.kind == "wvp":
        from console.video.wvp import WvpAdapter

        return WvpAdapter(platform)
    if platform.kind == "artemis":
        from console.video.artemis import ArtemisAdapter

        return ArtemisAdapter(platform)
    return UrlAdapter(platform)


def adapter_for(camera: Camera, config: VideoConfig) -> PlatformAdapter:
    """The adapter that plays ``camera`` (VideoConfigError for an unknown platform)."""
    if not camera.platform:
        return UrlAdapter()
    return platform_adapter(config.platform(camera.platform))


def play_url(camera: Camera, sub: bool = False, config: VideoConfig | None = None) -> str:
    """A URL to play ``camera`` now (blocks on the platform: call off the GUI thread)."""
    return adapter_for(camera, config or load_video_config()).play_url(camera, sub)
