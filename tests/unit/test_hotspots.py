"""Hotspot arithmetic (console.domain.hotspots): repeat points, cell areas, periods."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

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

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)
LON, LAT = 118.414, 29.139  # 开化 county seat
M_LAT = 1 / 111_195  # degrees of latitude per metre (EARTH_RADIUS_M sphere)


def point(n: int, north_m: float, east_m: float = 0.0, category: str = "06010",
          day: int = 0) -> PlacedReport:
    m_lon = M_LAT / math.cos(math.radians(LAT))
    return PlacedReport(n, f"N{n:03d}", category, LON + east_m * m_lon, LAT + north_m * M_LAT,
                        T0 + timedelta(days=day, minutes=n))


def test_three_reports_within_50_m_make_one_repeat_point() -> None:
    pts = [point(1, 0), point(2, 30), point(3, 0, 40), point(4, 0, -49)]
    [cluster] = find_repeats(pts, 3)
    assert cluster.count == 4 and cluster.case_ids == (1, 2, 3, 4)
    assert cluster.case_nos == ("N001", "N002", "N003", "N004")
    assert cluster.first == pts[0].reported_at and cluster.last == pts[3].reported_at
    # the centre is the members' mean
    assert cluster.lat == pytest.approx(sum(p.lat for p in pts) / 4)


def test_a_report_beyond_the_radius_or_of_another_category_is_not_a_member() -> None:
    pts = [point(1, 0), point(2, 20), point(3, -20), point(4, 75),  # 75 m from the seed
           point(5, 5, category="01010")]
    [cluster] = find_repeats(pts, 3)
    assert cluster.case_ids == (1, 2, 3)
    assert all(haversine_m(cluster.lon, cluster.lat, p.lon, p.lat) < 50 for p in pts[:3])


def test_too_few_reports_make_no_repeat_point_and_k_is_configurable() -> None:
    pts = [point(1, 0), point(2, 10)]
    assert find_repeats(pts, 3) == []
    [pair] = find_repeats(pts, 2)
    assert pair.count == 2
    with pytest.raises(ValueError, match="at least 2"):
        find_repeats(pts, 1)


def test_two_places_far_apart_are_two_repeat_points_largest_first() -> None:
    near = [point(i, i * 5) for i in range(1, 4)]
    far = [point(10 + i, 500 + i * 5) for i in range(1, 5)]
    clusters = find_repeats(near + far, 3)
    assert [c.count for c in clusters] == [4, 3]
    assert set(clusters[0].case_ids) == {11, 12, 13, 14}


def test_every_report_is_in_one_cluster_at_most() -> None:
    # A line of reports 30 m apart: a seed's neighbours are within 50 m of it, never reused.
    pts = [point(i, i * 30) for i in range(12)]
    clusters = find_repeats(pts, 3)
    members = [i for c in clusters for i in c.case_ids]
    assert len(members) == len(set(members))
    for c in clusters:
        seedless = [p for p in pts if p.case_id in c.case_ids]
        assert max(haversine_m(a.lon, a.lat, b.lon, b.lat)
                   for a in seedless for b in seedless) <= 100


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
