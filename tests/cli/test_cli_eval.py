"""``citydesk eval``: the JSON is the service's result; bad input exits 2 and changes nothing.

The history is the hand-computed one of ``tests/integration/test_evaluation_read.py``, written
through the services into a database ``citydesk init`` set up, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.domain.evaluation import DUE_COUNTS, parse_period
from console.services.centre import Centre, load_centre
from console.services.evaluation import evaluate
from db.engine import make_engine
from db.uow import make_uow_factory
from tests.cli.conftest import fingerprint, run
from tests.integration.test_evaluation_read import G1, ZHZF, ZJJ, History, build_history


@pytest.fixture(scope="module")
def scenario(shared_db: str) -> Iterator[tuple[str, Centre, History]]:
    """The shared database of this module holding the scenario."""
    engine = make_engine(shared_db)
    try:
        factory = make_uow_factory(engine)
        centre = load_centre(factory())
        yield shared_db, centre, build_history(factory, centre)
    finally:
        engine.dispose()


def due_counts(row: dict, obj: str) -> list[int]:
    """The row's counts that make something due (``DUE_COUNTS``).

    A collector's decided reports are its ``reports`` less the ``pending`` ones.
    """
    return [row[name] - (row["pending"] if (obj, name) == ("collector", "reports") else 0)
            for name in DUE_COUNTS[obj]]


def service_json(url: str, centre: Centre, period: str, obj: str, **kw) -> dict:
    """What the service returns, through the same JSON encoding the CLI uses."""
    engine = make_engine(url)
    try:
        report = evaluate(make_uow_factory(engine)(), centre, parse_period(period), obj, **kw)
        data = report.as_dict()  # the case ids are read from the database, so before dispose
    finally:
        engine.dispose()
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


@pytest.mark.parametrize("obj", ["unit", "collector", "acceptor", "supervisor", "dispatcher", "area"])
def test_json_is_the_service_result(scenario, obj: str) -> None:
    url, centre, _ = scenario
    result = run(url, "eval", "--period", "2026-10", "--object", obj, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data == service_json(url, centre, "2026-10", obj)
    assert data["period"]["label"] == "2026-10" and data["object"] == obj
    rows = data["rows"]
    ranked = [r for r in rows if r["rank"] is not None]
    assert ranked and rows[:len(ranked)] == ranked  # the unranked come last
    scores = [r["score"] for r in ranked]
    assert scores == sorted(scores, reverse=True) and ranked[0]["rank"] == 1
    # The top-ranked object had something due; every unranked one had nothing due.
    assert any(due_counts(ranked[0], obj))
    for row in rows[len(ranked):]:
        assert (row["rank"], row["grade"], row["grade_colour"], row["grade_hex"]) == (None,) * 4
        assert row["due"] is False and row["unranked_reason"] == "本期无应处置案件"
        assert not any(due_counts(row, obj))


def test_unit_row_numbers_and_cases(scenario) -> None:
    url, _, h = scenario
    data = json.loads(run(url, "eval", "--period", "2026-10", "--object", "unit", "--json").out)
    row = next(r for r in data["rows"] if r["unit"] == ZHZF)
    assert row["unit_name"] == "县综合执法局"
    assert (row["filed"], row["due_to_close"], row["closed"]) == (4, 4, 3)
    assert (row["due_to_handle"], row["handled_on_time"], row["reworked"]) == (6, 3, 1)
    assert (row["close_rate"], row["on_time_rate"]) == (0.75, 0.5)
    assert row["rework_rate"] == pytest.approx(1 / 6)
    assert (row["score"], row["grade"], row["grade_colour"]) == (72.5, "C", "黄色")
    assert row["case_ids"]["filed"] == h.of("ABCF")
    assert row["indices"]["filed"]["score"] == 100


def test_compare_and_area_levels(scenario) -> None:
    url, centre, _ = scenario
    result = run(url, "eval", "--period", "2026-10", "--object", "unit", "--compare", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data == service_json(url, centre, "2026-10", "unit", compare=True)
    row = next(r for r in data["rows"] if r["unit"] == ZHZF)
    assert row["previous"]["score"] == 40.0 and row["change"] == 32.5
    for level, code in (("community", G1[:12]), ("street", G1[:9])):
        out = run(url, "eval", "--period", "2026-10", "--object", "area", "--area-level", level,
                  "--json")
        assert out.code == 0, out.err
        rows = json.loads(out.out)["rows"]
        assert next(r for r in rows if r["area"] == code)["score"] == 68.5


def test_human_league_table(scenario) -> None:
    url, _, _ = scenario
    result = run(url, "eval", "--period", "2026-10", "--object", "unit", "--compare")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("2026年10月（2026-10-01 至 2026-10-31）专业部门绩效评价")
    assert "对比 2026年9月" in lines[0]
    assert "名次" in lines[1] and "按期处置率" in lines[1]
    zhzf = next(line for line in lines if "KH-ZHZF" in line)
    assert "72.50" in zhzf and "C 黄色" in zhzf and "50.0%" in zhzf and "+32.50" in zhzf
    # ZHZF, the only unit with something due, is first; the idle units follow without rank.
    assert lines[2] == zhzf and zhzf.split()[0] == "1" and "说明" in lines[1]
    zjj = next(line for line in lines if "KH-ZJJ" in line)
    assert zjj.split()[0] == "—" and zjj.endswith("本期无应处置案件") and "A 绿色" not in zjj
    people = run(url, "eval", "--period", "2026-W42", "--object", "dispatcher")
    assert people.code == 0 and "派遣员 李强（paiqian1）" in people.out


def test_idle_units_are_unranked_and_so_is_the_previous_period(scenario) -> None:
    url, _, _ = scenario
    result = run(url, "eval", "--period", "2026-10", "--object", "unit", "--compare", "--json")
    rows = json.loads(result.out)["rows"]
    top = rows[0]
    assert (top["unit"], top["rank"], top["grade"]) == (ZHZF, 1, "C")
    assert top["previous"] == {"score": 40.0, "grade": "D", "rank": 1, "unranked_reason": None}
    zjj = next(r for r in rows if r["unit"] == ZJJ)  # sent C back: nothing due in either month
    assert (zjj["rank"], zjj["grade"], zjj["score"], zjj["change"]) == (None, None, 100.0, None)
    assert zjj["previous"] == {"score": 100.0, "grade": None, "rank": None,
                               "unranked_reason": "本期无应处置案件"}
    idle = [r["unit"] for r in rows[1:]]
    assert idle == sorted(idle) and ZJJ in idle


def test_the_running_month_counts_up_to_now(scenario) -> None:
    """On Fri 10-30 at noon F (dispatched 10:00, due 16:00) is not late yet: not due."""
    url, _, h = scenario
    result = run(url, "eval", "--period", "2026-10", "--object", "unit", "--json",
                 now="2026-10-30T12:00:00+08:00")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["as_of"] == "2026-10-30T12:00:00+08:00"
    row = data["rows"][0]
    assert (row["unit"], row["rank"]) == (ZHZF, 1)
    assert (row["due_to_handle"], row["overdue_open"], row["handled_on_time"]) == (5, 0, 3)
    assert h["F"] in row["case_ids"]["filed"] and h["F"] not in row["case_ids"]["due_to_handle"]
    text = run(url, "eval", "--period", "2026-10", "--object", "unit",
               now="2026-10-30T12:00:00+08:00").out
    assert "（截至 2026-10-30 12:00）" in text.splitlines()[0]
    # Mon 10-05: nothing of October has fallen due (H was late in September): nobody ranked.
    early = json.loads(run(url, "eval", "--period", "2026-10", "--object", "unit", "--json",
                           now="2026-10-05T12:00:00+08:00").out)
    assert early["rows"] and all(r["rank"] is None and r["grade"] is None for r in early["rows"])
    # A month already over is counted to its end, whatever the clock says.
    over = json.loads(run(url, "eval", "--period", "2026-10", "--object", "unit", "--json",
                          now="2026-12-01T09:00:00+08:00").out)
    assert "as_of" not in over and over["rows"][0]["overdue_open"] == 1


@pytest.mark.parametrize("argv", [
    ("--period", "2026-13", "--object", "unit"),
    ("--period", "October", "--object", "unit"),
    ("--period", "2026-10-31..2026-10-01", "--object", "unit"),
    ("--period", "2026-10", "--object", "team"),
    ("--period", "2026-10", "--object", "unit", "--area-level", "street"),
    ("--period", "2026-10", "--object", "area", "--area-level", "county"),
    ("--object", "unit"),
    ("--period", "2026-10"),
    ("--period", "2026-10", "--object", "unit", "--config", "/nonexistent/evaluation.yaml"),
])
def test_bad_input_exits_2_with_one_line_and_changes_nothing(scenario, argv) -> None:
    url, _, _ = scenario
    before = fingerprint(url)
    result = run(url, "eval", *argv, "--json")
    assert result.code == 2, result.out + result.err
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1
    assert fingerprint(url) == before


def test_a_bad_config_file_exits_2(scenario, tmp_path: Path) -> None:
    url, _, _ = scenario
    broken = tmp_path / "evaluation.yaml"
    broken.write_text("weights:\n  unit: {filed: 10, close_rate: 30, on_time_rate: 30, rework_rate: 20}\n",
                      encoding="utf-8")
    result = run(url, "eval", "--period", "2026-10", "--object", "unit", "--config", str(broken))
    assert result.code == 2 and "合计 90" in result.err
    broken.write_text("grades: [A\n", encoding="utf-8")
    result = run(url, "eval", "--period", "2026-10", "--object", "unit", "--config", str(broken))
    assert result.code == 2 and "YAML" in result.err
    custom = tmp_path / "custom.yaml"
    custom.write_text("unit_tables: {KH-ZHZF: workload}\n", encoding="utf-8")
    result = run(url, "eval", "--period", "2026-10", "--object", "unit", "--config", str(custom),
                 "--json")
    row = next(r for r in json.loads(result.out)["rows"] if r["unit"] == ZHZF)
    assert row["indices"]["filed"]["score"] == 0 and row["score"] == 62.5  # 4 filings: 0 points


def test_uninitialised_database_exits_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    result = run(url, "eval", "--period", "2026-10", "--object", "unit")
    assert result.code == 2 and "citydesk init" in result.err
    assert not (tmp_path / "none.sqlite3").exists()
