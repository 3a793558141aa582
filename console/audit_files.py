"""The audit's files outside the database: the chain key file and the anchor directory.

**Chain key file.**  The keyed chain (``console/domain/audit.py``) is only as good as the
key's distance from the database: whoever holds both can forge.  The file is found at, first
match wins: ``$CITYDESK_CHAIN_KEY_FILE``; ``chain_key_file`` in ``desk.toml`` (or the server's
configuration); for an SQLite database, ``chain.key`` next to its file (the embedded default:
the user's data directory, so the README's two commands need no set-up); else ``chain.key`` in
the user's data directory.  It must be a regular file readable by its owner only (0600): a
group- or world-readable key is refused in one line.  Each line is one key::

    citydesk-chain-key 1 k3f9c0a1b2d4e5f6 <64 hex digits of secret>

oldest first; the last line chains new rows, older ones still verify the rows they chained.
``citydesk audit rotate-key`` appends a new line.

**Anchor directory.**  ``$CITYDESK_ANCHOR_DIR``, ``anchor_dir`` in ``desk.toml``, ``anchors``
next to an SQLite file, else in the user's data directory.  One file per UTC day,
``anchors-YYYY-MM-DD.txt``, one line per anchor (``console/domain/anchors.py``).
"""

from __future__ import annotations

import os
import secrets
import stat
from datetime import UTC
from pathlib import Path

import platformdirs

from console.domain import anchors
from console.domain.audit import MIN_SECRET, ChainKey, KeyRing, is_key_id
from console.domain.errors import ValidationError

ENV_KEY_FILE = "CITYDESK_CHAIN_KEY_FILE"
ENV_ANCHOR_DIR = "CITYDESK_ANCHOR_DIR"
KEY_FILE_NAME = "chain.key"
ANCHOR_DIR_NAME = "anchors"
_MAGIC = "citydesk-chain-key"
_VERSION = "1"
MAX_KEY_FILE = 64 * 1024


class ChainKeyError(ValidationError):
    """The chain key file is missing, unsafe or unreadable (one line naming the file)."""

    code = "chain_key"


def _data_dir() -> Path:
    return Path(platformdirs.user_data_dir("citydesk"))


def key_path(configured: str | None = None, sqlite_file: Path | None = None) -> Path:
    """Where the chain key file is (see the module docstring for the order)."""
    named = os.environ.get(ENV_KEY_FILE, "").strip() or (configured or "").strip()
    if named:
        return Path(named).expanduser()
    folder = sqlite_file.expanduser().parent if sqlite_file is not None else _data_dir()
    return folder / KEY_FILE_NAME


def anchor_dir(configured: str | None = None, sqlite_file: Path | None = None) -> Path:
    """Where anchors are written and read (see the module docstring for the order)."""
    named = os.environ.get(ENV_ANCHOR_DIR, "").strip() or (configured or "").strip()
    if named:
        return Path(named).expanduser()
    folder = sqlite_file.expanduser().parent if sqlite_file is not None else _data_dir()
    return folder / ANCHOR_DIR_NAME


def _line(key_id: str, secret: bytes) -> str:
    return f"{_MAGIC} {_VERSION} {key_id} {secret.hex()}\n"


def load_keys(path: Path) -> KeyRing:
    """The key ring in ``path``; ChainKeyError (one line) when it cannot be used."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ChainKeyError(
            f"审计链密钥文件 {path} 不存在：请运行 citydesk init，或用 {ENV_KEY_FILE} 指明 / "
            "chain key file not found") from None
    except OSError as exc:
        raise ChainKeyError(f"无法读取审计链密钥文件 {path}：{exc.strerror} / cannot read the "
                            "chain key file") from None
    if not stat.S_ISREG(info.st_mode):
        raise ChainKeyError(f"审计链密钥 {path} 不是普通文件 / the chain key is not a regular file")
    if info.st_mode & 0o077:
        raise ChainKeyError(
            f"审计链密钥文件 {path} 的权限为 {stat.S_IMODE(info.st_mode):04o}，组或其他用户可读："
            f"请 chmod 600 / the chain key file is readable by others (chmod 600)")
    if info.st_size > MAX_KEY_FILE:
        raise ChainKeyError(f"审计链密钥文件 {path} 过大 / the chain key file is too large")
    try:
        text = path.read_text("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not ASCII"
        raise ChainKeyError(f"无法读取审计链密钥文件 {path}：{reason} / cannot read the chain "
                            "key file") from None
    keys: list[ChainKey] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        try:
            if len(parts) != 4 or parts[0] != _MAGIC or parts[1] != _VERSION \
                    or not is_key_id(parts[2]):
                raise ValueError("not a key line")
            secret = bytes.fromhex(parts[3])
            if len(secret) < MIN_SECRET:
                raise ValueError("secret too short")
            keys.append(ChainKey(secret, parts[2]))
        except ValueError as exc:
            raise ChainKeyError(f"审计链密钥文件 {path} 第 {n} 行无效（{exc}）/ bad key line"
                                ) from None
    if not keys:
        raise ChainKeyError(f"审计链密钥文件 {path} 中没有密钥 / no key in the chain key file")
    return KeyRing(tuple(keys))


def _write_private(path: Path, text: str, *, exclusive: bool) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def create_key_file(path: Path) -> KeyRing:
    """Create ``path`` (0600) holding one new random key; ChainKeyError if it exists."""
    secret = secrets.token_bytes(MIN_SECRET)
    key = ChainKey(secret)
    try:
        _write_private(path, "# CityDesk audit chain keys: keep secret, back up, never put "
                             "in the database\n" + _line(key.key_id, secret), exclusive=True)
    except FileExistsError:
        raise ChainKeyError(f"审计链密钥文件 {path} 已存在 / the chain key file exists") from None
    except OSError as exc:
        raise ChainKeyError(f"无法创建审计链密钥文件 {path}：{exc.strerror} / cannot create the "
                            "chain key file") from None
    return KeyRing((key,))


def ensure_key_file(path: Path) -> tuple[KeyRing, bool]:
    """The ring in ``path``, creating the file first when absent; True when it was created."""
    if path.exists() or path.is_symlink():
        return load_keys(path), False
    return create_key_file(path), True


def rotate_key(path: Path) -> ChainKey:
    """Append a new key to ``path`` (it chains from now on; the old ones still verify)."""
    load_keys(path)  # refuse an unsafe or broken file before touching it
    secret = secrets.token_bytes(MIN_SECRET)
    key = ChainKey(secret)
    old = path.read_text("ascii")
    tmp = path.with_name(path.name + ".new")
    try:
        _write_private(tmp, old + ("" if old.endswith("\n") else "\n") + _line(key.key_id, secret),
                       exclusive=False)
        os.replace(tmp, path)  # a crash leaves the old file or the new, never half of one
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ChainKeyError(f"无法写入审计链密钥文件 {path}：{exc.strerror} / cannot write the "
                            "chain key file") from None
    return key


def write_anchor(folder: Path, anchor: anchors.Anchor) -> Path:
    """Append the anchor's line to the day's file in ``folder``; returns the file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"anchors-{anchor.at.astimezone(UTC):%Y-%m-%d}.txt"
        with path.open("a", encoding="ascii") as fh:
            fh.write(anchor.line() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise ValidationError(f"无法写入审计锚点目录 {folder}：{exc.strerror} / cannot write the "
                              "anchor directory") from None
    return path


def read_anchors(folder: Path) -> tuple[list[anchors.Anchor], list[str]]:
    """Every anchor in ``folder`` (oldest first) and a line per unreadable entry."""
    if not folder.is_dir():
        raise ValidationError(f"审计锚点目录 {folder} 不存在 / no such anchor directory")
    found: list[anchors.Anchor] = []
    problems: list[str] = []
    for path in sorted(folder.glob("anchors-*.txt")):
        try:
            lines = path.read_text("ascii").splitlines()
        except (OSError, UnicodeDecodeError):
            problems.append(f"{path.name}: unreadable")
            continue
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                found.append(anchors.parse(line))
            except ValueError as exc:
                problems.append(f"{path.name}:{n}: {exc}")
    found.sort(key=lambda a: a.at)
    return found, problems


def latest_anchor_line(folder: Path) -> str | None:
    """The newest anchor's line in ``folder`` (None when there is none or no folder)."""
    if not folder.is_dir():
        return None
    found, _problems = read_anchors(folder)
    return found[-1].line() if found else None

