"""The column mapping of a CSV/XLSX import: which column holds which CityDesk field.

A mapping is a small YAML file (example: ``resources/intake/import_mapping.example.yaml``)::

    channel: 历史案件-2019        # the idempotency key's first half; keep it for re-imports
    sheet: 案件                   # XLSX only; default the first sheet
    timezone: Asia/Shanghai       # times written without an offset are in this zone
    columns: {external_id: 案件编号, reported_at: 上报时间, category: 小类, …}
    values:   {status: {已办结: 已结案}, source: {热线: 12345热线}}
    defaults: {source: 监督员上报, status: 已结案}
    legacy_kind: event            # or {"0102": event, "0110": component}: see below
    formats: {reported_at: "%m/%d/%Y %I:%M:%S %p"}   # and the options of mapping_options

How date-time cells are read (``formats``, ``date_order``, ``ambiguous_times``) and where a
row outside the county goes (``outside_county``, ``default_cell``, ``placeholder_point``) are
:mod:`console.intake.mapping_options`.  Values are matched with their whitespace normalised
(``"Illegal  Dumping"`` is ``"Illegal Dumping"``): real exports pad and double spaces.

``legacy_kind`` says which meaning a legacy CJ/T 214 code in the category column has (0102 is
a component, 污水井盖, and an event, 暴露垃圾): one kind for the whole column, or a table
per code (quote the codes: YAML reads an unquoted 0102 as a number).  A row's own
``legacy_kind`` column, if mapped, beats both.  Without one, a code with two meanings is
quarantined with both named (console.domain.category_search).

Every fault (not YAML, an unknown field, a required field without a column) raises
:class:`~console.domain.errors.ValidationError` before any row is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from console.domain.category_search import parse_legacy_kind
from console.domain.errors import ValidationError
from console.intake.mapping_options import KEYS as OPTION_KEYS
from console.intake.mapping_options import Placement, Reading, parse_placement, parse_reading

#: Every field a column may feed, with its Chinese label (the dialog's preview headings).
FIELDS: dict[str, str] = {
    "external_id": "外部编号", "reported_at": "上报时间", "category": "案件类别",
    "description": "问题描述", "source": "问题来源", "status": "案件状态", "grid": "单元网格",
    "lon": "经度", "lat": "纬度", "address": "地址", "contact": "联系方式",
    "unit": "责任单位", "dispatched_at": "派遣时间", "due_at": "处置时限",
    "handled_at": "处置完成时间", "closed_at": "结案时间", "close_type": "结案类型",
    "reason": "说明", "legacy_kind": "旧代码类型",
    "collector": "监督员", "acceptor": "受理员", "supervisor": "值班长", "dispatcher": "派遣员",
}
#: Fields whose cells name something from a fixed list (a state, a source, a unit, a user …):
#: their whitespace is normalised in the value kept, not only for the ``values`` look-up.
TERMS = frozenset({"external_id", "category", "source", "status", "grid", "unit", "close_type",
                   "legacy_kind", "collector", "acceptor", "supervisor", "dispatcher"})
REQUIRED = ("external_id", "reported_at", "category")
KEYS = ("channel", "sheet", "header_row", "timezone", "columns", "values", "defaults",
        "legacy_kind", *OPTION_KEYS)
MAX_CHANNEL = 64


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """A checked mapping file.

    Attributes
    ----------
    channel : str
        The channel name stored with every imported record (``file:`` + this).
    columns : dict
        CityDesk field → column heading.
    values : dict
        Per field, a translation of cell values (``已办结`` → ``已结案``).
    defaults : dict
        Per field, the value of an empty or missing cell.
    legacy_kind : str or None
        ``component`` / ``event``: the meaning of a legacy code in the category column.
    legacy_kinds : dict
        Per legacy code, its meaning (beats ``legacy_kind``).
    reading : Reading
        How date-time cells are read (formats, day order, DST folds).
    placement : Placement
        Where a row outside the county goes.
    """

    channel: str
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    header_row: int = 1
    timezone: str | None = None
    legacy_kind: str | None = None
    legacy_kinds: dict[str, str] = field(default_factory=dict)
    reading: Reading = field(default_factory=Reading)
    placement: Placement = field(default_factory=Placement)

    @property
    def tz(self) -> ZoneInfo | None:
        """The zone of times written without an offset (None: the centre's)."""
        return ZoneInfo(self.timezone) if self.timezone else None

    def kind_of(self, category: str) -> str | None:
        """The meaning the mapping gives a category cell's legacy code (None: not said)."""
        return self.legacy_kinds.get(category.strip(), self.legacy_kind)

    def translate(self, name: str, value: str) -> str:
        """A cell's value through ``values``, matched with its whitespace normalised."""
        key = normal(value)
        found = self.values.get(name, {}).get(key)
        if found is not None:
            return found
        return key if name in TERMS else value


def normal(value: str) -> str:
    """``value`` with every run of whitespace (full-width and no-break spaces too) one space."""
    return " ".join(value.split())


def _strings(data: Any, where: str) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValidationError(f"映射文件：{where} 应为「键: 值」表 / {where} must be a mapping")
    out = {}
    for key, value in data.items():
        if value is None or isinstance(value, Mapping | list):
            raise ValidationError(f"映射文件：{where}.{key} 应为文字 / {where}.{key} must be text")
        out[str(key).strip()] = str(value).strip()
    return out


def parse_mapping(data: Any, name: str = "映射文件") -> ColumnMapping:
    """Check parsed YAML and build the :class:`ColumnMapping`."""
    if not isinstance(data, Mapping):
        raise ValidationError(f"{name} 应为 YAML 表 / the mapping file must be a YAML mapping")
    unknown = sorted(set(map(str, data)) - set(KEYS))
    if unknown:
        raise ValidationError(f"{name} 含未知的键 {', '.join(unknown)}（可用：{', '.join(KEYS)}）"
                              " / unknown key")
    columns = _strings(data.get("columns"), "columns")
    bad = sorted(set(columns) - set(FIELDS))
    if bad:
        raise ValidationError(f"{name}：未知的字段 {', '.join(bad)}（可用：{', '.join(FIELDS)}）"
                              " / unknown field")
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise ValidationError(f"{name}：必须为 {', '.join(missing)} 指定列 / required columns missing")
    values: dict[str, dict[str, str]] = {}
    raw_values = data.get("values") or {}
    if not isinstance(raw_values, Mapping):
        raise ValidationError(f"{name}：values 应为表 / values must be a mapping")
    for key, table in raw_values.items():
        if str(key) not in FIELDS:
            raise ValidationError(f"{name}：values 中未知的字段 {key} / unknown field")
        # The file's spellings are matched with their whitespace normalised (see translate).
        values[str(key)] = {normal(k): v for k, v in _strings(table, f"values.{key}").items()}
    defaults = _strings(data.get("defaults"), "defaults")
    if set(defaults) - set(FIELDS):
        raise ValidationError(f"{name}：defaults 中有未知的字段 / unknown field in defaults")
    channel = str(data.get("channel") or "").strip()
    if not channel or len(channel) > MAX_CHANNEL - 5:
        raise ValidationError(f"{name}：须给出 channel（1–{MAX_CHANNEL - 5} 字），重复导入靠它识别"
                              " / channel (1-59 characters) is required")
    header = data.get("header_row", 1)
    if isinstance(header, bool) or not isinstance(header, int) or not 1 <= header <= 100:
        raise ValidationError(f"{name}：header_row 应为 1–100 的整数 / header_row out of range")
    zone = data.get("timezone")
    if zone is not None:
        try:
            ZoneInfo(str(zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"{name}：未知的时区 {zone!r} / unknown time zone") from None
    sheet = data.get("sheet")
    kind, kinds = _legacy_kinds(data.get("legacy_kind"), name)
    return ColumnMapping(f"file:{channel}", columns, values, defaults,
                         str(sheet) if sheet is not None else None, header,
                         str(zone) if zone is not None else None,
                         legacy_kind=kind, legacy_kinds=kinds,
                         reading=parse_reading(data, name), placement=parse_placement(data, name))


def _legacy_kinds(data: Any, name: str) -> tuple[str | None, dict[str, str]]:
    """``legacy_kind:`` as (one kind for the column, per-code kinds), each checked."""
    if data is None:
        return None, {}
    try:
        if not isinstance(data, Mapping):
            return parse_legacy_kind(data).value, {}
        kinds = {}
        for code, kind in data.items():
            if not isinstance(code, str):
                # YAML reads 0102 as the octal number 66 and 0108 as the text "0108":
                # refuse rather than look up a code nobody wrote.
                raise ValidationError(f"legacy_kind 的代码 {code!r} 须加引号，如 \"0102\""
                                      " / quote the codes in legacy_kind")
            kinds[code.strip()] = parse_legacy_kind(kind, f"legacy_kind.{code.strip()}").value
    except ValidationError as exc:
        raise ValidationError(f"{name}：{exc.message}") from None
    return None, kinds


def load_mapping(path: Path) -> ColumnMapping:
    """Read and check a mapping file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"找不到映射文件 {path} / mapping file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"无法读取映射文件 {path}：{exc} / cannot read the mapping") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行 " if mark is not None else ""
        what = " ".join(str(getattr(exc, "problem", None) or exc).split())[:160]
        raise ValidationError(f"映射文件 {path.name} 不是有效的 YAML：{where}{what} / invalid YAML"
                              ) from None
    return parse_mapping(data, f"映射文件 {path.name}")
