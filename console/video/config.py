"""``video.toml``: the platforms cameras are played through, and the AI alarms' fold window.

The file sits beside ``desk.toml`` (``platformdirs.user_config_dir("citydesk")``);
``$CITYDESK_VIDEO_CONFIG`` names another, and an empty value means none (only cameras with
their own URLs play)::

    [alarms]
    fold_minutes = 30                  # repeats of a (camera, type) within this fold in

    [platforms.wvp1]                   # a name the registry's 平台 column uses
    kind = "wvp"                       # url | wvp | artemis
    url = "http://10.1.2.3:18080"
    credentials_file = "/etc/citydesk/wvp1.secret"

The file holds no secret and a credential in it is refused.  Credentials come from the
environment — ``CITYDESK_VIDEO_<NAME>_USER`` and ``…_PASSWORD`` (for artemis the appKey and
appSecret) — or from ``credentials_file``, a TOML file with ``user`` and ``password`` that
only its owner may read (mode 0600; anything wider is refused).
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from console.domain.camera_platforms import PLATFORM_KINDS, PLATFORM_NAME
from console.domain.errors import ValidationError

ENV_CONFIG = "CITYDESK_VIDEO_CONFIG"
_SECRET_WORDS = ("password", "secret", "app_secret", "appsecret", "token", "key")


class VideoConfigError(ValidationError):
    """video.toml or a credentials file cannot be used (one line naming the file)."""

    code = "config"


@dataclass(frozen=True, slots=True)
class Credentials:
    """A platform account: user and password (artemis: appKey and appSecret)."""

    user: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class PlatformConfig:
    """One platform of video.toml."""

    name: str
    kind: str
    url: str = ""
    credentials_file: str = ""
    verify_tls: bool = True
    timeout_s: float = 10.0

    def credentials(self) -> Credentials:
        """The account, from the environment first, then the 0600 file; VideoConfigError."""
        prefix = "CITYDESK_VIDEO_" + self.name.upper().replace("-", "_")
        user, password = os.environ.get(prefix + "_USER"), os.environ.get(prefix + "_PASSWORD")
        if user and password:
            return Credentials(user, password)
        if not self.credentials_file:
            raise VideoConfigError(f"平台 {self.name} 没有凭据：设置 {prefix}_USER/_PASSWORD 或 "
                                   f"credentials_file / platform {self.name} has no credentials")
        return read_credentials(Path(self.credentials_file))


@dataclass(frozen=True, slots=True)
class VideoConfig:
    """The platforms by name and the AI alarms' fold window (minutes)."""

    platforms: dict[str, PlatformConfig] = field(default_factory=dict)
    fold_minutes: int = 30

    def platform(self, name: str) -> PlatformConfig:
        """A platform by name; VideoConfigError (one line) when video.toml has none."""
        found = self.platforms.get(name)
        if found is None:
            raise VideoConfigError(f"video.toml 中没有平台 {name[:64]!r} / no platform {name!r} "
                                   "in video.toml")
        return found


def config_path() -> Path | None:
    """The file to read: ``$CITYDESK_VIDEO_CONFIG`` (empty: none), else the default."""
    value = os.environ.get(ENV_CONFIG)
    if value is not None:
        return Path(value) if value else None
    return Path(platformdirs.user_config_dir("citydesk")) / "video.toml"


def load_video_config(path: Path | None = None) -> VideoConfig:
    """video.toml, or an empty configuration when there is no file."""
    path = path if path is not None else config_path()
    if path is None or not path.is_file():
        return VideoConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise VideoConfigError(f"{path}：无法读取（{exc}）/ cannot read video.toml") from None
    return parse_video_config(data, path)


def parse_video_config(data: dict[str, Any], path: Path | None = None) -> VideoConfig:
    """Check the parsed TOML: known keys, known kinds, no secrets."""
    where = str(path) if path else "video.toml"
    unknown = set(data) - {"platforms", "alarms"}
    if unknown:
        raise VideoConfigError(f"{where}：未知的键 {sorted(unknown)[0]!r} / unknown key")
    alarms = data.get("alarms", {})
    fold = alarms.get("fold_minutes", 30) if isinstance(alarms, dict) else None
    if isinstance(fold, bool) or not isinstance(fold, int) or not 0 <= fold <= 24 * 60:
        raise VideoConfigError(f"{where}：alarms.fold_minutes 应为 0–1440 的整数 / "
                               "fold_minutes must be 0-1440")
    platforms: dict[str, PlatformConfig] = {}
    raw = data.get("platforms", {})
    if not isinstance(raw, dict):
        raise VideoConfigError(f"{where}：platforms 应为表 / platforms must be a table")
    for name, spec in raw.items():
        platforms[name] = _platform(where, name, spec)
    return VideoConfig(platforms, fold)


def _platform(where: str, name: str, spec: Any) -> PlatformConfig:
    if not PLATFORM_NAME.fullmatch(name) or not isinstance(spec, dict):
        raise VideoConfigError(f"{where}：平台名 {name[:64]!r} 无效 / bad platform name")
    secret = next((k for k in spec if k.lower() in _SECRET_WORDS), None)
    if secret is not None:
        raise VideoConfigError(f"{where}：平台 {name} 的 {secret} 不能写在 video.toml 中；用环境变量"
                               "或 credentials_file / no secrets in video.toml")
    allowed = {"kind", "url", "credentials_file", "verify_tls", "timeout_s"}
    extra = set(spec) - allowed
    kind = spec.get("kind")
    if extra or kind not in PLATFORM_KINDS:
        raise VideoConfigError(f"{where}：平台 {name} 的 kind 应为 {'、'.join(PLATFORM_KINDS)}，"
                               f"键只能是 {', '.join(sorted(allowed))} / bad platform {name}")
    url = spec.get("url", "")
    if kind != "url" and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        raise VideoConfigError(f"{where}：平台 {name} 须给出 http(s) 地址 url / platform {name} "
                               "needs an http(s) url")
    timeout = spec.get("timeout_s", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 120:
        raise VideoConfigError(f"{where}：timeout_s 应在 0–120 秒 / timeout_s must be 0-120")
    return PlatformConfig(name, kind, str(url).rstrip("/"), str(spec.get("credentials_file", "")),
                          bool(spec.get("verify_tls", True)), float(timeout))


def read_credentials(path: Path) -> Credentials:
    """``user`` and ``password`` from a TOML file only its owner may read."""
    try:
        info = path.stat()
    except OSError:
        raise VideoConfigError(f"找不到凭据文件 {path} / credentials file not found") from None
    if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
        raise VideoConfigError(f"凭据文件 {path} 须为普通文件且仅属主可读（chmod 600）/ the "
                               "credentials file must be mode 0600")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        raise VideoConfigError(f"凭据文件 {path} 不是 TOML / not a TOML file") from None
    user, password = data.get("user"), data.get("password")
    if not isinstance(user, str) or not isinstance(password, str) or not user or not password:
        raise VideoConfigError(f"凭据文件 {path} 须有 user 和 password / the file needs user "
                               "and password")
    return Credentials(user, password)
