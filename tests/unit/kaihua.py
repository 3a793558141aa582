"""The shipped Kaihua data set (resources/kaihua), read once through the production loader."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import yaml

from console.domain.reference import (
    CalendarDay,
    Category,
    CentreConfig,
    ComponentInstance,
    GridCell,
    ReferenceSet,
    RoutingRule,
    Unit,
    User,
)
from console.reference_files import DEFAULT_CENTRE, load_centre_files

ROOT = DEFAULT_CENTRE


@cache
def reference() -> ReferenceSet:
    """Every Kaihua file, parsed."""
    return load_centre_files(ROOT)


def read_yaml(name: str) -> Any:
    """One YAML file as plain data."""
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def grid_features() -> list[dict[str, Any]]:
    """The raw GeoJSON features of grid.geojson."""
    return list(json.loads((ROOT / "grid.geojson").read_text(encoding="utf-8"))["features"])


def categories() -> dict[str, Category]:
    return dict(reference().categories)


def units() -> dict[str, Unit]:
    return dict(reference().units)


def rules() -> tuple[RoutingRule, ...]:
    return reference().rules


def grids() -> dict[str, GridCell]:
    return dict(reference().grids)


def components() -> dict[str, ComponentInstance]:
    return dict(reference().components)


def users() -> dict[str, User]:
    return dict(reference().users)


def centre() -> CentreConfig:
    return reference().config


def calendar_days() -> tuple[CalendarDay, ...]:
    return reference().calendar_days
