"""Corrupted variants of a centre folder, each with what its refusal must name.

Every variant is one thing a real centre's files can do wrong: an encoding, a missing or
unreadable file, a YAML bomb, NaN, a negative limit, a duplicate id, a code no other file
knows, a cycle.  ``where`` lists what the one-line refusal must contain: the file, the entry
(``第 3 项`` / ``第 5 行`` / ``第 1 个要素``; None for a problem of the whole file) and the field.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.unit.mini_centre import CentreFolder


@dataclass(frozen=True)
class Corruption:
    """One corrupted variant."""

    name: str
    apply: Callable[[CentreFolder], None]
    file: str
    entry: str | None  # e.g. "第 2 项"; None: the file as a whole
    field: str | None
    words: tuple[str, ...] = ()  # further words the message must hold


def _entry(file: str, key: str, index: int, change: Callable[[dict[str, Any]], None]
           ) -> Callable[[CentreFolder], None]:
    def apply(c: CentreFolder) -> None:
        data = c.data(file)
        change(data[key][index])
        c.save(file, data)
    return apply


def _set(file: str, key: str, index: int, field: str, value: Any) -> Callable[[CentreFolder], None]:
    return _entry(file, key, index, lambda e: e.__setitem__(field, value))


def _centre(field: str, value: Any) -> Callable[[CentreFolder], None]:
    def apply(c: CentreFolder) -> None:
        data = c.data("centre.yaml")
        data[field] = value
        c.save("centre.yaml", data)
    return apply


def _encode(file: str, codec: str) -> Callable[[CentreFolder], None]:
    return lambda c: c.path(file).write_bytes(c.text(file).encode(codec))


def _csv(change: Callable[[list[list[str]]], None]) -> Callable[[CentreFolder], None]:
    def apply(c: CentreFolder) -> None:
        rows = c.data("components.csv")
        change(rows)
        c.save("components.csv", rows)
    return apply


def _feature(change: Callable[[dict[str, Any]], None], index: int = 0
             ) -> Callable[[CentreFolder], None]:
    def apply(c: CentreFolder) -> None:
        data = c.data("grid.geojson")
        change(data["features"][index])
        c.save("grid.geojson", data)
    return apply


def _replace_file(file: str, make: Callable[[CentreFolder, str], None]) -> Callable[[CentreFolder], None]:
    def apply(c: CentreFolder) -> None:
        c.path(file).unlink()
        make(c, str(c.path(file)))
    return apply


def _alias_bomb(c: CentreFolder) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    c.write("units.yaml", "\n".join(lines) + "\n" + c.text("units.yaml"))


def _unit_index(c: CentreFolder, code: str) -> int:
    return next(i for i, u in enumerate(c.data("units.yaml")["units"]) if u["code"] == code)


def _unit_cycle(c: CentreFolder) -> None:
    data = c.data("units.yaml")
    units = {u["code"]: u for u in data["units"]}
    units["KH-QYBSC"]["parent"] = "KH-QYBSC-001"  # whose parent is KH-QYBSC
    c.save("units.yaml", data)


def _routing_duplicate(c: CentreFolder) -> None:
    data = c.data("routing.yaml")
    first = dict(data["rules"][0])
    data["rules"].append({**first, "unit": "KH-GAJ"})
    c.save("routing.yaml", data)


def _component_cell_far(rows: list[list[str]]) -> None:
    rows[1][6] = f"{float(rows[1][6]) + 0.2:.6f}"  # 20 km east of its cell


def _no_lat_column(rows: list[list[str]]) -> None:
    for row in rows:
        del row[7]


def _users_field(c: CentreFolder, username: str, field: str, value: Any) -> None:
    data = c.data("users.yaml")
    user = next(u for u in data["users"] if u["username"] == username)
    user[field] = value
    c.save("users.yaml", data)


def _users_duplicate(c: CentreFolder) -> None:
    data = c.data("users.yaml")
    data["users"].append(dict(data["users"][0]))
    c.save("users.yaml", data)


def _calendar_duplicate(c: CentreFolder) -> None:
    data = c.data("calendar.yaml")
    data["days"][1]["date"] = data["days"][0]["date"]
    c.save("calendar.yaml", data)


def _condition_duplicate(e: dict[str, Any]) -> None:
    e["filing_conditions"][1]["id"] = e["filing_conditions"][0]["id"]


LIMIT = "limits.一般性"
CATS, UNITS, RULES, USERS, DAYS = ("categories", "units", "rules", "users", "days")

CORRUPTIONS: list[Corruption] = [
    # ---- encodings and files
    Corruption("categories in GB18030", _encode("categories.yaml", "gb18030"),
               "categories.yaml", None, None, ("UTF-8", "GBK", "行")),
    Corruption("units in GBK", _encode("units.yaml", "gbk"), "units.yaml", None, None,
               ("UTF-8", "GBK")),
    Corruption("components.csv in GBK (Excel on a Chinese Windows)",
               _encode("components.csv", "gbk"), "components.csv", None, None, ("UTF-8", "GBK")),
    Corruption("routing in UTF-16", _encode("routing.yaml", "utf-16"), "routing.yaml", None, None,
               ("UTF-16",)),
    Corruption("components.csv missing", lambda c: c.path("components.csv").unlink(),
               "components.csv", None, None, ("缺少",)),
    Corruption("grid.geojson missing", lambda c: c.path("grid.geojson").unlink(),
               "grid.geojson", None, None, ("缺少",)),
    Corruption("components.csv is a folder",
               _replace_file("components.csv", lambda _c, p: os.mkdir(p)),
               "components.csv", None, None, ("目录",)),
    Corruption("grid.geojson is a FIFO (read would wait forever)",
               _replace_file("grid.geojson", lambda _c, p: os.mkfifo(p)),
               "grid.geojson", None, None, ("不是普通文件",)),
    Corruption("components.csv links to /dev/zero (read would never end)",
               _replace_file("components.csv", lambda _c, p: os.symlink("/dev/zero", p)),
               "components.csv", None, None, ("不是普通文件",)),
    Corruption("categories.yaml of 17 MB", lambda c: os.truncate(c.path("categories.yaml"),
                                                                   17 * 1024 * 1024),
               "categories.yaml", None, None, ("过大",)),
    Corruption("empty categories.yaml", lambda c: c.write("categories.yaml", ""),
               "categories.yaml", None, None, ("categories",)),
    Corruption("NUL byte in users.yaml",
               lambda c: c.path("users.yaml").write_bytes(b"\x00" + c.path("users.yaml").read_bytes()),
               "users.yaml", None, None, ("NUL",)),
    Corruption("grid.geojson is binary", lambda c: c.path("grid.geojson").write_bytes(
        bytes(range(1, 256)) * 4), "grid.geojson", None, None, ()),
    # ---- YAML and JSON structure
    Corruption("YAML alias bomb (9^9 strings)", _alias_bomb, "units.yaml", None, None,
               ("别名",)),
    Corruption("YAML alias that contains itself",
               lambda c: c.write("units.yaml", "loop: &x [*x]\n" + c.text("units.yaml")),
               "units.yaml", None, None, ("循环",)),
    Corruption("YAML nested 5,000 deep",
               lambda c: c.write("units.yaml", "units: " + "[" * 5000 + "]" * 5000),
               "units.yaml", None, None, ("嵌套",)),
    Corruption("JSON nested 100,000 deep",
               lambda c: c.write("grid.geojson", "[" * 100_000 + "]" * 100_000),
               "grid.geojson", None, None, ("嵌套",)),
    Corruption("a key twice in one entry",
               lambda c: c.replace("units.yaml", "  kind: department\n",
                                   "  kind: department\n  kind: company\n"),
               "units.yaml", None, None, ("kind", "重复")),
    Corruption("a unit that is a string", lambda c: c.replace("units.yaml", "units:\n",
                                                              "units:\n- KH-ZHZF\n"),
               "units.yaml", "第 1 项", None),
    # ---- calendar.yaml
    Corruption("date 2026-02-30", _set("calendar.yaml", DAYS, 0, "date", "2026-02-30"),
               "calendar.yaml", "第 1 项", "date"),
    Corruption("workday as the text 'no'", _set("calendar.yaml", DAYS, 1, "workday", "no"),
               "calendar.yaml", "第 2 项", "workday"),
    Corruption("the same date twice", _calendar_duplicate, "calendar.yaml", "第 2 项", "date",
               ("重复",)),
    Corruption("a date the calendar cannot count", _set("calendar.yaml", DAYS, 0, "date",
                                                        "1999-12-31"),
               "calendar.yaml", "第 1 项", "date"),
    # ---- categories.yaml
    Corruption("negative limit", _entry("categories.yaml", CATS, 1,
                                        lambda e: e["limits"].__setitem__("一般性", -120)),
               "categories.yaml", "第 2 项", LIMIT),
    Corruption("NaN limit", _entry("categories.yaml", CATS, 1,
                                   lambda e: e["limits"].__setitem__("一般性", float("nan"))),
               "categories.yaml", "第 2 项", LIMIT),
    Corruption("infinite limit", _entry("categories.yaml", CATS, 2,
                                        lambda e: e["limits"].__setitem__("工程性", float("inf"))),
               "categories.yaml", "第 3 项", "limits.工程性"),
    Corruption("fractional limit", _entry("categories.yaml", CATS, 0,
                                          lambda e: e["limits"].__setitem__("一般性", 1.5)),
               "categories.yaml", "第 1 项", LIMIT),
    Corruption("limit true", _entry("categories.yaml", CATS, 0,
                                    lambda e: e["limits"].__setitem__("一般性", True)),
               "categories.yaml", "第 1 项", LIMIT),
    Corruption("limit of zero", _entry("categories.yaml", CATS, 0,
                                       lambda e: e["limits"].__setitem__("一般性", 0)),
               "categories.yaml", "第 1 项", LIMIT),
    Corruption("no general limit", _entry("categories.yaml", CATS, 0,
                                          lambda e: e["limits"].pop("一般性")),
               "categories.yaml", "第 1 项", "limits"),
    Corruption("the same code twice", _set("categories.yaml", CATS, 1, "code", "01001"),
               "categories.yaml", "第 2 项", "code", ("重复",)),
    Corruption("a code unquoted (read as a number)",
               lambda c: c.replace("categories.yaml", "- code: '06010'", "- code: 06010"),
               "categories.yaml", "项", "code", ("引号",)),
    Corruption("unknown kind", _set("categories.yaml", CATS, 0, "kind", "thing"),
               "categories.yaml", "第 1 项", "kind"),
    Corruption("unknown limit class of a condition", _entry(
        "categories.yaml", CATS, 0,
        lambda e: e["filing_conditions"][0].__setitem__("limit_class", "紧急")),
        "categories.yaml", "第 1 项", "filing_conditions[1].limit_class"),
    Corruption("two conditions with one id", _entry("categories.yaml", CATS, 0,
                                                    _condition_duplicate),
               "categories.yaml", "第 1 项", "filing_conditions[2].id", ("重复",)),
    Corruption("aliases as one string", _set("categories.yaml", CATS, 0, "aliases", "井盖"),
               "categories.yaml", "第 1 项", "aliases"),
    Corruption("a condition sends to an unknown unit", _entry(
        "categories.yaml", CATS, 0,
        lambda e: e["filing_conditions"][0].__setitem__("unit", "KH-NOPE")),
        "categories.yaml", "第 1 项", "filing_conditions[1].unit", ("KH-NOPE",)),
    # ---- centre.yaml
    Corruption("yellow_at NaN (no case ever yellow)", _centre("yellow_at", float("nan")),
               "centre.yaml", None, "yellow_at"),
    Corruption("yellow_at negative (every case yellow)", _centre("yellow_at", -0.2),
               "centre.yaml", None, "yellow_at"),
    Corruption("yellow_at above 1", _centre("yellow_at", 1.5), "centre.yaml", None, "yellow_at"),
    Corruption("negative stage limit (every case red)",
               _centre("stage_limits", {"受理": -30, "核实": 120}),
               "centre.yaml", None, "stage_limits.受理"),
    Corruption("NaN stage limit", _centre("stage_limits", {"派遣": float("nan")}),
               "centre.yaml", None, "stage_limits.派遣"),
    Corruption("unknown stage", _centre("stage_limits", {"受里": 30}), "centre.yaml", None,
               "stage_limits.受里"),
    Corruption("unknown time zone", _centre("timezone", "Mars/Olympus_Mons"), "centre.yaml",
               None, "timezone"),
    Corruption("time zone that is a path", _centre("timezone", "../../etc/passwd"),
               "centre.yaml", None, "timezone"),
    Corruption("working window backwards", _centre("windows", "18:00-08:00"), "centre.yaml",
               None, "windows"),
    Corruption("verify_sources as one string", _centre("verify_sources", "公众举报"),
               "centre.yaml", None, "verify_sources"),
    Corruption("unknown verify source", _centre("verify_sources", ["公众举报", "火星"]),
               "centre.yaml", None, "verify_sources"),
    Corruption("duplicate radius infinite", _centre("duplicate_radius_m", float("inf")),
               "centre.yaml", None, "duplicate_radius_m"),
    Corruption("duplicate hours negative", _centre("duplicate_hours", -1), "centre.yaml", None,
               "duplicate_hours"),
    Corruption("a misspelt setting", _centre("yelow_at", 0.9), "centre.yaml", None, "yelow_at"),
    Corruption("a 5-digit county code", _centre("county_code", "33082"), "centre.yaml", None,
               "county_code"),
    Corruption("an unknown coordination office", _centre("coordination_office", "KH-NOPE"),
               "centre.yaml", None, "coordination_office", ("KH-NOPE",)),
    Corruption("a stage limit as text", _centre("stage_limits", {"受理": "30"}),
               "centre.yaml", None, "stage_limits.受理"),
    # ---- units.yaml
    Corruption("a cycle of parent units", _unit_cycle, "units.yaml", "项", "parent", ("成环",)),
    Corruption("a unit its own parent",
               lambda c: _set("units.yaml", UNITS, 0, "parent", "KH-ZHZF")(c),
               "units.yaml", "第 1 项", "parent"),
    Corruption("an unknown parent", _set("units.yaml", UNITS, 2, "parent", "KH-NOPE"),
               "units.yaml", "第 3 项", "parent", ("KH-NOPE",)),
    Corruption("the same unit code twice", _set("units.yaml", UNITS, 1, "code", "KH-ZHZF"),
               "units.yaml", "第 2 项", "code", ("重复",)),
    Corruption("a unit code of 65 characters", _set("units.yaml", UNITS, 5, "code", "K" * 65),
               "units.yaml", "第 6 项", "code", ("过长",)),
    Corruption("a control character in a name", _set("units.yaml", UNITS, 0, "name", "县综合\x07执法局"),
               "units.yaml", "第 1 项", "name"),
    Corruption("an unknown unit kind", _set("units.yaml", UNITS, 0, "kind", "ministry"),
               "units.yaml", "第 1 项", "kind"),
    Corruption("seed as the text 'false'", _set("units.yaml", UNITS, 0, "seed", "false"),
               "units.yaml", "第 1 项", "seed"),
    Corruption("a name that is a list", _set("units.yaml", UNITS, 0, "name", ["县", "局"]),
               "units.yaml", "第 1 项", "name"),
    Corruption("an area outside the county", _set("units.yaml", UNITS, 0, "area", "110101001"),
               "units.yaml", "第 1 项", "area"),
    # ---- routing.yaml
    Corruption("a rule to an unknown unit", _set("routing.yaml", RULES, 3, "unit", "KH-NOPE"),
               "routing.yaml", "第 4 项", "unit", ("KH-NOPE",)),
    Corruption("a rule for an unknown category", _set("routing.yaml", RULES, 0, "category",
                                                      "99999"),
               "routing.yaml", "第 1 项", "category"),
    Corruption("a rule with an unknown condition", _set("routing.yaml", RULES, 0, "condition",
                                                        "9"),
               "routing.yaml", "第 1 项", "condition"),
    Corruption("a rule area that is not a grid prefix", _set("routing.yaml", RULES, 0, "area",
                                                             "123"),
               "routing.yaml", "第 1 项", "area"),
    Corruption("the same rule twice, to two units", _routing_duplicate, "routing.yaml", "项",
               "category", ("重复",)),
    # ---- components.csv
    Corruption("NaN longitude", _csv(lambda r: r[1].__setitem__(6, "nan")), "components.csv",
               "第 2 行", "lon"),
    Corruption("infinite latitude", _csv(lambda r: r[3].__setitem__(7, "inf")), "components.csv",
               "第 4 行", "lat"),
    Corruption("longitude and latitude swapped",
               _csv(lambda r: r[2].__setitem__(6, r[2][7]) or r[2].__setitem__(7, "118.4")),
               "components.csv", "第 3 行", "lat"),
    Corruption("a component 20 km from its cell", _csv(_component_cell_far), "components.csv",
               "第 2 行", "lon/lat"),
    Corruption("the same component id twice", _csv(lambda r: r[2].__setitem__(0, r[1][0])),
               "components.csv", "第 3 行", "id", ("重复",)),
    Corruption("a component in an unknown cell",
               _csv(lambda r: r[1].__setitem__(5, "330824999999999")),
               "components.csv", "第 2 行", "grid"),
    Corruption("a component of an event category", _csv(lambda r: r[1].__setitem__(1, "06010")),
               "components.csv", "第 2 行", "category"),
    Corruption("an unknown owner", _csv(lambda r: r[1].__setitem__(3, "KH-NOPE")),
               "components.csv", "第 2 行", "owner"),
    Corruption("no lat column", _csv(_no_lat_column), "components.csv", "第 1 行", None,
               ("lat",)),
    Corruption("a short row", _csv(lambda r: r.__setitem__(1, r[1][:5])), "components.csv",
               "第 2 行", "grid"),
    Corruption("a row with an extra field", _csv(lambda r: r[1].append("x")), "components.csv",
               "第 2 行", None, ("10 个字段",)),
    # ---- grid.geojson
    Corruption("NaN in a cell's ring", _feature(
        lambda f: f["geometry"]["coordinates"][0][1].__setitem__(0, float("nan"))),
        "grid.geojson", "第 1 个要素", "geometry.coordinates"),
    Corruption("the same cell code twice", _feature(
        lambda f: f["properties"].__setitem__("code", "330824001001001"), index=1),
        "grid.geojson", "第 2 个要素", "properties.code", ("重复",)),
    Corruption("a ring of three points", _feature(
        lambda f: f["geometry"].__setitem__("coordinates", [f["geometry"]["coordinates"][0][:3]])),
        "grid.geojson", "第 1 个要素", "geometry.coordinates"),
    Corruption("a ring not closed", _feature(
        lambda f: f["geometry"]["coordinates"][0].pop()),
        "grid.geojson", "第 1 个要素", "geometry.coordinates"),
    Corruption("a cell code as a number", _feature(
        lambda f: f["properties"].__setitem__("code", 330824001001001)),
        "grid.geojson", "第 1 个要素", "properties.code"),
    Corruption("a street code that is not the cell's", _feature(
        lambda f: f["properties"].__setitem__("street_code", "330824100")),
        "grid.geojson", "第 1 个要素", "properties.street_code"),
    Corruption("a MultiPolygon cell", _feature(
        lambda f: f["geometry"].__setitem__("type", "MultiPolygon")),
        "grid.geojson", "第 1 个要素", "geometry.type"),
    # ---- users.yaml
    Corruption("an unknown role", lambda c: _users_field(c, "shouli1", "role", "扫地僧"),
               "users.yaml", "项", "role"),
    Corruption("the same username twice", _users_duplicate, "users.yaml", "项", "username",
               ("重复",)),
    Corruption("a collector's unknown cell",
               lambda c: _users_field(c, "caiji01", "grids", ["330824999999999"]),
               "users.yaml", "项", "grids"),
    Corruption("a username with a space", lambda c: _users_field(c, "shouli1", "username",
                                                                 "shou li"),
               "users.yaml", "项", "username"),
    Corruption("a unit user without a unit",
               lambda c: _users_field(c, "unit_zhzf", "unit", None),
               "users.yaml", "项", "unit"),
]
