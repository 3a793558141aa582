"""A unit seat's Ctrl+E export holds only its own unit's cases — embedded and through the server
(issue #14); through the server the report also prints the centre's latest audit anchor.
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from console.cli.main import main
from console.domain.evaluation import parse_period
from console.services.uow import CaseFilter
from console.ui.export import ExportJob
from tests.gui.remote import BOTH

UNIT_USER, UNIT = "unit_gaj", "KH-GAJ"  # 县公安局


def sheets(path) -> dict[str, list[tuple]]:
    """The XLSX report's sheets by title, as rows of values."""
    book = load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}
    finally:
        book.close()


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_a_unit_seats_export_holds_its_own_units_cases(desk_factory, qtbot, tmp_path, backend,
                                                       monkeypatch, request) -> None:
    desk = desk_factory(UNIT_USER)
    if backend == "remote":  # the centre's anchor, in the server's folder
        folder = request.getfixturevalue("remote_centre").anchor_dir
        monkeypatch.delenv("CITYDESK_SERVER", raising=False)
        assert main(["audit", "anchor", "--db", desk.url, "--dir", str(folder)]) == 0
    finished: list[tuple[bool, str]] = []
    job = ExportJob(desk.window.controller.desk, desk.window.controller.ops)
    job.finished.connect(lambda ok, message: finished.append((ok, message)))
    out = tmp_path / "unit.xlsx"
    job.start(parse_period("2026-11"), out)  # the demo's ten days
    qtbot.waitUntil(lambda: bool(finished), timeout=30_000)
    assert finished[0][0], finished
    book = sheets(out)
    cases = next(rows for title, rows in book.items() if title.startswith("案件清单"))
    header = next(i for i, row in enumerate(cases) if row and row[0] == "案件编号")
    numbers = {str(r[0]) for r in cases[header + 1:] if r and r[0] and str(r[0]).isdigit()}
    with desk.app.uow_factory() as uow:
        everything = uow.cases.list(CaseFilter())
    own = {c.case_no for c in everything if UNIT in (c.unit, c.parent_unit)}
    assert numbers and numbers <= own
    assert len(own) < len(everything)
    notes = "\n".join(str(cell) for title, rows in book.items() if title.startswith("说明")
                      for row in rows for cell in row if cell)
    assert ("审计链锚点" in notes) == (backend == "remote")
