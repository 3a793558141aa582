"""Read a survey file's features: GeoJSON, Shapefile, GeoPackage, or a CSV / XLSX table.

Every format comes out the same way — numbered features with their attributes and a
GeoJSON-like geometry mapping in the file's own coordinates — so the checks after it
(:mod:`console.domain.grid_checks`, :mod:`console.domain.component_rows`) know no format.

* **GeoJSON** is read with :mod:`json` (it is text): an unclosed ring is then still visible,
  where GDAL would close it silently, so a half-drawn cell is refused instead of guessed.
* **Shapefile and GeoPackage** through pyogrio (GDAL's vector drivers, vectorised, no
  geopandas needed): the geometry comes as WKB, turned into a mapping by shapely; the layer's
  declared coordinate system (a Shapefile's .prj) is returned beside the features.
* **CSV / XLSX** (components only): :func:`console.intake.file_import.table_rows`, the reader
  of the case and gazetteer imports; no geometry, the position is in the columns.

A file that cannot be read is one :class:`ValidationError` line naming it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.domain.errors import ValidationError

#: The most features a survey file may hold (a megacity has ~100 000 cells or components).
MAX_FEATURES = 500_000
#: The largest GeoJSON read whole into memory.
MAX_JSON_BYTES = 512 * 1024 * 1024

VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")


@dataclass(frozen=True, slots=True)
class SourceFeature:
    """One feature (or table row): its 1-based number, attributes and geometry mapping."""

    number: int
    props: dict[str, Any]
    geometry: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SourceFile:
    """What a file holds: its features and the coordinate system it declares (WKT or None)."""

    features: list[SourceFeature]
    declared_crs: str | None = None
    columns: list[str] = field(default_factory=list)


def read_features(path: Path, *, tables: bool = False, layer: str | None = None) -> SourceFile:
    """The features of a vector file (and, with ``tables``, of a CSV / XLSX table)."""
    if not path.is_file():
        raise ValidationError(f"找不到文件 {path} / file not found")
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return _geojson(path)
    if suffix in (".shp", ".gpkg"):
        return _ogr(path, layer)
    if tables and suffix in TABLE_SUFFIXES:
        return _table(path, layer)
    kinds = VECTOR_SUFFIXES + (TABLE_SUFFIXES if tables else ())
    raise ValidationError(f"只能导入 {'、'.join(kinds)} 文件，不能导入 {suffix or '无扩展名'} / "
                          "unsupported file type")


def _geojson(path: Path) -> SourceFile:
    if path.stat().st_size > MAX_JSON_BYTES:
        raise ValidationError(f"{path.name} 超过 {MAX_JSON_BYTES >> 20} MB / file too large")
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"),
                          parse_constant=lambda name: math.nan)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValidationError(f"{path.name} 不是 UTF-8 的 JSON（{str(exc)[:80]}）/ not JSON") \
            from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ValidationError(f"{path.name} 应为含 features 列表的 GeoJSON FeatureCollection / "
                              "expected a FeatureCollection")
    _bound(path, len(features))
    out = []
    for n, feature in enumerate(features, 1):
        if not isinstance(feature, dict):
            feature = {}
        props = feature.get("properties")
        geometry = feature.get("geometry")
        out.append(SourceFeature(n, dict(props) if isinstance(props, dict) else {},
                                 geometry if isinstance(geometry, dict) else None))
    return SourceFile(out, None, sorted({k for f in out for k in f.props}))


def _ogr(path: Path, layer: str | None) -> SourceFile:
    import pyogrio
    import shapely
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        meta, _fids, geometry, values = pyogrio.raw.read(path, layer=layer)
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise ValidationError(f"无法读取 {path.name}（{str(exc).splitlines()[0][:120]}）/ "
                              "cannot read the file") from None
    names = [str(n) for n in meta["fields"]]
    count = 0 if geometry is None else len(geometry)
    _bound(path, count)
    shapes = shapely.from_wkb(geometry) if count else []
    out = []
    for i in range(count):
        props = {name: _plain(column[i]) for name, column in zip(names, values, strict=True)}
        shape = shapes[i]
        mapping = None if shape is None or shape.is_empty else shapely.geometry.mapping(shape)
        out.append(SourceFeature(i + 1, props, mapping))
    return SourceFile(out, meta.get("crs") or None, names)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value (NaN and None as None)."""
    if value is None:
        return None
    item = getattr(value, "item", None)
    value = item() if callable(item) else value
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _table(path: Path, sheet: str | None) -> SourceFile:
    from console.intake.file_import import table_rows

    rows = table_rows(path, sheet)
    if not rows:
        raise ValidationError(f"{path.name} 是空表 / the table is empty")
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    # Row numbers as a spreadsheet shows them (the heading is row 1), blank rows skipped.
    body = [(n, row) for n, row in enumerate(rows[1:], 2)
            if any(c is not None and str(c).strip() for c in row)]
    _bound(path, len(body))
    out = [SourceFeature(n, {h: (row[i] if i < len(row) else None)
                             for i, h in enumerate(headers) if h})
           for n, row in body]
    return SourceFile(out, None, [h for h in headers if h])


def _bound(path: Path, count: int) -> None:
    if count > MAX_FEATURES:
        raise ValidationError(f"{path.name} 有 {count} 个要素，超过 {MAX_FEATURES} / too many "
                              "features")
    if count == 0:
        raise ValidationError(f"{path.name} 没有要素 / the file holds no features")
