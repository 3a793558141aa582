"""Issue 13 part 1 on the command line.

* ``--category 0102`` (污水井盖 as a component, 暴露垃圾 as an event in CJ/T 214) is never
  guessed: ``route``, ``case new``, ``case file`` and ``import`` exit 2 / quarantine naming
  both meanings, and ``--kind`` picks one.
"""

from __future__ import annotations

import json
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
