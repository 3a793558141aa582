"""Names of reference data in the console's language: units, streets, communities, the centre.

The reference data carries a Chinese and an English name for each (``Unit.name`` /
``Unit.name_en``, ``GridCell.street`` / ``street_en`` and ``community`` / ``community_en``,
``CentreConfig.name`` / ``name_en``; categories have their own ``name_zh`` / ``name_en``).
Every place of the desk and the wall that shows one of these names asks here, so an English
desk shows English names wherever a unit, a street or a community appears.  A centre whose
files give no English name (the field is optional) shows the Chinese one in English too.

Services keep handing out Chinese names (the command line prints them); the UI maps codes,
or a Chinese street name, to the name in its language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from console.domain.reference import CentreConfig, GridCell, Unit
from console.ui.i18n import language


def localized(chinese: str, english: str) -> str:
    """``english`` in an English console when there is one, else ``chinese``."""
    return english if english and language() == "en" else chinese


def unit_name(unit: Unit) -> str:
    """A unit's name in the console's language."""
    return localized(unit.name, unit.name_en)


def unit_name_of(units: Mapping[str, Unit], code: str | None, fallback: str = "") -> str:
    """The name of the unit ``code`` in the console's language.

    Parameters
    ----------
    units : mapping
        The centre's units by code (``centre.ref.units``).
    code : str or None
        A unit code; None or ``""`` gives ``fallback``.
    fallback : str
        What to show for no unit; an unknown code shows itself.
    """
    if not code:
        return fallback
    unit = units.get(code)
    return unit_name(unit) if unit is not None else code


def street_name(cell: GridCell) -> str:
    """The street (or town) of a grid cell in the console's language."""
    return localized(cell.street, cell.street_en)


def community_name(cell: GridCell) -> str:
    """The community of a grid cell in the console's language."""
    return localized(cell.community, cell.community_en)


def street_names(cells: Iterable[GridCell]) -> dict[str, str]:
    """Each Chinese street name of ``cells`` -> its name in the console's language.

    For data that carries a street by its Chinese name (a case's ``street``, the wall's
    points): look the name up here; a name not in the grid is shown as it is.
    """
    return {cell.street: street_name(cell) for cell in cells}


def street_of(names: Mapping[str, str], chinese: str) -> str:
    """``chinese`` (a street as a case stores it) in the console's language."""
    return names.get(chinese, chinese)


def centre_name(config: CentreConfig) -> str:
    """The centre's name in the console's language (window titles, the wall's header)."""
    return localized(config.name, config.name_en)


def area_name(cells: Iterable[GridCell], code: str, fallback: str) -> str:
    """An evaluation area (a street, a community or a cell, by its code) in the console's
    language; ``fallback`` is the service's Chinese name, shown in Chinese and for a code no
    cell has."""
    if language() != "en":
        return fallback
    for cell in cells:
        if cell.street_code == code:
            return street_name(cell)
        if cell.community_code == code:
            return f"{street_name(cell)}, {community_name(cell)}"
        if cell.code == code:
            return f"{street_name(cell)}, {community_name(cell)}, {code[-3:]}"
    return fallback
