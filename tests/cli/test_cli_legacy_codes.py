"""Issue 13 parts 1 and 2 on the command line.

* ``--category 0102`` (污水井盖 as a component, 暴露垃圾 as an event in CJ/T 214) is never
  guessed: ``route``, ``case new``, ``case file`` and ``import`` exit 2 / quarantine naming
  both meanings, and ``--kind`` picks one.
* A CSV import in America/New_York with an unmapped category, fixed by ``intake map`` and
  ``intake retry``, stores exactly the instants a direct import stores.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.cli.conftest import fingerprint, run

GRID = "330824001001001"


def _json(result: Any) -> Any:
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_route_0102_names_both_meanings_and_kind_picks_one(cli_db: str) -> None:
    before = fingerprint(cli_db)
    refused = run(cli_db, "route", "--category", "0102")
    assert refused.code == 2 and refused.out == ""
    assert refused.err.count("\n") == 1  # one line
    assert "污水井盖异常" in refused.err and "暴露垃圾" in refused.err and "--kind" in refused.err
    event = _json(run(cli_db, "route", "--category", "0102", "--kind", "event", "--json"))
    assert event["category"] == {"code": "06010", "name": "暴露垃圾"}
    component = _json(run(cli_db, "route", "--category", "0102", "--kind", "component", "--json"))
    assert component["category"] == {"code": "01002", "name": "污水井盖异常"}
    assert component["unit"] != event["unit"]
    text = run(cli_db, "route", "--category", "0102", "--kind", "event")
    assert text.code == 0 and text.out.startswith("06010 暴露垃圾 → ")
    # One meaning: no kind needed; a kind it lacks is refused, not ignored.
    assert _json(run(cli_db, "route", "--category", "0505", "--json"))["category"]["code"] == "09009"
    wrong = run(cli_db, "route", "--category", "0505", "--kind", "component")
    assert wrong.code == 2 and "没有部件含义" in wrong.err and wrong.err.count("\n") == 1
    bad = run(cli_db, "route", "--category", "0102", "--kind", "both")
    assert bad.code == 2 and "--kind" in bad.err and bad.err.count("\n") == 1
    assert fingerprint(cli_db) == before


def test_case_new_and_file_take_the_kind(cli_db: str) -> None:
    before = fingerprint(cli_db)
    refused = run(cli_db, "case", "new", "--category", "0102", "--desc", "门口垃圾",
                  "--grid", GRID, user="caiji01")
    assert refused.code == 2 and "暴露垃圾" in refused.err and "污水井盖异常" in refused.err
    assert fingerprint(cli_db) == before
    made = _json(run(cli_db, "case", "new", "--category", "0102", "--kind", "event",
                     "--desc", "门口垃圾", "--grid", GRID, "--json", user="caiji01"))
    cid = str(made["id"])
    assert _json(run(cli_db, "case", "show", cid, "--json"))["category"]["code"] == "06010"
    assert run(cli_db, "case", "accept", cid, user="shouli1").code == 0
    before = fingerprint(cli_db)
    ambiguous = run(cli_db, "case", "file", cid, "--category", "0102", user="zhibanzhang1")
    assert ambiguous.code == 2 and "暴露垃圾" in ambiguous.err
    alone = run(cli_db, "case", "file", cid, "--kind", "component", user="zhibanzhang1")
    assert alone.code == 2 and "--category" in alone.err and alone.err.count("\n") == 1
    assert fingerprint(cli_db) == before
    filed = run(cli_db, "case", "file", cid, "--category", "0102", "--kind", "component",
                "--json", user="zhibanzhang1")
    assert filed.code == 0, filed.err
    shown = _json(run(cli_db, "case", "show", cid, "--json"))
    assert shown["category"]["code"] == "01002" and shown["state"] == "待派遣"


def test_category_search_shows_both_meanings(cli_db: str) -> None:
    rows = _json(run(cli_db, "category", "list", "--search", "0102", "--json"))
    assert [(r["code"], r["kind"], r["legacy_code"]) for r in rows] == [
        ("01002", "component", "0102"), ("06010", "event", "0102")]


IMPORT_MAP = ("channel: 旧系统\ncolumns: {external_id: 编号, reported_at: 上报时间,"
              " category: 类别, description: 描述, grid: 网格}\n")


def test_import_quarantines_an_ambiguous_code_unless_told_its_kind(
        cli_db: str, tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text(IMPORT_MAP, encoding="utf-8")
    (tmp_path / "old.csv").write_text(f"编号,上报时间,类别,描述,网格\nO1,2025-06-02 09:00,0102,"
                                      f"门口垃圾,{GRID}\n", encoding="utf-8")
    args = ("import", str(tmp_path / "old.csv"), "--mapping", str(tmp_path / "map.yaml"))
    before = fingerprint(cli_db)
    dry = _json(run(cli_db, *args, "--dry-run", "--json"))
    assert (dry["created"], dry["quarantined"]) == (0, 1)
    reason = dry["problems"][0]["reason"]
    assert "污水井盖异常" in reason and "暴露垃圾" in reason
    text = run(cli_db, *args, "--dry-run")
    assert text.code == 0 and "第 2 行 O1" in text.out and "暴露垃圾" in text.out
    assert fingerprint(cli_db) == before
    told = _json(run(cli_db, *args, "--kind", "event", "--dry-run", "--json"))
    assert (told["created"], told["quarantined"]) == (1, 0)
    real = _json(run(cli_db, *args, "--kind", "event", "--json"))
    assert real["created"] == 1
    case, = _json(run(cli_db, "case", "list", "--json"))
    assert case["category"]["code"] == "06010"


# --------------------------------------------------------------------------- part 2

US_MAP = """channel: {channel}
timezone: America/New_York
columns: {{external_id: Id, reported_at: Created, category: Type, description: Text,
          grid: Cell, status: Status, unit: Agency, dispatched_at: Assigned, due_at: Due,
          handled_at: Resolved, closed_at: Closed}}
values: {{status: {{Closed: 已结案}}}}
"""
US_CSV = """Id,Created,Type,Text,Cell,Status,Agency,Assigned,Due,Resolved,Closed
NY-1,2025-11-03 09:00,{type},Trash on the corner,330824001001001,Closed,KH-ZHZF,2025-11-03 09:20,2025-11-03 15:00,2025-11-03 14:00,2025-11-03 16:30
"""


def _us_import(url: str, folder: Path, channel: str, type_: str) -> Any:
    folder.mkdir()
    (folder / "map.yaml").write_text(US_MAP.format(channel=channel), encoding="utf-8")
    (folder / "us.csv").write_text(US_CSV.format(type=type_), encoding="utf-8")
    return _json(run(url, "import", str(folder / "us.csv"), "--mapping",
                     str(folder / "map.yaml"), "--json"))


def _timeline(url: str, case_id: int) -> list[tuple[Any, ...]]:
    shown = _json(run(url, "case", "show", str(case_id), "--json"))
    return [(e["type"], e["from"], e["to"], e["at"], e["stage_deadline"], e["on_time"])
            for e in shown["timeline"]]


def test_new_york_import_fixed_by_map_and_retry_stores_the_direct_instants(
        cli_db: str, tmp_path: Path) -> None:
    direct = _us_import(cli_db, tmp_path / "a", "us-direct", "暴露垃圾")
    assert direct["created"] == 1
    fixed = _us_import(cli_db, tmp_path / "b", "us-fixed", "TRASH")
    assert (fixed["created"], fixed["quarantined"]) == (0, 1)
    problem, = _json(run(cli_db, "intake", "problems", "--json"))
    assert run(cli_db, "intake", "map", "--channel", "file:us-fixed", "TRASH", "06010").code == 0
    retried, = _json(run(cli_db, "intake", "retry", str(problem["id"]), "--json"))
    assert retried["outcome"] == "created", retried
    direct_id, = {c["id"] for c in _json(run(cli_db, "case", "list", "--json"))} - {
        retried["case_id"]}
    events_a = _timeline(cli_db, direct_id)
    events_b = _timeline(cli_db, retried["case_id"])
    assert events_b == events_a  # reported, dispatched, due, handled, closed: event by event
    at = {e[0]: datetime.fromisoformat(e[3]) for e in events_a}
    # 09:00 in New York (UTC-5) is 14:00 UTC (22:00 in the centre's zone), not 01:00 UTC.
    assert at["report"] == datetime(2025, 11, 3, 14, 0, tzinfo=UTC)
    assert at["dispatch"] == datetime(2025, 11, 3, 14, 20, tzinfo=UTC)
    assert at["close"] == datetime(2025, 11, 3, 21, 30, tzinfo=UTC)
    feedback = next(e for e in events_a if e[0] == "feedback")
    assert datetime.fromisoformat(feedback[3]) == datetime(2025, 11, 3, 19, 0, tzinfo=UTC)
    assert datetime.fromisoformat(feedback[4]) == datetime(2025, 11, 3, 20, 0, tzinfo=UTC)
