"""Fill an MBTiles file with a source's tiles over a box and zooms (``citydesk tiles fetch``).

Resumable: a tile already in the file is not asked again, and every tile is committed as it
is stored, so a run stopped by Ctrl+C or a lost connection goes on where it stopped.  Polite:
at most ``rate`` requests a second, one at a time, with CityDesk's User-Agent.  A 天地图 tile
with its label layer is stored as one image (the labels composed over the base with Pillow),
since an MBTiles file holds one image per tile.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from PIL import Image, UnidentifiedImageError

from console.domain.errors import ValidationError
from widgets.tiles.grid import MERCATOR_MAX_LAT, Bounds, tile_count, tiles_in_bbox
from widgets.tiles.mbtiles import MBTiles, MBTilesError
from widgets.tiles.source import TileSource

__all__ = ["FetchPlan", "FetchResult", "fetch", "parse_bbox", "parse_zooms", "plan"]

USER_AGENT = "CityDesk/1 tiles-fetch"
#: Default requests per second: a person panning a map asks a handful a second.
DEFAULT_RATE = 4.0
#: More tiles than this in one run is most likely a typo in the box or the zooms.
DEFAULT_MAX_TILES = 200_000


@dataclass(frozen=True, slots=True)
class FetchPlan:
    """What a run covers: the box, the zooms and how many tiles that is."""

    source: TileSource
    bbox: Bounds
    zooms: tuple[int, ...]
    total: int

    def tiles(self) -> Iterator[tuple[int, int, int]]:
        """Every (z, x, y), zoom by zoom."""
        for z in self.zooms:
            for x, y in tiles_in_bbox(self.source.matrix, z, self.bbox):
                yield z, x, y


@dataclass
class FetchResult:
    """What a run did."""

    fetched: int = 0
    skipped: int = 0  # already in the file
    missing: int = 0  # the server has no such tile (404)


def parse_bbox(text: str) -> Bounds:
    """``W,S,E,N`` in degrees, or a one-line refusal."""
    parts = text.replace("，", ",").split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise ValidationError(f"--bbox 应为 W,S,E,N 四个数（经纬度），实为 {text!r} / "
                              "--bbox: expected W,S,E,N in degrees") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValidationError("--bbox 须满足 -180 ≤ W < E ≤ 180、-90 ≤ S < N ≤ 90 / "
                              "--bbox: expected W < E within ±180 and S < N within ±90")
    return west, south, east, north


def parse_zooms(text: str) -> tuple[int, ...]:
    """``10-18`` or ``15``, or a one-line refusal."""
    low_text, _, high_text = text.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if high_text else low
    except ValueError:
        raise ValidationError(f"--zoom 应为 层级 或 起-止（如 10-18），实为 {text!r} / "
                              "--zoom: expected a level or a range like 10-18") from None
    if not 0 <= low <= high <= 22:
        raise ValidationError("--zoom 须在 0–22 之间且起 ≤ 止 / --zoom: expected 0 ≤ from ≤ to ≤ 22")
    return tuple(range(low, high + 1))


def plan(source: TileSource, bbox: Bounds, zooms: tuple[int, ...],
         max_tiles: int = DEFAULT_MAX_TILES) -> FetchPlan:
    """Check the box and zooms against the source; one-line refusals."""
    if source.mbtiles is not None:
        raise ValidationError(f"底图 {source.name} 是离线文件，无需下载 / {source.name} is a file already")
    if source.matrix == "w" and (bbox[1] < -MERCATOR_MAX_LAT or bbox[3] > MERCATOR_MAX_LAT):
        raise ValidationError("--bbox 超出墨卡托范围（纬度 ±85.05°）/ beyond Web Mercator's ±85.05°")
    low, high = source.min_zoom, source.max_zoom
    if zooms[0] < low or zooms[-1] > high:
        raise ValidationError(f"--zoom 超出底图 {source.name} 的层级 {low}–{high} / "
                              f"--zoom outside the source's levels {low}-{high}")
    total = sum(tile_count(source.matrix, z, bbox) for z in zooms)
    if total > max_tiles:
        raise ValidationError(f"共 {total} 块瓦片，超过上限 {max_tiles}（缩小范围或层级，或用 "
                              f"--max-tiles）/ {total} tiles, more than {max_tiles}")
    return FetchPlan(source, bbox, zooms, total)


def open_output(path: Path, source: TileSource) -> MBTiles:
    """The file to fill: a new one, or one of the same tile matrix to go on with."""
    if path.exists():
        try:
            f = MBTiles(path, writable=True)
        except MBTilesError as exc:
            raise ValidationError(str(exc)) from exc
        if f.matrix != source.matrix:
            f.close()
            raise ValidationError(f"{path} 的瓦片矩阵为 {f.matrix}，底图为 {source.matrix} / "
                                  "the file holds another tile matrix")
        return f
    if not path.parent.is_dir():
        raise ValidationError(f"目录不存在：{path.parent} / no such directory")
    return MBTiles(path, writable=True, matrix=source.matrix)


def _image(data: bytes, url: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValidationError(f"{_redacted(url)} 的回答不是图片（密钥错误或超出配额？）/ "
                              "the answer is not an image (a wrong key or quota?)") from exc
    return image


def _redacted(url: str) -> str:
    """The URL without its key, for messages."""
    head, sep, _ = url.partition("tk=")
    return head + (sep + "…" if sep else "")


def _compose(layers: list[bytes], urls: list[str]) -> bytes:
    """One image of a tile's layers, bottom to top (a single layer is stored as fetched)."""
    if len(layers) == 1:
        _image(layers[0], urls[0])  # refuse an error page stored as a tile
        return layers[0]
    base = _image(layers[0], urls[0]).convert("RGBA")
    for data, url in zip(layers[1:], urls[1:], strict=True):
        base.alpha_composite(_image(data, url).convert("RGBA").resize(base.size))
    out = io.BytesIO()
    base.save(out, format="PNG")
    return out.getvalue()


def fetch(job: FetchPlan, out: MBTiles, *, rate: float = DEFAULT_RATE,
          session: requests.Session | None = None,
          progress: Callable[[int, FetchResult], None] = lambda _done, _result: None,
          sleep: Callable[[float], None] = time.sleep,
          clock: Callable[[], float] = time.monotonic) -> FetchResult:
    """Fetch every tile of ``job`` the file lacks; ``progress(done, result)`` after each."""
    http = session or requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    result = FetchResult()
    interval = 1.0 / rate
    next_at = clock()
    out.set_metadata({"name": job.source.name, "format": "png",
                      "bounds": ",".join(f"{v:.6f}" for v in job.bbox),
                      "minzoom": str(min([*job.zooms, *out.zooms()])),
                      "maxzoom": str(max([*job.zooms, *out.zooms()])),
                      "attribution": job.source.attribution,
                      "citydesk_matrix": job.source.matrix})
    for done, (z, x, y) in enumerate(job.tiles(), 1):
        if out.has(z, x, y):
            result.skipped += 1
            progress(done, result)
            continue
        layers, urls = [], []
        for layer in range(job.source.layer_count):
            wait = next_at - clock()
            if wait > 0:
                sleep(wait)
            next_at = max(next_at, clock()) + interval
            url = job.source.url(layer, z, x, y)
            try:
                answer = http.get(url, timeout=30)
            except requests.RequestException as exc:
                raise ValidationError(f"{_redacted(url)} 无法访问（{type(exc).__name__}）/ "
                                      "unreachable; run again to resume") from exc
            if answer.status_code == 404:
                break
            if answer.status_code != 200:
                raise ValidationError(f"{_redacted(url)} 回答 HTTP {answer.status_code}"
                                      "（密钥、配额或访问限制？再次运行可续传）/ "
                                      f"HTTP {answer.status_code}; run again to resume")
            layers.append(answer.content)
            urls.append(url)
        if len(layers) == job.source.layer_count:
            out.put(z, x, y, _compose(layers, urls))
            result.fetched += 1
        else:
            result.missing += 1
        progress(done, result)
    return result
