"""A 部件普查 file's rows (console.domain.component_rows): the standard's headings, the
category from the id, units by name, each quarantine reason."""

from __future__ import annotations

from pathlib import Path

from console.domain.cell_finder import CellFinder
from console.domain.component_rows import Lookups, position_columns, read_components
from console.reference_files import DEFAULT_CENTRE, load_centre_files

REF = load_centre_files(Path(DEFAULT_CENTRE))
LOOK = Lookups(REF.categories, REF.units, CellFinder(REF.grids.values()),
               lambda text: [c.code for c in REF.categories.values() if c.name_zh == text],
               REF.config.county_code)
HEAD = ["GLBJBSM", "GLBJMC", "QSDWDM", "YHDWMC", "GLBJZT", "PointX", "PointY", "材质"]


def test_standard_headings_the_category_from_the_id_and_units_by_name() -> None:
    row = {"GLBJBSM": "33082401002000099", "GLBJMC": "污水井盖", "QSDWDM": "KH-ZJJ",
           "YHDWMC": "县住房和城乡建设局", "GLBJZT": "破损", "PointX": "118.4015",
           "PointY": "29.1474", "材质": "铸铁"}
    point = position_columns(row, HEAD)
    assert point == (118.4015, 29.1474)
    reading = read_components([(2, row, point)], HEAD, LOOK)
    (comp,) = reading.components
    assert (comp.category, comp.owner, comp.maintainer, comp.state) == (
        "01002", "KH-ZJJ", "KH-ZJJ", "破损")
    assert comp.grid == "330824001001001"  # from the position, not from a column
    assert comp.attributes == (("材质", "铸铁"),)


def test_every_reason() -> None:
    good = {"GLBJBSM": "33082401002000001", "PointX": 118.4015, "PointY": 29.1474}
    rows = [
        (2, {**good, "GLBJBSM": ""}, (118.4015, 29.1474)),
        (3, {**good, "GLBJBSM": "33082499999000001"}, (118.4015, 29.1474)),  # no such type
        (4, {**good, "GLBJBSM": "33082406014000001"}, (118.4015, 29.1474)),  # an event type
        (5, {**good, "QSDWDM": "某公司"}, (118.4015, 29.1474)),
        (6, {**good, "GLBJBSM": "33082401002000005", "YHDWMC": "某公司"}, (118.4015, 29.1474)),
        (7, {**good, "GLBJBSM": "33082401002000006"}, None),
        (8, {**good, "GLBJBSM": "33082401002000007"}, "abc, def"),
        (9, {**good, "GLBJBSM": "33082401002000002"}, (116.4, 39.9)),
        (10, {**good, "GLBJBSM": "33082401002000003"}, (118.4015, 29.1474)),
        (11, {**good, "GLBJBSM": "33082401002000003"}, (118.4015, 29.1474)),
    ]
    reading = read_components(rows, HEAD, LOOK)
    assert [(q.row, q.reason.value) for q in reading.quarantined] == [
        (2, "no_id"), (3, "unknown_category"), (4, "not_component"), (5, "unknown_owner"),
        (6, "unknown_maintainer"), (7, "no_position"), (8, "bad_position"), (9, "outside"),
        (11, "duplicate")]
    assert [c.id for c in reading.components] == ["33082401002000003"]
