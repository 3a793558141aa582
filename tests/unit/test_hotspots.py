"""Hotspot arithmetic (console.domain.hotspots): repeat points, cell areas, periods."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from console.domain.geo import haversine_m
from console.domain.hotspots import (
    PlacedReport,
    find_repeats,
    hour_of_week,
    per_km2,
    previous_period,
    ring_area_km2,
)

LON, LAT = 118.414, 29.139  # 开化 county seat
M_LAT = 1 / 111_195  # degrees of latitude per metre (EARTH_RADIUS_M sphere)


def point(n: int, north_m: float, east_m: float = 0.0, category: str = "06010") -> PlacedReport:
    m_lon = M_LAT / math.cos(math.radians(LAT))
    return PlacedReport(n, category, LON + east_m * m_lon, LAT + north_m * M_LAT)


def near_centre(cluster, pts, radius: float = 50.0) -> bool:
    """Every member within ``radius`` of the repeat point's place."""
    return all(haversine_m(cluster.lon, cluster.lat, p.lon, p.lat) <= radius * 1.001
               for p in pts if p.case_id in cluster.case_ids)


def test_four_reports_of_a_spot_make_one_repeat_point() -> None:
    pts = [point(4, 0, -20), point(2, 15), point(1, 0), point(3, 0, 20)]
    [cluster] = find_repeats(pts, 3)
    assert cluster.case_ids == (1, 2, 3, 4) and cluster.category == "06010"
    assert near_centre(cluster, pts)


def test_a_report_beyond_the_radius_or_of_another_category_is_not_a_member() -> None:
    pts = [point(1, 0), point(2, 10), point(3, -10), point(4, 120),
           point(5, 5, category="01010")]
    [cluster] = find_repeats(pts, 3)
    assert cluster.case_ids == (1, 2, 3)
    assert near_centre(cluster, pts)


def test_a_spot_across_a_square_edge_is_found() -> None:
    # Squares are 50 m wide on a plane: put the spot on every offset across one edge.
    for shift in range(0, 50, 7):
        pts = [point(i, shift + d) for i, d in enumerate((0.0, 8.0, 16.0), start=1)]
        [cluster] = find_repeats(pts, 3)
        assert cluster.case_ids == (1, 2, 3), shift


def test_too_few_reports_make_no_repeat_point_and_k_is_configurable() -> None:
    pts = [point(1, 0), point(2, 10)]
    assert find_repeats(pts, 3) == []
    [pair] = find_repeats(pts, 2)
    assert pair.case_ids == (1, 2)
    with pytest.raises(ValueError, match="at least 2"):
        find_repeats(pts, 1)


def test_two_places_far_apart_are_two_repeat_points_largest_first() -> None:
    near = [point(i, i * 5) for i in range(1, 4)]
    far = [point(10 + i, 500 + i * 5) for i in range(1, 5)]
    clusters = find_repeats(near + far, 3)
    assert [len(c.case_ids) for c in clusters] == [4, 3]
    assert set(clusters[0].case_ids) == {11, 12, 13, 14}


def test_every_report_is_in_one_cluster_at_most() -> None:
    # A line of reports 30 m apart: a seed's neighbours are within 50 m of it, never reused.
    pts = [point(i, i * 30) for i in range(12)]
    clusters = find_repeats(pts, 3)
    members = [i for c in clusters for i in c.case_ids]
    assert clusters and len(members) == len(set(members))
    assert all(near_centre(c, pts) for c in clusters)


def test_ring_area_of_a_small_square_matches_its_sides() -> None:
    d = 0.01
    ring = [(LON, LAT), (LON + d, LAT), (LON + d, LAT + d), (LON, LAT + d)]
    sides = haversine_m(LON, LAT, LON + d, LAT) * haversine_m(LON, LAT, LON, LAT + d) / 1e6
    assert ring_area_km2(ring) == pytest.approx(sides, rel=1e-3)
    assert ring_area_km2(list(reversed(ring))) == pytest.approx(sides, rel=1e-3)
    assert per_km2(10, 0.5) == 20 and per_km2(3, 0.0) is None


def test_previous_period_has_the_same_length_and_hour_of_week_starts_monday() -> None:
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 7, 12, tzinfo=UTC)
    assert previous_period(start, end) == (datetime(2026, 9, 24, 12, tzinfo=UTC), start)
    with pytest.raises(ValueError, match="ends after"):
        previous_period(end, start)
    assert hour_of_week(datetime(2026, 10, 5, 0, 30)) == 0  # a Monday
    assert hour_of_week(datetime(2026, 10, 11, 23, 59)) == 167  # the Sunday after
