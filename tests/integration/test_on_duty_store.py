"""在岗 on both backends: the worker's minute job raises and ends alarms, Ctrl+K acknowledges
them (logged in the admin log), the supervisor's list and the wall's count.

The first test is the issue's: "the offline alarm fires for a collector whose fixes stop, in a
test driving the worker's clock" — the worker's scheduler clock and the wall clock the job
reads are both the test's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from console.domain.calendar import statutory_days
from console.domain.cases import Actor, CaseState, Role
from console.domain.errors import PermissionDeniedError
from console.domain.on_duty import AlarmKind, DutyStatus
from console.intake.settings import worker_settings
from console.intake.worker import Worker
from console.reference_files import load_centre_files
from console.services.centre import Centre, load_centre
from console.services.on_duty import (
    CHECK_EVERY,
    OnDutyJob,
    acknowledge_alarm,
    check_on_duty,
    duty_board,
    on_duty_count,
    pending_alarms,
)
from console.services.positions import Fix
from console.services.setup import init_reference
from console.services.uow import UnitOfWork
from db.alarm_repo import SqlAlarmStore
from db.position_repo import SqlPositionStore
from db.tables import AdminLogRow
from tests.integration.conftest import SHANGHAI, new_case

Factory = Callable[[], UnitOfWork]
SUPERVISOR = Actor("zhibanzhang1", Role.SUPERVISOR, None, "desk-s")
START = datetime(2026, 12, 7, 8, 30, tzinfo=SHANGHAI)  # a Monday (workday), in 08:00-12:00
A = "caiji01"  # patrols cells 330824001001001-018


class Clocks:
    """The worker's scheduler clock (seconds) and the wall clock the job reads, moved together."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.seconds = 1000.0

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)
        self.seconds += minutes * 60

    def wall(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.seconds


@pytest.fixture
def db(uow_factory: Factory) -> Factory:
    init_reference(uow_factory(), load_centre_files(), statutory_days([2026]))
    return uow_factory


@pytest.fixture
def centre(db: Factory) -> Centre:
    return load_centre(db())


def inside(centre: Centre) -> tuple[float, float]:
    """A point well inside caiji01's first cell."""
    return centre.ref.grids["330824001001001"].centroid


def walk(store: SqlPositionStore, centre: Centre, user: str, start: datetime,
         minutes: int) -> None:
    """A fix a minute, walking (≈ 3.5 km/h) inside the user's first cell."""
    lon, lat = inside(centre)
    store.add_many([Fix(user, start + timedelta(minutes=m), lon + 0.00001 * m, lat, speed=1.0)
                    for m in range(minutes + 1)], start)


def test_the_offline_alarm_fires_when_fixes_stop_driven_by_the_worker_clock(
        db: Factory, engine: Engine, centre: Centre) -> None:
    clocks = Clocks(START)
    positions, alarms = SqlPositionStore(engine), SqlAlarmStore(engine)
    worker = Worker(None, worker_settings(None), monotonic=clocks.monotonic)  # type: ignore[arg-type]
    worker.add_job("on-duty", CHECK_EVERY, OnDutyJob(alarms, db, clocks.wall))

    def offline_of_a() -> list[object]:
        return [a for a in alarms.open_alarms() if a.username == A and a.kind is AlarmKind.OFFLINE]

    walk(positions, centre, A, START, 30)  # 08:30 … 09:00, then nothing
    clocks.advance(30)
    assert worker.run_due()["on-duty"]["raised"] >= 1  # the others: no fix since 08:00
    assert offline_of_a() == []
    for _minute in range(14):  # 09:01 … 09:14: due every minute, still within 15 minutes
        clocks.advance(1)
        assert "on-duty" in worker.run_due()
        assert offline_of_a() == []
    clocks.advance(0.5)
    assert worker.run_due() == {}  # not due: the job runs once a minute
    clocks.advance(0.5)  # 09:15: fifteen minutes without a fix
    assert worker.run_due()["on-duty"]["raised"] == 1
    (alarm,) = offline_of_a()
    assert alarm.started == START + timedelta(minutes=30)  # the last fix
    assert alarm.raised_at == START + timedelta(minutes=45)
    # the phone comes back at 09:20; the next round ends the alarm at that fix
    clocks.advance(5)
    walk(positions, centre, A, clocks.now, 0)
    clocks.advance(1)
    assert worker.run_due()["on-duty"]["ended"] == 1
    assert offline_of_a() == []
    (ended,) = [a for a in alarms.alarms_since(START) if a.id == alarm.id]
    assert ended.ended == START + timedelta(minutes=50)


def test_outside_alarm_acknowledged_once_and_logged(db: Factory, engine: Engine,
                                                    centre: Centre) -> None:
    positions, alarms = SqlPositionStore(engine), SqlAlarmStore(engine)
    far = centre.ref.grids["330824001002001"].centroid  # caiji03's cell, not caiji01's
    positions.add_many([Fix(A, START + timedelta(minutes=m), far[0], far[1] + 0.00002 * m,
                            speed=1.0) for m in range(12)], START)
    now = START + timedelta(minutes=11)
    check_on_duty(alarms, centre, now)
    (outside,) = [a for a in alarms.open_alarms() if a.username == A]
    assert outside.kind is AlarmKind.OUTSIDE and outside.started == START
    assert float(outside.detail["distance_m"]) > 0
    assert check_on_duty(alarms, centre, now)["raised"] == 0  # the same alarm, not again

    waiting = pending_alarms(alarms, SUPERVISOR, now)
    assert outside.id in {a.id for a in waiting}
    with pytest.raises(PermissionDeniedError):
        pending_alarms(alarms, Actor("unit_zhzf", Role.UNIT, "KH-ZHZF"), now)
    with pytest.raises(PermissionDeniedError):
        acknowledge_alarm(db, alarms, Actor("dapin1", Role.WALL), outside.id, now)
    done = acknowledge_alarm(db, alarms, SUPERVISOR, outside.id, now)
    assert (done.acknowledged_by, done.acknowledged_at) == ("zhibanzhang1", now)
    again = acknowledge_alarm(db, alarms, Actor("paiqian1", Role.DISPATCHER), outside.id,
                              now + timedelta(minutes=1))
    assert again.acknowledged_by == "zhibanzhang1"  # the first one stands
    assert outside.id not in {a.id for a in pending_alarms(alarms, SUPERVISOR, now)}
    with engine.connect() as conn:
        logged = conn.execute(select(AdminLogRow.actor, AdminLogRow.target).where(
            AdminLogRow.action == "ack-alarm")).all()
    assert logged == [("zhibanzhang1", str(outside.id))]  # once, by the first


def test_supervisor_list_and_wall_count(db: Factory, engine: Engine, centre: Centre) -> None:
    positions, alarms = SqlPositionStore(engine), SqlAlarmStore(engine)
    walk(positions, centre, A, START, 20)
    now = START + timedelta(minutes=21)
    with db() as uow:
        uow.cases.add(new_case("2026120700001", state=CaseState.VERIFYING, assignee=A))
        uow.cases.add(new_case("2026120700002", state=CaseState.DISPATCHED, assignee=A))
        uow.commit()
    check_on_duty(alarms, centre, now)
    board = duty_board(alarms, db(), centre, SUPERVISOR, now)
    rows = {r.username: r for r in board.rows}
    active = [u for u in centre.ref.users.values()
              if u.role == Role.COLLECTOR.value and u.active]
    assert len(rows) == len(active)
    assert rows[A].status is DutyStatus.ON_DUTY and rows[A].alarms == ()
    assert [t.case_no for t in rows[A].tasks] == ["2026120700001"]  # 核实中 only
    others = [r for r in board.rows if r.username != A]
    assert all(r.status is DutyStatus.OFFLINE for r in others)
    assert all([a.kind for a in r.alarms] == [AlarmKind.OFFLINE] for r in others)
    assert board.rows[-1].username == A  # those with alarms on top
    assert on_duty_count(alarms, centre, now) == (1, len(active))
    evening = START.replace(hour=20)
    assert on_duty_count(alarms, centre, evening) == (0, len(active))
    # after the shift every open alarm ends at the shift's end (12:00)
    check_on_duty(alarms, centre, evening)
    assert alarms.open_alarms() == []
    assert {a.ended for a in alarms.alarms_since(START)} == {START.replace(hour=12, minute=0)}


def test_the_one_machine_desk_runs_the_round_itself_once_a_minute(
        db: Factory, engine: Engine, centre: Centre) -> None:
    """On the embedded file no ``citydesk worker`` runs: the desk's alarm poll runs the round."""
    from console.desk_local import LocalDeskBackend

    clocks = Clocks(START + timedelta(minutes=20))  # nobody has sent a fix since 08:00
    alarms = SqlAlarmStore(engine)

    def desk(rounds: bool) -> LocalDeskBackend:
        return LocalDeskBackend(db, centre, clocks.wall, SUPERVISOR,
                                alarms=lambda: alarms, duty_rounds=rounds)

    assert desk(False).pending_alarms() == []  # a centre's desk: the worker's job
    own = desk(True)
    assert own.pending_alarms() == []  # no phone has ever reported: no field API, no alarms
    walk(SqlPositionStore(engine), centre, "caiji02", START, 5)  # phones in use (08:30-08:35)
    clocks.advance(1)
    raised = own.pending_alarms()
    assert {a.kind for a in raised} == {AlarmKind.OFFLINE}
    assert len(raised) == len([u for u in centre.ref.users.values()
                               if u.role == Role.COLLECTOR.value and u.active])
    walk(SqlPositionStore(engine), centre, A, clocks.now, 0)  # caiji01's phone comes back
    clocks.advance(0.5)
    assert len(own.pending_alarms()) == len(raised)  # within the minute: no round
    assert A in {a.username for a in alarms.open_alarms()}
    clocks.advance(0.5)
    own.pending_alarms()
    assert A not in {a.username for a in alarms.open_alarms()}  # the next round ended it
