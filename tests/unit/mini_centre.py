"""A small, valid centre folder cut from Kaihua's files, to corrupt one field at a time.

Loading the whole Kaihua set takes ~0.4 s (categories.yaml alone is 175 kB of YAML); this one
holds every kind of entry (component and event categories with conditions and aliases, units
with a parent and areas, area and condition rules, components, cells, users of every role,
calendar days) and loads in a few hundredths of a second, so a test can try dozens of
corruptions and Hypothesis hundreds.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from pathlib import Path
from typing import Any

import yaml

from console.reference_files import DEFAULT_CENTRE

#: Events kept beside the components' categories: condition overrides (07001, 06028),
#: area rules (06010), aliases (06014).
EVENTS = ("06010", "07001", "06028", "06014")
COMPONENTS = 12
YAML_FILES = ("centre.yaml", "categories.yaml", "units.yaml", "routing.yaml", "users.yaml",
              "calendar.yaml")


def _yaml(name: str) -> Any:
    return yaml.safe_load((DEFAULT_CENTRE / name).read_text(encoding="utf-8"))


def dump_yaml(data: Any) -> str:
    """YAML as a centre would write it (block style, codes quoted by the dumper)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def write_mini_centre(folder: Path) -> Path:
    """Write the small centre into ``folder`` (created); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in _mini_files().items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@functools.cache
def _mini_files() -> dict[str, str]:
    """The small centre's files by name, cut from Kaihua's once per process: parsing
    Kaihua's YAML (categories.yaml is 175 kB) took ~0.3 s of every test that wrote a copy."""
    with (DEFAULT_CENTRE / "components.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, comps, seen = rows[0], [], set()
    for row in rows[1:]:  # one component of each of the first types: owners of every kind
        if row[1] not in seen and len(comps) < COMPONENTS:
            seen.add(row[1])
            comps.append(row)
    keep = {row[1] for row in comps} | set(EVENTS)
    cats = [c for c in _yaml("categories.yaml")["categories"] if c["code"] in keep]
    rules = [r for r in _yaml("routing.yaml")["rules"] if r["category"] in keep]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *comps])
    return {
        "centre.yaml": dump_yaml(_yaml("centre.yaml")),
        "categories.yaml": dump_yaml({"categories": cats}),
        "units.yaml": dump_yaml(_yaml("units.yaml")),
        "routing.yaml": dump_yaml({"rules": rules}),
        "users.yaml": dump_yaml(_yaml("users.yaml")),
        "calendar.yaml": dump_yaml({"days": [
            {"date": "2026-10-10", "workday": False, "note": "县庆（示例）"},
            {"date": "2026-10-11", "workday": True, "note": "调休（示例）"},
        ]}),
        "components.csv": out.getvalue(),
        "grid.geojson": (DEFAULT_CENTRE / "grid.geojson").read_text(encoding="utf-8"),
    }


class CentreFolder:
    """A centre folder to corrupt: read a file as data or text, write it back."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, name: str) -> Path:
        return self.folder / name

    def text(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8")

    def write(self, name: str, text: str) -> None:
        self.path(name).write_text(text, encoding="utf-8")

    def data(self, name: str) -> Any:
        if name.endswith(".geojson"):
            return json.loads(self.text(name))
        if name.endswith(".csv"):
            return list(csv.reader(io.StringIO(self.text(name), newline="")))
        return yaml.safe_load(self.text(name))

    def save(self, name: str, data: Any) -> None:
        if name.endswith(".geojson"):
            # allow_nan: Python writes NaN as a bare NaN, as a careless exporter would.
            self.write(name, json.dumps(data, ensure_ascii=False, allow_nan=True))
        elif name.endswith(".csv"):
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(data)
            self.write(name, out.getvalue())
        else:
            self.write(name, dump_yaml(data))

    def replace(self, name: str, old: str, new: str) -> None:
        text = self.text(name)
        assert old in text, f"{old!r} not in {name}"
        self.write(name, text.replace(old, new, 1))
