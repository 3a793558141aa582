"""The report writers: CSV, XLSX and PDF of one report, totals, progress and cancellation.

The report has an evaluation-like league table (rates, scores, grades A–E, a missing and a NaN
rate) and a case list of 500 rows of Chinese text (with a formula-looking description, a line
break and a control character), and two charts.  The PDF is rasterised with poppler's
``pdftoppm`` (or QtPdf) to check that page 1 actually renders.
"""

from __future__ import annotations

import csv
import itertools
import math
import os
import random
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet import _writer as openpyxl_writer

from console.reports import FORMATS, write_report
from console.reports.csv_writer import csv_cell, csv_paths, write_csv
from console.reports.model import (
    GRADE_COLOURS,
    TOTAL_LABEL,
    Cancelled,
    Chart,
    Column,
    Report,
    Table,
    Ticker,
    format_cell,
    totals,
)
from console.reports.xlsx_writer import CHART_SHEET, sheet_names, write_xlsx

# Read when pytest-qt builds its QApplication, not on import: early enough.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CST = timezone(timedelta(hours=8))
DEPTS = [
    "县综合行政执法局",
    "县住房和城乡建设局",
    "县交通运输局",
    "芹阳办事处",
    "华埠镇",
    "城关镇",
    "县市场监督管理局",
    "国网开化县供电公司",
    "县自来水有限公司",
    "县园林绿化管理中心",
    "县环境卫生管理所",
    "县公安局交通警察大队",
]
CATEGORIES = ["暴露垃圾", "占道经营", "乱堆物料", "井盖破损", "道路破损", "违章停车", "店外经营"]
INJECTION = '=HYPERLINK("http://evil.example","点击")'
CASE_ROWS = 500

Progress = Callable[[int, int], bool]
Writer = Callable[[Report, Path, Progress | None], Path]


def _league() -> Table:
    rng = random.Random(7)
    rows: list[dict[str, Any]] = []
    for i, dept in enumerate(DEPTS):
        rows.append(
            {
                "rank": i + 1,
                "dept": dept,
                "due": rng.randint(5, 300),
                "ontime": rng.random(),
                "score": round(rng.uniform(55.0, 98.0), 2),
                "grade": "ABCDE"[i % 5],
            }
        )
    rows[0]["score"] = 88.25  # exactly half way: 88.3 in every format, as Excel shows it
    rows[3]["ontime"] = None  # nothing was due
    rows[4]["ontime"] = math.nan  # a division by zero upstream
    columns = [
        Column("rank", "名次", "int"),
        Column("dept", "责任单位"),
        Column("due", "应处置数", "int", total="sum"),
        Column("ontime", "按期处置率", "rate", total="mean"),
        Column("score", "综合得分", "score", total="mean"),
        Column("grade", "等级"),
    ]
    return Table("责任单位考核排名", columns, rows, grade_key="grade")


def _cases() -> Table:
    rng = random.Random(11)
    start = datetime(2025, 1, 1, 8, 0, tzinfo=CST)
    rows: list[dict[str, Any]] = []
    for i in range(CASE_ROWS):
        reported = start + timedelta(minutes=rng.randint(0, 129_000))
        closed = reported + timedelta(hours=rng.randint(1, 72)) if i % 10 else None
        cat = rng.choice(CATEGORIES)
        rows.append(
            {
                "no": f"KH2025{i:06d}",
                "category": cat,
                "description": f"芹阳路与解放街交叉口东北角{cat}，影响通行，请尽快处置。"
                * rng.randint(1, 3),
                "dept": rng.choice(DEPTS),
                "reported": reported,
                "closed": closed,
                "hours": (closed - reported).total_seconds() / 3600 if closed else None,
                "count": 1,
            }
        )
    rows[7]["description"] = INJECTION
    rows[8]["description"] = "第一行\n第二行：井盖缺失"
    rows[9]["description"] = "控制字符\x07已清除"
    columns = [
        Column("no", "案件编号"),
        Column("category", "类别"),
        Column("description", "问题描述"),
        Column("dept", "处置单位"),
        Column("reported", "上报时间", "datetime"),
        Column("closed", "结案时间", "datetime"),
        Column("hours", "处置用时（小时）", "score", total="mean"),
        Column("count", "案件数", "int", total="sum"),
    ]
    return Table("案件清单", columns, rows)


@pytest.fixture(scope="module")
def report() -> Report:
    """The report every writer test writes."""
    league = _league()
    return Report(
        title="开化县数字城管2025年第一季度考核评价",
        subtitle="考核周期：2025-01-01 至 2025-03-31　范围：全县",
        generated_at=datetime(2025, 4, 1, 9, 30, tzinfo=CST),
        tables=[league, _cases()],
        charts=[
            Chart("综合得分", DEPTS, [r["score"] for r in league.rows]),
            Chart(
                "按期处置率", DEPTS[:6], [0.91, 0.85, 0.5, math.nan, 0.995, 0.0], value_kind="rate"
            ),
        ],
    )


@pytest.fixture(params=["csv", "xlsx", "pdf"])
def writer(request: pytest.FixtureRequest) -> tuple[str, Writer, int]:
    """(suffix, write function, extra progress units over the rows) of each format."""
    if request.param == "csv":
        return ".csv", write_csv, 0
    if request.param == "xlsx":
        return ".xlsx", write_xlsx, 2
    request.getfixturevalue(
        "qapp"
    )  # a QApplication, not a bare QGuiApplication, for later GUI tests
    from console.reports.pdf_writer import write_pdf

    return ".pdf", write_pdf, 2


# --------------------------------------------------------------------------- model


def test_totals_sum_mean_and_label(report: Report) -> None:
    league = report.tables[0]
    got = totals(league)
    assert list(got) == ["rank", "due", "ontime", "score"]
    assert got["rank"] == TOTAL_LABEL
    assert got["due"] == sum(r["due"] for r in league.rows)
    assert isinstance(got["due"], int)
    rates = [
        r["ontime"] for r in league.rows if r["ontime"] is not None and not math.isnan(r["ontime"])
    ]
    assert len(rates) == len(DEPTS) - 2
    assert got["ontime"] == pytest.approx(sum(rates) / len(rates))
    assert got["score"] == pytest.approx(sum(r["score"] for r in league.rows) / len(DEPTS))


def test_totals_of_empty_table_and_bad_values() -> None:
    columns = [Column("n", "数", "int", "sum"), Column("s", "分", "score", "mean")]
    assert totals(Table("空", columns, [])) == {"n": 0, "s": None}
    with pytest.raises(TypeError, match="not a number"):
        totals(Table("坏", columns, [{"n": "三", "s": 1.0}]))


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        ("rate", 0.91234, "91.2%"),
        ("rate", 0.0005, "0.1%"),
        ("rate", 1, "100.0%"),
        ("score", 88.25, "88.3"),
        ("score", 60, "60.0"),
        ("int", 7, "7"),
        ("int", 2.5, "2.5"),
        ("datetime", datetime(2025, 3, 31, 17, 5, tzinfo=CST), "2025-03-31 17:05"),
        ("datetime", datetime(2025, 3, 31, 9, 5, tzinfo=UTC), "2025-03-31 09:05"),
        ("text", "城管", "城管"),
        ("score", None, ""),
        ("rate", math.nan, ""),
    ],
)
def test_format_cell(kind: str, value: Any, text: str) -> None:
    assert format_cell(Column("k", "K", kind), value) == text


def test_model_validation() -> None:
    with pytest.raises(ValueError, match="kind"):
        Column("a", "A", "percent")
    with pytest.raises(ValueError, match="total"):
        Column("a", "A", "int", total="max")
    with pytest.raises(ValueError, match="duplicate"):
        Table("t", [Column("a", "A"), Column("a", "B")], [])
    with pytest.raises(ValueError, match="grade_key"):
        Table("t", [Column("a", "A")], [], grade_key="grade")
    with pytest.raises(ValueError, match="labels"):
        Chart("c", ["a", "b"], [1.0])
    with pytest.raises(ValueError, match="no tables"):
        Report("r", "", datetime(2025, 1, 1), [], [])


def test_ticker_lenient_callback() -> None:
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return None  # type: ignore[return-value]  # a sloppy callback still continues

    ticker = Ticker(10, progress, steps=5)
    ticker.start()
    for _ in range(10):
        ticker.advance()
    ticker.finish()
    assert calls == [(0, 10), (2, 10), (4, 10), (6, 10), (8, 10), (10, 10)]


# --------------------------------------------------------------------------- CSV


def _expected_csv(table: Table) -> list[list[str]]:
    rows = [[c.header for c in table.columns]]
    rows += [[csv_cell(c, r.get(c.key)) for c in table.columns] for r in table.rows]
    total_row = totals(table)
    rows.append([format_cell(c, total_row.get(c.key)) for c in table.columns])
    return rows


def test_csv_round_trip(report: Report, tmp_path: Path) -> None:
    path = tmp_path / "考核.csv"
    assert write_csv(report, path) == path
    paths = csv_paths(report, path)
    assert paths == [path, tmp_path / "考核_2_案件清单.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    for table, file in zip(report.tables, paths, strict=True):
        raw = file.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
        assert b"\r\n" in raw
        with file.open(encoding="utf-8-sig", newline="") as fh:
            got = list(csv.reader(fh))
        assert got == _expected_csv(table)
        assert len(got) == len(table.rows) + 2

    with path.open(encoding="utf-8-sig", newline="") as fh:
        league = list(csv.reader(fh))
    assert league[0] == ["名次", "责任单位", "应处置数", "按期处置率", "综合得分", "等级"]
    assert league[1][1:5:3] == ["县综合行政执法局", "88.3"]
    assert league[4][3] == league[5][3] == ""  # None and NaN rates are blank
    assert league[-1][0] == TOTAL_LABEL
    assert league[-1][2] == str(totals(report.tables[0])["due"])
    assert league[-1][3].endswith("%")

    with paths[1].open(encoding="utf-8-sig", newline="") as fh:
        cases = list(csv.reader(fh))
    assert cases[8][2] == "'" + INJECTION  # Excel must not run it
    assert cases[9][2] == "第一行\n第二行：井盖缺失"
    assert cases[10][2] == "控制字符已清除"
    assert cases[1][4] == format_cell(
        Column("r", "R", "datetime"), report.tables[1].rows[0]["reported"]
    )
    assert cases[-1][0] == TOTAL_LABEL
    assert cases[-1][-1] == str(CASE_ROWS)


def test_csv_paths_slug(tmp_path: Path) -> None:
    tables = [
        Table(t, [Column("a", "A")], []) for t in ("一", 'a/b:c*"d"', "  ", "员工考核 2025 Q1")
    ]
    report = Report("r", "", datetime(2025, 1, 1), tables)
    names = [p.name for p in csv_paths(report, tmp_path / "out.csv")]
    assert names == [
        "out.csv",
        "out_2_a_b_c_d.csv",
        "out_3_table.csv",
        "out_4_员工考核_2025_Q1.csv",
    ]


# --------------------------------------------------------------------------- XLSX


def test_xlsx_contents(report: Report, tmp_path: Path) -> None:
    path = tmp_path / "考核.xlsx"
    assert write_xlsx(report, path) == path
    wb = openpyxl.load_workbook(path)
    league_table, case_table = report.tables
    assert wb.sheetnames == ["责任单位考核排名", "案件清单", CHART_SHEET]
    assert wb.properties.title == report.title

    ws = wb["责任单位考核排名"]
    assert [c.value for c in ws[1]] == [c.header for c in league_table.columns]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:F{len(DEPTS) + 1}"
    assert ws.max_row == len(DEPTS) + 2
    # Raw values with number formats.
    first = league_table.rows[0]
    assert ws["B2"].value == first["dept"]
    assert ws["C2"].value == first["due"]
    assert ws["D2"].value == pytest.approx(first["ontime"])
    assert ws["D2"].number_format == "0.0%"
    assert ws["E2"].value == 88.25
    assert ws["E2"].number_format == "0.0"
    assert ws["D5"].value is None  # None
    assert ws["D6"].value is None  # NaN
    # Grade fills: A green with white text, C yellow with dark text.
    assert ws["F2"].value == "A"
    assert ws["F2"].fill.fgColor.rgb == "FF2E7D32"
    assert ws["F2"].font.color.rgb == "FFFFFFFF"
    for row in range(2, len(DEPTS) + 2):
        grade = ws.cell(row, 6).value
        assert ws.cell(row, 6).fill.fgColor.rgb == "FF" + GRADE_COLOURS[grade].lstrip("#").upper()
    assert ws["F4"].font.color.rgb == "FF212121"  # C
    # The totals row holds values (not formulas) equal to totals().
    total_row = totals(league_table)
    last = ws.max_row
    for index, column in enumerate(league_table.columns, start=1):
        cell = ws.cell(last, index)
        expected = total_row.get(column.key)
        if isinstance(expected, float):
            assert cell.value == pytest.approx(expected)
        else:
            assert cell.value == expected
        assert cell.data_type != "f"
        assert cell.font.b
    assert ws.cell(last, 4).number_format == "0.0%"
    # Column widths fitted to the text (CJK counted double).
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width
    assert ws.column_dimensions["B"].width >= 2 * len("县公安局交通警察大队")

    ws = wb["案件清单"]
    assert ws.max_row == CASE_ROWS + 2
    assert ws["A2"].value == case_table.rows[0]["no"]
    reported = case_table.rows[0]["reported"]
    assert ws["E2"].value == reported.replace(tzinfo=None)  # the wall-clock time, as given
    assert ws["E2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["C9"].value == INJECTION
    assert ws["C9"].data_type == "s"  # text, not a formula
    assert ws["C11"].value == "控制字符已清除"  # illegal XML characters dropped
    assert ws["F2"].value is None  # an open case
    assert ws.cell(ws.max_row, 8).value == CASE_ROWS
    assert ws.column_dimensions["C"].width > ws.column_dimensions["H"].width

    charts = wb[CHART_SHEET]
    assert len(charts._charts) == len(report.charts)
    assert charts["A1"].value == "综合得分"
    assert charts["A3"].value == DEPTS[0]
    assert charts["B3"].value == 88.25
    with zipfile.ZipFile(path) as archive:
        chart_parts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(chart_parts) == 2
        chart_xml = archive.read(chart_parts[0]).decode()
    assert "barChart>" in chart_xml
    assert 'barDir val="col"' in chart_xml


def test_sheet_names() -> None:
    long = "县数字城市管理指挥中心二〇二五年度第一季度各责任单位考核评价排名表"
    names = sheet_names([long, long, "a[1]:b/c?*", "图表", "Sheet", "sheet", "'引号'"])
    assert names[0] == long[:31]
    assert names[1] == long[:27] + " (2)"
    assert names[2] == "a_1__b_c__"
    assert names[3] == "图表 (2)"
    assert names[4:6] == ["Sheet", "sheet (2)"]
    assert names[6] == "引号"
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)


# --------------------------------------------------------------------------- PDF


def _rasterise(pdf: Path, out: Path) -> Path | None:
    """Page 1 as a PNG via poppler's pdftoppm, else QtPdf; None when neither exists."""
    exe = shutil.which("pdftoppm")
    if exe is not None:
        stem = out / "page1"
        subprocess.run(
            [exe, "-r", "60", "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf), str(stem)],
            check=True,
            timeout=120,
        )
        return stem.with_suffix(".png")
    try:
        from PySide6.QtCore import QSize
        from PySide6.QtPdf import QPdfDocument
    except ImportError:
        return None
    doc = QPdfDocument()
    doc.load(str(pdf))
    image = doc.render(0, QSize(702, 496))
    png = out / "page1.png"
    image.save(str(png))
    return png


def test_pdf_written_and_rendered(report: Report, tmp_path: Path, qapp: Any) -> None:
    from PIL import Image

    from console.reports.pdf_writer import ensure_gui_application, write_pdf

    assert ensure_gui_application() is qapp
    path = tmp_path / "考核.pdf"
    assert write_pdf(report, path) == path
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert data.rstrip().endswith(b"%%EOF")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]

    png = _rasterise(path, tmp_path)
    if png is None:
        reason = "cannot rasterise: neither poppler's pdftoppm nor PySide6.QtPdf is installed"
        if os.environ.get("CI") == "true":  # .ci/setup installs poppler-utils: never skip there
            pytest.fail(reason)
        pytest.skip(reason)
    with Image.open(png) as opened:
        image = opened.convert("RGB")
    width, height = image.size
    assert width > height  # landscape
    colours = [
        (n, (rgb[0], rgb[1], rgb[2]))
        for n, rgb in image.getcolors(maxcolors=width * height) or []
        if isinstance(rgb, tuple)
    ]
    inked = sum(n for n, rgb in colours if sum(rgb) < 3 * 200)
    assert inked > 0.01 * width * height, "page 1 is (nearly) blank"

    def near(target: str) -> int:
        r, g, b = (int(target[i : i + 2], 16) for i in (1, 3, 5))
        return sum(n for n, (x, y, z) in colours if abs(x - r) + abs(y - g) + abs(z - b) < 24)

    for grade, colour in GRADE_COLOURS.items():
        assert near(colour) > 20, f"no {grade} grade fill on page 1"

    pdftotext = shutil.which("pdftotext")
    if pdftotext is not None:  # the same poppler-utils package: the text is real CJK text
        done = subprocess.run(
            [pdftotext, "-layout", str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert not done.stderr  # poppler reports no syntax error (the xref update is sound)
        page1 = done.stdout.split("\f")[0]
        # Exact ideographs, not the Kangxi radicals Qt's own text layer gives (⼀ for 一 …).
        for needle in (
            report.title,
            "责任单位考核排名",
            "县公安局交通警察大队",
            TOTAL_LABEL,
            "88.3",
        ):
            assert needle in page1
        assert "第 1 页 / 共" in page1
        assert "县自来水有限公司" in done.stdout
        assert not [c for c in done.stdout if 0x2E80 <= ord(c) < 0x2FE0]


# --------------------------------------------------------------------------- all writers


def test_progress_increases(
    report: Report, tmp_path: Path, writer: tuple[str, Writer, int]
) -> None:
    suffix, write, extra = writer
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return True

    write(report, tmp_path / f"r{suffix}", progress)
    expected_total = (2 if suffix == ".pdf" else 1) * report.row_count + extra
    assert {total for _, total in calls} == {expected_total}
    done = [d for d, _ in calls]
    assert done[0] == 0
    assert done[-1] == expected_total
    assert all(a < b for a, b in itertools.pairwise(done))
    assert len(done) > 10  # reported as rows are written, not just at the ends


@pytest.mark.parametrize("when", ["start", "middle", "end"])
def test_cancel_leaves_no_file(
    report: Report, tmp_path: Path, writer: tuple[str, Writer, int], when: str
) -> None:
    suffix, write, _ = writer
    path = tmp_path / f"考核{suffix}"
    path.write_bytes(b"the previous export")
    before = set(openpyxl_writer.ALL_TEMP_FILES)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        seen.append((done, total))
        limit = {"start": 0, "middle": total // 2, "end": total}[when]
        return done < limit

    with pytest.raises(Cancelled):
        write(report, path, progress)
    done, total = seen[-1]
    if when == "start":
        assert seen == [(0, total)]
    elif when == "middle":
        assert total // 2 <= done < total
    else:
        assert done == total  # the last call, just before the rename, still cancels
    # The old file is untouched and nothing else (temp file, CSV sibling) is left.
    assert path.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    leaked = set(openpyxl_writer.ALL_TEMP_FILES) - before
    assert not leaked
    assert not [f for f in leaked if Path(f).exists()]


def test_odd_reports(tmp_path: Path, writer: tuple[str, Writer, int]) -> None:
    """An empty table, a row taller than a PDF page, negative and empty charts, many columns."""
    suffix, write, _ = writer
    wide = [Column(f"c{i}", f"第{i}列指标名称", "score", total="sum") for i in range(24)]
    report = Report(
        "边界情况",
        "",
        datetime(2025, 4, 1, 9, 30),
        [
            Table("空表", [Column("a", "甲"), Column("n", "数", "int", "sum")], []),
            Table(
                "长文本", [Column("t", "描述")], [{"t": "很长的描述。" * 2000}, {"t": "x" * 500}]
            ),
            Table("多列" * 20, wide, [{f"c{i}": i * 1.5 for i in range(24)}] * 3),
        ],
        [
            Chart("扣分", ["甲", "乙", "丙"], [-3.5, 2.0, -0.25]),
            Chart("空图", [], []),
            Chart("全零", ["甲"], [0.0], value_kind="int"),
        ],
    )
    path = write(report, tmp_path / f"odd{suffix}", None)
    assert path.stat().st_size > 0
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == ["空表", "长文本", ("多列" * 20)[:31], CHART_SHEET]
        assert [c.value for c in wb["空表"][2]] == [TOTAL_LABEL, 0]
    if suffix == ".csv":
        assert len(csv_paths(report, path)) == 3
        with path.open(encoding="utf-8-sig", newline="") as fh:
            assert list(csv.reader(fh)) == [["甲", "数"], [TOTAL_LABEL, "0"]]


def test_write_report_dispatches_on_suffix(report: Report, tmp_path: Path, qapp: Any) -> None:
    assert FORMATS == (".xlsx", ".csv", ".pdf")
    for name in ("a.XLSX", "b.csv", "c.pdf"):
        assert write_report(report, tmp_path / name) == tmp_path / name
    assert openpyxl.load_workbook(tmp_path / "a.XLSX").sheetnames[-1] == CHART_SHEET
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match="unknown report format"):
        write_report(report, tmp_path / "d.docx")
