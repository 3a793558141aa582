"""The import dialog's check (its dry run) says how each date-time column was read."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "integration" / "import_fixtures"


def test_the_check_names_each_date_columns_form(desk_factory, tmp_path, qtbot) -> None:
    desk = desk_factory(user="admin")
    dialog = desk.window.windows.import_dialog()
    dialog.file_edit.setText(str(FIXTURES / "us311_slice.csv"))
    dialog.mapping_edit.setText(str(FIXTURES / "us311_mapping.yaml"))
    dialog.load_preview()
    assert dialog.preview_model.rowCount() == 10
    dialog.check()
    text = dialog.summary.text()
    assert "试运行" in text and "隔离 4" in text
    assert "日期「Created Date」：%m/%d/%Y %I:%M:%S %p" in text
    assert dialog.report_model.rowCount() == 4
    # A file whose day order nothing decides is refused in one line, nothing imported.
    (tmp_path / "uk.csv").write_text("ref,opened,type,text,cell\n"
                                     "B1,03/04/2016 10:00,暴露垃圾,litter,330824001001001\n",
                                     encoding="utf-8")
    (tmp_path / "uk.yaml").write_text(
        "channel: uk\ncolumns: {external_id: ref, reported_at: opened, category: type, "
        "description: text, grid: cell}\n", encoding="utf-8")
    dialog.file_edit.setText(str(tmp_path / "uk.csv"))
    dialog.mapping_edit.setText(str(tmp_path / "uk.yaml"))
    dialog.load_preview()
    dialog.check()
    assert "date_order" in dialog.summary.text() and "ambiguous" not in dialog.summary.text()
    dialog.close()
