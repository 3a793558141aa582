"""绩效评价 read side: a small history built through the real services, counted by hand.

The history (all times Asia/Shanghai; working hours 08–12, 14–18; stage limits 受理/立案/派遣 30,
核实/核查 120, 结案 60 working minutes; 06010 暴露垃圾 is handled in 240).  G1 = 北门社区 cell 001
(collector caiji01), G2 = cell 019 (caiji02).  Unit ZHZF = 县综合执法局, ZJJ = 县住建局.

====  =========================================================================================
case  events
====  =========================================================================================
H     Mon 09-28: caiji01 reports in G1, accepted, filed, dispatched to ZHZF 09:20 (处置 due 15:20).
      Thu 10-08: feedback 09:00 (late), request-check 09:10 (10 min: on time), check-pass 14:30
      (核查 due 11:00: late), close 16:00 (结案 due 15:30: late; type 超时).
A     Mon 10-12: caiji01 reports in G1 09:00; accept 09:10; file 09:20; dispatch ZHZF 09:30;
      start 09:40; feedback 11:00 (on time); request-check 11:10 naming caiji01; check-pass
      11:40; close 11:50 (正常).  Everything on time.
B     Tue 10-13: shouli1 takes a 12345 call in G1 09:00; accept 09:05; request-verify 09:50
      naming caiji01 (立案 due 09:35: late); verify found 10:00 (on time); file 10:10; dispatch
      ZHZF 10:20 (处置 due 16:20).  Wed 10-14: feedback 10:00 (late); request-check 11:00 (60 min
      after the feedback: late); check-fail 11:30 (rework; new 处置 due 17:30); feedback 15:00
      (on time); request-check 15:10; check-pass 15:30; close 15:40 (type 超时).
C     Thu 10-15: caiji01 reports in G1 09:00; accept 09:05; file 09:10; dispatch ZJJ 09:20 (a
      wrong unit); ZJJ asks to return 10:00, approved 10:10; dispatch ZHZF 10:20; ZHZF asks 240
      min more 10:30, approved 10:40 (处置 due Fri 10:20).  Fri 10-16: feedback 09:00 (on time);
      request-check 09:10; check-pass 09:30; close 09:40 (正常).
D     Mon 10-19: caiji02 reports in G2 09:00; accept 09:05; file 09:50 (late); request-void
      09:55; approve-void 10:05.
E     Mon 10-19: caiji01 reports in G1 10:00; shouli1 refuses it 10:05.
F     Fri 10-30: caiji01 reports in G1 09:00; accept 09:05; file 09:10; dispatch ZHZF 10:00 (派遣
      due 09:40: late; 处置 due 16:00); start 10:10.  No feedback before the month ends; feedback
      Mon 11-02 10:00 must not change October.
I     Fri 10-30: shouli1 takes a public report in G2 09:00; accept 09:05; request-verify 09:10
      naming nobody (核实 due 11:10).  Still being verified when the month ends.
G     Sat 10-31 20:00: caiji01 reports in G1; accepted and filed Mon 11-02 (after the month).
====  =========================================================================================

October by hand:

* ZHZF: dispatched A B C F = 4, none returned or voided: filed = due_to_close = 4; closed A B C
  = 3.  Ended 处置 stages in October: A (on time), B (late), B again (on time), C (on time),
  H (late) = 5, plus F open at the end and past its deadline = 6 due, 3 on time; 1 rework
  (B); 1 extension (C).  Score: 立案 4 -> 100 × 10 % = 10; 结案率 3/4 -> 75 × 30 % = 22.5;
  按期处置率 3/6 -> 50 × 30 % = 15; 返工率 1/6 -> 83.33 × 30 % = 25 => **72.50 C**.
* ZJJ: C dispatched to it and sent back: dispatched 1, filed 0, returned 1 => 100.00 A.
* caiji01: reports A C E F G = 5; G undecided at the end (pending); A C F valid, E refused:
  valid 3 of 4 decided.  Filed in its cells A B C F = 4; missed (B, a verified hotline report)
  = 1.  Verified B on time: 1/1.  Checks A, B (fail), B, C, H(late) = 4/5.  Score: 75 × 40 % +
  75 × 20 % + 100 × 20 % + 80 × 20 % => **81.00 B**.
* caiji02: D reported and voided: 0 valid of 1.  Filed in its cells: D = 1, missed 0.  I is
  open and past its 核实 deadline in caiji02's cell (no collector named): 0 of 1.  No checks.
  Score: 0 + 100 × 20 % + 0 + 100 × 20 % => **40.00 D**.
* shouli1: accepted A B C D F I + refused E = 7 (-> 0 points); 发核实 B (late), I (on time) =
  1/2; 发核查 A, B (late), B, C, H = 4/5.  Score: 0 × 25 % + 50 × 40 % + 80 × 35 % => **48.00 D**.
* zhibanzhang1: filed A B C D F = 5, D late: 4/5; D voided: accurate 4/5; closed A B C H, H
  late: 3/4.  Score: 80 × 25 % + 80 × 40 % + 75 × 35 % => **78.25 B**.
* paiqian1: dispatches A, B, C->ZJJ, C->ZHZF, F = 5 (-> 0 points); F late: 4/5; C->ZJJ returned:
  accurate 4/5.  Score: 0 + 80 × 40 % + 80 × 40 % => **64.00 C**.
* G1 (grid): filed A B C F = 4 (一类 3–4 -> 75); verified public report B: 1/4; closed A B C
  = 3/4; type 正常 A C = 2/4.  Score: 75 × 10 % + 75 × 20 % + 75 × 30 % + 50 × 40 % => **65.00 C**.
* G2 (grid): filed D = 1 (-> 90); D voided: nothing due to close.  => 10 + 18 + 30 + 40 = **98.00 A**.
* 北门社区 (36 cells) and 芹阳办事处 (144 cells): filed 5 (per cell < 1 -> 90), verified 1/5,
  due 4, closed 3, 正常 2 => 8 + 18 + 22.5 + 20 = **68.50 C**.
* September, for ``--compare``: ZHZF got H (dispatched, open and overdue at the end):
  10 + 0 + 0 + 30 => **40.00 D**.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from console.domain.calendar import statutory_days
from console.domain.evaluation import Grade, parse_period
from console.reference_files import load_centre_files
from console.services.cases import Report, act, report_case
from console.services.centre import Centre, load_centre
from console.services.evaluation import evaluate
from console.services.setup import init_reference
from console.services.uow import UnitOfWork
from db.schema import upgrade
from db.uow import make_uow_factory
from tests.integration.conftest import BACKENDS
from tests.integration.templates import kaihua_database

CST = timezone(timedelta(hours=8))
G1 = "330824001001001"  # caiji01's cell
G2 = "330824001001019"  # caiji02's cell
ZHZF, ZJJ = "KH-ZHZF", "KH-ZJJ"
OCTOBER = parse_period("2026-10")


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A 2026 instant in Kaihua."""
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


@dataclass
class History:
    """Case ids of the scenario by letter."""

    ids: dict[str, int]

    def __getitem__(self, letter: str) -> int:
        return self.ids[letter]

    def of(self, letters: str) -> list[int]:
        """Sorted ids of several cases: ``h.of("ABC")``."""
        return sorted(self.ids[x] for x in letters)


def build_history(factory: Callable[[], UnitOfWork], centre: Centre) -> History:
    """Write the module docstring's history through ``report_case`` / ``act``."""
    ids: dict[str, int] = {}

    def report(letter: str, user: str, when: datetime, grid: str, source: str = "监督员上报") -> None:
        made = report_case(factory, centre, centre.actor(user), when,
                           Report("06010", "路口暴露垃圾一堆", source=source, grid=grid))
        assert made.case.id is not None
        ids[letter] = made.case.id

    def step(letter: str, user: str, when: datetime, command: str, **fields: Any) -> None:
        act(factory, centre, centre.actor(user), when, ids[letter], command, fields)

    report("H", "caiji01", at(9, 28, 9), G1)
    step("H", "shouli1", at(9, 28, 9, 5), "accept")
    step("H", "zhibanzhang1", at(9, 28, 9, 10), "file")
    step("H", "paiqian1", at(9, 28, 9, 20), "dispatch", unit=ZHZF)
    step("H", "unit_zhzf", at(9, 28, 9, 30), "start")
    step("H", "unit_zhzf", at(10, 8, 9), "feedback", notes="已清运")
    step("H", "shouli1", at(10, 8, 9, 10), "request-check")
    step("H", "caiji01", at(10, 8, 14, 30), "check-pass")
    step("H", "zhibanzhang1", at(10, 8, 16), "close")

    report("A", "caiji01", at(10, 12, 9), G1)
    step("A", "shouli1", at(10, 12, 9, 10), "accept")
    step("A", "zhibanzhang1", at(10, 12, 9, 20), "file")
    step("A", "paiqian1", at(10, 12, 9, 30), "dispatch", unit=ZHZF)
    step("A", "unit_zhzf", at(10, 12, 9, 40), "start")
    step("A", "unit_zhzf", at(10, 12, 11), "feedback", notes="已清运")
    step("A", "shouli1", at(10, 12, 11, 10), "request-check", collector="caiji01")
    step("A", "caiji01", at(10, 12, 11, 40), "check-pass")
    step("A", "zhibanzhang1", at(10, 12, 11, 50), "close")

    report("B", "shouli1", at(10, 13, 9), G1, source="12345热线")
    step("B", "shouli1", at(10, 13, 9, 5), "accept")
    step("B", "shouli1", at(10, 13, 9, 50), "request-verify", collector="caiji01")
    step("B", "caiji01", at(10, 13, 10), "verify", found=True)
    step("B", "zhibanzhang1", at(10, 13, 10, 10), "file")
    step("B", "paiqian1", at(10, 13, 10, 20), "dispatch", unit=ZHZF)
    step("B", "unit_zhzf", at(10, 14, 10), "feedback", notes="已清运")
    step("B", "shouli1", at(10, 14, 11), "request-check")
    step("B", "caiji01", at(10, 14, 11, 30), "check-fail", notes="仍有残留")
    step("B", "unit_zhzf", at(10, 14, 15), "feedback", notes="已彻底清理")
    step("B", "shouli1", at(10, 14, 15, 10), "request-check")
    step("B", "caiji01", at(10, 14, 15, 30), "check-pass")
    step("B", "zhibanzhang1", at(10, 14, 15, 40), "close")

    report("C", "caiji01", at(10, 15, 9), G1)
    step("C", "shouli1", at(10, 15, 9, 5), "accept")
    step("C", "zhibanzhang1", at(10, 15, 9, 10), "file")
    step("C", "paiqian1", at(10, 15, 9, 20), "dispatch", unit=ZJJ, reason="派遣员改派")
    step("C", "unit_zjj", at(10, 15, 10), "request-return", reason="非本单位职责")
    step("C", "zhibanzhang1", at(10, 15, 10, 10), "approve")
    step("C", "paiqian1", at(10, 15, 10, 20), "dispatch", unit=ZHZF)
    step("C", "unit_zhzf", at(10, 15, 10, 30), "request-extension", minutes=240, reason="需调车")
    step("C", "zhibanzhang1", at(10, 15, 10, 40), "approve")
    step("C", "unit_zhzf", at(10, 16, 9), "feedback", notes="已清运")
    step("C", "shouli1", at(10, 16, 9, 10), "request-check")
    step("C", "caiji01", at(10, 16, 9, 30), "check-pass")
    step("C", "zhibanzhang1", at(10, 16, 9, 40), "close")

    report("D", "caiji02", at(10, 19, 9), G2)
    step("D", "shouli1", at(10, 19, 9, 5), "accept")
    step("D", "zhibanzhang1", at(10, 19, 9, 50), "file")
    step("D", "shouli1", at(10, 19, 9, 55), "request-void", reason="重复录入")
    step("D", "zhibanzhang1", at(10, 19, 10, 5), "approve")

    report("E", "caiji01", at(10, 19, 10), G1)
    step("E", "shouli1", at(10, 19, 10, 5), "refuse", reason="不属于城市管理范围")

    report("F", "caiji01", at(10, 30, 9), G1)
    step("F", "shouli1", at(10, 30, 9, 5), "accept")
    step("F", "zhibanzhang1", at(10, 30, 9, 10), "file")
    step("F", "paiqian1", at(10, 30, 10), "dispatch", unit=ZHZF)
    step("F", "unit_zhzf", at(10, 30, 10, 10), "start")

    report("I", "shouli1", at(10, 30, 9), G2, source="公众举报")
    step("I", "shouli1", at(10, 30, 9, 5), "accept")
    step("I", "shouli1", at(10, 30, 9, 10), "request-verify")

    report("G", "caiji01", at(10, 31, 20), G1)
    step("G", "shouli1", at(11, 2, 9), "accept")
    step("G", "zhibanzhang1", at(11, 2, 9, 5), "file")
    step("F", "unit_zhzf", at(11, 2, 10), "feedback", notes="已清运")
    return History(ids)


@pytest.fixture(scope="module", params=BACKENDS)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Callable[[], UnitOfWork], Centre, History]]:
    """One database per backend holding the scenario (the tests only read it)."""
    with ExitStack() as stack:
        factory, centre = kaihua_database(stack, request, tmp_path_factory, request.param)
        yield factory, centre, build_history(factory, centre)


@pytest.fixture
def uow_factory(built) -> Callable[[], UnitOfWork]:
    """Units of work on the scenario's database."""
    return built[0]


@pytest.fixture
def history(built) -> tuple[Centre, History]:
    """The centre and the scenario's case ids."""
    return built[1], built[2]


def run_eval(factory: Callable[[], UnitOfWork], centre: Centre, obj: str, **kw: Any):
    return evaluate(factory(), centre, OCTOBER, obj, **kw)


def test_unit_counts_scores_and_cases(uow_factory, history) -> None:
    centre, h = history
    report = run_eval(uow_factory, centre, "unit")
    row = report.row(ZHZF)
    assert row is not None
    assert dict(row.counts) == {
        "dispatched": 4, "filed": 4, "due_to_close": 4, "closed": 3, "due_to_handle": 6,
        "handled_on_time": 3, "overdue_open": 1, "reworked": 1, "returned": 0, "extended": 1,
    }
    assert row.case_ids["filed"] == tuple(h.of("ABCF"))
    assert row.case_ids["closed"] == tuple(h.of("ABC"))
    assert row.case_ids["due_to_handle"] == tuple(h.of("ABCFH"))  # B twice: listed once
    assert row.case_ids["handled_on_time"] == tuple(h.of("ABC"))
    assert row.case_ids["overdue_open"] == (h["F"],)
    assert row.case_ids["reworked"] == (h["B"],)
    assert row.rates == pytest.approx({"close_rate": 0.75, "on_time_rate": 0.5, "rework_rate": 1 / 6})
    assert (row.score, row.grade) == (72.5, Grade.C)

    zjj = report.row(ZJJ)
    assert zjj is not None
    assert (zjj.counts["dispatched"], zjj.counts["filed"], zjj.counts["returned"]) == (1, 0, 1)
    assert zjj.case_ids["returned"] == (h["C"],)
    # C went back: nothing due to handle or close.  The formula's 100 stays, but no grade.
    assert (zjj.score, zjj.grade, zjj.rank) == (100.0, None, None)
    # ZHZF, the only unit with anything due, is ranked first; the idle units follow, unranked.
    assert report.rows[0].key == ZHZF and report.rows[0].rank == 1
    assert all(r.rank is None and r.grade is None for r in report.rows[1:])


def test_collectors(uow_factory, history) -> None:
    centre, h = history
    report = run_eval(uow_factory, centre, "collector")
    one, two = report.row("caiji01"), report.row("caiji02")
    assert one is not None and two is not None
    assert {k: one.counts[k] for k in ("reports", "pending", "valid", "filed", "missed",
                                       "verify_due", "verify_on_time", "check_due",
                                       "check_on_time")} == {
        "reports": 5, "pending": 1, "valid": 3, "filed": 4, "missed": 1, "verify_due": 1,
        "verify_on_time": 1, "check_due": 5, "check_on_time": 4,
    }
    assert one.case_ids["pending"] == (h["G"],)
    assert one.case_ids["valid"] == tuple(h.of("ACF"))
    assert one.case_ids["missed"] == (h["B"],)
    assert one.rates == pytest.approx({"valid_report_rate": 0.75, "missed_rate": 0.25,
                                       "verify_on_time_rate": 1.0, "check_on_time_rate": 0.8})
    assert (one.score, one.grade) == (81.0, Grade.B)
    assert (two.counts["reports"], two.counts["valid"], two.counts["filed"]) == (1, 0, 1)
    assert (two.counts["verify_due"], two.counts["verify_overdue_open"]) == (1, 1)
    assert two.case_ids["verify_overdue_open"] == (h["I"],)
    assert (two.score, two.grade) == (40.0, Grade.D)
    # A collector who did nothing is still listed (nothing due, nothing failed), unranked.
    idle = report.row("caiji05")
    assert idle is not None and idle.score == 100.0
    assert (idle.rank, idle.grade, idle.reason) == (None, None, "本期无应处置案件")


def test_acceptors_supervisors_dispatchers(uow_factory, history) -> None:
    centre, h = history
    acc = run_eval(uow_factory, centre, "acceptor").row("shouli1")
    assert acc is not None
    assert dict(acc.counts) == {
        "accepted": 7, "accepts": 6, "refusals": 1, "verify_sent": 2, "verify_sent_on_time": 1,
        "check_sent": 5, "check_sent_on_time": 4, "self_approved": 0, "self_rejected": 0,
    }
    assert acc.case_ids["verify_sent_on_time"] == (h["I"],)
    assert (acc.score, acc.grade) == (48.0, Grade.D)

    sup = run_eval(uow_factory, centre, "supervisor").row("zhibanzhang1")
    assert sup is not None
    assert dict(sup.counts) == {"filed": 5, "filed_on_time": 4, "voided": 1, "refused_file": 0,
                                "closed": 4, "closed_on_time": 3}
    assert sup.case_ids["voided"] == (h["D"],)
    assert (sup.score, sup.grade) == (78.25, Grade.B)

    dis = run_eval(uow_factory, centre, "dispatcher").row("paiqian1")
    assert dis is not None
    assert dict(dis.counts) == {"dispatched": 5, "dispatched_on_time": 4, "returned": 1}
    assert dis.case_ids["returned"] == (h["C"],)
    assert (dis.score, dis.grade) == (64.0, Grade.C)


def test_areas_at_every_level(uow_factory, history) -> None:
    centre, h = history
    grid = run_eval(uow_factory, centre, "area")
    g1, g2 = grid.row(G1), grid.row(G2)
    assert g1 is not None and g2 is not None
    assert dict(g1.counts) == {"filed": 4, "reported_verified": 1, "due_to_close": 4,
                               "closed": 3, "closed_on_time": 2, "self_handled": 0}
    assert g1.case_ids["closed_on_time"] == tuple(h.of("AC"))
    assert (g1.score, g1.grade) == (65.0, Grade.C)
    assert (g2.counts["filed"], g2.counts["due_to_close"], g2.score) == (1, 0, 98.0)
    assert len(grid.rows) == len(centre.ref.grids)
    for level, code, cells in (("community", G1[:12], 36), ("street", G1[:9], 144)):
        row = run_eval(uow_factory, centre, "area", area_level=level).row(code)
        assert row is not None
        assert (row.ident["cells"], row.counts["filed"], row.counts["due_to_close"]) == (cells, 5, 4)
        assert (row.score, row.grade) == (68.5, Grade.C)


def test_compare_with_september_and_later_events_change_nothing(uow_factory, history) -> None:
    centre, _ = history
    report = evaluate(uow_factory(), centre, OCTOBER, "unit", compare=True)
    assert report.previous is not None and report.previous.period.label == "2026-09"
    before = report.previous.row(ZHZF)
    assert before is not None
    assert (before.counts["filed"], before.counts["overdue_open"], before.score) == (1, 1, 40.0)
    data = report.as_dict()
    zhzf = next(r for r in data["rows"] if r["unit"] == ZHZF)
    assert zhzf["previous"]["score"] == 40.0 and zhzf["change"] == 32.5
    assert data["previous_period"]["label"] == "2026-09"
    # November's events (F's feedback, G's filing) were written: October still reads the same.
    november = run_eval(uow_factory, centre, "unit")
    assert november.row(ZHZF) == report.row(ZHZF)


def test_every_object_type_ranks_only_what_had_something_due(uow_factory, history) -> None:
    """Idle staff and areas score high by the formulas (an idle dispatcher 80, an idle
    acceptor 75, an idle cell 100) and used to rank first; now they come last, unranked."""
    centre, _ = history
    expected_first = {"unit": ZHZF, "collector": "caiji01", "acceptor": "shouli1",
                      "supervisor": "zhibanzhang1", "dispatcher": "paiqian1", "area": G2}
    for obj, first in expected_first.items():
        report = run_eval(uow_factory, centre, obj)
        assert report.rows[0].key == first and report.rows[0].rank == 1, obj
        ranked = [r for r in report.rows if r.rank is not None]
        idle = report.rows[len(ranked):]
        assert all(r.due and r.grade is not None for r in ranked), obj
        assert idle and all(not r.due and r.grade is None and r.rank is None for r in idle), obj
        assert [r.key for r in idle] == sorted(r.key for r in idle), obj
    idle_dispatcher = run_eval(uow_factory, centre, "dispatcher").rows[-1]
    assert (idle_dispatcher.score, idle_dispatcher.rank) == (80.0, None)


def test_previous_period_ranks_by_the_same_rule(uow_factory, history) -> None:
    centre, _ = history
    report = evaluate(uow_factory(), centre, OCTOBER, "unit", compare=True)
    assert report.previous is not None
    september = report.previous
    assert september.rows[0].key == ZHZF and september.rows[0].rank == 1  # H, late
    assert all(r.rank is None and r.grade is None for r in september.rows[1:])
    rows = {r["unit"]: r for r in report.as_dict(case_ids=False)["rows"]}
    assert rows[ZJJ]["previous"] == {"score": 100.0, "grade": None, "rank": None,
                                     "unranked_reason": "本期无应处置案件"}
    assert rows[ZJJ]["change"] is None


def test_the_running_month_is_counted_up_to_now(uow_factory, history) -> None:
    centre, h = history
    # Fri 10-30 12:00: F (dispatched 10:00, 处置 due 16:00) is not late yet, so not due; I
    # (核实 due 11:10, no collector named) is late for caiji02.
    noon = at(10, 30, 12)
    report = evaluate(uow_factory(), centre, OCTOBER, "unit", as_of=noon, compare=True)
    assert report.as_of == noon and report.previous is not None and report.previous.as_of is None
    zhzf = report.row(ZHZF)
    assert zhzf is not None and zhzf.rank == 1
    assert (zhzf.counts["due_to_handle"], zhzf.counts["overdue_open"]) == (5, 0)
    assert h["F"] not in zhzf.case_ids["due_to_handle"] and h["F"] in zhzf.case_ids["filed"]
    collectors = evaluate(uow_factory(), centre, OCTOBER, "collector", as_of=noon)
    two = collectors.row("caiji02")
    assert two is not None and two.case_ids["verify_overdue_open"] == (h["I"],)
    # At 16:30 F is late: due and not done.
    later = evaluate(uow_factory(), centre, OCTOBER, "unit", as_of=at(10, 30, 16, 30)).row(ZHZF)
    assert later is not None and later.case_ids["overdue_open"] == (h["F"],)
    # Mon 10-05: nothing of October has fallen due yet (H was due in September).
    early = evaluate(uow_factory(), centre, OCTOBER, "unit", as_of=at(10, 5, 12))
    assert all(r.rank is None and r.grade is None for r in early.rows)
    # A period already over (or not begun) is counted to its end.
    over = evaluate(uow_factory(), centre, OCTOBER, "unit", as_of=at(11, 3, 9))
    assert over.as_of is None and over.row(ZHZF) == run_eval(uow_factory, centre, "unit").row(ZHZF)


def test_week_and_day_periods(uow_factory, history) -> None:
    centre, _ = history
    week = evaluate(uow_factory(), centre, parse_period("2026-W42"), "unit").row(ZHZF)
    assert week is not None  # Mon 10-12 .. Sun 10-18: A, B, C
    assert (week.counts["filed"], week.counts["closed"], week.counts["due_to_handle"]) == (3, 3, 4)
    day = evaluate(uow_factory(), centre, parse_period("2026-10-30"), "unit").row(ZHZF)
    assert day is not None  # F: dispatched late in the morning, overdue at 16:00, still open
    assert (day.counts["filed"], day.counts["due_to_handle"], day.counts["overdue_open"]) == (1, 1, 1)
    assert day.rates["on_time_rate"] == 0.0


def test_event_log_ports(uow_factory, history) -> None:
    centre, h = history
    start, end = OCTOBER.bounds(centre.tz)
    with uow_factory() as uow:
        facts = uow.events.facts(["approve-return"], start, end, with_payload=True)
        assert [(f.case_id, f.payload["returned_from"], f.grid) for f in facts] == [(h["C"], ZJJ, G1)]
        bare = uow.events.facts(["approve-return"], start, end)
        assert bare[0].payload == {} and bare[0].source == "监督员上报"
        scoped = uow.events.facts(["close"], None, end, case_ids=[h["A"], h["H"], h["F"]])
        assert [f.case_id for f in scoped] == sorted([h["A"], h["H"]])
        assert uow.events.facts(["close"], case_ids=[]) == []
        open_ = {s.case_id: s for s in uow.events.open_at(end, ["待处置", "处置中", "核实中"])}
        assert set(open_) == {h["F"], h["I"]}
        # F's deadline at the end: recorded by its next event (the November feedback).
        assert open_[h["F"]].deadline == at(10, 30, 16)
        assert open_[h["F"]].unit == ZHZF and open_[h["F"]].state == "处置中"
        # I has had no event since: its current deadline is the one in force.
        assert open_[h["I"]].deadline == at(10, 30, 11, 10) and open_[h["I"]].grid == G2
        # Before C's wrong dispatch was returned, C stood at ZJJ.
        mid = {s.case_id: s.unit for s in uow.events.open_at(at(10, 15, 10, 5), ["待处置"])}
        assert mid == {h["C"]: ZJJ}


def test_redispatch_after_a_return_and_second_level_dispatch(engine) -> None:
    """Two more cases in a database of their own.

    J: caiji03 reports Mon 09-28; dispatched to ZJJ 09:20, returned 10:10 (September).  Mon 10-12
    dispatched to ZJJ again 09:00 (the dispatcher insists), fed back 10:00 and closed.  ZJJ's
    September: dispatched 1, filed 0, returned 1; its October: dispatched, filed, closed 1 —
    the case did not stand with ZJJ when October began, so October counts it.
    L: Tue 10-13 dispatched to 芹阳办事处 (QYBSC), passed on to 北门社区 (QYBSC-001), which
    feeds back; closed.  Both units have it filed and closed; the 处置 stage is the community's.
    """
    upgrade(engine)
    factory = make_uow_factory(engine)
    init_reference(factory(), load_centre_files(), statutory_days([2026]))
    centre = load_centre(factory())
    ids: dict[str, int] = {}

    def step(letter: str, user: str, when: datetime, command: str, **fields: Any) -> None:
        act(factory, centre, centre.actor(user), when, ids[letter], command, fields)

    for letter, when in (("J", at(9, 28, 9)), ("L", at(10, 13, 9))):
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
    for letter, day in (("J", 12), ("L", 13)):
        user = "unit_zjj" if letter == "J" else "unit_qybsc001"
        step(letter, user, at(10, day, 10), "feedback", notes="已清运")
        step(letter, "shouli1", at(10, day, 10, 10), "request-check")
        step(letter, "caiji03", at(10, day, 10, 30), "check-pass")
        step(letter, "zhibanzhang1", at(10, day, 10, 40), "close")

    september = evaluate(factory(), centre, parse_period("2026-09"), "unit").row(ZJJ)
    assert september is not None
    assert (september.counts["dispatched"], september.counts["filed"],
            september.counts["returned"]) == (1, 0, 1)
    october = evaluate(factory(), centre, OCTOBER, "unit")
    zjj = october.row(ZJJ)
    assert zjj is not None
    assert {k: zjj.counts[k] for k in ("dispatched", "filed", "closed", "due_to_handle",
                                       "handled_on_time", "returned")} == {
        "dispatched": 1, "filed": 1, "closed": 1, "due_to_handle": 1, "handled_on_time": 1,
        "returned": 0}
    street, community = october.row("KH-QYBSC"), october.row("KH-QYBSC-001")
    assert street is not None and community is not None
    assert (street.counts["filed"], street.counts["closed"], street.counts["due_to_handle"]) == (1, 1, 0)
    assert (community.counts["filed"], community.counts["closed"],
            community.counts["due_to_handle"]) == (1, 1, 1)
    assert community.case_ids["filed"] == (ids["L"],)
