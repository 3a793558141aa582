"""Statistics charts: loaded once, then kept current from new events — and equal to a reload."""

from __future__ import annotations

from datetime import timedelta

from console.services.cases import Report, act, report_case
from console.services.live_stats import load_live_stats


def _snapshot(stats) -> tuple:
    return (stats.today_by_hour, stats.by_source, stats.by_category, stats.unit_month,
            stats.week_on_time, [round(v, 6) for v in stats.week_avg_by_hour])


def test_new_events_update_the_counters_like_a_fresh_load(desk_factory) -> None:
    desk = desk_factory(user="zhibanzhang1")
    app, w = desk.app, desk.window
    assert w.live.live_stats is not None
    charts = w.live_charts
    assert sum(charts.intake.values) == sum(w.live.live_stats.today_by_hour) > 0
    assert len(charts.intake.line_values) == 24
    assert charts.sources.labels and charts.categories.labels and charts.weekly.labels
    assert len(charts.weekly.labels) == 8
    # another desk reports two cases and a unit reports back on one of its cases
    for grid in ("330824001001001", "330824001002003"):
        report_case(app.uow_factory, app.centre, app.centre.actor("caiji01"), desk.clock(),
                    Report("07001", "电线杆小广告", grid=grid))
    row = next(w.board.model.row_data(r) for r in range(w.board.model.rowCount())
               if w.board.model.row_data(r).case.state.value == "处置中"
               and w.board.model.row_data(r).case.pending is None)
    unit_user = next(u.username for u in app.centre.ref.users.values() if u.unit == row.case.unit)
    act(app.uow_factory, app.centre, app.centre.actor(unit_user), desk.clock() + timedelta(seconds=1),
        row.case.id, "feedback", {"notes": "已处置"})
    before = sum(w.live.live_stats.today_by_hour)
    w.controller.poll()
    assert sum(w.live.live_stats.today_by_hour) == before + 2
    fresh = load_live_stats(app.uow_factory(), app.centre, desk.clock() + timedelta(seconds=2))
    assert _snapshot(w.live.live_stats) == _snapshot(fresh)
    assert sum(charts.intake.values) == before + 2
