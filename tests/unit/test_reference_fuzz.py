"""Hypothesis corrupts a centre's reference files; the loader refuses in one line or loads sane data.

Issue #13 part 7.  Each example changes one thing in the small centre of
tests/unit/mini_centre.py — a field of an entry set to a generated value (None, booleans, huge
integers, NaN and infinities, text with control characters, lists, mappings …) or deleted, a
CSV cell, a GeoJSON property or coordinate, or the file's bytes (inserted, dropped, cut short).
Then either the loader raises ValidationError, one line naming a reference file, or what it
loaded is sane: no NaN, no limit below a minute, no unit cycle, no dangling code, no entry
silently dropped.  Any other exception is a defect.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.domain.errors import ValidationError
from console.domain.reference import LimitClass, ReferenceSet
from console.domain.reference_checks import CENTRE_STAGES, reference_problems
from console.reference_files import load_centre_files
from tests.unit.mini_centre import YAML_FILES, CentreFolder, write_mini_centre

# Each example copies and loads a centre (~0.1 s): 100 + 5 x 60 examples, about a minute.
FIELDS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
pytestmark = pytest.mark.slow
FILES = (*YAML_FILES, "components.csv", "grid.geojson")
LIST_KEYS = {"categories.yaml": "categories", "units.yaml": "units", "routing.yaml": "rules",
             "users.yaml": "users", "calendar.yaml": "days"}

values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["", " ", "2026-02-30", "nan", "-1", "1e309", "KH-NOPE", "0", "yes", "01001",
                     "\x00", "\x07", "a\u2028b", "x" * 300, "330824001001001", "Asia/Nowhere"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(),
                                                         max_size=2),
)
cells = st.one_of(st.text(max_size=30), st.sampled_from(
    ["nan", "inf", "-inf", "1e400", "", "  ", "KH-NOPE", "330824999999999", "06010", "200", "-91",
     "\x00", '"', "a,b"]))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mini_centre(tmp_path_factory.mktemp("mini"))


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from _texts(getattr(value, f.name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(k)
            yield from _texts(v)
    elif isinstance(value, list | tuple | frozenset | set):
        for item in value:
            yield from _texts(item)


def assert_sane(ref: ReferenceSet, folder: Path) -> None:
    """What a loaded set must be, whatever the files said."""
    assert reference_problems(ref) == []
    cfg = ref.config
    assert 0 < cfg.yellow_at < 1
    assert set(cfg.stage_limits) == CENTRE_STAGES
    assert all(type(v) is int and v >= 1 for v in cfg.stage_limits.values())
    assert math.isfinite(cfg.duplicate_radius_m) and cfg.duplicate_radius_m >= 0
    assert math.isfinite(cfg.duplicate_hours) and cfg.duplicate_hours >= 0
    for cat in ref.categories.values():
        assert LimitClass.GENERAL in cat.limits
        assert all(type(v) is int and v >= 1 for v in cat.limits.values())
    for comp in ref.components.values():
        assert -180 <= comp.lon <= 180 and -90 <= comp.lat <= 90
    for cell in ref.grids.values():
        assert len(cell.polygon) >= 4 and cell.polygon[0] == cell.polygon[-1]
        assert all(math.isfinite(x) and math.isfinite(y) for x, y in cell.polygon)
    for text in _texts(ref):
        assert "\x00" not in text and not any("\ud800" <= ch <= "\udfff" for ch in text)
    # Nothing dropped silently: as many entries loaded as the files hold.
    counts = {name: len(yaml.safe_load((folder / name).read_text("utf-8"))[key] or [])
              for name, key in LIST_KEYS.items()}
    assert counts == {"categories.yaml": len(ref.categories), "units.yaml": len(ref.units),
                      "routing.yaml": len(ref.rules), "users.yaml": len(ref.users),
                      "calendar.yaml": len(ref.calendar_days)}


def attempt(template: Path, change: Any) -> None:
    """Copy the centre, apply ``change``, load: a one-line refusal or a sane set."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "centre"
        shutil.copytree(template, folder)
        change(CentreFolder(folder))
        try:
            ref = load_centre_files(folder)
        except ValidationError as exc:
            message = exc.message
            assert "\n" not in message and 0 < len(message) < 500, message
            assert any(name in message for name in FILES), message
            return
        assert_sane(ref, folder)


@FIELDS
@given(st.sampled_from(list(LIST_KEYS)), st.integers(0, 60), st.text(max_size=12) | st.sampled_from(
    ["code", "name", "kind", "parent", "unit", "category", "area", "condition", "limits", "date",
     "workday", "role", "grids", "username", "aliases", "filing_conditions", "seed", "active"]),
    values, st.booleans())
def test_a_field_of_an_entry(template: Path, file: str, index: int, field: str, value: Any,
                             delete: bool) -> None:
    def change(c: CentreFolder) -> None:
        data = c.data(file)
        entries = data[LIST_KEYS[file]]
        entry = entries[index % len(entries)]
        if delete:
            entry.pop(field, None)
        else:
            entry[field] = value
        c.save(file, data)
    attempt(template, change)


@FUZZ
@given(st.sampled_from(["一般性", "工程性", "特殊性", "其他"]), st.integers(0, 20), values)
def test_a_category_limit(template: Path, cls: str, index: int, value: Any) -> None:
    def change(c: CentreFolder) -> None:
        data = c.data("categories.yaml")
        cats = data["categories"]
        cats[index % len(cats)]["limits"][cls] = value
        c.save("categories.yaml", data)
    attempt(template, change)


@FUZZ
@given(st.sampled_from(["name", "county_code", "timezone", "windows", "stage_limits", "yellow_at",
                        "duplicate_radius_m", "duplicate_hours", "coordination_office",
                        "verify_sources", "name_en", "unknown"]),
       values | st.dictionaries(st.sampled_from(["受理", "核实", "结案", "处置"]), values, max_size=3))
def test_a_centre_setting(template: Path, field: str, value: Any) -> None:
    def change(c: CentreFolder) -> None:
        data = c.data("centre.yaml")
        data[field] = value
        c.save("centre.yaml", data)
    attempt(template, change)


@FUZZ
@given(st.integers(0, 14), st.integers(0, 9), cells)
def test_a_components_cell(template: Path, row: int, column: int, value: str) -> None:
    def change(c: CentreFolder) -> None:
        rows = c.data("components.csv")
        target = rows[row % len(rows)]
        if column < len(target):
            target[column] = value
        else:
            target.append(value)
        c.save("components.csv", rows)
    attempt(template, change)


@FUZZ
@given(st.integers(0, 200), st.sampled_from(["code", "street_code", "street", "community_code",
                                             "community", "street_en", "coordinate", "type"]),
       values)
def test_a_grid_feature(template: Path, index: int, field: str, value: Any) -> None:
    def change(c: CentreFolder) -> None:
        data = c.data("grid.geojson")
        feature = data["features"][index % len(data["features"])]
        if field == "coordinate":
            feature["geometry"]["coordinates"][0][index % 4][index % 2] = value
        elif field == "type":
            feature["geometry"]["type"] = value
        else:
            feature["properties"][field] = value
        c.save("grid.geojson", data)
    attempt(template, change)


@FUZZ
@given(st.sampled_from(FILES), st.integers(0, 10**6), st.binary(max_size=8),
       st.sampled_from(["insert", "replace", "truncate"]))
def test_the_bytes_of_a_file(template: Path, file: str, where: int, data: bytes, how: str) -> None:
    def change(c: CentreFolder) -> None:
        path = c.path(file)
        raw = path.read_bytes()
        at = where % (len(raw) + 1)
        if how == "insert":
            raw = raw[:at] + data + raw[at:]
        elif how == "replace":
            raw = raw[:at] + data + raw[at + len(data):]
        else:
            raw = raw[:at]
        path.write_bytes(raw)
    attempt(template, change)
