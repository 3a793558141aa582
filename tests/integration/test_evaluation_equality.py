"""The 专业部门 counts in SQL give exactly what the Python tally gave: counts and case ids.

``tests/integration/evaluation_legacy.py`` keeps the Python tally that read every event of the
period (``unit_tally`` before the SQL aggregation).  One database per backend holds a 40-day demo
(returns, voids, designations, extensions, suspensions, cases open at every period's end), the
hand-counted history of ``test_evaluation_read`` and the redispatch / second-level dispatch cases
of its last test (a case returned in September and dispatched to the same unit in October, a
street office passing a case to its community), and a case whose ``reported_at`` lies just
after a period's start while its first events lie before it.  Every period the evaluation tests use, and a
few more that cut through the middle of cases, must give the same numbers and the same ids, both
when the ids of one unit are asked for (drill-down) and when all of them are (``as_dict``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from console.domain.evaluation import parse_period
from console.services.cases import Report, act, report_case
from console.services.centre import Centre
from console.services.demo import DemoSettings, run_demo
from console.services.evaluation import COUNTS, evaluate
from console.services.uow import UnitOfWork
from tests.integration.conftest import BACKENDS
from tests.integration.evaluation_legacy import unit_tally
from tests.integration.templates import kaihua_database
from tests.integration.test_evaluation_read import ZJJ, at, build_history

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
PERIODS = ["2026-09", "2026-10", "2026-11", "2026-Q4", "2026-W42", "2026-W43", "2026-W47",
           "2026-10-15", "2026-10-30", "2026-11-24", "2026-10-20..2026-11-10", "2026-11-26"]
Factory = Callable[[], UnitOfWork]


def add_redispatch_cases(factory: Factory, centre: Centre) -> None:
    """J (returned by ZJJ in September, dispatched to it again in October), L (subdispatch),
    V (dispatched to ZJJ on 10-14 and voided there on 10-15) and W (dispatched to ZJJ on 10-30,
    voided on 11-03: voided after October)."""
    ids: dict[str, int] = {}

    def step(letter: str, user: str, when: datetime, command: str, **fields: Any) -> None:
        act(factory, centre, centre.actor(user), when, ids[letter], command, fields)

    for letter, when in (("J", at(9, 28, 9)), ("L", at(10, 13, 9)), ("V", at(10, 14, 9)),
                         ("W", at(10, 30, 9))):
        made = report_case(factory, centre, centre.actor("caiji03"), when,
                           Report("06010", "路口暴露垃圾", grid="330824001002001"))
        assert made.case.id is not None
        ids[letter] = made.case.id
        step(letter, "shouli1", when + timedelta(minutes=5), "accept")
        step(letter, "zhibanzhang1", when + timedelta(minutes=10), "file")
    step("J", "paiqian1", at(9, 28, 9, 20), "dispatch", unit=ZJJ, reason="派遣员改派")
    step("J", "unit_zjj", at(9, 28, 10), "request-return", reason="非本单位职责")
    step("J", "zhibanzhang1", at(9, 28, 10, 10), "approve")
    step("J", "paiqian1", at(10, 12, 9), "dispatch", unit=ZJJ, reason="派遣员改派")
    step("L", "paiqian1", at(10, 13, 9, 20), "dispatch", unit="KH-QYBSC", reason="派遣员改派")
    step("L", "unit_qybsc", at(10, 13, 9, 30), "subdispatch", unit="KH-QYBSC-001")
    step("V", "paiqian1", at(10, 14, 9, 20), "dispatch", unit=ZJJ, reason="派遣员改派")
    step("V", "paiqian1", at(10, 15, 9), "request-void", reason="重复录入")
    step("V", "zhibanzhang1", at(10, 15, 9, 10), "approve")
    step("W", "paiqian1", at(10, 30, 9, 20), "dispatch", unit=ZJJ, reason="派遣员改派")
    step("W", "paiqian1", at(11, 3, 9), "request-void", reason="重复录入")
    step("W", "zhibanzhang1", at(11, 3, 9, 10), "approve")
    step("J", "unit_zjj", at(10, 12, 10), "feedback", notes="已清运")
    step("L", "unit_qybsc001", at(10, 13, 10), "feedback", notes="已清运")


def add_early_hours_case(factory: Factory, centre: Centre) -> None:
    """E: reported at 23:56 on 09-30 with a reported-at of 00:00 on 10-01 (ahead of its event,
    as a report may be), dispatched to the street office before midnight and passed to its
    community on 10-01.  Its ``reported_at`` lies in October but its history does not, so it
    must be walked (the street office's dispatch is September's, the community's October's)."""
    made = report_case(factory, centre, centre.actor("caiji03"), at(9, 30, 23, 56),
                       Report("06010", "路口暴露垃圾", grid="330824001002001",
                              reported_at=at(10, 1, 0)))
    assert made.case.id is not None
    case_id = made.case.id

    def step(user: str, when: datetime, command: str, **fields: Any) -> None:
        act(factory, centre, centre.actor(user), when, case_id, command, fields)

    step("shouli1", at(9, 30, 23, 57), "accept")
    step("zhibanzhang1", at(9, 30, 23, 58), "file")
    step("paiqian1", at(9, 30, 23, 59), "dispatch", unit="KH-QYBSC", reason="派遣员改派")
    step("unit_qybsc", at(10, 1, 9), "subdispatch", unit="KH-QYBSC-001")


@pytest.fixture(scope="module", params=BACKENDS)
def mixed(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Factory, Centre]]:
    """A demo, the hand-counted history and the redispatch cases in one database."""
    with ExitStack() as stack:
        factory, centre = kaihua_database(stack, request, tmp_path_factory, request.param)
        run_demo(factory, centre, NOW, DemoSettings(days=40, seed=11, per_day=50.0))
        build_history(factory, centre)
        add_redispatch_cases(factory, centre)
        add_early_hours_case(factory, centre)
        yield factory, centre


@pytest.mark.parametrize("label", PERIODS)
def test_unit_counts_and_ids_match_the_python_tally(mixed, label: str) -> None:
    factory, centre = mixed
    period = parse_period(label)
    start, end = period.bounds(centre.tz)
    with factory() as uow:
        legacy = unit_tally(uow.events, start, end)
    names = COUNTS["unit"]

    # Drill-down: each row's ids are fetched for that unit alone.
    report = evaluate(factory(), centre, period, "unit")
    assert legacy.keys() <= {r.key for r in report.rows}
    busy = 0
    for row in report.rows:
        assert {n: row.counts[n] for n in names} == {n: legacy.n(row.key, n) for n in names}, row.key
        assert {n: row.ids(n) for n in names} == {n: legacy.ids(row.key, n) for n in names}, row.key
        busy += sum(row.counts.values()) > 0
    assert busy > 0 or label == "2026-11-26"

    # All at once, as the CLI's JSON asks.
    data = evaluate(factory(), centre, period, "unit").as_dict()
    for row in data["rows"]:
        assert row["case_ids"] == {n: list(legacy.ids(row["unit"], n)) for n in names}


def test_the_data_exercises_every_path(mixed) -> None:
    """The periods above see returns, voids, second-level dispatch and open late stages."""
    factory, centre = mixed
    start, end = parse_period("2026-10").bounds(centre.tz)
    with factory() as uow:
        legacy = unit_tally(uow.events, start, end)
    totals = {n: sum(legacy.n(k, n) for k in legacy.keys()) for n in COUNTS["unit"]}  # noqa: SIM118
    assert all(totals[n] > 0 for n in ("dispatched", "filed", "due_to_close", "closed",
                                       "due_to_handle", "handled_on_time", "overdue_open",
                                       "reworked", "returned", "extended")), totals
    assert totals["dispatched"] > totals["filed"] > totals["due_to_close"] > totals["closed"]
