"""The gazetteer's search tiers, its cell lookup and how a file's rows land or are quarantined."""

from __future__ import annotations

import random

import pytest

from console.domain.cell_finder import CellFinder
from console.domain.coords import Crs, wgs84_to_bd09, wgs84_to_gcj02
from console.domain.errors import ValidationError
from console.domain.gazetteer import Place, PlaceIndex, PlaceMatch, place_initials, place_key
from console.domain.gazetteer_rows import Quarantine, columns, parse_crs, read_rows
from console.domain.geo import locate
from tests.unit.kaihua import reference

#: A point inside Kaihua's cell 330824001001001 and one inside 330824001001002.
IN_001 = (118.4015, 29.1474)
IN_002 = (118.403, 29.1474)


def _place(i: int, name: str, address: str = "") -> Place:
    return Place(i, name, address, 118.4, 29.1, place_initials(name))


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    return PlaceIndex([
        _place(1, "新华超市", "芹阳办事处解放街12号"),
        _place(2, "新华书店", "芹阳办事处人民路3号"),
        _place(3, "开化县人民医院", "城关镇人民路1号"),
        _place(4, "华新超市", "华埠镇新华路8号"),
        _place(5, "新华", "城关镇新华路1号"),
    ])


def test_a_partial_name_ranks_the_exact_name_then_prefixes_then_fragments(index: PlaceIndex
                                                                          ) -> None:
    found = index.search("新华")
    assert [f.place.id for f in found[:3]] == [5, 1, 2]  # exact, then by length and age
    assert all(f.match is PlaceMatch.NAME for f in found[:3])
    # 华新超市 has no 新华 in its name: it comes after, by its address 新华路.
    assert found[3].place.id == 4 and found[3].match is PlaceMatch.ADDRESS


def test_pinyin_initials_find_a_place(index: PlaceIndex) -> None:
    assert place_initials("新华超市") == "xhcs"
    found = index.search("xhcs")
    assert found[0].place.name == "新华超市" and found[0].match is PlaceMatch.INITIALS
    assert index.search("RMYY")[0].place.name == "开化县人民医院"  # contained, case folded


def test_name_and_address_together_and_a_wrong_character(index: PlaceIndex) -> None:
    assert index.search("新华超市解放街")[0].place.id == 1
    typo = index.search("新华超是")
    assert typo[0].place.id == 1 and typo[0].match is PlaceMatch.FUZZY and typo[0].score >= 75
    assert index.search("") == [] and index.search("新华", limit=0) == []
    assert index.search("zzzz") == []


def test_limit_and_no_place_twice(index: PlaceIndex) -> None:
    found = index.search("华", limit=3)
    assert len(found) == 3 and len({f.place.id for f in found}) == 3


def test_cell_finder_agrees_with_locate() -> None:
    grids = list(reference().grids.values())
    finder = CellFinder(grids)
    rng = random.Random(7)
    for _ in range(2000):
        lon, lat = rng.uniform(118.36, 118.43), rng.uniform(29.04, 29.16)
        expected = locate(lon, lat, grids)
        assert finder.cell(lon, lat) == expected
    edge = grids[0].polygon[1]  # a vertex shared with the neighbour: the grid's order decides
    assert finder.cell(*edge) == locate(*edge, grids)
    assert CellFinder([]).cell(*IN_001) is None


HEAD = ["名称", "地址", "经度", "纬度"]


def test_rows_land_or_are_quarantined_with_their_reason() -> None:
    finder = CellFinder(reference().grids.values())
    rows = [
        (2, ["新华超市", "解放街12号", IN_001[0], IN_001[1]]),
        (3, ["人民医院", "人民路1号", str(IN_002[0]), str(IN_002[1])]),
        (4, ["无坐标", "某路", None, ""]),
        (5, ["坏坐标", "某路", "abc", "29.1"]),
        (6, ["远方", "北京", 116.4, 39.9]),
        (7, ["新华超市", " 解放街 12号", IN_001[0], IN_001[1]]),  # same after spaces fold
        (8, [None, "无名", IN_001[0], IN_001[1]]),
        (9, ["超长" * 60, "", IN_001[0], IN_001[1]]),
        (10, ["已有", "老地址", IN_001[0], IN_001[1]]),
        (11, ["越界", "", 200, 29.1]),
    ]
    reading = read_rows(HEAD, rows, Crs.WGS84, finder, {place_key("已有", "老地址")})
    assert [(p.row, p.cell) for p in reading.places] == [(2, "330824001001001"),
                                                         (3, "330824001001002")]
    assert reading.places[0].initials == "xhcs"
    assert {q.row: q.reason for q in reading.quarantined} == {
        4: Quarantine.NO_COORDINATES, 5: Quarantine.BAD_COORDINATES, 6: Quarantine.OUTSIDE,
        7: Quarantine.DUPLICATE, 8: Quarantine.NO_NAME, 9: Quarantine.TOO_LONG,
        10: Quarantine.DUPLICATE, 11: Quarantine.BAD_COORDINATES}
    assert "第 2 行" in next(q.text for q in reading.quarantined if q.row == 7)


@pytest.mark.parametrize(("crs", "forward"),
                         [(Crs.GCJ02, wgs84_to_gcj02), (Crs.BD09, wgs84_to_bd09)])
def test_positions_are_converted_to_wgs84(crs: Crs, forward: object) -> None:
    finder = CellFinder(reference().grids.values())
    lon, lat = forward(*IN_001)  # type: ignore[operator]
    reading = read_rows(HEAD, [(2, ["店", "", lon, lat])], crs, finder, set())
    place = reading.places[0]
    assert abs(place.lon - IN_001[0]) < 1e-6 and abs(place.lat - IN_001[1]) < 1e-6
    # Read as WGS-84 the same numbers lie hundreds of metres off.
    unconverted = read_rows(HEAD, [(2, ["店", "", lon, lat])], Crs.WGS84, finder, set())
    assert all(abs(p.lon - IN_001[0]) > 1e-3 for p in unconverted.places)


def test_headings_and_datums() -> None:
    assert columns(["Name", "ADDRESS", "lng", "Lat"]) == {"name": 0, "address": 1, "lon": 2,
                                                          "lat": 3}
    assert columns(["名称", "经度", "纬度"]) == {"name": 0, "lon": 1, "lat": 2}
    with pytest.raises(ValidationError, match="纬度"):
        columns(["名称", "地址", "经度"])
    assert parse_crs("CGCS2000") is Crs.WGS84 and parse_crs("gcj02") is Crs.GCJ02
    with pytest.raises(ValidationError, match="--crs"):
        parse_crs("epsg:3857")
