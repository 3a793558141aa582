"""GCJ-02 / BD-09 ↔ WGS-84 against published reference points, and the round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.domain.coords import (
    Crs,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from console.domain.geo import haversine_m

# (WGS-84 lon, lat) → (GCJ-02 lon, lat): the test table of googollee/eviltransform
# (go/transform_test.go, commit 1643645: Shanghai, Shenzhen, Beijing), and the README example
# of wandergis/coordtransform (wgs84togcj02(116.404, 39.915)).
WGS_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
]
# wandergis/coordtransform's README: gcj02tobd09(116.404, 39.915) and its bd09togcj02 — the
# latter is the usual one-step approximation, which the iterative inverse beats; both agree
# well within a metre.
GCJ_BD = ((116.404, 39.915), (116.41036949371029, 39.92133699351021))
BD_GCJ_APPROX = ((116.404, 39.915), (116.39762729119315, 39.90865673957631))
# ... and gcj02towgs84(116.404, 39.915), again the one-step approximation (1–2 m off).
GCJ_WGS_APPROX = ((116.404, 39.915), (116.39775550083061, 39.91359571849836))


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_wgs84_to_gcj02_matches_published_points(wgs: tuple[float, float],
                                                 gcj: tuple[float, float]) -> None:
    lon, lat = wgs84_to_gcj02(*wgs)
    assert lon == pytest.approx(gcj[0], abs=1e-9)
    assert lat == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_gcj02_to_wgs84_recovers_published_points(wgs: tuple[float, float],
                                                  gcj: tuple[float, float]) -> None:
    # eviltransform's exact inverse promises 0.5 m; the iteration here does much better.
    assert haversine_m(*gcj02_to_wgs84(*gcj), *wgs) < 0.01


def test_gcj02_bd09_published_points() -> None:
    lon, lat = gcj02_to_bd09(*GCJ_BD[0])
    assert (lon, lat) == pytest.approx(GCJ_BD[1], abs=1e-9)
    assert haversine_m(*bd09_to_gcj02(*GCJ_BD[1]), *GCJ_BD[0]) < 0.01
    assert haversine_m(*bd09_to_gcj02(*BD_GCJ_APPROX[0]), *BD_GCJ_APPROX[1]) < 1.0
    assert haversine_m(*gcj02_to_wgs84(*GCJ_WGS_APPROX[0]), *GCJ_WGS_APPROX[1]) < 3.0


def test_the_offsets_are_hundreds_of_metres() -> None:
    # Why the conversion matters: in Kaihua a GCJ-02 fix taken as WGS-84 is far off its cell.
    wgs = (118.414, 29.137)
    assert 100 < haversine_m(*wgs84_to_gcj02(*wgs), *wgs) < 700
    assert 100 < haversine_m(*wgs84_to_bd09(*wgs), *wgs) < 1500


def test_outside_china_gcj02_is_wgs84() -> None:
    for point in ((2.35, 48.85), (-74.0, 40.7), (139.7, 35.7)):
        assert out_of_china(*point)
        assert wgs84_to_gcj02(*point) == point
        assert gcj02_to_wgs84(*point) == point
        assert to_wgs84(*point, "gcj02") == point


def test_to_wgs84_by_name() -> None:
    wgs = (118.414, 29.137)
    assert to_wgs84(*wgs) == wgs
    assert haversine_m(*to_wgs84(*wgs84_to_gcj02(*wgs), Crs.GCJ02), *wgs) < 0.01
    assert haversine_m(*to_wgs84(*wgs84_to_bd09(*wgs), "bd09"), *wgs) < 0.01
    with pytest.raises(ValueError, match="utm"):
        to_wgs84(*wgs, "utm")


CHINA = st.tuples(st.floats(73.0, 135.0), st.floats(18.0, 53.5))


@settings(max_examples=40, deadline=None)
@given(CHINA)
def test_round_trip_within_a_metre(point: tuple[float, float]) -> None:
    assert haversine_m(*gcj02_to_wgs84(*wgs84_to_gcj02(*point)), *point) <= 1.0
    assert haversine_m(*bd09_to_wgs84(*wgs84_to_bd09(*point)), *point) <= 1.0
    assert haversine_m(*wgs84_to_gcj02(*gcj02_to_wgs84(*point)), *point) <= 1.0
