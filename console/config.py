"""The desk configuration file, ``desk.toml``: which database a desk uses and what it is called.

The file lives in the user configuration directory
(``platformdirs.user_config_dir("citydesk") / "desk.toml"``, on Linux
``~/.config/citydesk/desk.toml``); ``$CITYDESK_CONFIG`` names another file, and an empty
``CITYDESK_CONFIG=`` means "no file at all" (scripts and tests that must not depend on the
machine's settings).  Keys, all optional::

    database = "postgresql+psycopg://citydesk_app@db.centre.local/citydesk"
    desk = "派遣席-2"
    timezone = "Asia/Shanghai"
    wall_database = "postgresql+psycopg://citydesk_wall@db.centre.local/citydesk"
    server = "https://citydesk.centre.local:8443"   # the desk works through the server

    [intake]                    # the intake worker's channels (docs/intake.md)
    user = "admin"

A database URL never carries a password: CityDesk stores none in plain text.  libpq supplies
it from ``~/.pgpass``, ``PGPASSWORD`` or a ``pg_service.conf`` service
(``postgresql+psycopg:///?service=citydesk``).  Any fault (not TOML, an unknown key, a wrong
type, a password) raises :class:`ConfigError`, which the command line reports in one line with
exit code 2.

This module reads no database and imports neither ``db`` nor SQLAlchemy, so the console's UI
package may ask it for the desk name.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from console.domain.errors import ValidationError

ENV_CONFIG = "CITYDESK_CONFIG"
"""Environment variable naming the configuration file (empty: use none)."""

ENV_SERVER = "CITYDESK_SERVER"
"""Environment variable naming the centre's server (wins over ``desk.toml``'s ``server``)."""

KEYS = ("database", "desk", "timezone", "wall_database", "intake", "chain_key_file",
        "anchor_dir", "server")
"""Every key ``desk.toml`` may hold (``intake`` a table, the others strings)."""

#: The longest desk name the event log accepts.
MAX_DESK = 64
_SCHEMES = ("sqlite", "postgresql", "postgres")


class ConfigError(ValidationError):
    """``desk.toml`` cannot be used as written (the message names the file and the fault)."""

    code = "config"


@dataclass(frozen=True, slots=True)
class DeskConfig:
    """What ``desk.toml`` says; ``None`` where it says nothing.

    Attributes
    ----------
    database : str or None
        SQLAlchemy URL (or an SQLite file path) of the centre's database.
    desk : str or None
        The desk's name, recorded on every event it writes.
    timezone : str or None
        The IANA zone the operator expects the centre to keep (checked, never overriding:
        deadlines are counted in the zone of the centre's reference data).
    wall_database : str or None
        The URL the wall screen uses, typically with a read-only role.
    path : Path or None
        The file read, or None when there was none.
    intake : dict or None
        The ``[intake]`` table: the channels ``citydesk worker`` runs (checked by
        :func:`console.intake.settings.worker_settings`, see ``docs/intake.md``).
    server : str or None
        The centre's server (``https://…``): the desk signs in there and holds no database.
    chain_key_file, anchor_dir : str or None
        The audit chain's key file and the anchor directory (``console/audit_files.py``;
        ``$CITYDESK_CHAIN_KEY_FILE`` / ``$CITYDESK_ANCHOR_DIR`` win over them).
    """

    database: str | None = None
    desk: str | None = None
    timezone: str | None = None
    wall_database: str | None = None
    path: Path | None = None
    intake: dict[str, Any] | None = None
    chain_key_file: str | None = None
    anchor_dir: str | None = None
    server: str | None = None


def config_path() -> Path | None:
    """The file to read: ``$CITYDESK_CONFIG`` when set (None if empty), else the user's."""
    named = os.environ.get(ENV_CONFIG)
    if named is not None:
        return Path(named).expanduser() if named.strip() else None
    return Path(platformdirs.user_config_dir("citydesk")) / "desk.toml"


def load_config(path: Path | None = None) -> DeskConfig:
    """Read and check ``desk.toml``.

    Parameters
    ----------
    path : Path, optional
        The file; default :func:`config_path`.  The default file may be absent (nothing
        configured); a file named by ``$CITYDESK_CONFIG`` or ``path`` must exist.

    Raises
    ------
    ConfigError
        The file is unreadable, not TOML, or holds an unknown key or a bad value.
    """
    explicit = path is not None or bool(os.environ.get(ENV_CONFIG, "").strip())
    chosen = path if path is not None else config_path()
    if chosen is None or (not explicit and not chosen.exists()):
        return DeskConfig()
    try:
        raw = chosen.read_bytes()
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {chosen}：{exc.strerror or exc} / "
                          "cannot read the configuration file") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"配置文件 {chosen} 不是有效的 TOML：{exc} / invalid TOML") from None
    return parse_config(data, chosen)


def parse_config(data: dict[str, Any], path: Path | None = None) -> DeskConfig:
    """Check the parsed keys of a configuration file and build the :class:`DeskConfig`."""
    where = f"配置文件 {path}" if path else "配置"
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where} 含未知的键 {', '.join(unknown)}（可用：{', '.join(KEYS)}）"
                          " / unknown key")
    values: dict[str, str] = {}
    intake = data.get("intake")
    if intake is not None and not isinstance(intake, dict):
        raise ConfigError(f"{where}：intake 应为表 [intake] / intake must be a table")
    for key, value in data.items():
        if key == "intake":
            continue
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}：{key} 应为非空字符串 / {key} must be a non-empty string")
        values[key] = value.strip()
    for key in ("database", "wall_database"):
        if key in values:
            check_database_url(values[key], f"{where}：{key}")
    if "server" in values:
        check_server_url(values["server"], f"{where}：server")
    desk = values.get("desk")
    if desk is not None and len(desk) > MAX_DESK:
        raise ConfigError(f"{where}：desk 过长（上限 {MAX_DESK} 字）/ desk name too long")
    zone = values.get("timezone")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{where}：未知的时区 {zone!r}（如 Asia/Shanghai）/ unknown time zone"
                              ) from None
    return DeskConfig(database=values.get("database"), desk=desk, timezone=zone,
                      wall_database=values.get("wall_database"), path=path, intake=intake,
                      chain_key_file=values.get("chain_key_file"),
                      anchor_dir=values.get("anchor_dir"), server=values.get("server"))


def check_server_url(url: str, where: str = "服务器地址") -> str:
    """The server's base URL (``http(s)://host[:port][/prefix]``), checked; ConfigError if not.

    A URL carrying a user or password is refused: the desk signs in with the person's own
    password, never one stored in a file.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{where} 无法解析：{exc} / unreadable server URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where} 应为 https://主机[:端口] / the server must be an "
                          "http(s)://host[:port] URL")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{where} 不能含用户名或密码 / no user or password in the server URL")
    if parts.query or parts.fragment:
        raise ConfigError(f"{where} 不能含查询或片段 / no query or fragment in the server URL")
    del port  # read only to check it
    return url.rstrip("/")


def server_url(config: DeskConfig | None = None) -> str | None:
    """The server a desk works through: ``$CITYDESK_SERVER``, else ``desk.toml``'s; None for
    the embedded database (the default)."""
    named = os.environ.get(ENV_SERVER, "").strip()
    if named:
        return check_server_url(named, ENV_SERVER)
    chosen = config if config is not None else load_config()
    return chosen.server


def check_database_url(url: str, where: str = "数据库 URL") -> None:
    """Refuse a URL CityDesk cannot use or one that carries a password.

    A value without ``://`` is an SQLite file path.  A libpq keyword string
    (``host=… dbname=…``) is refused with the URL to write instead.
    """
    if "://" not in url:
        if "=" in url and " " in url:
            raise ConfigError(f"{where} 应为 URL，如 postgresql+psycopg://用户@主机/库名 "
                              "/ write a URL, not a keyword DSN")
        return
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError as exc:
        raise ConfigError(f"{where} 无法解析：{exc} / unreadable URL") from None
    query = {key.lower() for key, _value in parse_qsl(parts.query, keep_blank_values=True)}
    if password is not None or "password" in query:
        raise ConfigError(
            f"{where} 含有密码：CityDesk 从不以明文保存密码，请改用 ~/.pgpass、PGPASSWORD 或"
            " pg_service.conf / a password is never stored in plain text by CityDesk")
    if parts.scheme.split("+", 1)[0].lower() not in _SCHEMES:
        raise ConfigError(f"{where}：不支持的数据库 {parts.scheme!r}（支持 sqlite、postgresql）"
                          " / unsupported database")
