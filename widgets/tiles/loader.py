"""Tiles loaded off the GUI thread: the disk cache, an MBTiles file, or the network.

Network requests go through :class:`QNetworkAccessManager`, which is asynchronous by design:
the GUI thread only starts a request and hears that it ended, and the bytes are read by Qt's
network thread.  Reading the disk cache or the MBTiles file and decoding an image are done by
one worker thread (:class:`concurrent.futures.ThreadPoolExecutor`); the result comes back to
the GUI thread as a queued Qt signal.  So no frame waits for a disk, a database or a server.

QNetworkAccessManager rather than ``requests`` in threads: it is Qt's own, honours the system
proxy, keeps connections alive per host, and needs no thread of ours per request.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QByteArray, QObject, QUrl, Signal
from PySide6.QtGui import QImage
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest

from widgets.tiles.cache import TileCache
from widgets.tiles.mbtiles import MBTiles, MBTilesError
from widgets.tiles.source import TileSource

__all__ = ["USER_AGENT", "TileKey", "TileLoader"]

TileKey = tuple[int, int, int, int]
"""(layer, z, x, y): one image of one tile."""

USER_AGENT = b"CityDesk/1 (+https://github.com/citydesk)"
#: Requests in flight at once (天地图 and most tile servers throttle eager clients).
MAX_IN_FLIGHT = 8
#: A tile that failed is asked again only after this many seconds.
RETRY_AFTER_S = 60.0


class TileLoader(QObject):
    """Load the tiles the layer asks for; :attr:`loaded` reports each as it arrives.

    Parameters
    ----------
    source : TileSource
        Where tiles come from.
    cache : TileCache, optional
        The disk cache of fetched tiles (an MBTiles source needs none).
    """

    loaded = Signal(object, object)
    """A tile arrived: (key, QImage)."""

    failed = Signal(object, str)
    """A tile could not be loaded: (key, one line saying why)."""

    _done = Signal(object, object, str)  # from the worker thread: (key, QImage | None, error)

    def __init__(self, source: TileSource, cache: TileCache | None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self._cache = cache
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citydesk-tiles")
        self._mbtiles: MBTiles | None = None
        self._network: QNetworkAccessManager | None = None
        self._queue: OrderedDict[TileKey, None] = OrderedDict()  # wanted, not yet started
        self._busy: set[TileKey] = set()  # started: in the worker or on the network
        self._in_flight = 0
        self._failed_at: dict[TileKey, float] = {}
        self._closed = False
        self._done.connect(self._on_done)
        self.requested = 0  # network requests started (tests count them)

    def request(self, keys: Iterable[TileKey]) -> None:
        """Load these tiles, in this order; earlier wishes not repeated here are dropped."""
        now = time.monotonic()
        wanted = [k for k in keys if k not in self._busy
                  and now - self._failed_at.get(k, -RETRY_AFTER_S) >= RETRY_AFTER_S]
        self._queue = OrderedDict.fromkeys(wanted)
        self._pump()

    def _pump(self) -> None:
        while self._queue and not self._closed:
            if self.source.mbtiles is None and self._in_flight >= MAX_IN_FLIGHT:
                return
            key, _ = self._queue.popitem(last=False)
            self._busy.add(key)
            if self.source.mbtiles is not None:
                self._pool.submit(self._read_file, key)
            else:
                self._in_flight += 1
                self._pool.submit(self._read_cache, key)

    # -- worker thread ---------------------------------------------------------------------

    def _read_file(self, key: TileKey) -> None:
        _, z, x, y = key
        try:
            if self._mbtiles is None:
                assert self.source.mbtiles is not None
                self._mbtiles = MBTiles(self.source.mbtiles)
            data = self._mbtiles.get(z, x, y)
        except (MBTilesError, OSError, ValueError) as exc:  # sqlite3.Error is not an OSError
            self._done.emit(key, None, str(exc).splitlines()[0])
            return
        except Exception as exc:
            self._done.emit(key, None, f"{type(exc).__name__}: {exc}".splitlines()[0])
            return
        if data is None:
            self._done.emit(key, None, "")  # not in the file: nothing to draw, nothing wrong
            return
        self._decode(key, data, store=False)

    def _read_cache(self, key: TileKey) -> None:
        data = None if self._cache is None else self._cache.get(self.source.name, *key)
        if data is None:
            self._done.emit(key, "fetch", "")  # back to the GUI thread to start the request
        else:
            self._decode(key, data, store=False)

    def _decode(self, key: TileKey, data: bytes, *, store: bool) -> None:
        image = QImage.fromData(QByteArray(data))
        if image.isNull():
            self._done.emit(key, None, "不是图片 / not an image")
            return
        if store and self._cache is not None:
            self._cache.put(self.source.name, *key, data)
        self._done.emit(key, image, "")

    # -- GUI thread ------------------------------------------------------------------------

    def _on_done(self, key: TileKey, result: object, error: str) -> None:
        if self._closed:
            return
        if result == "fetch":
            self._fetch(key)
            return
        self._busy.discard(key)
        if self.source.mbtiles is None:
            self._in_flight -= 1
        if isinstance(result, QImage):
            self._failed_at.pop(key, None)
            self.loaded.emit(key, result)
        elif error:
            self._failed_at[key] = time.monotonic()
            self.failed.emit(key, error)
        self._pump()

    def _fetch(self, key: TileKey) -> None:
        if self._network is None:
            self._network = QNetworkAccessManager(self)
            self._network.setTransferTimeout(15_000)
        layer, z, x, y = key
        request = QNetworkRequest(QUrl(self.source.url(layer, z, x, y)))
        request.setRawHeader(b"User-Agent", USER_AGENT)
        reply = self._network.get(request)
        self.requested += 1
        reply.finished.connect(lambda: self._on_reply(key, reply))

    def _on_reply(self, key: TileKey, reply: QNetworkReply) -> None:
        reply.deleteLater()
        if self._closed:
            return
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        if reply.error() != QNetworkReply.NetworkError.NoError:
            what = f"HTTP {status}" if status else reply.errorString()
            self._done.emit(key, None, what)
            return
        data = bytes(reply.readAll().data())
        self._pool.submit(self._decode, key, data, store=True)

    def close(self) -> None:
        """Stop: drop the queue, ignore what is still in flight, close the file."""
        self._closed = True
        self._queue.clear()
        mbtiles = self._mbtiles

        def finish() -> None:
            if mbtiles is not None:
                mbtiles.close()

        self._pool.submit(finish)
        self._pool.shutdown(wait=False)

