"""Translation layer of the console: Chinese source strings, an English catalog.

Source strings are written in Chinese in the code and translated at run time::

    from console.ui.i18n import N_, _

    button.setText(_("受理"))
    hint.setText(_("剩 {time}").format(time="1:23"))  # the key keeps the braces
    COLUMNS = (N_("案件号"), N_("状态"))  # marked now, translated where shown: _(COLUMNS[0])

The catalog ``resources/i18n/en.yaml`` is a flat mapping from each Chinese source string to its
English text.  In Chinese (the default) :func:`_` returns its argument; in English it looks the
string up and falls back to the source, recording the miss (see :func:`missing`).

Domain enums carry Chinese values (``CaseState.REPORTED.value == "待受理"``); :func:`label`,
:func:`command_label` and :func:`light_label` turn them into text for people, so the domain never
knows about languages.  ``tests/gui/test_i18n.py`` scans ``console/ui`` with :mod:`ast` and fails
on any ``_()`` string without an English entry and on any Chinese literal that bypasses ``_()``;
``python -m console.ui.i18n --missing`` prints the missing entries ready to paste into the YAML.
"""

from __future__ import annotations

import argparse
import ast
import enum
import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from console.domain.cases import CaseState, CloseType, RequestKind, Role, Source, Stage
from console.domain.commands import LABELS_ZH, Command
from console.domain.deadlines import LIGHT_ZH, Light
from console.domain.errors import CityDeskError
from console.domain.event_facts import Fact, VerifyResult
from console.domain.reference import CategoryKind, LimitClass, UnitKind

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
"""Languages the console speaks; ``zh`` is the source language and the default."""

LANGUAGE_NAMES: Mapping[str, str] = {"zh": "中文", "en": "English"}  # i18n: ignore
"""Each language named in itself (never translated), for the language menu."""

CATALOG_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
UI_ROOT = Path(__file__).resolve().parent

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
"""CJK ideographs (Unified and Extension A): a string with any is Chinese text for people."""

_QT_TRANSLATOR_NAME = "citydesk-qtbase"
_QT_SUPPLEMENT_NAME = "citydesk-qt-supplement"


def N_(text: str) -> str:  # noqa: N802 - the gettext name every translator's tool knows
    """Mark ``text`` for translation without translating it (for constant tables).

    Parameters
    ----------
    text : str
        The Chinese source string.

    Returns
    -------
    str
        ``text`` unchanged; pass it through :func:`_` where it is shown.
    """
    return text


# Enums whose values are codes, not Chinese: their Chinese labels live here, marked with N_.
_KIND_ZH: Mapping[CategoryKind, str] = {
    CategoryKind.COMPONENT: N_("部件"),
    CategoryKind.EVENT: N_("事件"),
}
_UNIT_KIND_ZH: Mapping[UnitKind, str] = {
    UnitKind.DEPARTMENT: N_("政府部门"),
    UnitKind.COMPANY: N_("公用企业"),
    UnitKind.STREET: N_("街道/乡镇"),
    UnitKind.OFFICE: N_("协调办公室"),
}
_ZH_TABLES: Mapping[type[enum.Enum], Mapping[Any, str]] = {
    Command: LABELS_ZH,
    Light: LIGHT_ZH,
    CategoryKind: _KIND_ZH,
    UnitKind: _UNIT_KIND_ZH,
}
LABELLED_ENUMS: tuple[type[enum.Enum], ...] = (
    CaseState,
    Source,
    Role,
    Stage,
    CloseType,
    RequestKind,
    LimitClass,
    Command,
    Light,
    CategoryKind,
    UnitKind,
    Fact,
    VerifyResult,
)
"""Domain enums the catalog must cover (checked by ``tests/gui/test_i18n.py``)."""


# --------------------------------------------------------------------------- state


@dataclass
class _State:
    """The one piece of module state: current language, its catalog and the misses seen."""

    language: str = "zh"
    catalog: dict[str, str] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)


_STATE = _State()


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return dict(loader.construct_pairs(node))


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def catalog_path(lang: str) -> Path:
    """Where the catalog of ``lang`` lives (``resources/i18n/<lang>.yaml``)."""
    return CATALOG_DIR / f"{lang}.yaml"


def load_catalog(path: Path) -> dict[str, str]:
    """Read a catalog file: a flat mapping of Chinese source strings to translations.

    Parameters
    ----------
    path : Path
        The YAML file.

    Returns
    -------
    dict[str, str]
        Source string -> translation.  Empty translations are kept (they count as missing).

    Raises
    ------
    ValueError
        When the file is not a flat string-to-string mapping or repeats a key.  Unquoted
        ``Yes``/``No``/``On`` become booleans in YAML, hence the check on value types.
    """
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of source string -> translation")
    bad = [k for k, v in data.items() if not isinstance(k, str) or not isinstance(v, str | None)]
    if bad:
        raise ValueError(f"{path}: keys and values must be quoted strings: {bad!r}")
    return {k: v or "" for k, v in data.items()}


def set_language(lang: str) -> None:
    """Switch the language of :func:`_` and the label functions.

    Parameters
    ----------
    lang : str
        ``"zh"`` (the source language) or ``"en"``.

    Raises
    ------
    ValueError
        For any other language.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    catalog: dict[str, str] = {}
    if lang != "zh":
        path = catalog_path(lang)
        try:
            catalog = load_catalog(path)
        except FileNotFoundError:
            # A wheel built without resources/i18n: show Chinese rather than refuse to start.
            log.error("translation catalog %s not found; showing source strings", path)
    _STATE.language = lang
    _STATE.catalog = catalog


def language() -> str:
    """The current language code (``"zh"`` or ``"en"``)."""
    return _STATE.language


def _(text: str) -> str:
    """Translate a Chinese source string into the current language.

    Parameters
    ----------
    text : str
        The source string, braces of format fields included (``"剩 {time}"``).

    Returns
    -------
    str
        The translation, or ``text`` itself in Chinese or when the catalog lacks it (the
        miss is recorded for :func:`missing`).
    """
    if _STATE.language == "zh" or not text:
        return text
    translated = _STATE.catalog.get(text)
    if translated:
        return translated
    _STATE.missing.add(text)
    return text


def missing() -> frozenset[str]:
    """Source strings :func:`_` was asked for and could not translate, since the last clear."""
    return frozenset(_STATE.missing)


def clear_missing() -> None:
    """Forget the misses recorded so far."""
    _STATE.missing.clear()


# --------------------------------------------------------------------------- labels


def zh_label(value: enum.Enum) -> str:
    """The Chinese label of a domain enum member (its value, or its entry in a label table)."""
    table = _ZH_TABLES.get(type(value))
    if table is not None:
        return table[value]
    return value.value if isinstance(value.value, str) else value.name


def label(value: enum.Enum) -> str:
    """A domain enum member as people read it in the current language.

    Parameters
    ----------
    value : enum.Enum
        A member of ``CaseState``, ``Source``, ``Role``, ``Stage``, ``CloseType``,
        ``RequestKind``, ``LimitClass``, ``Command``, ``Light``, ``CategoryKind`` or ``UnitKind``.

    Returns
    -------
    str
        ``"待受理"`` / ``"Awaiting intake"`` for ``CaseState.REPORTED``, and so on.
    """
    return _(zh_label(value))


def command_label(cmd: Command) -> str:
    """The button text of a workflow command (``LABELS_ZH`` translated)."""
    return _(LABELS_ZH[cmd])


def light_label(light: Light) -> str:
    """``绿灯`` / ``黄灯`` / ``红灯`` in the current language."""
    return _(LIGHT_ZH[light])


def countdown_text(minutes: int) -> str:
    """Signed remaining minutes as the console shows them: ``剩 1:23`` / ``超 0:40``.

    The translated twin of :func:`console.domain.deadlines.format_remaining`.
    """
    m = abs(minutes)
    time = f"{m // 60}:{m % 60:02d}"
    text = _("剩 {time}") if minutes >= 0 else _("超 {time}")
    return text.format(time=time)


# --------------------------------------------------------------------------- domain messages


_GLOSS = re.compile(r"\s*/\s+")
"""What stands between a message's Chinese and its English gloss: `` / ``, or ``/ `` right
after full-width punctuation (``…（上限 200）/ too long``).  ``是/否`` has no space after the slash."""


def message_halves(line: str) -> tuple[str, str] | None:
    """The Chinese and English halves of one line of a domain message, or None.

    Domain and service messages are written ``中文 / English`` (see
    :mod:`console.domain.errors`).  The halves meet at the *last* separator, provided the
    text after it has no CJK and the text before it has some; so a ``/`` inside the Chinese
    half (``核实结果应为 是/否 / 'found' must be true or false``) or inside quoted data before
    the gloss (``未知的用户 'a / b' / unknown user``) stays where it is.

    Returns
    -------
    tuple[str, str] or None
        ``(chinese, english)``; None when the line has no English half.
    """
    found = list(_GLOSS.finditer(line))
    if not found:
        return None
    last = found[-1]
    chinese, english = line[: last.start()].rstrip(), line[last.end():].strip()
    if not english or CJK.search(english) or not CJK.search(chinese):
        return None
    return chinese, english


def error_text(error: BaseException | str) -> str:
    """A domain or service message (or any exception) in the UI's language.

    Each line of a :class:`~console.domain.errors.CityDeskError` message (or of a message
    given as a string, such as :attr:`~console.domain.options.ActionOption.reason`) is cut at
    its gloss (:func:`message_halves`): the Chinese half in Chinese, the English half in English.
    A line with no English half -- a listed candidate (``  02014 交通信号灯异常``), or a message
    written in Chinese only -- stays as it is in both languages.  Any other exception gives its
    first line (the type's name when it says nothing), cut the same way: a driver's message
    can be long and span lines, and the desk shows one line.

    Parameters
    ----------
    error : BaseException or str
        The exception, or a message text.

    Returns
    -------
    str
        The text to show: ``用户名或密码错误`` / ``wrong user name or password`` for
        ``"用户名或密码错误 / wrong user name or password"``.
    """
    if isinstance(error, str):
        lines = error.splitlines()
    elif isinstance(error, CityDeskError):
        lines = error.message.splitlines()
    else:
        text = str(error).strip()
        lines = [text.splitlines()[0] if text else type(error).__name__]
    keep = 1 if language() == "en" else 0
    out = []
    for line in lines:
        halves = message_halves(line)
        indent = line[: len(line) - len(line.lstrip())]  # a listing's lines stay indented
        out.append(line if halves is None else indent + halves[keep].lstrip())
    return "\n".join(out)


# --------------------------------------------------------------------------- Qt's own strings


def install_qt_translator(app: QCoreApplication, lang: str | None = None) -> bool:
    """Translate Qt's own strings (OK / Cancel, context menus) for ``lang``.

    Only qtbase is loaded, as Picard's ``i18n/qt.py`` does; our strings go through :func:`_`.
    The few strings of Qt's own dialogs that the shipped ``qtbase_zh_CN.qm`` leaves in English
    (:data:`QT_SUPPLEMENT_ZH`) come from a second translator installed with it.
    A translator installed earlier by this function is removed first, so switching back to
    English needs no restart for Qt's strings.

    Parameters
    ----------
    app : QCoreApplication
        The application; it owns the translator.
    lang : str, optional
        Language code; the current :func:`language` when omitted.

    Returns
    -------
    bool
        True when a qtbase translation was installed; False for English (Qt's source language)
        or when the ``.qm`` file is not shipped with this Qt build.
    """
    lang = language() if lang is None else lang
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    for name in (_QT_TRANSLATOR_NAME, _QT_SUPPLEMENT_NAME):
        old = app.findChild(QTranslator, name)
        if old is not None:
            app.removeTranslator(old)
            old.setParent(None)  # detached now, so findChild cannot return it; Python frees it
    if lang == "en":
        return False
    translator = QTranslator(app)  # parented: Qt keeps only a pointer to installed translators
    translator.setObjectName(_QT_TRANSLATOR_NAME)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    locale = QLocale("zh_CN")
    if not translator.load(locale, "qtbase", "_", folder):
        log.info("no qtbase translation for %s in %s", locale.name(), folder)
        translator.setParent(None)
        return False
    installed = app.installTranslator(translator)
    # Installed last, asked first; it answers only for the strings qtbase_zh_CN.qm lacks.
    app.installTranslator(_QtSupplement(app))
    return installed


QT_SUPPLEMENT_ZH: Mapping[tuple[str, str], str] = {
    ("QFileDialog", "&Look in:"): "查找范围(&L)：",  # i18n: ignore
    ("QFileDialog", "Files of &type:"): "文件类型(&T)：",  # i18n: ignore
}
"""Qt's own strings the desk shows that Qt's shipped ``qtbase_zh_CN.qm`` leaves in English
(the file dialog's two labels), keyed by Qt's translation context and source text."""


class _QtSupplement(QTranslator):
    """Chinese for :data:`QT_SUPPLEMENT_ZH`; nothing (ask the next translator) otherwise."""

    def __init__(self, parent: QCoreApplication) -> None:
        super().__init__(parent)
        self.setObjectName(_QT_SUPPLEMENT_NAME)

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        """The supplement's Chinese for ``source`` in ``context``, else None: a null string,
        which tells Qt to ask the next translator (an empty one would be a translation)."""
        return QT_SUPPLEMENT_ZH.get((str(context), source))

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        """Never empty: Qt skips an empty translator."""
        return False


# --------------------------------------------------------------------------- source scan


@dataclass(frozen=True, slots=True)
class Finding:
    """A string found in the source: where, and the literal text."""

    path: Path
    line: int
    text: str

    def where(self, root: Path | None = None) -> str:
        """``path:line``, relative to ``root`` when given."""
        path = self.path.relative_to(root) if root is not None else self.path
        return f"{path.as_posix()}:{self.line}"


_MARKERS = frozenset({"_", "N_"})
_LOG_METHODS = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})
_IGNORE_COMMENT = "# i18n: ignore"


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_log_call(node: ast.Call) -> bool:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in _LOG_METHODS:
        return False
    base = func.value
    name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
    return "log" in name.lower()


@dataclass
class SourceScan:
    """What a scan of the console's Python files found.

    Attributes
    ----------
    marked : list[Finding]
        String literals passed first to ``_()`` or ``N_()``.
    unmarked : list[Finding]
        String constants with CJK text outside ``_()`` / ``N_()``, docstrings, logging calls
        and lines ending in ``# i18n: ignore``: user-visible Chinese that bypasses the layer.
    not_literal : list[Finding]
        ``_()`` / ``N_()`` called on an f-string or an expression built from pieces; the
        catalog cannot hold those (use ``_("… {name}").format(name=…)``).
    """

    marked: list[Finding] = field(default_factory=list)
    unmarked: list[Finding] = field(default_factory=list)
    not_literal: list[Finding] = field(default_factory=list)


def _scan_file(path: Path, scan: SourceScan) -> None:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    exempt: set[int] = set()  # ids of Constant nodes that are fine as they are

    def exempt_subtree(node: ast.AST) -> None:
        exempt.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Constant))

    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            exempt.add(id(node.value))  # docstrings, attribute and signal docstrings
        elif isinstance(node, ast.Call) and _is_log_call(node):
            exempt_subtree(node)  # log records are for maintainers, not operators
        elif isinstance(node, ast.Call) and _callee(node) in _MARKERS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                scan.marked.append(Finding(path, first.lineno, first.value))
            elif isinstance(first, ast.JoinedStr | ast.BinOp):
                scan.not_literal.append(Finding(path, first.lineno, ast.unparse(first)))
            exempt_subtree(first)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in exempt
            and CJK.search(node.value)
            and not lines[node.lineno - 1].rstrip().endswith(_IGNORE_COMMENT)
        ):
            scan.unmarked.append(Finding(path, node.lineno, node.value))


def scan_sources(root: Path = UI_ROOT) -> SourceScan:
    """Parse every ``.py`` file under ``root`` and collect its translatable strings.

    Parameters
    ----------
    root : Path
        A folder (default: ``console/ui``) or a single file.

    Returns
    -------
    SourceScan
        Marked strings, Chinese that bypasses ``_()``, and non-literal ``_()`` arguments.
    """
    scan = SourceScan()
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    for path in files:
        _scan_file(path, scan)
    for found in (scan.marked, scan.unmarked, scan.not_literal):
        found.sort(key=lambda f: (str(f.path), f.line))
    return scan


def domain_strings() -> dict[str, str]:
    """Chinese labels of every member of :data:`LABELLED_ENUMS`, each with its origin."""
    strings: dict[str, str] = {}
    for enum_type in LABELLED_ENUMS:
        for member in enum_type:
            strings.setdefault(zh_label(member), f"{enum_type.__name__}.{member.name}")
    return strings


def required_strings(root: Path = UI_ROOT) -> dict[str, str]:
    """Every source string the catalog must translate, with where it comes from."""
    required = domain_strings()
    for found in scan_sources(root).marked:
        required.setdefault(found.text, found.where(root.parent.parent))
    return required


def missing_entries(
    catalog: Mapping[str, str] | None = None, root: Path = UI_ROOT
) -> dict[str, str]:
    """Required strings with no (or an empty) English translation, with their origin."""
    catalog = load_catalog(catalog_path("en")) if catalog is None else catalog
    return {t: o for t, o in required_strings(root).items() if not catalog.get(t)}


def yaml_entries(entries: Mapping[str, str] | Sequence[str]) -> str:
    """Lines to paste into a catalog: ``"源文本": ""  # origin`` (origin when given).

    JSON string syntax is valid YAML, so quotes, backslashes and braces are safe.
    """
    items: Iterator[tuple[str, str]] = (
        iter(entries.items()) if isinstance(entries, Mapping) else ((t, "") for t in entries)
    )
    lines = []
    for text, origin in items:
        key = json.dumps(text, ensure_ascii=False)
        lines.append(f'{key}: ""  # {origin}' if origin else f'{key}: ""')
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m console.ui.i18n --missing | --unused``: catalog maintenance.

    Returns
    -------
    int
        1 when ``--missing`` found entries to fill, else 0.
    """
    parser = argparse.ArgumentParser(prog="python -m console.ui.i18n", description=__doc__)
    parser.add_argument("--lang", default="en", choices=[x for x in LANGUAGES if x != "zh"])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--missing", action="store_true", help="print entries to fill, as YAML")
    group.add_argument("--unused", action="store_true", help="print catalog keys nothing uses")
    args = parser.parse_args(argv)
    catalog = load_catalog(catalog_path(args.lang))
    if args.missing:
        todo = missing_entries(catalog)
        if todo:
            print(yaml_entries(todo))
        return 1 if todo else 0
    required = required_strings()
    for text in catalog:
        if text not in required:
            print(json.dumps(text, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
