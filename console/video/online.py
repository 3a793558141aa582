"""The worker's 在线 check of the cameras: who answers, every few minutes.

A camera with its own URL is online when its host accepts a TCP connection on the stream's
port (RTSP 554, HTTP 80, HTTPS 443, RTMP 1935 unless the URL says otherwise) — cheap enough
for a thousand cameras a round, where opening every stream would not be; a ``file:`` camera
when its file exists.  A platform's cameras take the state the platform reports in its
list (one call per platform a round).  A platform that cannot be reached leaves its cameras'
states as they were (unknown is not offline) and is counted in the round's result.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from console.domain.cameras import Camera
from console.domain.errors import CityDeskError
from console.services.cameras import CameraUowFactory, list_cameras, record_online
from console.video.config import VideoConfig, load_video_config
from console.video.platforms import adapter_for

log = logging.getLogger(__name__)

#: Seconds between rounds (the worker's job interval).
CHECK_EVERY = 300.0
#: How long a host may take to accept the connection.
PROBE_TIMEOUT_S = 2.0
_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443, "rtmp": 1935}
_THREADS = 16


def url_answers(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """Whether the stream's host accepts a connection (a file: whether it exists)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(unquote(parts.path)).is_file()
    try:
        port = parts.port or _PORTS.get(parts.scheme, 0)
    except ValueError:
        return False
    if not parts.hostname or not port:
        return False
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout_s):
            return True
    except OSError:
        return False


class CameraOnlineJob:
    """One round of online checks per call; the counts it found.

    Parameters
    ----------
    uow_factory : callable
        Units of work reaching the registry.
    clock : callable
        The current instant.
    config : callable, optional
        Reads video.toml (each round, so a platform added is checked without a restart).
    probe : callable, optional
        ``url -> bool`` for cameras with their own URLs (:func:`url_answers`).
    """

    def __init__(self, uow_factory: CameraUowFactory, clock: Callable[[], datetime],
                 config: Callable[[], VideoConfig] = load_video_config,
                 probe: Callable[[str], bool] = url_answers) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._config = config
        self._probe = probe

    def __call__(self) -> dict[str, int]:
        cameras = list_cameras(self._uow)
        config = self._config()
        states: dict[str, bool] = {}
        plain = [c for c in cameras if not c.platform]
        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            for camera, ok in zip(plain, pool.map(self._plain, plain), strict=True):
                states[camera.code] = ok
        failed = 0
        by_platform: dict[str, list[Camera]] = {}
        for camera in cameras:
            if camera.platform:
                by_platform.setdefault(camera.platform, []).append(camera)
        for name, members in by_platform.items():
            try:
                listed = {p.platform_id: p.online
                          for p in adapter_for(members[0], config).list()}
            except CityDeskError as exc:
                log.warning("camera platform %s: %s", name, exc)
                failed += 1
                continue
            for camera in members:
                online = listed.get(camera.platform_id)
                if online is not None or camera.platform_id not in listed:
                    states[camera.code] = bool(online)
        record_online(self._uow, states, self._clock())
        up = sum(states.values())
        return {"checked": len(states), "online": up, "offline": len(states) - up,
                "platforms_failed": failed}

    def _plain(self, camera: Camera) -> bool:
        url = camera.main_url or camera.sub_url
        return bool(url) and self._probe(url)
