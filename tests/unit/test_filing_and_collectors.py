"""The filing preview (Shift+F) and who goes on a site visit (V/K), on the Kaihua data."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from console.domain.cases import CaseState
from console.domain.errors import NotFoundError, ValidationError
from console.domain.geo import neighbours, rings_touch
from console.domain.reference import GridCell
from console.services.centre import build_centre
from console.services.collectors import Nearness, collector_choices
from console.services.filing import preview_filing
from tests.unit import kaihua
from tests.unit.workflow_fixtures import case_in

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday


@pytest.fixture(scope="module")
def centre():
    return build_centre(kaihua.reference())


def _cell(code: str, x: float, y: float, size: float = 1.0) -> GridCell:
    ring = ((x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y))
    return GridCell(code, "001", "街道", "001", "社区", ring)


def test_cells_touch_by_border_or_corner_not_across_a_gap() -> None:
    middle = _cell("m", 0, 0)
    side, corner, apart = _cell("s", 1, 0), _cell("c", 1, 1), _cell("a", 1.01, 0)
    assert rings_touch(middle.polygon, side.polygon)
    assert rings_touch(middle.polygon, corner.polygon)
    assert not rings_touch(middle.polygon, apart.polygon)
    inner = _cell("i", 0.25, 0.25, 0.5)  # inside: overlapping counts as touching
    assert rings_touch(middle.polygon, inner.polygon)
    assert [c.code for c in neighbours(middle, [side, corner, apart, middle])] == ["c", "s"]


def test_a_corner_cell_of_the_kaihua_grid_has_three_neighbours_an_inner_one_eight(centre) -> None:
    grids = centre.ref.grids
    assert len(neighbours(grids["330824001001001"], grids.values())) == 3
    assert len(neighbours(grids["330824001001008"], grids.values())) == 8


def test_the_cells_own_collector_comes_first_then_the_neighbours(centre) -> None:
    # 330824001001018 is the last cell of caiji01's half; the cells below it are caiji02's.
    case = case_in(CaseState.HANDLED, grid="330824001001018")
    choices = collector_choices(centre, case)
    assert choices[0].username == "caiji01" and choices[0].nearness is Nearness.OWN_CELL
    near = [c for c in choices if c.nearness is Nearness.NEIGHBOUR]
    assert "caiji02" in [c.username for c in near]
    around = {c.code for c in neighbours(centre.ref.grids["330824001001018"],
                                         centre.ref.grids.values())}
    for choice in near:  # each named by the neighbouring cells it patrols
        assert choice.cells and set(choice.cells) <= around
    assert choices.index(near[0]) == 1  # right after the cell's own
    collectors = {u.username for u in centre.ref.users.values() if u.role == "监督员" and u.active}
    assert {c.username for c in choices} == collectors  # everyone can still be chosen
    nowhere = collector_choices(centre, replace(case, grid=None))
    assert {c.nearness for c in nowhere} == {Nearness.ELSEWHERE}


def test_the_preview_routes_and_times_as_filing_would(centre) -> None:
    case = case_in(CaseState.ACCEPTED, category="01001", grid="330824001001001",
                   updated_at=NOW)
    general = preview_filing(centre, case, now=NOW)
    assert general.condition is not None and general.condition.id == "1"
    assert (general.limit_class, general.handle_minutes, general.natural_time) == ("一般性", 120,
                                                                                    True)
    assert general.handle_deadline == centre.calendar.add_natural(NOW, 120)
    dispatch_limit = centre.ref.config.stage_limits["派遣"]
    assert general.dispatch_deadline == centre.calendar.add(NOW, dispatch_limit)
    engineering = preview_filing(centre, case, "供水井盖异常", "2", now=NOW)
    assert engineering.limit_class == "工程性" and engineering.handle_minutes == 1440
    assert engineering.unit == general.unit and general.unit_name and general.rule
    assert general.closing_condition == centre.ref.categories["01001"].closing_condition
    special = preview_filing(centre, case, "01001", "1", "特殊性", now=NOW)
    assert special.handle_minutes == 2160


def test_a_condition_that_overrides_routing_shows_its_unit(centre) -> None:
    with_unit = [(cat, cond) for cat in centre.ref.categories.values()
                 for cond in cat.filing_conditions if cond.unit]
    assert with_unit, "the Kaihua data has condition overrides (e.g. 非法小广告 涉及违法犯罪)"
    cat, cond = with_unit[0]
    case = case_in(CaseState.ACCEPTED, category=cat.code, grid="330824001001001")
    assert preview_filing(centre, case, cat.code, cond.id, now=NOW).unit == cond.unit


def test_bad_choices_are_refused(centre) -> None:
    case = case_in(CaseState.ACCEPTED, grid="330824001001001")
    with pytest.raises(ValidationError, match="立案条件"):
        preview_filing(centre, case, condition="99", now=NOW)
    with pytest.raises(ValidationError, match="时限类别"):
        preview_filing(centre, case, limit_class="紧急", now=NOW)
    with pytest.raises(NotFoundError):
        preview_filing(centre, case, category="没有这种类别", now=NOW)
