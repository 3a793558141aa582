"""A size-bounded disk cache of fetched tiles, one file per tile.

Files live under ``<root>/<source>/<layer>/<z>/<x>/<y>`` (the root is platformdirs' user cache
directory, ``~/.cache/citydesk/tiles`` on Linux).  When the cache grows past its bound the
least recently written files go first.  Plain files rather than a database: several desks on a
machine may share the directory, and a torn write of one file loses one tile, nothing else.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs

__all__ = ["DEFAULT_CACHE_BYTES", "TileCache", "default_cache_dir"]

#: 500 MB: a county at zooms 10–18 is some tens of thousands of tiles of ~15 kB.
DEFAULT_CACHE_BYTES = 500 * 1024 * 1024
_SAFE = re.compile(r"[^0-9A-Za-z_.\-\u4e00-\u9fff]")


def default_cache_dir() -> Path:
    """``platformdirs.user_cache_dir("citydesk") / "tiles"``."""
    return Path(platformdirs.user_cache_dir("citydesk")) / "tiles"


class TileCache:
    """Tiles on disk, pruned to ``max_bytes`` (oldest first) every ``prune_every`` writes.

    Parameters
    ----------
    root : Path
        The cache directory.
    max_bytes : int
        The bound on the files' total size.
    """

    def __init__(self, root: Path, max_bytes: int = DEFAULT_CACHE_BYTES,
                 prune_every: int = 200) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._prune_every = prune_every
        self._writes = 0

    def path(self, source: str, layer: int, z: int, x: int, y: int) -> Path:
        """Where tile (z, x, y) of one layer of a source is kept."""
        return self.root / _SAFE.sub("_", source) / str(layer) / str(z) / str(x) / str(y)

    def get(self, source: str, layer: int, z: int, x: int, y: int) -> bytes | None:
        """The cached bytes, or None."""
        try:
            return self.path(source, layer, z, x, y).read_bytes()
        except OSError:
            return None

    def put(self, source: str, layer: int, z: int, x: int, y: int, data: bytes) -> None:
        """Keep a tile (written to a temporary name, then renamed: never half a file)."""
        target = self.path(source, layer, z, x, y)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f".{target.name}.{os.getpid()}")
            temp.write_bytes(data)
            temp.replace(target)
        except OSError:
            return  # a full or read-only disk: the tile is drawn, just not kept
        self._writes += 1
        if self._writes % self._prune_every == 0:
            self.prune()

    def size(self) -> int:
        """Total bytes of the cached files."""
        return sum(f.stat().st_size for f in self.root.rglob("*") if f.is_file())

    def prune(self) -> int:
        """Delete the oldest files until the total is within the bound; return files deleted."""
        files = []
        for f in self.root.rglob("*"):
            try:
                if f.is_file():
                    stat = f.stat()
                    files.append((stat.st_mtime, stat.st_size, f))
            except OSError:
                continue
        total = sum(size for _, size, _ in files)
        deleted = 0
        for _, size, f in sorted(files, key=lambda item: item[0]):
            if total <= self.max_bytes:
                break
            try:
                f.unlink()
            except OSError:
                continue
            total -= size
            deleted += 1
        return deleted
