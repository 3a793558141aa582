"""The translation layer, and the catalog check that keeps every Chinese string translatable.

The catalog tests read ``console/ui`` as source (``ast``), not at run time, so a string in a
dialog nobody opens in a test is still checked.  Their failure messages are lines to paste into
``resources/i18n/en.yaml`` (``"源文本": ""  # where``); fill in the English and rerun.
"""

from __future__ import annotations

import enum
import string
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from PySide6.QtCore import QCoreApplication, QLibraryInfo
from PySide6.QtWidgets import QApplication

from console.domain.cases import CaseState, CloseType, RequestKind, Role, Source, Stage
from console.domain.commands import LABELS_ZH, Command
from console.domain.deadlines import LIGHT_ZH, Light, format_remaining
from console.ui import i18n
from console.ui.i18n import N_, _

REPO = Path(__file__).resolve().parents[2]
BRIEF_ENUMS: tuple[type[enum.StrEnum], ...] = (
    CaseState,
    Source,
    Role,
    Stage,
    CloseType,
    RequestKind,
)
ALL_MEMBERS = [m for e in i18n.LABELLED_ENUMS for m in e]
HOW_TO_FIX = (
    "\n\nAdd these lines to resources/i18n/en.yaml and fill in the English "
    "(or run `python -m console.ui.i18n --missing`):\n"
)


@pytest.fixture(scope="module")
def catalog() -> dict[str, str]:
    """The shipped English catalog."""
    return i18n.load_catalog(i18n.catalog_path("en"))


@pytest.fixture(scope="module")
def scan() -> i18n.SourceScan:
    """What ``console/ui`` marks for translation, and what it forgot to."""
    return i18n.scan_sources(i18n.UI_ROOT)


# --------------------------------------------------------------------------- runtime


def test_chinese_is_the_default_and_returns_the_source() -> None:
    assert i18n.language() == "zh"
    assert _("受理") == "受理"
    assert _("没有这一条") == "没有这一条"
    assert i18n.missing() == frozenset()


def test_language_switch_round_trip() -> None:
    i18n.set_language("en")
    assert i18n.language() == "en"
    assert _("受理") == "Accept"
    i18n.set_language("zh")
    assert i18n.language() == "zh"
    assert _("受理") == "受理"


@pytest.mark.parametrize("lang", ["fr", "zh_CN", "EN", ""])
def test_unknown_language_is_refused(lang: str) -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.set_language(lang)
    assert i18n.language() == "zh"


def test_english_falls_back_to_the_source_and_records_the_miss() -> None:
    i18n.set_language("en")
    assert _("一条还没有翻译的文字") == "一条还没有翻译的文字"
    assert _("受理") == "Accept"
    assert _("") == ""  # an empty cell is not a miss
    assert i18n.missing() == {"一条还没有翻译的文字"}
    i18n.clear_missing()
    assert i18n.missing() == frozenset()


def test_format_fields_survive_translation() -> None:
    i18n.set_language("en")
    assert _("剩 {time}").format(time="1:23") == "1:23 left"


def test_n_marks_without_translating() -> None:
    i18n.set_language("en")
    assert N_("受理") == "受理"
    assert _(N_("受理")) == "Accept"


@pytest.mark.parametrize("member", ALL_MEMBERS, ids=lambda m: f"{type(m).__name__}.{m.name}")
def test_label_of_every_domain_enum_member_in_both_languages(member: enum.Enum) -> None:
    zh = i18n.label(member)
    assert zh == i18n.zh_label(member)
    assert i18n.CJK.search(zh), f"{member!r} has no Chinese label"
    if isinstance(member.value, str) and i18n.CJK.search(member.value):
        assert zh == member.value
    i18n.set_language("en")
    en = i18n.label(member)
    assert en and not i18n.CJK.search(en), f"{member!r} -> {en!r}"
    assert i18n.missing() == frozenset()


def test_label_examples() -> None:
    assert i18n.label(CaseState.REPORTED) == "待受理"
    assert i18n.command_label(Command.CHECK_FAIL) == "核查不通过（返工）"
    assert i18n.light_label(Light.RED) == "红灯"
    i18n.set_language("en")
    assert i18n.label(CaseState.REPORTED) == "Awaiting intake"
    assert i18n.label(Command.DISPATCH) == i18n.command_label(Command.DISPATCH) == "Dispatch"
    assert i18n.light_label(Light.RED) == i18n.label(Light.RED) == "Red"


@pytest.mark.parametrize("minutes", [0, 83, 600, -1, -40])
def test_countdown_text_matches_the_domain_in_chinese(minutes: int) -> None:
    assert i18n.countdown_text(minutes) == format_remaining(minutes)


def test_countdown_text_in_english() -> None:
    i18n.set_language("en")
    assert i18n.countdown_text(83) == "1:23 left"
    assert i18n.countdown_text(-40) == "0:40 overdue"


def test_qt_translator_installs_qtbase_for_chinese_and_goes_for_english(
    qapp: QApplication,
) -> None:
    shipped = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    has_qm = (shipped / "qtbase_zh_CN.qm").exists()
    try:
        assert i18n.install_qt_translator(qapp) is has_qm
        assert i18n.install_qt_translator(qapp, "zh") is has_qm  # twice: replaces, no pile-up
        if has_qm:
            assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    finally:
        assert i18n.install_qt_translator(qapp, "en") is False
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.install_qt_translator(qapp, "fr")


# --------------------------------------------------------------------------- the catalog


def test_every_string_marked_in_console_ui_has_english(
    scan: i18n.SourceScan, catalog: dict[str, str]
) -> None:
    todo: dict[str, str] = {}
    for found in scan.marked:
        if not catalog.get(found.text):
            todo.setdefault(found.text, found.where(REPO))
    assert not todo, (
        f"{len(todo)} string(s) without English." + HOW_TO_FIX + i18n.yaml_entries(todo)
    )


def test_every_domain_label_has_english(catalog: dict[str, str]) -> None:
    required = {m.value: f"{type(m).__name__}.{m.name}" for e in BRIEF_ENUMS for m in e}
    required |= {v: f"Command.{k.name}" for k, v in LABELS_ZH.items()}
    required |= {v: f"Light.{k.name}" for k, v in LIGHT_ZH.items()}
    required |= i18n.domain_strings()
    todo = {text: origin for text, origin in required.items() if not catalog.get(text)}
    assert not todo, (
        f"{len(todo)} domain label(s) without English." + HOW_TO_FIX + (i18n.yaml_entries(todo))
    )


def test_no_catalog_entry_is_empty(catalog: dict[str, str]) -> None:
    empty = [text for text, english in catalog.items() if not english.strip()]
    assert not empty, "Fill in the English of:\n" + i18n.yaml_entries(empty)


def test_translations_keep_the_format_fields(catalog: dict[str, str]) -> None:
    def fields(text: str) -> list[tuple[str, str, str | None]]:
        parsed = string.Formatter().parse(text)
        return sorted((name, spec or "", conv) for _lit, name, spec, conv in parsed if name)

    wrong = {k: v for k, v in catalog.items() if v and fields(k) != fields(v)}
    assert not wrong, "English must keep each {field} of its source:\n" + "\n".join(
        f"  {k!r}: {v!r}" for k, v in wrong.items()
    )


def test_no_chinese_bypasses_the_translation_layer(scan: i18n.SourceScan) -> None:
    lines = [f"  {f.where(REPO)}: {f.text!r}" for f in scan.unmarked]
    assert not lines, (
        f"{len(lines)} Chinese string(s) in console/ui shown without _() / N_():\n"
        + "\n".join(lines)
        + '\n\nWrap text for people in _("…") (or N_("…") in a constant table, then _(value) '
        "where it is shown).  Chinese that is data, not text for people (a category name to "
        "compare with), takes a trailing `# i18n: ignore` comment."
    )


def test_translated_strings_are_literals(scan: i18n.SourceScan) -> None:
    lines = [f"  {f.where(REPO)}: _({f.text})" for f in scan.not_literal]
    assert not lines, (
        "_() / N_() need a plain string so the catalog can be checked; write "
        '_("… {name} …").format(name=…) instead of an f-string or a concatenation:\n'
        + "\n".join(lines)
    )


# --------------------------------------------------------------------------- the tools


SAMPLE = '''"""模块文档。"""
import logging

from console.ui.i18n import N_, _

log = logging.getLogger(__name__)
TABLE = (N_("表中标记"),)


class Pane:
    """类文档。"""

    changed = 1
    """信号文档。"""


def show(x: int) -> object:
    """函数文档。"""
    log.info("日志 %s", x)
    a = _("已标记 {n}").format(n=x)
    b = "漏掉的"
    c = f"格式化{x}"
    d = _(f"动态{x}")
    e = {"键": 1}
    g = "数据"  # i18n: ignore
    h = _(TABLE[0])
    k = "ascii only"
    return a, b, c, d, e, g, h, k
'''


def test_scanner_on_a_sample(tmp_path: Path) -> None:
    path = tmp_path / "sample.py"
    path.write_text(SAMPLE, encoding="utf-8")
    scan = i18n.scan_sources(path)
    assert [f.text for f in scan.marked] == ["表中标记", "已标记 {n}"]
    assert [(f.line, f.text) for f in scan.unmarked] == [(21, "漏掉的"), (22, "格式化"), (24, "键")]
    assert [(f.line, f.text) for f in scan.not_literal] == [(23, "f'动态{x}'")]


def test_yaml_entries_paste_back_as_yaml() -> None:
    tricky = {'引号"与\\反斜杠': "a.py:1", "剩 {time}": "", "冒号: 井号 #": "b.py:2"}
    pasted = yaml.safe_load(i18n.yaml_entries(tricky))
    assert pasted == dict.fromkeys(tricky, "")
    assert yaml.safe_load(i18n.yaml_entries(["受理"])) == {"受理": ""}


def test_catalog_loader_rejects_duplicates_and_bare_booleans(tmp_path: Path) -> None:
    dup = tmp_path / "dup.yaml"
    dup.write_text('"受理": "Accept"\n"受理": "Intake"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate key"):
        i18n.load_catalog(dup)
    boolean = tmp_path / "bool.yaml"
    boolean.write_text('"属实": Yes\n', encoding="utf-8")
    with pytest.raises(ValueError, match="quoted strings"):
        i18n.load_catalog(boolean)
    listing = tmp_path / "list.yaml"
    listing.write_text("- 受理\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping"):
        i18n.load_catalog(listing)


def test_missing_command_prints_pasteable_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    full = i18n.load_catalog(i18n.catalog_path("en"))
    partial = {k: v for k, v in full.items() if k not in {"待受理", "剩 {time}"}}
    (tmp_path / "en.yaml").write_text(yaml.safe_dump(partial, allow_unicode=True), "utf-8")
    monkeypatch.setattr(i18n, "CATALOG_DIR", tmp_path)
    assert i18n.main(["--missing"]) == 1
    assert yaml.safe_load(capsys.readouterr().out) == {"待受理": "", "剩 {time}": ""}
    (tmp_path / "en.yaml").write_text(yaml.safe_dump(full, allow_unicode=True), "utf-8")
    assert i18n.main(["--missing"]) == 0
    assert capsys.readouterr().out == ""


def test_missing_command_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "console.ui.i18n", "--missing"],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert done.returncode == 0 or yaml.safe_load(done.stdout)
