"""``citydesk import`` of exports as centres have them (issue #13 part 3).

The dry run says how every date-time column was read; a file whose day order cannot be
decided, and a mapping with a bad option, are refused in one line with the database unchanged;
``citydesk eval`` says what imported history its counts left out.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import fingerprint, run

FIXTURES = Path(__file__).parents[1] / "integration" / "import_fixtures"
US_CSV, US_MAP = str(FIXTURES / "us311_slice.csv"), str(FIXTURES / "us311_mapping.yaml")


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One initialised SQLite database for the tests that must leave it unchanged."""
    url = f"sqlite:///{tmp_path_factory.mktemp('formats') / 'x.sqlite3'}"
    assert run(url, "init").code == 0
    return url


def test_the_dry_run_says_how_each_date_column_was_read(cli_db: str) -> None:
    before = fingerprint(cli_db)
    dry = run(cli_db, "import", US_CSV, "--mapping", US_MAP, "--dry-run", "--json")
    assert dry.code == 0, dry.err
    data = json.loads(dry.out)
    assert fingerprint(cli_db) == before
    assert (data["created"], data["quarantined"]) == (6, 4)
    assert data["date_formats"]["reported_at"] == {
        "column": "Created Date", "formats": ["%m/%d/%Y %I:%M:%S %p"], "counts": [10],
        "order": "MDY", "decided_by": "values"}
    assert data["date_formats"]["due_at"]["decided_by"] == "file"
    reasons = {p["external_id"]: p["reason"] for p in data["problems"]}
    assert "DST fold" in reasons["34770005"] and "DST gap" in reasons["34770007"]
    real = json.loads(run(cli_db, "import", US_CSV, "--mapping", US_MAP, "--json").out)
    assert (real["created"], real["quarantined"]) == (6, 4)
    shown = json.loads(run(cli_db, "case", "list", "--json").out)
    cases = shown if isinstance(shown, list) else shown["cases"]
    assert len(cases) == 6


def test_the_dry_run_in_words(sqlite_db: str) -> None:
    dry = run(sqlite_db, "import", US_CSV, "--mapping", US_MAP, "--dry-run")
    assert dry.code == 0, dry.err
    assert "（试运行，未写入）" in dry.out
    assert ("日期格式 / date format 上报时间「Created Date」：%m/%d/%Y %I:%M:%S %p（10），月/日/年"
            "（按本列的值）") in dry.out
    assert "处置时限「Due Date」：%m/%d/%Y %I:%M:%S %p（6），月/日/年（按文件中其他日期列）" in dry.out
    assert "Traceback" not in dry.err


def test_an_undecidable_day_order_exits_2_and_changes_nothing(sqlite_db: str,
                                                              tmp_path: Path) -> None:
    csv = tmp_path / "uk.csv"
    csv.write_text("ref,opened,type,text,cell\nB1,03/04/2016 10:00,暴露垃圾,litter,330824001001001\n",
                   encoding="utf-8")
    mapping = tmp_path / "uk.yaml"
    mapping.write_text("channel: uk\ntimezone: Europe/London\ncolumns: {external_id: ref, "
                       "reported_at: opened, category: type, description: text, grid: cell}\n",
                       encoding="utf-8")
    before = fingerprint(sqlite_db)
    result = run(sqlite_db, "import", str(csv), "--mapping", str(mapping), "--dry-run")
    assert result.code == 2 and result.err.count("\n") == 1
    assert "03/04/2016" in result.err and "date_order" in result.err
    assert fingerprint(sqlite_db) == before
    mapping.write_text(mapping.read_text(encoding="utf-8") + "date_order: DMY\n", encoding="utf-8")
    fixed = json.loads(run(sqlite_db, "import", str(csv), "--mapping", str(mapping),
                           "--dry-run", "--json").out)
    assert fixed["created"] == 1 and fixed["date_formats"]["reported_at"]["order"] == "DMY"


@pytest.mark.parametrize(("extra", "needle"), [
    ("date_order: YMD", "date_order"),
    ("ambiguous_times: maybe", "ambiguous_times"),
    ("formats: {reported_at: '%H:%M'}", "not a usable date format"),
    ("outside_county: default", "default_cell"),
    ("outside_county: default\ndefault_cell: '999'", "not a grid cell"),
    ("placeholder_point: here", "placeholder_point"),
])
def test_bad_mapping_options_exit_2_in_one_line(sqlite_db: str, tmp_path: Path, extra: str,
                                                needle: str) -> None:
    mapping = tmp_path / "m.yaml"
    shutil.copy(US_MAP, mapping)
    mapping.write_text(mapping.read_text(encoding="utf-8").split("outside_county")[0] + extra
                       + "\n", encoding="utf-8")
    before = fingerprint(sqlite_db)
    result = run(sqlite_db, "import", US_CSV, "--mapping", str(mapping))
    assert result.code == 2, result.err
    assert needle in result.err and result.err.count("\n") == 1, result.err
    assert fingerprint(sqlite_db) == before


def test_eval_notes_what_imported_history_it_left_out(cli_db: str) -> None:
    assert run(cli_db, "import", US_CSV, "--mapping", US_MAP, "--json").code == 0
    area = json.loads(run(cli_db, "eval", "--period", "2016-11", "--object", "area",
                          "--json").out)
    assert any("放在默认网格" in n for n in area["notes"])
    assert any("按期结案率" in n for n in area["notes"])
    unit = run(cli_db, "eval", "--period", "2016-11", "--object", "unit")
    assert unit.code == 0, unit.err
    assert "说明 / note: 1 件导入的历史案件没有派遣时间" in unit.out
    collector = json.loads(run(cli_db, "eval", "--period", "2016-11", "--object", "collector",
                               "--json").out)
    assert any("不计入所在网格监督员" in n for n in collector["notes"])


def test_the_period_report_says_what_imported_history_it_left_out(cli_db: str,
                                                                  tmp_path: Path) -> None:
    import csv

    assert run(cli_db, "import", US_CSV, "--mapping", US_MAP, "--json").code == 0
    out = tmp_path / "r.csv"
    result = run(cli_db, "report", "--period", "2016-11", "--format", "csv", "--out", str(out))
    assert result.code == 0, result.err
    notes = next(tmp_path.glob("r_*_说明.csv"))  # the 说明 table, beside the league tables
    rows = [r[0] for r in csv.reader(notes.read_text(encoding="utf-8-sig").splitlines()) if r]
    assert any("放在默认网格" in r for r in rows)
    assert any("没有派遣时间和处置时限" in r for r in rows)
    assert not [r for r in rows if " / " in r]  # the report's Chinese half only
