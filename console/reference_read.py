"""Reading a centre's reference files so that no file can crash or poison ``citydesk init``.

Each file is read as bytes from a regular file of bounded size (a FIFO or ``/dev/zero`` would
never end), decoded as UTF-8 (a BOM is fine; GBK and UTF-16 are named, never guessed), and
parsed with limits: YAML without timestamps (``2026-02-30`` is reported, not raised from the
parser's constructor) and without alias bombs or cycles, JSON without ``NaN``, both with a
nesting limit.  Every YAML mapping remembers its line, so a message can say where a value is:
file, entry, line and field (:class:`Entry`).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import yaml

from console.domain.errors import ValidationError
from console.reference_entry import Entry, show

MIB = 1024 * 1024
#: Size limits: far above any county's or city's files (categories.yaml is 0.2 MB; a city of
#: 100,000 cells and a million components stays below them), far below what exhausts memory.
YAML_LIMIT = 16 * MIB
DATA_LIMIT = 256 * MIB
#: Nesting levels of any value; the formats need five.
MAX_DEPTH = 40
#: YAML nodes counted with every alias expanded (categories.yaml: about 10,000).
MAX_NODES = 2_000_000

__all__ = ["DATA_LIMIT", "YAML_LIMIT", "Entry", "csv_entries", "read_json", "read_yaml", "show"]


def read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ValidationError otherwise."""
    name = path.name
    try:
        info = os.stat(path)  # before open(): opening a FIFO would wait for a writer
        if stat.S_ISDIR(info.st_mode):
            raise ValidationError(f"{name} 是目录，不是文件 / is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise ValidationError(f"{name} 不是普通文件（设备、管道或套接字）/ not a regular file")
        if info.st_size > limit:
            raise ValidationError(f"{name} 过大（{info.st_size / MIB:.0f} MB，上限 "
                                  f"{limit // MIB} MB）/ file too large")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the stat
                raise ValidationError(f"{name} 不是普通文件 / not a regular file")
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise ValidationError(f"缺少参考数据文件 {name}（在 {path.parent} 中）/ missing "
                              f"reference file {name}") from None
    except OSError as exc:
        raise ValidationError(f"无法读取 {name}：{exc.strerror} / cannot read the file") from None
    if len(data) > limit:  # it grew while being read
        raise ValidationError(f"{name} 过大（上限 {limit // MIB} MB）/ file too large")
    return data


def decode(name: str, data: bytes) -> str:
    """UTF-8 text (a BOM is dropped); other encodings are named, never guessed into data."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ValidationError(f"{name} 是 UTF-16 编码：请另存为 UTF-8 / the file is UTF-16, "
                              "save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            data.decode("gb18030")
            guess, guess_en = "，看来是 GBK/GB18030 编码", " (it looks like GBK/GB18030)"
        except UnicodeDecodeError:
            guess, guess_en = "", ""
        raise ValidationError(f"{name} 第 {line} 行不是 UTF-8 编码{guess}：请另存为 UTF-8 / "
                              f"line {line} is not UTF-8{guess_en}") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ValidationError(f"{name} 第 {line} 行含有 NUL 字符：不是文本文件？/ NUL byte, "
                              "not a text file")
    return text


# --------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings remember their lines and whose timestamps stay text.

    A timestamp the resolver recognises but ``datetime`` refuses (``2026-02-30``) would raise
    a bare ValueError from inside the parser; as text it reaches the field's own check.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:  # an explicit tag's bad value
            raise yaml.constructor.ConstructorError(
                None, None, f"值无效 / invalid value: {show(str(exc))}", node.start_mark) from None


def _located_map(loader: _Loader, node: yaml.MappingNode) -> Iterator[Entry.Map]:
    data = Entry.Map()
    data.line = node.start_mark.line + 1
    yield data
    # Keys' own lines, so a message points at the field rather than the entry.
    data.lines = {}
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value in data.lines:  # PyYAML would silently keep the last one
                raise yaml.constructor.ConstructorError(
                    None, None, f"字段 {show(key.value)} 重复 / duplicate key", key.start_mark)
            data.lines[key.value] = key.start_mark.line + 1
    data.update(cast("dict[str, Any]", loader.construct_mapping(node)))


_Loader.add_constructor("tag:yaml.org,2002:map", _located_map)


def _timestamp_as_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def _check_graph(name: str, root: yaml.Node) -> None:
    """Refuse alias bombs (billions of nodes once expanded), alias cycles and deep nesting."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def fail(node: yaml.Node, zh: str, en: str) -> None:
        raise ValidationError(f"{name} 第 {node.start_mark.line + 1} 行：{zh} / {en}")

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_:
            fail(node, "别名引用了包含它自己的节点（循环）", "an alias refers to itself (a cycle)")
        if depth > MAX_DEPTH:
            fail(node, f"嵌套超过 {MAX_DEPTH} 层", f"nested deeper than {MAX_DEPTH} levels")
        open_.add(key)
        total = 1
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_NODES:
                fail(node, f"展开别名（&/*）后超过 {MAX_NODES} 个值：疑为别名炸弹",
                     "too many values once aliases are expanded (an alias bomb?)")
        open_.discard(key)
        sizes[key] = total
        return total

    size(root, 0)


def read_yaml(path: Path) -> Any:
    """A YAML file's data, its mappings as :class:`Entry.Map` (with lines)."""
    text = decode(path.name, read_bytes(path, YAML_LIMIT))
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # a control character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        raise ValidationError(f"{path.name} 第 {line} 行含有 YAML 不允许的字符 "
                              f"#x{exc.character:04x} / character not allowed") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_graph(path.name, node)
        return loader.construct_document(node)
    except yaml.reader.ReaderError as exc:
        raise ValidationError(f"{path.name} 含有 YAML 不允许的字符 #x{exc.character:04x} / "
                              "character not allowed") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列：" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "语法错误"
        raise ValidationError(f"{path.name} 不是有效的 YAML：{where}{problem}") from None
    except RecursionError:
        raise ValidationError(f"{path.name} 嵌套过深 / nested too deeply") from None
    finally:
        loader.dispose()


# --------------------------------------------------------------------------- JSON, CSV


def read_json(path: Path) -> Any:
    """A JSON file's data; ``NaN`` and ``Infinity`` (not JSON, but Python writes them) are
    kept as floats for the field checks to name."""
    text = decode(path.name, read_bytes(path, DATA_LIMIT))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path.name} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 "
                              f"{exc.msg} / invalid JSON") from None
    except RecursionError:
        raise ValidationError(f"{path.name} 嵌套过深 / nested too deeply") from None


def csv_entries(path: Path, required: tuple[str, ...]) -> Iterator[Entry]:
    """The data rows of a CSV file with a header, each an :class:`Entry` of its line."""
    text = decode(path.name, read_bytes(path, DATA_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise ValidationError(f"{path.name} 第 1 行（表头）缺少列 {'、'.join(missing)} / "
                                  f"missing columns: {', '.join(missing)}")
        doubled = sorted({h for h in header if header.count(h) > 1})
        if doubled:
            raise ValidationError(f"{path.name} 第 1 行（表头）列名重复：{'、'.join(doubled)} / "
                                  "duplicate column names")
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines (a trailing one, Excel's) carry nothing
            entry = Entry(path.name, line, Entry.Map(zip(header, row, strict=False)), unit="行")
            if len(row) != len(header):  # the first column without a value, if any
                entry.fail(header[len(row)] if len(row) < len(header) else None,
                           f"有 {len(row)} 个字段，表头有 {len(header)} 列",
                           f"{len(row)} fields, the header has {len(header)}")
            yield entry
    except csv.Error as exc:
        raise ValidationError(f"{path.name} 第 {reader.line_num} 行不是有效的 CSV：{exc} / "
                              "malformed CSV") from None
