"""Domain and service messages in the UI's language (``console.ui.i18n.error_text``).

Messages are written ``中文 / English`` so the command line can print both; the desk shows one
half.  The cases below are messages the code really raises (built by the code where that is
cheap, copied from it otherwise), including a ``/`` inside the Chinese half, a separator glued
to full-width punctuation, quoted data holding `` / `` and multi-line listings.  A scan of
every ``raise …Error(…)`` in console/domain and console/services keeps new messages splittable.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from console.app import App
from console.domain.category_search import CategoryIndex
from console.domain.errors import CityDeskError, NotFoundError, ValidationError
from console.domain.evaluation_period import parse_period
from console.services.accounts import _BAD_CREDENTIALS
from console.ui import i18n
from console.ui.dialogs.signin import SignInDialog
from console.ui.i18n import error_text, message_halves
from console.ui.ops import OpRunner
from console.ui.start import sign_in_dialog
from tests.gui.desk import NOW
from tests.unit.kaihua import reference

REPO = Path(__file__).resolve().parents[2]

# (message as raised, Chinese shown, English shown): copied from the raise sites named.
MESSAGES = [
    pytest.param(_BAD_CREDENTIALS, "用户名或密码错误", "wrong user name or password",
                 id="accounts-sign-in"),
    pytest.param("核实结果应为 是/否 / 'found' must be true or false",
                 "核实结果应为 是/否", "'found' must be true or false",
                 id="transitions-slash-inside-chinese"),
    pytest.param("字段 notes 过长（2001 字，上限 2000）/ 'notes' is too long",
                 "字段 notes 过长（2001 字，上限 2000）", "'notes' is too long",
                 id="transitions-glued-to-fullwidth"),
    pytest.param("角色「受理员」不能执行「派遣」（允许：派遣员、值班长）/ role may not run 'dispatch'",
                 "角色「受理员」不能执行「派遣」（允许：派遣员、值班长）", "role may not run 'dispatch'",
                 id="transitions-role"),
    pytest.param("未知的用户 'a / b' / unknown user", "未知的用户 'a / b'", "unknown user",
                 id="accounts-data-with-slash"),
    pytest.param("网络/微信案件须先核实再立案 / public reports are verified before filing",
                 "网络/微信案件须先核实再立案", "public reports are verified before filing",
                 id="options-filing-block"),
    pytest.param("--limit 应为正整数 / limit must be positive", "--limit 应为正整数",
                 "limit must be positive", id="queries-limit"),
    pytest.param("未知的单元网格 '3308'（应为 15 位网格编码）/ unknown grid cell",
                 "未知的单元网格 '3308'（应为 15 位网格编码）", "unknown grid cell",
                 id="centre-grid"),
    pytest.param("县智慧城管领导小组办公室 负责协调，不能直接派遣；请用「指定代整改」/ the coordination "
                 "office is not dispatched to: designate a unit",
                 "县智慧城管领导小组办公室 负责协调，不能直接派遣；请用「指定代整改」",
                 "the coordination office is not dispatched to: designate a unit",
                 id="transitions-office"),
    pytest.param("参考数据有误：units.yaml 第 3 项缺少字段 name",
                 "参考数据有误：units.yaml 第 3 项缺少字段 name",
                 "参考数据有误：units.yaml 第 3 项缺少字段 name", id="chinese-only-stays"),
    pytest.param("database is locked", "database is locked", "database is locked",
                 id="english-only-stays"),
]


@pytest.mark.parametrize(("message", "zh", "en"), MESSAGES)
@pytest.mark.parametrize("kind", [ValidationError, NotFoundError, str])
def test_a_message_shows_the_half_of_the_ui_language(
    message: str, zh: str, en: str, kind: Callable[[str], object]
) -> None:
    error = kind(message)
    assert isinstance(error, CityDeskError | str)
    assert error_text(error) == zh
    i18n.set_language("en")
    assert error_text(error) == en


def test_an_unknown_category_lists_the_closest_under_one_gloss() -> None:
    index = CategoryIndex(reference().categories.values())
    with pytest.raises(NotFoundError) as caught:
        index.resolve("jtxhd")
    lines = error_text(caught.value).splitlines()
    assert lines[0] == "未知的案件类别 'jtxhd'（可用 5 位代码、名称、别名或拼音首字母），相近的："
    assert "  02014 交通信号灯异常" in lines[1:]  # the listing is data, kept as it is
    i18n.set_language("en")
    assert error_text(caught.value).splitlines()[0] == "unknown category; closest:"


def test_an_ambiguous_category_keeps_its_listing_and_the_more_line() -> None:
    index = CategoryIndex(reference().categories.values())
    with pytest.raises(NotFoundError) as caught:
        index.resolve("井盖")
    assert len(caught.value.candidates) > 10  # type: ignore[attr-defined]
    zh = error_text(caught.value).splitlines()
    assert "/" not in zh[0] and "ambiguous" not in zh[0]
    assert re.fullmatch(r"  …另有 \d+ 个", zh[-1])
    i18n.set_language("en")
    en = error_text(caught.value).splitlines()
    assert en[0] == "ambiguous category:"
    assert re.fullmatch(r"  \d+ more", en[-1])


def test_a_period_the_parser_cannot_read() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_period("next week")
    zh = error_text(caught.value)
    assert zh.startswith("无法识别的评价周期 'next week'。可用格式：") and not zh.endswith("2026-10-31")
    i18n.set_language("en")
    assert error_text(caught.value).startswith("use 2026-10-15, 2026-W43")


def test_other_exceptions_give_their_first_line() -> None:
    assert error_text(ValueError("connection refused\nis the server running?")) == (
        "connection refused")
    assert error_text(OSError()) == "OSError"
    i18n.set_language("en")
    assert error_text(RuntimeError("数据库无响应 / no answer\ndetail")) == "no answer"


@pytest.mark.parametrize("line", ["是/否", "a / b", "中文 / ", "中文 / 英文", "/ only"])
def test_lines_without_an_english_half(line: str) -> None:
    assert message_halves(line) is None


# --------------------------------------------------------------------------- every raise site

_SEPARATOR = re.compile(r"\s*/\s+")


def _template(node: ast.expr, constants: dict[str, str]) -> str | None:
    """A message argument with each ``{…}`` field as ``X`` (None: not built from literals).

    A module-level string constant (``_HELP``) counts as a literal, in a field too.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else
                 constants.get(getattr(v.value, "id", ""), "X")  # type: ignore[attr-defined]
                 for v in node.values]
        return "".join(str(p) for p in parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left, constants), _template(node.right, constants)
        return None if left is None or right is None else left + right
    return None


def _raised_messages() -> list[tuple[str, str]]:
    found = []
    for folder in ("console/domain", "console/services"):
        for path in sorted((REPO / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants: dict[str, str] = {}
            for stmt in tree.body:
                if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name)):
                    value = _template(stmt.value, {})
                    if value is not None:
                        constants[stmt.targets[0].id] = value
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id.endswith("Error") and node.args):
                    text = _template(node.args[0], constants)
                    if text is not None and i18n.CJK.search(text):
                        found.append((f"{path.relative_to(REPO)}:{node.lineno}", text))
    return found


# Messages that may stay Chinese in English mode: the reference-file problems they list are
# themselves Chinese (``citydesk init`` prints them; the desk never starts on such files).
CHINESE_ONLY = {"参考数据有误：X"}


def test_every_message_the_domain_and_services_raise_splits_cleanly() -> None:
    messages = _raised_messages()
    assert len(messages) > 100  # the scan reads the code
    wrong = []
    for where, text in messages:
        first = text.splitlines()[0]
        if first in CHINESE_ONLY:
            continue
        halves = message_halves(first)
        if halves is None:
            wrong.append(f"{where}: {text!r} has no English half without Chinese in it")
    assert not wrong, "\n".join(wrong)


# --------------------------------------------------------------------------- sign-in


@pytest.mark.parametrize(("lang", "expected"), [("zh", "用户名或密码错误"),
                                                ("en", "wrong user name or password")])
def test_sign_in_refusal_in_the_ui_language(
    lang: str, expected: str, demo_template: Path, tmp_path: Path, qapp: QApplication
) -> None:
    path = tmp_path / "signin.sqlite3"
    shutil.copy(demo_template, path)
    backend = App.open(f"sqlite:///{path}", lambda: NOW)
    ops = OpRunner(synchronous=True)
    i18n.set_language(lang)
    shown: list[str] = []

    def answer() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, SignInDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(50, answer)
            return
        dialog = dialogs[0]
        dialog.password.setText("wrong-password")
        dialog.try_sign_in()
        shown.append(dialog.message.text())
        dialog.reject()

    QTimer.singleShot(50, answer)
    try:
        assert sign_in_dialog(backend, ops, lambda: NOW, "paiqian1", True) is None
    finally:
        ops.shutdown()
        backend.close()
    assert shown == [expected]
