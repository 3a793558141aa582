"""``wall_data`` on a small, hand-made history: today's counts, the month's rate, reds, ranking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from console.domain.calendar import statutory_days
from console.domain.cases import Case, CaseState
from console.domain.deadlines import Light
from console.reference_files import load_centre_files
from console.services.cases import Report, act, report_case
from console.services.centre import Centre, load_centre
from console.services.setup import init_reference
from console.services.uow import UnitOfWork
from console.services.wall import WallData, day_window, month_window, rank_key, wall_data
from db.engine import make_engine
from db.schema import upgrade
from db.uow import make_uow_factory

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 4, 11, 30, tzinfo=TZ)  # a Wednesday, mid-morning
GRID = "330824001001001"
OTHER_UNIT = "KH-GAJ"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A centre-local instant in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


class History:
    """A centre on a fresh SQLite file, and a way to walk cases through the workflow."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], centre: Centre) -> None:
        self.uow_factory = uow_factory
        self.centre = centre
        self.admin = centre.actor("admin", "test")

    def report(self, when: datetime, description: str = "路口垃圾") -> Case:
        return report_case(self.uow_factory, self.centre, self.centre.actor("caiji01", "test"),
                           when, Report("06010", description, grid=GRID)).case

    def step(self, case: Case, when: datetime, command: str, **fields: Any) -> Case:
        assert case.id is not None
        return act(self.uow_factory, self.centre, self.admin, when, case.id, command, fields)

    def to_handling(self, case: Case, start: datetime) -> Case:
        """Accept, file, dispatch (to the suggested unit) and start, a minute apart."""
        for i, command in enumerate(("accept", "file", "dispatch", "start")):
            case = self.step(case, start + timedelta(minutes=i + 1), command)
        return case


@pytest.fixture
def history(tmp_path: Path) -> History:
    engine = make_engine(f"sqlite:///{tmp_path / 'wall.sqlite3'}")
    upgrade(engine)
    factory = make_uow_factory(engine)
    init_reference(factory(), load_centre_files(), statutory_days([2026]))
    return History(factory, load_centre(factory()))


@pytest.fixture
def built(history: History) -> dict[str, Case]:
    """Cases P (last month), Y (yesterday), T1–T3 (today); see each comment."""
    h = history
    # P: handled on time last month, then left waiting for its check: red for days now.
    p = h.to_handling(h.report(at(27, 9, month=2)), at(27, 9, month=2))
    p = h.step(p, at(27, 10, month=2), "feedback", notes="已清理")
    # Y: dispatched yesterday, fed back this morning far past its limit (late).
    y = h.to_handling(h.report(at(3, 10)), at(3, 10))
    y = h.step(y, at(4, 11), "feedback", notes="已清理")
    # T1: the whole loop today, on time.
    t1 = h.to_handling(h.report(at(4, 9)), at(4, 9))
    t1 = h.step(t1, at(4, 9, 40), "feedback", notes="已清理")
    t1 = h.step(t1, at(4, 9, 45), "request-check")
    t1 = h.step(t1, at(4, 9, 50), "check-pass")
    t1 = h.step(t1, at(4, 10), "close")
    # T2: filed today and designated (代整改) to another unit.
    t2 = h.report(at(4, 9, 30), "井盖缺失")
    t2 = h.step(t2, at(4, 9, 31), "accept")
    t2 = h.step(t2, at(4, 9, 32), "file")
    t2 = h.step(t2, at(4, 10), "designate", unit=OTHER_UNIT, reason="原单位无法处置")
    # T3: reported at 10:30 and never accepted: its 30-minute intake clock ran out at 11:00.
    t3 = h.report(at(4, 10, 30), "垃圾满溢")
    return {"P": p, "Y": y, "T1": t1, "T2": t2, "T3": t3}


@pytest.fixture
def data(history: History, built: dict[str, Case]) -> WallData:
    return wall_data(history.uow_factory(), history.centre, NOW)


def test_the_history_is_what_the_test_says(built: dict[str, Case]) -> None:
    assert built["P"].state is CaseState.HANDLED
    assert built["Y"].state is CaseState.HANDLED and built["Y"].handle_overdue
    assert built["T1"].state is CaseState.CLOSED
    assert built["T2"].state is CaseState.DISPATCHED and built["T2"].unit == OTHER_UNIT
    assert built["T3"].state is CaseState.REPORTED


def test_today_counts_come_from_the_log_of_the_local_day(data: WallData) -> None:
    assert data.as_of == NOW
    assert data.reported_today == 3  # T1, T2, T3: not Y (yesterday) nor P (last month)
    assert data.filed_today == 2  # T1, T2
    assert data.dispatched_today == 2  # T1's dispatch and T2's designation
    assert data.closed_today == 1  # T1
    assert data.intake_by_hour[9] == 2 and data.intake_by_hour[10] == 1
    assert sum(data.intake_by_hour) == 3 and len(data.intake_by_hour) == 24


def test_on_time_rate_counts_this_months_feedback_only(data: WallData) -> None:
    # Y late, T1 on time; P's feedback was in February.
    assert (data.handled_month, data.on_time_month) == (2, 1)
    assert data.on_time_rate == pytest.approx(0.5)


def test_lights_and_overdue_count_every_open_case(data: WallData,
                                                  built: dict[str, Case]) -> None:
    assert data.open_cases == 4  # P, Y, T2, T3 (T1 closed)
    assert sum(data.lights.values()) == 4
    assert set(data.lights) == set(Light)
    assert data.overdue_now == data.lights[Light.RED] == 2
    # All four are in the one cell: two red (P, T3), and Y and T2 not late.
    (cell,) = data.cells
    assert (cell.grid, cell.open_cases, cell.red, cell.red + cell.yellow + cell.green) == (
        GRID, 4, 2, 4)
    assert cell.worst is Light.RED


def test_red_list_is_most_overdue_first(data: WallData, built: dict[str, Case]) -> None:
    assert [r.case_no for r in data.red_list] == [built["P"].case_no, built["T3"].case_no]
    p, t3 = data.red_list
    assert p.overdue_minutes > t3.overdue_minutes == 30  # 11:00 -> 11:30 in working time
    assert p.unit == built["P"].unit and p.unit_name
    assert (t3.unit, t3.unit_name, t3.state) == (None, "", CaseState.REPORTED)
    assert t3.category_name == "暴露垃圾" and t3.category_name_en
    assert t3.street == "芹阳办事处"


def test_unit_ranking(data: WallData, built: dict[str, Case], history: History) -> None:
    by_unit = {u.unit: u for u in data.units}
    home = built["Y"].unit
    assert home is not None and home == built["P"].unit == built["T1"].unit
    assert set(by_unit) == {home, OTHER_UNIT}
    assert (by_unit[home].open_cases, by_unit[home].red) == (2, 1)  # P (red), Y
    assert (by_unit[home].handled, by_unit[home].on_time) == (2, 1)  # Y late, T1 on time
    assert by_unit[home].name == history.centre.ref.units[home].name
    other = by_unit[OTHER_UNIT]
    assert (other.open_cases, other.red, other.handled, other.on_time_rate) == (1, 0, 0, None)
    assert [u.unit for u in data.units] == [home, OTHER_UNIT]  # a rate beats no rate
    # T2 was designated this morning and is not late: the other unit has nothing due yet.
    assert (by_unit[home].rank, other.rank, other.due) == (1, None, 0)


def test_a_late_open_stage_is_due_and_ranks_its_unit(history: History,
                                                     built: dict[str, Case]) -> None:
    """Mar 20: T2 (designated on the 4th) is still not handled and long past its deadline.

    Due this month, as the evaluation counts it: the other unit is ranked, at 0 %, below the
    home unit's 1 of 2; before, its missing rate put it unranked-but-numbered at the bottom.
    """
    later = wall_data(history.uow_factory(), history.centre, at(20, 10))
    by_unit = {u.unit: u for u in later.units}
    other, home = by_unit[OTHER_UNIT], by_unit[built["Y"].unit or ""]
    assert (other.handled, other.late_open, other.due, other.on_time_rate) == (0, 1, 1, 0.0)
    assert (home.due, home.on_time_rate) == (2, 0.5)  # Y and P wait for their check: not late
    assert [(u.unit, u.rank) for u in later.units] == [(home.unit, 1), (OTHER_UNIT, 2)]
    # April: T2's deadline fell in March; with nothing else due, nobody is ranked in April.
    april = wall_data(history.uow_factory(), history.centre, at(1, 10, month=4))
    assert april.units and all(u.rank is None for u in april.units)


def test_rank_units_ties_share_a_rank_and_nothing_due_is_unranked() -> None:
    from console.services.wall import UnitRank, rank_units

    ranked = rank_units([
        UnitRank("A", "a", open_cases=3),  # nothing due
        UnitRank("B", "b", handled=4, on_time=2),
        UnitRank("C", "c", handled=2, on_time=1, red=1),
        UnitRank("D", "d", handled=1, on_time=1),
        UnitRank("E", "e", late_open=2),  # late and not done: 0 of 2
    ])
    assert [(r.unit, r.rank) for r in ranked] == [
        ("D", 1), ("B", 2), ("C", 2), ("E", 4), ("A", None)]


def test_rank_key_orders_by_rate_then_red_then_open() -> None:
    from console.services.wall import UnitRank

    ranks = [
        UnitRank("A", "a", open_cases=1, red=0, handled=0, on_time=0),  # no rate: last
        UnitRank("B", "b", open_cases=5, red=2, handled=10, on_time=9),
        UnitRank("C", "c", open_cases=5, red=1, handled=10, on_time=9),
        UnitRank("D", "d", open_cases=1, red=0, handled=4, on_time=4),
    ]
    assert [r.unit for r in sorted(ranks, key=rank_key)] == ["D", "C", "B", "A"]


def test_day_and_month_windows_are_centre_local(history: History) -> None:
    centre = history.centre
    late_utc = datetime(2026, 3, 31, 17, 0, tzinfo=ZoneInfo("UTC"))  # 01:00 on April 1 local
    assert day_window(centre, late_utc) == (at(1, 0, month=4), at(2, 0, month=4))
    assert month_window(centre, late_utc) == (at(1, 0, month=4), at(1, 0, month=5))
    december = datetime(2026, 12, 15, 12, tzinfo=TZ)
    assert month_window(centre, december)[1] == datetime(2027, 1, 1, tzinfo=TZ)


def test_an_empty_log_gives_zeros(history: History) -> None:
    data = wall_data(history.uow_factory(), history.centre, NOW)
    assert (data.reported_today, data.open_cases, data.overdue_now) == (0, 0, 0)
    assert data.on_time_rate is None and data.red_list == () and data.units == ()
    assert data.lights == dict.fromkeys(Light, 0)


def test_the_red_list_is_cut_at_its_limit_and_the_count_is_not(
        history: History, built: dict[str, Case]) -> None:
    data = wall_data(history.uow_factory(), history.centre, NOW, red_limit=1)
    assert [r.case_no for r in data.red_list] == [built["P"].case_no]  # the most overdue
    assert data.overdue_now == 2


def test_a_tie_at_the_cut_goes_to_the_lower_case_number(history: History) -> None:
    """Two reports 40 s apart, numbered in the other order (the later one was taken first):
    their intake clocks ran out in the same minute, so the lower number is listed first,
    though the database orders the other one first (an earlier deadline).  A page of one
    read per clock must not stop at the cut while the next case ties with it."""
    first = history.report(at(4, 10, 0) + timedelta(seconds=50))  # numbered first
    second = history.report(at(4, 10, 0) + timedelta(seconds=10))  # deadline 40 s earlier
    assert first.case_no < second.case_no and second.stage_deadline < first.stage_deadline
    data = wall_data(history.uow_factory(), history.centre, NOW, red_limit=1)
    assert [r.case_no for r in data.red_list] == [first.case_no]
    both = wall_data(history.uow_factory(), history.centre, NOW, red_limit=2).red_list
    assert both[0].overdue_minutes == both[1].overdue_minutes == 60
