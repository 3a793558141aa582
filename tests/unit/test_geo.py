"""Point in polygon, haversine, bounding boxes and cell lookup."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.domain.geo import (
    EARTH_RADIUS_M,
    bbox_around,
    haversine_m,
    locate,
    point_in_polygon,
    ring_bbox,
)
from console.domain.reference import GridCell
from tests.unit import kaihua

SQUARE = ((0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0))
# A concave "L": the notch (1..2, 1..2) is outside.
ELL = ((0.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0), (1.0, 2.0), (0.0, 2.0))


@pytest.mark.parametrize(
    ("lon", "lat", "inside"),
    [
        (1.0, 1.0, True),
        (3.0, 1.0, False),
        (-0.1, 1.0, False),
        (1.0, 2.5, False),
        (0.0, 0.0, True),  # south-west corner: west and south edges belong to the cell
        (0.0, 1.0, True),  # west edge
        (1.0, 0.0, True),  # south edge
        (2.0, 1.0, False),  # east edge belongs to the eastern neighbour
        (1.0, 2.0, False),  # north edge belongs to the northern neighbour
    ],
)
def test_point_in_square(lon: float, lat: float, inside: bool) -> None:
    assert point_in_polygon(lon, lat, SQUARE) is inside
    assert point_in_polygon(lon, lat, SQUARE[:-1]) is inside  # open ring, same answer


@pytest.mark.parametrize(
    ("lon", "lat", "inside"),
    [(0.5, 0.5, True), (1.5, 0.5, True), (0.5, 1.5, True), (1.5, 1.5, False)],
)
def test_point_in_concave_polygon(lon: float, lat: float, inside: bool) -> None:
    assert point_in_polygon(lon, lat, ELL) is inside


def test_degenerate_ring_contains_nothing() -> None:
    assert not point_in_polygon(0.0, 0.0, ())
    assert not point_in_polygon(0.0, 0.0, ((0.0, 0.0), (1.0, 1.0)))


def test_ray_through_vertex_counts_once() -> None:
    diamond = ((1.0, 0.0), (2.0, 1.0), (1.0, 2.0), (0.0, 1.0))
    assert point_in_polygon(1.0, 1.0, diamond)
    assert not point_in_polygon(-1.0, 1.0, diamond)  # ray passes through vertices (0,1),(2,1)
    assert not point_in_polygon(0.5, 0.0, diamond)  # level with the bottom vertex


@given(
    st.floats(min_value=-0.5, max_value=2.5, allow_nan=False),
    st.floats(min_value=-0.5, max_value=2.5, allow_nan=False),
)
def test_square_matches_half_open_box(lon: float, lat: float) -> None:
    assert point_in_polygon(lon, lat, SQUARE) is (0.0 <= lon < 2.0 and 0.0 <= lat < 2.0)


def test_haversine_known_values() -> None:
    assert haversine_m(118.41, 29.14, 118.41, 29.14) == 0.0
    one_degree_lat = haversine_m(118.0, 29.0, 118.0, 30.0)
    assert one_degree_lat == pytest.approx(math.pi * EARTH_RADIUS_M / 180, rel=1e-12)
    # 开化县城 -> 华埠镇, about 10 km south-south-west.
    assert 9_000 < haversine_m(118.41, 29.14, 118.38, 29.05) < 11_000
    assert haversine_m(0.0, 0.0, 180.0, 0.0) == pytest.approx(math.pi * EARTH_RADIUS_M)


lons = st.floats(min_value=-179.0, max_value=179.0, allow_nan=False)
lats = st.floats(min_value=-80.0, max_value=80.0, allow_nan=False)


@given(lons, lats, lons, lats)
def test_haversine_is_symmetric(lon1: float, lat1: float, lon2: float, lat2: float) -> None:
    d = haversine_m(lon1, lat1, lon2, lat2)
    assert d >= 0
    assert d == pytest.approx(haversine_m(lon2, lat2, lon1, lat1), abs=1e-6)


@given(
    lons,
    lats,
    st.floats(min_value=0.0, max_value=5_000.0),
    st.floats(min_value=0.0, max_value=2 * math.pi),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_bbox_contains_every_point_within_radius(
    lon: float, lat: float, radius: float, bearing: float, frac: float
) -> None:
    # Walk a great circle from the centre: the destination is within the radius by construction.
    d = radius * frac / EARTH_RADIUS_M
    phi1, lmb1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(d) + math.cos(phi1) * math.sin(d) * math.cos(bearing)
    )
    lmb2 = lmb1 + math.atan2(
        math.sin(bearing) * math.sin(d) * math.cos(phi1),
        math.cos(d) - math.sin(phi1) * math.sin(phi2),
    )
    plon, plat = math.degrees(lmb2), math.degrees(phi2)
    lon_min, lon_max, lat_min, lat_max = bbox_around(lon, lat, radius)
    eps = 1e-9
    assert lon_min - eps <= plon <= lon_max + eps
    assert lat_min - eps <= plat <= lat_max + eps


def test_bbox_size_and_poles() -> None:
    lon_min, lon_max, lat_min, lat_max = bbox_around(118.41, 29.14, 1_000)
    assert haversine_m(118.41, lat_min, 118.41, lat_max) == pytest.approx(2_000, rel=1e-9)
    assert haversine_m(lon_min, 29.14, lon_max, 29.14) == pytest.approx(2_000, rel=1e-3)
    assert bbox_around(0.0, 89.99, 5_000)[:2] == (-180.0, 180.0)
    assert bbox_around(0.0, 0.0, 0.0) == (0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="radius"):
        bbox_around(0.0, 0.0, -1.0)


def test_ring_bbox() -> None:
    assert ring_bbox(ELL) == (0.0, 2.0, 0.0, 2.0)


def _cell(code: str, west: float, south: float, size: float = 1.0) -> GridCell:
    ring = (
        (west, south),
        (west + size, south),
        (west + size, south + size),
        (west, south + size),
        (west, south),
    )
    return GridCell(code, code[:9], "街道", code[:12], "社区", ring)


def test_locate_shared_edge_belongs_to_one_cell() -> None:
    a = _cell("330824001001001", 0.0, 0.0)
    b = _cell("330824001001002", 1.0, 0.0)
    assert locate(0.5, 0.5, [a, b]) is a
    assert locate(1.0, 0.5, [a, b]) is b  # on the shared edge: the eastern cell
    assert locate(1.0, 0.5, [b, a]) is b  # whatever the order
    assert locate(5.0, 5.0, [a, b]) is None
    assert locate(0.5, 0.5, []) is None


def test_locate_every_shipped_component_and_cell_centre() -> None:
    cells = list(kaihua.grids().values())
    for comp in kaihua.components().values():
        found = locate(comp.lon, comp.lat, cells)
        assert found is not None
        assert found.code == comp.grid
    for cell in cells:
        lon, lat = cell.centroid
        found = locate(lon, lat, cells)
        assert found is not None
        assert found.code == cell.code
    assert locate(118.0, 29.0, cells) is None  # outside the demo grid
