"""The camera registry's pure rules: codes, rows of a registry file, which cameras see a place."""

from __future__ import annotations

import pytest

from console.domain.camera_platforms import url_problem
from console.domain.camera_rows import columns, read_rows
from console.domain.cameras import Camera, check_radius, code_problem, rank_near
from console.domain.cell_finder import CellFinder
from console.domain.coords import Crs, wgs84_to_gcj02
from console.domain.errors import ValidationError
from console.domain.reference import GridCell

GB = "33082400001320000001"  # 3308240000 + type 132 + serial


def _cell(code: str, x0: float, y0: float, size: float = 0.0015) -> GridCell:
    ring = ((x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size), (x0, y0))
    return GridCell(code, code[:9], "街道", code[:12], "社区", ring)


CELLS = [_cell("330824001001001", 118.4008, 29.1468), _cell("330824001001002", 118.4023, 29.1468)]
HEAD = ["编码", "名称", "分组", "经度", "纬度", "主码流", "平台", "平台编号", "云台"]


def _camera(code: str, lon: float, lat: float, cell: str | None) -> Camera:
    return Camera(0, code, code, "", lon, lat, cell, "", "", "rtsp://h/1", "", False)


@pytest.mark.parametrize(("code", "problem"), [
    (GB, None), ("33082400001310000001", None), ("cam-01", None), ("HK.A:7_x", None),
    ("3308240000132000000", "20 位"), ("33082400001110000001", "不是摄像机类型"),
    ("", "没有编码"), ("摄像机一", "编码只能含"), ("a" * 65, "最多 64"),
])
def test_codes(code: str, problem: str | None) -> None:
    found = code_problem(code)
    assert (found is None) if problem is None else (found is not None and problem in found)


@pytest.mark.parametrize(("url", "ok"), [
    ("rtsp://10.0.0.7:554/Streaming/101", True), ("file:///tmp/a.mp4", True),
    ("https://hls.example/x.m3u8", True), ("rtsp://admin:secret@10.0.0.7/1", False),
    ("ftp://host/x", False), ("rtsp:///nohost", False), ("rtsp://h:port/x", False),
])
def test_stream_urls(url: str, ok: bool) -> None:
    assert (url_problem(url) is None) is ok


def test_rows_become_cameras_in_wgs84_with_their_cell() -> None:
    lon, lat = wgs84_to_gcj02(118.4015, 29.1475)
    lon2, lat2 = wgs84_to_gcj02(118.4030, 29.1475)
    rows = [(2, [GB, "解放街口", "芹阳", lon, lat, "rtsp://10.0.0.7/1", "", "", "是"]),
            (3, ["wvp-9", "新华路", "", lon2, lat2, "", "wvp1", "3402/3402001", ""])]
    reading = read_rows(HEAD, rows, Crs.GCJ02, CellFinder(CELLS))
    assert reading.problems == []
    first = reading.cameras[0]
    assert (first.cell, first.ptz, first.group) == ("330824001001001", True, "芹阳")
    assert abs(first.lon - 118.4015) < 1e-5 and abs(first.lat - 29.1475) < 1e-5  # converted
    assert reading.cameras[1].platform == "wvp1"


@pytest.mark.parametrize(("row", "reason"), [
    (["", "x", "", 118.4015, 29.1475, "rtsp://h/1", "", "", ""], "没有编码"),
    ([GB, "", "", 118.4015, 29.1475, "rtsp://h/1", "", "", ""], "没有名称"),
    ([GB, "x", "", "东经", 29.1475, "rtsp://h/1", "", "", ""], "坐标不是有效"),
    ([GB, "x", "", 116.4, 39.9, "rtsp://h/1", "", "", ""], "不在本中心的网格"),
    ([GB, "x", "", 118.4015, 29.1475, "", "", "", ""], "既没有主码流"),
    ([GB, "x", "", 118.4015, 29.1475, "", "wvp1", "", ""], "平台编号"),
    ([GB, "x", "", 118.4015, 29.1475, "rtsp://u:p@h/1", "", "", ""], "不得含密码"),
    ([GB, "x", "", 118.4015, 29.1475, "rtsp://h/1", "", "", "也许"], "云台"),
])
def test_bad_rows_say_why_with_their_row_number(row: list[object], reason: str) -> None:
    reading = read_rows(HEAD, [(7, row)], Crs.WGS84, CellFinder(CELLS))
    assert reading.cameras == [] and len(reading.problems) == 1
    assert reading.problems[0].row == 7 and reason in reading.problems[0].reason
    assert reading.problems[0].text.startswith("第 7 行")


def test_a_repeated_code_is_a_problem_of_the_later_row() -> None:
    row = [GB, "x", "", 118.4015, 29.1475, "rtsp://h/1", "", "", ""]
    reading = read_rows(HEAD, [(2, row), (3, row)], Crs.WGS84, CellFinder(CELLS))
    assert [p.row for p in reading.problems] == [3] and "第 2 行" in reading.problems[0].reason


def test_a_file_without_coordinates_is_refused_whole() -> None:
    with pytest.raises(ValidationError, match="经度"):
        columns(["编码", "名称", "纬度"])


def test_near_lists_radius_then_cell_then_neighbours_nearest_first() -> None:
    here = (118.40155, 29.14745)
    cams = [_camera("far-neighbour", 118.4033, 29.1462, "330824001001008"),
            _camera("close", 118.4017, 29.14745, "330824001001001"),
            _camera("same-cell", 118.4009, 29.1469, "330824001001001"),
            _camera("elsewhere", 118.4090, 29.1475, "330824001001006")]
    near = rank_near(cams, *here, 50.0, "330824001001001", {"330824001001008"})
    assert [(n.camera.code, n.reason) for n in near] == [
        ("close", "radius"), ("same-cell", "cell"), ("far-neighbour", "neighbour")]
    assert near[0].distance_m < near[1].distance_m < near[2].distance_m
    wide = rank_near(cams, *here, 1000.0)
    assert [n.camera.code for n in wide][-1] == "elsewhere"


@pytest.mark.parametrize("radius", [-1, 5001, float("nan"), True])
def test_radius_is_checked(radius: float) -> None:
    with pytest.raises(ValidationError, match="半径"):
        check_radius(radius)
