"""``citydesk calendar``: warnings for years without statutory holidays, status, importing a year
(issue #13 part 4), on SQLite and PostgreSQL.

The installed ``chinesecalendar`` knows 2004–2026.  Done when ``calendar add
2026-12-31T17:00:00+08:00 120 --json`` carries a non-empty ``warnings`` list until 2027 is
imported, and none after ``calendar import-notice`` of a notice text (the test's 2027 notice is
a marked fiction: tests/unit/notices/README.md).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.cli.conftest import fingerprint, run

NOTICES = Path(__file__).resolve().parents[1] / "unit" / "notices"
FICTIONAL_2027 = NOTICES / "test_2027_fictional.txt"
DEC = "2026-12-31T17:00:00+08:00"


def add_json(url: str, start: str = DEC, minutes: str = "120") -> dict:
    res = run(url, "calendar", "add", start, minutes, "--json")
    assert res.code == 0, res.err
    return json.loads(res.out)


def import_2027(url: str, *extra: str, path: Path = FICTIONAL_2027) -> dict:
    res = run(url, "calendar", "import-notice", str(path), "--yes", "--json", *extra)
    assert res.code == 0, res.err
    return json.loads(res.out)


def test_the_answer_into_2027_warns_until_the_notice_is_imported(cli_db: str) -> None:
    before = add_json(cli_db)
    assert before["result"] == "2027-01-01T09:00:00+08:00"  # New Year's Day counted …
    assert before["warnings"] and "2027 年法定节假日未导入" in before["warnings"][0]  # … and said
    stored = import_2027(cli_db)
    assert stored["stored"] is True and stored["year"] == 2027 and stored["changed"] == 34
    after = add_json(cli_db)
    assert after == {"result": "2027-01-04T09:00:00+08:00", "warnings": []}
    res = run(cli_db, "calendar", "between", DEC, "2027-01-04T10:00:00+08:00", "--json")
    assert json.loads(res.out) == {"minutes": 60 + 120, "warnings": []}


def test_text_mode_prints_the_warning_on_stderr(cli_db: str) -> None:
    res = run(cli_db, "calendar", "add", DEC, "120")
    assert res.code == 0 and res.out.strip() == "2027-01-01T09:00:00+08:00"
    assert "警告" in res.err and "2027 年法定节假日未导入，期限按周一至周五计算" in res.err
    res = run(cli_db, "calendar", "between", "2027-03-01T08:00:00+08:00",
              "2028-01-03T08:00:00+08:00")
    assert res.code == 0 and "2027、2028 年法定节假日未导入" in res.err
    res = run(cli_db, "calendar", "add", "2026-09-30T17:00:00+08:00", "120")
    assert res.code == 0 and res.err == ""


def test_status_lists_the_years_and_the_first_uncovered_one(cli_db: str) -> None:
    res = run(cli_db, "calendar", "status", "--json")
    status = json.loads(res.out)
    assert status["covered"] == list(range(2004, 2027))
    assert status["package"]["seeded"] == list(range(2004, 2027))
    assert status["imported"] == [] and status["first_uncovered"] == 2027
    assert status["database"] is True
    import_2027(cli_db)
    status = json.loads(run(cli_db, "calendar", "status", "--json").out)
    assert status["imported"] == [2027] and status["first_uncovered"] == 2028
    assert status["covered"][-1] == 2027 and status["overrides"] == {}
    text = run(cli_db, "calendar", "status").out
    assert "2004–2027" in text and "管理员导入 / imported: 2027" in text and "2028" in text


def test_init_loads_every_year_the_package_knows(cli_db: str) -> None:
    # National Day 2016: 10-01…07 off, Saturday 10-08 worked.  Before, init seeded 2018 on and
    # an imported 2016 case was timed through the holiday, Monday to Friday.
    res = run(cli_db, "calendar", "between", "2016-09-30T17:00:00+08:00",
              "2016-10-08T09:00:00+08:00", "--json")
    assert json.loads(res.out) == {"minutes": 120, "warnings": []}
    res = run(cli_db, "calendar", "between", "2004-01-01T00:00:00+08:00",
              "2004-01-05T09:00:00+08:00", "--json")
    assert json.loads(res.out)["warnings"] == []


def test_the_notice_is_shown_and_asked_about(cli_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    untouched = fingerprint(cli_db)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    res = run(cli_db, "calendar", "import-notice", str(FICTIONAL_2027))
    assert res.code == 2 and "未确认" in res.err and res.err.count("\n") == 1
    assert "春节：02-05 至 02-12 放假（8 天）；01-31（周日）、02-20（周六）上班" in res.out
    assert "2027-10-09 周六 上班  国庆节调休上班（2027年导入）" in res.out
    assert fingerprint(cli_db) == untouched
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal, no answer: no
    assert run(cli_db, "calendar", "import-notice", str(FICTIONAL_2027)).code == 2
    res = run(cli_db, "calendar", "import-notice", str(FICTIONAL_2027), "--dry-run", "--json")
    assert res.code == 0 and json.loads(res.out)["stored"] is False
    assert len(json.loads(res.out)["days"]) == 34
    assert fingerprint(cli_db) == untouched
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    res = run(cli_db, "calendar", "import-notice", str(FICTIONAL_2027))
    assert res.code == 0 and "已导入 2027 年法定节假日：34 个日期" in res.out
    assert add_json(cli_db)["warnings"] == []


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def fictional(replace_from: str = "", replace_to: str = "") -> str:
    return FICTIONAL_2027.read_text(encoding="utf-8").replace(replace_from, replace_to)


@pytest.mark.parametrize(("name", "text", "extra", "says"), [
    ("garbage.txt", "这不是通知。", (), "看不出通知是哪一年"),
    ("no_items.txt", "国务院办公厅关于2027年部分节假日安排的通知\n请做好值班。", (), "没有找到放假安排"),
    ("wrong_year.txt", fictional(), ("--year", "2028"), "年份不符"),
    ("weekday.txt", fictional("1月31日（周日）", "1月30日（周日）"), (), "写的是周日"),
    ("contradiction.txt", fictional("9月26日（周日）、10月9日（周六）上班",
                                    "10月2日（周六）上班"), (), "既放假又上班"),
    ("count.txt", fictional("共7天", "共6天"), (), "通知写的是共 6 天"),
    ("twice.txt", fictional("六、中秋节：9月15日（周三）", "六、中秋节：10月1日（周五）"), (),
     "出现两次"),
    ("days.json", "{}", (), None),
])
def test_a_bad_notice_changes_nothing(cli_db: str, tmp_path: Path, name: str, text: str,
                                      extra: tuple[str, ...], says: str | None) -> None:
    untouched = fingerprint(cli_db)
    command = "import" if name.endswith(".json") else "import-notice"
    res = run(cli_db, "calendar", command, str(write(tmp_path, name, text)), "--yes", *extra)
    assert res.code == 2, res.err
    assert res.err.count("\n") == 1 and res.err.startswith("citydesk: ")
    if says is not None:
        assert says in res.err
    assert fingerprint(cli_db) == untouched


def test_usage_mistakes_change_nothing(cli_db: str, tmp_path: Path) -> None:
    untouched = fingerprint(cli_db)
    for args, says in ((["import-notice", str(FICTIONAL_2027), "--json"], "--yes"),
                       (["import-notice", str(FICTIONAL_2027), "--yes", "--dry-run"], "只能选一个"),
                       (["import-notice", str(tmp_path / "missing.txt"), "--yes"], "找不到文件"),
                       (["import-notice", str(tmp_path), "--yes"], "找不到文件")):
        res = run(cli_db, "calendar", *args)
        assert res.code == 2 and says in res.err and res.err.count("\n") == 1, res.err
    assert fingerprint(cli_db) == untouched


def test_only_an_administrator_imports(cli_db: str) -> None:
    untouched = fingerprint(cli_db)
    res = run(cli_db, "calendar", "import-notice", str(FICTIONAL_2027), "--yes", user="caiji01")
    assert res.code == 3 and res.err.count("\n") == 1
    assert fingerprint(cli_db) == untouched


def test_a_gb18030_notice_and_a_corrected_one(cli_db: str, tmp_path: Path) -> None:
    gbk = write(tmp_path, "notice.txt", fictional(), encoding="gb18030")
    import_2027(cli_db, path=gbk)
    # The corrected notice moves 中秋节 a week: the old date is a workday again.
    corrected = write(tmp_path, "corrected.txt", fictional("9月15日（周三）", "9月22日（周三）"))
    done = import_2027(cli_db, path=corrected)
    assert done["removed"] == ["2027-09-15"]
    res = run(cli_db, "calendar", "between", "2027-09-15T08:00:00+08:00",
              "2027-09-16T08:00:00+08:00", "--json")
    assert json.loads(res.out)["minutes"] == 480
    res = run(cli_db, "calendar", "between", "2027-09-22T08:00:00+08:00",
              "2027-09-23T08:00:00+08:00", "--json")
    assert json.loads(res.out)["minutes"] == 0


def test_a_day_list_in_yaml_or_csv(cli_db: str, tmp_path: Path) -> None:
    days = write(tmp_path, "2027.yaml", "year: 2027\ndays:\n"
                 "  - {date: 2027-01-01, workday: false, note: 元旦}\n"
                 "  - {date: 2027-02-20, workday: true, note: 春节调休}\n")
    res = run(cli_db, "calendar", "import", str(days), "--yes", "--json")
    assert res.code == 0, res.err
    assert json.loads(res.out)["days"][0] == {"date": "2027-01-01", "workday": False,
                                              "note": "元旦（2027年导入）"}
    assert add_json(cli_db)["warnings"] == []
    untouched = fingerprint(cli_db)
    wrong = write(tmp_path, "2028.csv", "date,workday,note\n2028-01-01,false,元旦\n")
    res = run(cli_db, "calendar", "import", str(wrong), "--year", "2027", "--yes")
    assert res.code == 2 and "不属于 2027 年" in res.err and res.err.count("\n") == 1
    assert fingerprint(cli_db) == untouched


def test_evaluation_and_report_of_an_uncovered_period_say_so(cli_db: str, tmp_path: Path) -> None:
    now = "2027-02-01T10:00:00+08:00"
    res = run(cli_db, "eval", "--period", "2027-01", "--object", "unit", "--json", now=now)
    assert res.code == 0, res.err
    assert "2027 年法定节假日未导入" in json.loads(res.out)["warnings"][0]
    res = run(cli_db, "eval", "--period", "2027-01", "--object", "unit", now=now)
    assert res.code == 0 and "2027 年法定节假日未导入" in res.err
    res = run(cli_db, "eval", "--period", "2026-11", "--object", "unit", "--json", now=now)
    assert json.loads(res.out)["warnings"] == []
    out = tmp_path / "r.csv"
    res = run(cli_db, "report", "--period", "2027-01", "--out", str(out), "--json", now=now)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert "2027 年法定节假日未导入" in data["warnings"][0] and data["tables"]["说明"] == 1
    assert list(data["tables"])[-1] == "案件清单"  # the case list stays last
    import_2027(cli_db)
    res = run(cli_db, "report", "--period", "2027-01", "--out", str(out), "--json", now=now)
    assert json.loads(res.out)["warnings"] == [] and "说明" not in json.loads(res.out)["tables"]


def test_a_case_whose_deadline_reaches_2027_warns(cli_db: str) -> None:
    now = "2026-12-31T17:45:00+08:00"  # 30 working minutes from here end in 2027
    res = run(cli_db, "case", "new", "--category", "06010", "--desc", "路口暴露垃圾一堆",
              "--grid", "330824001001001", "--json", now=now, user="caiji01")
    assert res.code == 0, res.err
    made = json.loads(res.out)
    assert "2027 年法定节假日未导入" in made["warnings"][0]
    res = run(cli_db, "case", "show", str(made["id"]), now=now)
    assert res.code == 0 and "2027 年法定节假日未导入" in res.err
    res = run(cli_db, "case", "list", "--open", now=now)
    assert res.code == 0 and "2027 年法定节假日未导入" in res.err
    done = import_2027(cli_db)
    # The case's deadline was fixed when its stage began: the import says so, in numbers.
    assert done["running"] == 1 and "1 件在办案件的当前期限落在 2027 年" in done["notes"][0]
    res = run(cli_db, "case", "show", str(made["id"]), "--json", now=now)
    assert json.loads(res.out)["warnings"] == []
