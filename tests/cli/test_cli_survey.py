"""``citydesk grid import``, ``components import`` and ``route --lon --lat`` on SQLite and
PostgreSQL: a GCJ-02 grid lands converted, a bad grid is refused naming its overlaps and gaps
and changes nothing, components land or are quarantined and route owner first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from console.domain.coords import wgs84_to_gcj02
from tests.cli.conftest import fingerprint, run

STEP = 0.003
WEST, SOUTH = 118.40, 29.14  # the county seat of Kaihua


def cells(n: int = 3) -> list[tuple[str, list[tuple[float, float]]]]:
    """n × n WGS-84 squares of 0.003° (~290 × 330 m), codes 330824001001001 …, row by row."""
    out = []
    for j in range(n):
        for i in range(n):
            w, s = WEST + i * STEP, SOUTH + j * STEP
            ring = [(w, s), (w + STEP, s), (w + STEP, s + STEP), (w, s + STEP), (w, s)]
            out.append((f"330824001001{j * n + i + 1:03d}", ring))
    return out


def geojson(path: Path, grid: list[tuple[str, list[tuple[float, float]]]],
            datum: Any = None, **extra: Any) -> Path:
    features = [{"type": "Feature",
                 "properties": {"BGID": code, "BGNAME": f"测试网格{code[-3:]}", **extra},
                 "geometry": {"type": "Polygon", "coordinates": [
                     [list(datum(*p)) if datum else list(p) for p in ring]]}}
                for code, ring in grid]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def centre_of(code: str) -> tuple[float, float]:
    k = int(code[-3:]) - 1
    return WEST + (k % 3 + 0.5) * STEP, SOUTH + (k // 3 + 0.5) * STEP


def route_cell(url: str, lon: float, lat: float) -> dict[str, Any]:
    result = run(url, "route", "--lon", str(lon), "--lat", str(lat), "--json")
    assert result.code == 0, result.err
    return dict(json.loads(result.out)["cell"])


def test_a_gcj02_grid_is_imported_and_route_names_the_cell(cli_db: str, tmp_path: Path) -> None:
    path = geojson(tmp_path / "grid_gcj02.geojson", cells(), wgs84_to_gcj02)
    made = run(cli_db, "case", "new", "--category", "06010", "--desc", "垃圾", "--lon",
               "118.4045", "--lat", "29.1435", "--json", user="caiji01")  # in Kaihua's 021
    case = json.loads(made.out)
    before = fingerprint(cli_db)
    dry = run(cli_db, "grid", "import", str(path), "--crs", "gcj02", "--dry-run")
    assert dry.code == 0, dry.err
    assert "试运行" in dry.out and "新增 0" in dry.out and "变更 9" in dry.out
    assert f"{case['case_no']}: 330824001001021 → 330824001001005" in dry.out
    assert fingerprint(cli_db) == before  # the dry run wrote nothing
    done = run(cli_db, "grid", "import", str(path), "--crs", "gcj02", "--json")
    assert done.code == 0, done.err
    report = json.loads(done.out)
    assert report["kept"] and len(report["changed"]) == 9 and report["removed"]
    shown = json.loads(run(cli_db, "case", "show", str(case["id"]), "--json").out)
    assert shown["grid"] == "330824001001021"  # the case keeps its cell
    # WGS-84 points: the middle of cell 5, and near the south-west corner of cell 9. Read as
    # WGS-84 the GCJ-02 rings lie ~470 m east and ~300 m north: other cells, or none.
    for code in ("330824001001005", "330824001001009"):
        lon, lat = centre_of(code)
        cell = route_cell(cli_db, lon, lat)
        assert (cell["code"], cell["name"]) == (code, f"测试网格{code[-3:]}")
        assert cell["street"] == "芹阳办事处"  # names of the stored street kept
        assert cell["locality_unit"]["code"] == "KH-QYBSC-001"
    text = run(cli_db, "route", "--lon", str(centre_of("330824001001005")[0]),
               "--lat", str(centre_of("330824001001005")[1]))
    assert "330824001001005 测试网格005" in text.out
    # citydesk init (an upgrade) leaves the imported grid alone
    assert run(cli_db, "init").code == 0
    assert route_cell(cli_db, *centre_of("330824001001005"))["name"] == "测试网格005"
    outside = run(cli_db, "route", "--lon", "118.38", "--lat", "29.05")
    assert outside.code == 2 and "不在本县任何单元网格内" in outside.err


def test_overlaps_and_gaps_are_refused_with_their_places(cli_db: str, tmp_path: Path) -> None:
    grid = cells()
    code9, ring9 = grid[8]
    grid[8] = (code9, [(x - 0.001, y) for x, y in ring9])  # over cell 8
    del grid[4]  # a hole where cell 5 was
    path = geojson(tmp_path / "bad.geojson", grid)
    before = fingerprint(cli_db)
    result = run(cli_db, "grid", "import", str(path))
    assert result.code == 2
    lines = result.err.strip().splitlines()
    overlap = next(line for line in lines if "重叠" in line)
    gap = next(line for line in lines if "缝隙" in line)
    assert "330824001001009" in overlap or "330824001001008" in overlap
    lon, lat = (float(v) for v in overlap.split("位于 ")[1].split(" /")[0].split(", "))
    assert 118.405 <= lon <= 118.406 and 29.146 <= lat <= 29.149
    lon, lat = (float(v) for v in gap.split("位于 ")[1].split(" /")[0].split(", "))
    assert 118.403 <= lon <= 118.406 and 29.143 <= lat <= 29.146
    assert "Traceback" not in result.err
    assert fingerprint(cli_db) == before


def test_bad_features_each_get_a_line(cli_db: str, tmp_path: Path) -> None:
    grid = cells(2)
    grid[0] = ("330824001001", grid[0][1])  # 12 digits
    grid[1] = (grid[1][0], grid[1][1][:-1])  # not closed
    path = geojson(tmp_path / "bad.geojson", grid)
    before = fingerprint(cli_db)
    result = run(cli_db, "grid", "import", str(path), "--crs", "wgs84")
    assert result.code == 2
    assert "第 1 个要素" in result.err and "15 位数字" in result.err
    assert "第 2 个要素" in result.err and "未闭合" in result.err
    as_json = run(cli_db, "grid", "import", str(path), "--json")
    assert as_json.code == 2
    assert len(json.loads(as_json.out)["problems"]) == 2
    for argv, words in ((["--crs", "mars"], "--crs"), (["--code-field", "NOPE"], "NOPE")):
        refused = run(cli_db, "grid", "import", str(path), *argv)
        assert refused.code == 2 and words in refused.err
        assert len(refused.err.strip().splitlines()) == 1
    missing = run(cli_db, "grid", "import", str(tmp_path / "none.geojson"))
    assert missing.code == 2 and "找不到文件" in missing.err
    assert run(cli_db, "grid", "import", str(path), user="paiqian1").code == 3
    assert fingerprint(cli_db) == before


def test_a_geopackage_in_a_gauss_kruger_zone(cli_db: str, tmp_path: Path) -> None:
    import numpy as np
    import pyogrio
    import shapely
    from pyproj import Transformer

    to_4549 = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    grid = cells()
    shapes = [shapely.Polygon([to_4549.transform(x, y) for x, y in ring]) for _, ring in grid]
    path = tmp_path / "grid.gpkg"
    pyogrio.raw.write(path, shapely.to_wkb(shapes), [np.array([c for c, _ in grid])],
                      fields=["网格编码"], geometry_type="Polygon", crs="EPSG:4549",
                      driver="GPKG")
    done = run(cli_db, "grid", "import", str(path))  # the layer says EPSG:4549
    assert done.code == 0, done.err
    assert route_cell(cli_db, *centre_of("330824001001007"))["code"] == "330824001001007"


COMPONENTS = """部件标识码,部件名称,类别,权属单位,养护单位,状态,经度,纬度,材质
33082401002900001,污水井盖-测试,01002,KH-GDGS,县住房和城乡建设局,完好,{lon},{lat},铸铁
33082499999900002,无类别,,KH-ZJJ,,完好,{lon},{lat},
33082401002900003,事件类,06014,KH-ZJJ,,完好,{lon},{lat},
33082401002900004,未知权属,01002,某公司,,完好,{lon},{lat},
33082401002900005,无位置,01002,KH-ZJJ,,完好,,,
33082401002900006,远方,01002,KH-ZJJ,,完好,116.4,39.9,
33082401002900001,重复,01002,KH-ZJJ,,完好,{lon},{lat},
"""


def test_components_land_or_are_quarantined_and_route_owner_first(
        cli_db: str, tmp_path: Path) -> None:
    lon, lat = wgs84_to_gcj02(118.4015, 29.1474)
    path = tmp_path / "部件普查.csv"
    path.write_text(COMPONENTS.format(lon=lon, lat=lat), encoding="utf-8")
    before = fingerprint(cli_db)
    dry = run(cli_db, "components", "import", str(path), "--crs", "gcj02", "--dry-run",
              "--json")
    assert dry.code == 0, dry.err
    report = json.loads(dry.out)
    assert (report["landed"], report["added"], report["quarantined"]) == (1, 1, 6)
    assert report["reasons"] == {"unknown_category": 1, "not_component": 1, "unknown_owner": 1,
                                 "no_position": 1, "outside": 1, "duplicate": 1}
    assert fingerprint(cli_db) == before
    done = run(cli_db, "components", "import", str(path), "--crs", "gcj02")
    assert done.code == 0 and "新增 1" in done.out
    routed = run(cli_db, "route", "--category", "01002", "--component", "33082401002900001",
                 "--json")
    assert routed.code == 0, routed.err
    assert json.loads(routed.out)["unit"]["code"] == "KH-GDGS"  # its owner, not the category's
    shown = run(cli_db, "route", "--lon", "118.4015", "--lat", "29.1474", "--json")
    assert json.loads(shown.out)["cell"]["code"] == "330824001001001"


def test_a_table_without_an_id_column_is_refused(cli_db: str, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("名称,经度,纬度\n井盖,118.4,29.14\n", encoding="utf-8")
    before = fingerprint(cli_db)
    result = run(cli_db, "components", "import", str(path))
    assert result.code == 2 and "标识码" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert fingerprint(cli_db) == before


@pytest.mark.parametrize("argv", [["route"], ["route", "--lon", "118.4"]])
def test_route_needs_a_category_or_a_place(cli_db: str, argv: list[str]) -> None:
    result = run(cli_db, *argv)
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1


def test_a_shapefile_grid_and_components_from_geopackage_and_xlsx(cli_db: str,
                                                                  tmp_path: Path) -> None:
    import numpy as np
    import pyogrio
    import shapely
    from openpyxl import Workbook
    from pyproj import Transformer

    grid = cells()
    shp = tmp_path / "grid.shp"
    pyogrio.raw.write(shp, shapely.to_wkb([shapely.Polygon(r) for _, r in grid]),
                      [np.array([c for c, _ in grid]), np.array([f"网格{c[-3:]}" for c, _ in grid])],
                      fields=["BGID", "BGNAME"], geometry_type="Polygon", crs="EPSG:4326",
                      driver="ESRI Shapefile", encoding="UTF-8")
    done = run(cli_db, "grid", "import", str(shp))
    assert done.code == 0, done.err
    assert route_cell(cli_db, *centre_of("330824001001002"))["name"] == "网格002"
    to_4549 = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    gpkg = tmp_path / "parts.gpkg"
    lon, lat = centre_of("330824001001003")
    pyogrio.raw.write(gpkg, shapely.to_wkb([shapely.Point(to_4549.transform(lon, lat)),
                                            shapely.Point(to_4549.transform(118.0, 29.0))]),
                      [np.array(["33082401002000501", "33082401002000502"]),
                       np.array(["KH-GDGS", "KH-GDGS"])],
                      fields=["ObjID", "DeptCode2"], geometry_type="Point", crs="EPSG:4549",
                      driver="GPKG")
    book = Workbook()
    sheet = book.active
    sheet.append(["GLBJBSM", "GLBJMC", "PointX", "PointY"])
    sheet.append(["33082401002000503", "表格井盖", lon, lat])
    xlsx = tmp_path / "parts.xlsx"
    book.save(xlsx)
    from_gpkg = run(cli_db, "components", "import", str(gpkg), "--json")
    assert from_gpkg.code == 0, from_gpkg.err
    report = json.loads(from_gpkg.out)
    assert (report["added"], report["reasons"]) == (1, {"outside": 1})
    from_xlsx = run(cli_db, "components", "import", str(xlsx), "--json")
    assert json.loads(from_xlsx.out)["added"] == 1, from_xlsx.err
    for part, unit in (("33082401002000501", "KH-GDGS"), ("33082401002000503", "KH-ZJJ")):
        routed = json.loads(run(cli_db, "route", "--category", "01002", "--component", part,
                                "--json").out)
        assert routed["unit"]["code"] == unit  # the owner, else the category's department
