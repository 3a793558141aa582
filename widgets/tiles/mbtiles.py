"""MBTiles files (SQLite) read and written with the standard library's :mod:`sqlite3`.

MBTiles 1.3 numbers rows TMS-style, from the south: ``tile_row = rows - 1 - y`` for the XYZ
row ``y`` the rest of the code uses.  The specification covers Web Mercator only; a file of
天地图's geographic ``c`` tiles is marked with metadata ``citydesk_matrix = c`` and flipped by
that matrix's row count (2^(z-1)), so the same file can hold either (see docs/map.md).

sqlite3 needs no extra dependency, reads one tile in well under a millisecond, and the file
format *is* SQLite: a library on top would add nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from widgets.tiles.grid import Matrix, matrix_size

__all__ = ["MBTiles", "MBTilesError"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS metadata (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,
                                  tile_data BLOB);
CREATE UNIQUE INDEX IF NOT EXISTS tile_index ON tiles (zoom_level, tile_column, tile_row);
"""


class MBTilesError(Exception):
    """The file is not an MBTiles file this code can read (the message is one line)."""


class MBTiles:
    """One MBTiles file, opened for reading or (``writable``) creating and adding tiles.

    A connection belongs to the thread that opened it (sqlite3's rule): the map's loader opens
    its own in its worker thread.

    Parameters
    ----------
    path : Path
        The file.
    writable : bool
        Create the file and its tables if missing, and allow :meth:`put`.
    matrix : {"w", "c"}
        The matrix of a new file (a file that says otherwise in its metadata wins when read).
    """

    def __init__(self, path: Path, *, writable: bool = False, matrix: Matrix = "w") -> None:
        self.path = Path(path)
        if not writable and not self.path.is_file():
            raise MBTilesError(f"找不到 MBTiles 文件 {self.path} / no such MBTiles file")
        uri = self.path.resolve().as_uri() + ("?mode=rwc" if writable else "?mode=ro")
        try:
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            if writable:
                self._db.executescript(_SCHEMA)
            stored = dict(self._db.execute("SELECT name, value FROM metadata").fetchall())
        except sqlite3.DatabaseError as exc:
            raise MBTilesError(f"{self.path} 不是 MBTiles 文件（{exc}）/ not an MBTiles file") from exc
        self.metadata: dict[str, str] = {str(k): str(v) for k, v in stored.items()}
        found = self.metadata.get("citydesk_matrix", "w" if self.metadata else matrix)
        if found not in ("w", "c"):
            raise MBTilesError(f"{self.path}: 未知的瓦片矩阵 {found} / unknown tile matrix")
        self.matrix: Matrix = "c" if found == "c" else "w"
        if writable and not self.metadata:
            self.set_metadata({"citydesk_matrix": matrix, "format": "png"})

    def _row(self, z: int, y: int) -> int:
        return matrix_size(self.matrix, z)[1] - 1 - y

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The image of tile (z, x, y) in XYZ numbering, or None when the file lacks it."""
        row = self._db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
            (z, x, self._row(z, y))).fetchone()
        return None if row is None else bytes(row[0])

    def has(self, z: int, x: int, y: int) -> bool:
        """Whether the file holds tile (z, x, y)."""
        return self._db.execute(
            "SELECT 1 FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
            (z, x, self._row(z, y))).fetchone() is not None

    def put(self, z: int, x: int, y: int, data: bytes) -> None:
        """Store tile (z, x, y) and commit (a fetch stopped half-way keeps what it has)."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)",
                             (z, x, self._row(z, y), sqlite3.Binary(data)))

    def set_metadata(self, values: dict[str, str]) -> None:
        """Write metadata rows (name, value)."""
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO metadata VALUES (?, ?)",
                                 list(values.items()))
        self.metadata.update(values)

    def zooms(self) -> list[int]:
        """The zoom levels the file has tiles for."""
        return [int(z) for (z,) in self._db.execute(
            "SELECT DISTINCT zoom_level FROM tiles ORDER BY zoom_level")]

    def count(self, zooms: Iterable[int] | None = None) -> int:
        """Number of tiles (at the given zooms)."""
        if zooms is None:
            return int(self._db.execute("SELECT count(*) FROM tiles").fetchone()[0])
        return sum(int(self._db.execute("SELECT count(*) FROM tiles WHERE zoom_level=?",
                                        (z,)).fetchone()[0]) for z in zooms)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
