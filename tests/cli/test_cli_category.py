"""Categories as people say them on the command line: route, case new, import, category list."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from console.reference_files import DEFAULT_CENTRE
from tests.cli.conftest import fingerprint, run

GRID = "330824001001001"
GARBAGE = ["03004", "03005", "06010", "06011", "06020", "06032", "06041", "06042"]


def test_route_by_the_seeds_word_for_traffic_lights_goes_to_the_police(shared_db: str) -> None:
    result = run(shared_db, "route", "--category", "交通信号灯", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["category"] == {"code": "02014", "name": "交通信号灯异常"}
    assert data["unit"] == {"code": "KH-GAJ", "name": "县公安局"}
    assert "职责分工 7" in data["rule"]
    text = run(shared_db, "route", "--category", "交通信号灯")
    assert text.code == 0 and "县公安局" in text.out


@pytest.mark.parametrize(("typed", "code"), [
    ("道路遗撒", "06014"), ("治安岗亭", "01051"), ("监控电子眼", "01050"),
    ("syqjgyc", "01021"), ("机动车乱停放", "09009"), ("焚烧垃圾树叶", "06020"),
])
def test_route_accepts_what_the_picker_accepts(shared_db: str, typed: str, code: str) -> None:
    result = run(shared_db, "route", "--category", typed, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["category"]["code"] == code


@pytest.mark.parametrize("argv", [
    ["route", "--category", "垃圾"],
    ["case", "new", "--category", "垃圾", "--desc", "x", "--grid", GRID],
    ["case", "new", "--category", "垃圾", "--desc", "x", "--grid", GRID, "--json"],
])
def test_an_ambiguous_category_exits_2_listing_the_candidates(shared_db: str,
                                                              argv: list[str]) -> None:
    before = fingerprint(shared_db)
    result = run(shared_db, *argv)
    assert result.code == 2, (result.out, result.err)
    first, *rest = result.err.splitlines()
    assert first.startswith("citydesk: ") and "垃圾" in first and "8 个" in first
    assert [line.split()[0] for line in rest] == GARBAGE
    assert result.out == ""
    assert fingerprint(shared_db) == before


def test_an_unknown_category_exits_2_with_the_closest(shared_db: str) -> None:
    before = fingerprint(shared_db)
    result = run(shared_db, "case", "new", "--category", "jtxhd", "--desc", "x", "--grid", GRID)
    assert result.code == 2
    first, *rest = result.err.splitlines()
    assert "jtxhd" in first and "未知的案件类别" in first
    assert rest == ["  02014 交通信号灯异常"]
    assert fingerprint(shared_db) == before


def test_case_new_by_alias_files_under_the_category(cli_db: str) -> None:
    made = run(cli_db, "case", "new", "--category", "道路遗撒", "--desc", "沙石遗撒",
               "--grid", GRID, "--json", user="caiji01")
    assert made.code == 0, made.err
    shown = json.loads(run(cli_db, "case", "show", str(json.loads(made.out)["id"]), "--json").out)
    assert shown["category"]["code"] == "06014"


def test_category_list_json_has_every_category_and_its_words(shared_db: str) -> None:
    result = run(shared_db, "category", "list", "--json")
    assert result.code == 0, result.err
    rows = {r["code"]: r for r in json.loads(result.out)}
    assert len(rows) == 253
    assert rows["02014"] == {
        "code": "02014", "kind": "component", "name": "交通信号灯异常",
        "name_en": rows["02014"]["name_en"], "legacy_code": "0214", "aliases": ["交通信号灯"],
        "initials": "jtxhdyc",
    }
    assert rows["01021"]["initials"] == "syqjgyc"  # punctuation ignored
    assert all(r["initials"].isalnum() and r["initials"].isascii() for r in rows.values())


def test_category_list_text(shared_db: str) -> None:
    result = run(shared_db, "category", "list")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:3] == ["代码", "类型", "名称"]
    assert len(lines) == 1 + 253
    traffic = next(line for line in lines if line.startswith("02014"))
    assert traffic.split() == ["02014", "部件", "交通信号灯异常", "0214", "jtxhdyc", "交通信号灯"]


@pytest.mark.parametrize(("text", "codes", "how"), [
    ("岗亭", ["01051", "02016"], "fragment"),
    ("交通信号灯", ["02014"], "alias"),
    ("机动车乱停放", ["09009"], "name"),  # not 非机动车乱停放 too
    ("dljgyc", ["01005", "01017"], "initials"),
    ("0101", ["01001", "06001"], "legacy_code"),  # every meaning: --kind picks one
])
def test_category_list_search_matches_as_category_resolves(
        shared_db: str, text: str, codes: list[str], how: str) -> None:
    result = run(shared_db, "category", "list", "--search", text, "--json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [r["code"] for r in rows] == codes
    assert {r["matched_by"] for r in rows} == {how}


def test_category_list_search_without_a_match(shared_db: str) -> None:
    data = run(shared_db, "category", "list", "--search", "jtxhd", "--json")
    assert data.code == 0 and json.loads(data.out) == []
    text = run(shared_db, "category", "list", "--search", "jtxhd")
    assert text.code == 0
    assert "没有" in text.out and "02014 交通信号灯异常" in text.out


def test_import_resolves_aliases_and_quarantines_an_ambiguous_name(cli_db: str,
                                                                    tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text(
        "channel: 批量\ncolumns: {external_id: 编号, reported_at: 上报时间, category: 类别,"
        " description: 描述, grid: 网格}\n", encoding="utf-8")
    (tmp_path / "cases.csv").write_text(
        "编号,上报时间,类别,描述,网格\n"
        f"B1,2025-06-02 09:00,交通信号灯,红灯不亮,{GRID}\n"
        f"B2,2025-06-02 09:10,syqjgyc,井盖缺失,{GRID}\n"
        f"B3,2025-06-02 09:20,垃圾,垃圾,{GRID}\n", encoding="utf-8")
    result = run(cli_db, "import", str(tmp_path / "cases.csv"), "--mapping",
                 str(tmp_path / "map.yaml"), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert (data["created"], data["quarantined"]) == (2, 1)
    cases = json.loads(run(cli_db, "case", "list", "--json").out)
    assert sorted(c["category"]["code"] for c in cases) == ["01021", "02014"]
    problems = json.loads(run(cli_db, "intake", "problems", "--json").out)
    (problem,) = problems
    assert problem["external_id"] == "B3"
    assert all(code in problem["reason"] for code in GARBAGE)


def test_init_refuses_an_alias_used_twice_in_one_line(shared_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "centre"
    shutil.copytree(DEFAULT_CENTRE, folder)
    path = folder / "categories.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('aliases: ["治安岗亭"]', 'aliases: ["交通信号灯"]', 1),
                    encoding="utf-8")
    before = fingerprint(shared_db)
    result = run(shared_db, "init", "--resources", str(folder))
    assert result.code == 2
    assert result.err.count("\n") == 1, result.err
    assert "交通信号灯" in result.err and "01051" in result.err and "02014" in result.err
    assert fingerprint(shared_db) == before
