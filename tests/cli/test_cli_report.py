"""citydesk report: the XLSX totals equal the evaluation JSON; PDF and CSV are written; bad
input writes nothing and changes nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cli.conftest import fingerprint, run

NOW = "2026-03-31T17:00:00+08:00"


@pytest.fixture
def history(cli_db: str) -> str:
    made = run(cli_db, "demo", "--days", "20", "--seed", "5", now=NOW)
    assert made.code == 0, made.err
    return cli_db


def test_xlsx_totals_equal_the_evaluation(history: str, tmp_path: Path) -> None:
    out = tmp_path / "march.xlsx"
    res = run(history, "report", "--period", "2026-03", "--out", str(out), "--json", now=NOW)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    units = json.loads(run(history, "eval", "--period", "2026-03", "--object", "unit", "--json",
                           now=NOW).out)["rows"]
    book = load_workbook(out, read_only=True)
    sheet = book["专业部门评价"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert len(body) == len(units)
    for key, heading in (("filed", "立案数"), ("closed", "结案数"), ("reworked", "返工数")):
        column = header.index(heading)
        assert total[column] == sum(u[key] for u in units)
        assert data["totals"]["专业部门评价"][key] == total[column]
    assert {"案件清单", "图表"} <= set(book.sheetnames)
    assert data["tables"]["案件清单"] > 100


def test_pdf_and_csv_are_written(history: str, tmp_path: Path) -> None:
    pdf = tmp_path / "march.pdf"
    assert run(history, "report", "--period", "2026-03", "--out", str(pdf), now=NOW).code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(pdf),
                        str(tmp_path / "page")], check=True, timeout=120)
        assert list(tmp_path.glob("page*.png"))
    csv = tmp_path / "march.csv"
    assert run(history, "report", "--period", "2026-03", "--out", str(csv), now=NOW).code == 0
    assert csv.read_text(encoding="utf-8-sig").splitlines()[0].startswith("名次")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-13", "--out", "{dir}/x.xlsx"], "月份 13"),
        (["--period", "2026-03", "--out", "{dir}/x.docx"], "格式"),
        (["--period", "2026-03", "--format", "pdf", "--out", "{dir}/x.xlsx"], "扩展名"),
        (["--period", "2026-03", "--out", "{dir}/nowhere/x.xlsx"], "不存在"),
    ],
)
def test_bad_report_requests_write_nothing(shared_db: str, tmp_path: Path, args, message) -> None:
    before = fingerprint(shared_db)
    argv = [a.replace("{dir}", str(tmp_path)) for a in args]
    res = run(shared_db, "report", *argv)
    assert res.code == 2 and message in res.err
    assert list(tmp_path.iterdir()) == []
    assert fingerprint(shared_db) == before
