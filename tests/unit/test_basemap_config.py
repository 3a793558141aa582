"""centre.yaml's ``basemap:`` sources: read, refused in one line, stored, made drawable."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from console.domain.basemap import BasemapSource, basemap_from_json, basemap_to_json
from console.domain.errors import ValidationError
from console.reference_files import load_config
from console.tile_sources import find_source, tile_source
from widgets.tiles.mbtiles import MBTiles

GOOD = [
    {"name": "天地图矢量", "kind": "tianditu", "layer": "vec", "labels": "cva", "matrix": "c",
     "key_env": "TIANDITU_TK"},
    {"name": "osm", "kind": "xyz", "url": "https://{s}.tile.example/{z}/{x}/{y}.png",
     "subdomains": ["a", "b"], "attribution": "© OpenStreetMap contributors", "max_zoom": 19},
    {"name": "离线", "kind": "mbtiles", "path": "kaihua.mbtiles", "attribution": "生成"},
]


def _centre_yaml(tmp_path: Path, basemap: object) -> Path:
    path = tmp_path / "centre.yaml"
    path.write_text(yaml.safe_dump({"name": "测试中心", "basemap": basemap}, allow_unicode=True),
                    encoding="utf-8")
    return path


def test_sources_are_read_stored_and_restored(tmp_path: Path) -> None:
    config = load_config(_centre_yaml(tmp_path, GOOD))
    tdt, osm, offline = config.basemap
    assert tdt == BasemapSource("天地图矢量", "tianditu", layer="vec", labels="cva", matrix="c",
                                key_env="TIANDITU_TK", attribution="© 天地图 www.tianditu.gov.cn")
    assert osm.subdomains == ("a", "b") and osm.max_zoom == 19 and osm.matrix == "w"
    assert offline.path == "kaihua.mbtiles"
    assert basemap_from_json(basemap_to_json(config.basemap)) == config.basemap
    assert load_config(_centre_yaml(tmp_path, None)).basemap == ()


@pytest.mark.parametrize(("basemap", "field", "words"), [
    ([GOOD[0] | {"tk": "0123456789abcdef0123456789abcdef"}], "basemap[1].tk", "密钥不得写入文件"),
    ([GOOD[0] | {"key_env": "bac31128a02d7b76788548a33ac6817b"}], "basemap[1].key_env",
     "不是密钥本身"),
    ([GOOD[1] | {"url": "https://x.example/{z}/{x}/{y}.png?tk=bac31128a02d7b76"}],
     "basemap[1].url", "密钥不得写入文件"),
    ([GOOD[0] | {"matrix": "m"}], "basemap[1].matrix", "c（经纬度）或 w"),
    ([GOOD[0] | {"layer": "road"}], "basemap[1].layer", "vec"),
    ([GOOD[1] | {"url": "https://x.example/{z}/{x}.png"}], "basemap[1].url", "缺少 {y}"),
    ([GOOD[1] | {"subdomains": []}], "basemap[1].subdomains", "{s}"),
    ([GOOD[2] | {"url": "https://x"}], "basemap[1].url", "没有此字段"),
    ([{"name": "x", "kind": "wms"}], "basemap[1].kind", "不是"),
    ([GOOD[2], GOOD[2]], "basemap[2].name", "重名"),
    ([GOOD[1] | {"min_zoom": 12, "max_zoom": 10}], "basemap[1].max_zoom", "小于"),
])
def test_a_bad_source_is_one_line_naming_its_field(tmp_path: Path, basemap: object, field: str,
                                                   words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_config(_centre_yaml(tmp_path, basemap))
    message = caught.value.message
    assert "\n" not in message and "centre.yaml" in message and words in message, message
    assert f"字段 {field}" in message, message
    assert "bac31128a02d" not in message  # the refused key is not echoed back


def test_tile_source_reads_the_key_from_the_environment(tmp_path: Path) -> None:
    tdt = load_config(_centre_yaml(tmp_path, GOOD)).basemap[0]
    with pytest.raises(ValidationError, match=r"TIANDITU_TK"):
        tile_source(tdt, environ={})
    source = tile_source(tdt, environ={"TIANDITU_TK": "k123"})
    assert source.matrix == "c" and len(source.urls) == 2 and source.key == "k123"
    assert "k123" not in "".join(source.urls)  # the templates never hold the key
    assert "cva_c/wmts" in source.url(1, 10, 850, 170) and "tk=k123" in source.url(1, 10, 1, 2)


def test_tile_source_of_an_mbtiles_file(tmp_path: Path) -> None:
    path = tmp_path / "city.mbtiles"
    offline = BasemapSource("离线", "mbtiles", path=str(path))
    with pytest.raises(ValidationError, match="找不到 MBTiles"):
        tile_source(offline)
    f = MBTiles(path, writable=True, matrix="c")
    f.put(14, 1, 1, b"x")
    f.put(16, 1, 1, b"x")
    f.close()
    source = tile_source(offline)
    assert (source.matrix, source.min_zoom, source.max_zoom) == ("c", 14, 16)
    with pytest.raises(ValidationError, match="没有名为 'x' 的底图"):
        find_source((offline,), "x")
    assert find_source((offline,), "离线") is offline
