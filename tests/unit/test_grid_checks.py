"""A centre's own grid: codes, validity, overlaps and gaps (console.domain.grid_checks), and
the coordinate systems a survey file comes in (console.geo_crs)."""

from __future__ import annotations

import pytest

from console.domain.coords import wgs84_to_bd09, wgs84_to_gcj02
from console.domain.errors import ValidationError
from console.domain.grid_checks import grid_diff, grid_problems
from console.domain.reference import GridCell
from console.geo_crs import parse_source_crs

COUNTY = "330824"
STEP = 0.003


def square(code: str, west: float, south: float, size: float = STEP) -> GridCell:
    ring = ((west, south), (west + size, south), (west + size, south + size),
            (west, south + size), (west, south))
    return GridCell(code, code[:9], "街道", code[:12], "社区", ring)


def block(n: int = 3, west: float = 118.40, south: float = 29.14) -> list[tuple[int, GridCell]]:
    """n × n cells, row by row from the south-west, numbered as features 1, 2, …"""
    cells = []
    for j in range(n):
        for i in range(n):
            k = j * n + i + 1
            cells.append((k, square(f"330824001001{k:03d}", west + i * STEP, south + j * STEP)))
    return cells


def test_a_seamless_grid_has_no_problems() -> None:
    assert grid_problems(block(), COUNTY) == []


def test_codes_county_street_and_duplicates() -> None:
    cells = block(2)
    cells[0] = (1, square("33082400100100", 118.40, 29.14))  # 14 digits
    cells[1] = (2, square("330825001001002", 118.40 + STEP, 29.14))  # another county
    cells[3] = (4, square("330824001001003", 118.40 + STEP, 29.14 + STEP))  # duplicate of 3
    lines = [p.line for p in grid_problems(cells, COUNTY, {3: {"street_code": "330824002"}})]
    assert any("第 1 个要素" in line and "15 位数字" in line for line in lines)
    assert any("第 2 个要素" in line and "330824" in line for line in lines)
    assert any("第 3 个要素" in line and "street_code 330824002" in line for line in lines)
    assert any("第 4 个要素" in line and "第 3 个要素重复" in line for line in lines)


def test_a_self_intersecting_polygon_is_named_with_its_place() -> None:
    bow = ((118.40, 29.14), (118.403, 29.143), (118.403, 29.14), (118.40, 29.143),
           (118.40, 29.14))
    cell = GridCell("330824001001001", "330824001", "街道", "330824001001", "社区", bow)
    (problem,) = grid_problems([(1, cell)], COUNTY)
    assert "多边形无效" in problem.text and "Self-intersection" in problem.text
    lon, lat = (float(v) for v in problem.text.split("位于 ")[1].split(" /")[0].split(", "))
    assert lon == pytest.approx(118.4015, abs=1e-5) and lat == pytest.approx(29.1415, abs=1e-5)


def test_an_overlap_and_a_gap_are_reported_with_area_and_place() -> None:
    cells = block(3)
    # Cell 9 (north-east) pushed 0.001° west: it overlaps cell 8 and leaves a strip uncovered
    # at the east edge — not a gap (outside the union); cell 5 (the middle) removed: a hole.
    cells[8] = (9, square("330824001001009", 118.40 + 2 * STEP - 0.001, 29.14 + 2 * STEP))
    del cells[4]
    problems = grid_problems(cells, COUNTY)
    overlaps = [p for p in problems if "重叠" in p.text]
    gaps = [p for p in problems if "缝隙" in p.text]
    assert len(overlaps) == 1 and len(gaps) == 1
    assert "330824001001009" in overlaps[0].line or "330824001001008" in overlaps[0].line
    # 0.001° × 0.003° at 29.1° N: ~97 m × ~334 m
    area = float(overlaps[0].text.split("重叠 ")[1].split(" m²")[0].replace(",", ""))
    assert area == pytest.approx(0.001 * 0.003 * 111_195 ** 2 * 0.8738, rel=0.01)
    gap_area = float(gaps[0].text.split("有 ")[1].split(" m²")[0].replace(",", ""))
    assert gap_area == pytest.approx(STEP * STEP * 111_195 ** 2 * 0.8738, rel=0.01)
    lon, lat = (float(v) for v in gaps[0].text.split("位于 ")[1].split(" /")[0].split(", "))
    assert 118.403 < lon < 118.406 and 29.143 < lat < 29.146  # inside the missing cell


def test_diff_added_changed_removed() -> None:
    old = [c for _, c in block(2)]
    new = [c for _, c in block(2)[:3]]
    new[0] = square(new[0].code, 118.40, 29.14, STEP * 1.01)
    new.append(square("330824001001005", 118.50, 29.14))
    diff = grid_diff(old, new)
    assert diff.added == ("330824001001005",)
    assert diff.changed == ("330824001001001",)
    assert diff.removed == ("330824001001004",)
    assert diff.unchanged == 2


@pytest.mark.parametrize(("name", "forward"),
                         [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_chinese_datums_come_back_to_wgs84(name: str, forward: object) -> None:
    crs = parse_source_crs(name)
    lon, lat = 118.4123, 29.1456
    shifted = forward(lon, lat)  # type: ignore[operator]
    assert abs(shifted[0] - lon) > 1e-3  # the datum moves the point by hundreds of metres
    back = crs.point(*shifted)
    assert back == pytest.approx((lon, lat), abs=1e-7)


def test_epsg_codes_through_pyproj() -> None:
    from pyproj import Transformer

    # EPSG:4549: CGCS2000 / 3-degree Gauss-Kruger CM 120E, in metres (a county survey's system)
    to_4549 = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    x, y = to_4549.transform(118.4123, 29.1456)
    assert x > 300_000 and y > 3_000_000  # metres, not degrees
    assert parse_source_crs("EPSG:4549").point(x, y) == pytest.approx((118.4123, 29.1456),
                                                                       abs=1e-7)
    # EPSG:4490 is CGCS2000 lon/lat: within centimetres of WGS-84
    assert parse_source_crs("epsg:4490").point(118.4, 29.1) == pytest.approx((118.4, 29.1),
                                                                              abs=1e-6)


@pytest.mark.parametrize("text", ["mars", "EPSG:", "EPSG:99999", "4326"])
def test_an_unknown_crs_is_one_line(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_source_crs(text)
    assert "\n" not in info.value.message


def test_metres_read_as_degrees_are_refused() -> None:
    with pytest.raises(ValidationError, match="wrong --crs"):
        parse_source_crs("wgs84").point(402_000.0, 3_225_000.0)
