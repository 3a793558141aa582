"""The new-report form's category picker resolves as ``--category`` does (pytest-qt, offscreen)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from console.domain.cases import Source
from console.reference_files import load_centre_files
from console.services.centre import Centre, build_centre
from console.ui.dialogs.new_report import NewReportDialog, category_entries


@pytest.fixture(scope="module")
def centre() -> Centre:
    return build_centre(load_centre_files())


@pytest.fixture
def form(qtbot: QtBot, centre: Centre) -> Callable[[str], NewReportDialog]:
    def make(typed: str) -> NewReportDialog:
        dialog = NewReportDialog(centre, list(Source))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.category.setFocus()
        if typed.isascii():
            QTest.keyClicks(dialog.category, typed)
        else:  # QTest types ASCII only; Chinese arrives from an input method, as a commit
            dialog.category.insert(typed)
        return dialog
    return make


@pytest.mark.parametrize(("typed", "name"), [
    ("syqjgyc", "输油（气）井盖异常"),
    ("zyppsps", "遮阳篷（棚、伞）破损"),
    ("ljytwdzlc", "临街阳台、屋顶脏乱差"),
])
def test_typing_the_initials_of_a_punctuated_name_finds_it(
        form: Callable[[str], NewReportDialog], centre: Centre, typed: str, name: str) -> None:
    dialog = form(typed)
    completer = dialog.category.completer()
    # The popup offers the category while typing (it matches a contiguous part of the entry)…
    assert completer.completionCount() == 1
    assert name in completer.currentCompletion()
    # …and the typed initials alone resolve to it.
    assert dialog.category_code() == centre.category(name).code


def test_picking_the_offered_entry_resolves_it(form: Callable[[str], NewReportDialog]) -> None:
    dialog = form("mlhpyc")
    popup = dialog.category.completer().popup()
    assert popup is not None and popup.isVisible()
    QTest.keyClick(popup, Qt.Key.Key_Down)
    QTest.keyClick(popup, Qt.Key.Key_Return)
    assert dialog.category.text().startswith("02038 门（楼号）牌异常")
    assert dialog.category_code() == "02038"


@pytest.mark.parametrize(("typed", "code"), [
    ("机动车乱停放", "09009"),  # a name inside 非机动车乱停放 is still itself
    ("交通信号灯", "02014"),  # the seed's word, an alias
    ("06010", "06010"),
    ("bllj", "06010"),
])
def test_names_aliases_and_codes_resolve(form: Callable[[str], NewReportDialog], typed: str,
                                         code: str) -> None:
    assert form(typed).category_code() == code


def test_an_ambiguous_category_is_not_saved_and_the_candidates_are_shown(
        form: Callable[[str], NewReportDialog], qtbot: QtBot) -> None:
    dialog = form("垃圾")
    assert dialog.category_code() is None
    with qtbot.assertNotEmitted(dialog.save_requested):
        QTest.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    status = dialog.status.text()
    assert "8" in status and "06010 暴露垃圾" in status and "03004" in status


def test_an_unknown_category_offers_the_closest(form: Callable[[str], NewReportDialog]) -> None:
    dialog = form("jtxhd")
    assert dialog.category_code() is None
    dialog._on_save()
    assert "02014 交通信号灯异常" in dialog.status.text()


def test_entries_carry_punctuation_free_initials_and_aliases(centre: Centre) -> None:
    entries = dict(category_entries(centre))
    assert "01021 输油（气）井盖异常 syqjgyc" in entries
    assert "02014 交通信号灯异常 jtxhdyc · 交通信号灯 · 旧代码 0214（部件）" in entries
    assert len(entries) == len(centre.ref.categories)


def test_a_legacy_code_offers_every_meaning_and_is_never_guessed(
        form: Callable[[str], NewReportDialog], qtbot: QtBot) -> None:
    dialog = form("0102")
    completer = dialog.category.completer()
    offered = [completer.completionModel().index(row, 0).data()
               for row in range(completer.completionCount())]
    legacy = [entry for entry in offered if "旧代码 0102" in entry]
    assert legacy == ["01002 污水井盖异常 wsjgyc · 旧代码 0102（部件）",
                      "06010 暴露垃圾 bllj · 旧代码 0102（事件）"]
    # Typed alone it means two things: nothing is saved, and both meanings are shown.
    assert dialog.category_code() is None
    with qtbot.assertNotEmitted(dialog.save_requested):
        dialog._on_save()
    status = dialog.status.text()
    assert "部件 01002 污水井盖异常" in status and "事件 06010 暴露垃圾" in status
    # Picking a meaning from the list files under it.
    dialog.category.setText(legacy[1])
    assert dialog.category_code() == "06010"


def test_a_legacy_code_with_one_meaning_still_resolves(
        form: Callable[[str], NewReportDialog]) -> None:
    assert form("0505").category_code() == "09009"


def test_the_filing_dialog_shows_both_meanings_of_a_typed_legacy_code(
        qtbot: QtBot, centre: Centre) -> None:
    from datetime import UTC, datetime

    from console.domain.cases import Case, CaseState
    from console.ui.dialogs.filing import FilingDialog

    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    case = Case(id=1, case_no="2026030200001", state=CaseState.ACCEPTED, source=Source.COLLECTOR,
                category="06010", description="垃圾", reported_at=now, reporter="caiji01",
                grid="330824001001001")
    dialog = FilingDialog(centre, case, now, lambda t: t.isoformat())
    qtbot.addWidget(dialog)
    assert "旧代码 0102（事件）" in dialog.category.text()  # the case's own entry
    dialog.category.setText("0102")
    assert dialog.preview is None and not dialog.ok.isEnabled()
    shown = dialog.outcome.text()
    assert "污水井盖异常" in shown and "暴露垃圾" in shown
