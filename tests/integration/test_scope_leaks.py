"""A case outside a seat's scope answers exactly as a case that does not exist (issue #14).

Before, a 责任单位 seat asking for another unit's case was told 「案件 2026… 不属于…单位」 (its
number), and acting on it through an unscoped factory (the command line) named its state or
its last actor in the refusal; a collector's duplicate hints named cases outside its cells.
Now every such answer is the unknown case's: the same error type and the same words, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from console.domain.cases import Actor, Role
from console.domain.errors import CityDeskError, NotFoundError
from console.domain.geo import locate
from console.services.access import scoped_factory
from console.services.cases import Report, act, report_case
from console.services.centre import Centre, load_centre
from console.services.queries import case_detail

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GRID = "330824001001001"


@pytest.fixture
def scene(kaihua_factory):
    """Two dispatched cases: one of 县综合执法局 (KH-ZHZF), one of 县住建局 (KH-ZJJ)."""
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    centre = load_centre(uow_factory())

    def dispatched(unit: str, text: str):
        made = report_case(uow_factory, centre, centre.actor("shouli1", "t"), NOW,
                           Report("06010", text, grid=GRID)).case
        act(uow_factory, centre, centre.actor("shouli1", "t"), NOW, made.id, "accept")
        act(uow_factory, centre, centre.actor("zhibanzhang1", "t"), NOW, made.id, "file")
        return act(uow_factory, centre, centre.actor("paiqian1", "desk-9"), NOW, made.id,
                   "dispatch", {"unit": unit, "reason": "测试"})

    mine = dispatched("KH-ZHZF", "执法局的案件")
    theirs = dispatched("KH-ZJJ", "住建局的案件")
    return uow_factory, centre, mine, theirs


def _refusal(call) -> CityDeskError:
    with pytest.raises(CityDeskError) as caught:
        call()
    return caught.value


def _same_as_unknown(outside: CityDeskError, unknown: CityDeskError, ref: str,
                     missing: str) -> None:
    assert type(outside) is type(unknown) is NotFoundError
    assert outside.message == unknown.message.replace(missing, ref)


@pytest.mark.parametrize(("command", "fields", "version"), [
    ("start", {}, None),  # a command the seat may run, on a case it does not see
    ("close", {}, None),  # one refused by state and role: the refusal named the state
    ("start", {}, 99),  # a stale version: the conflict named who changed it and how
])
def test_acting_on_another_units_case_answers_as_no_such_case(scene, command, fields,
                                                              version) -> None:
    uow_factory, centre, _mine, theirs = scene
    seat = centre.actor("unit_zhzf", "t")
    missing_id, missing_no = "987654321", "2026112599999"
    for ref, missing in ((theirs.id, missing_id), (str(theirs.id), missing_id),
                         (theirs.case_no, missing_no)):
        # The command line hands act() the plain factory; the GUI a scoped one.
        for uows in (uow_factory, scoped_factory(uow_factory, seat)):
            outside = _refusal(lambda uows=uows, ref=ref: act(
                uows, centre, seat, NOW, ref, command, fields, expected_version=version))
            absent = missing if isinstance(ref, str) else int(missing)
            unknown = _refusal(lambda uows=uows, absent=absent: act(
                uows, centre, seat, NOW, absent, command, fields, expected_version=version))
            _same_as_unknown(outside, unknown, str(ref), missing)
            for leak in (theirs.case_no, "paiqian1", "desk-9", theirs.state.value):
                assert leak not in outside.message or str(ref) == leak
    with uow_factory() as uow:
        assert uow.cases.get(theirs.id).version == theirs.version  # nothing changed


def test_reading_another_units_case_answers_as_no_such_case(scene) -> None:
    uow_factory, centre, mine, theirs = scene
    seat = scoped_factory(uow_factory, centre.actor("unit_zhzf", "t"))
    for ref, missing in ((theirs.id, 987654321), (theirs.case_no, "2026112599999")):
        outside = _refusal(lambda ref=ref: case_detail(seat(), centre, ref, NOW))
        unknown = _refusal(lambda missing=missing: case_detail(seat(), centre, missing, NOW))
        _same_as_unknown(outside, unknown, str(ref), str(missing))
    assert case_detail(seat(), centre, mine.case_no, NOW).row.case.id == mine.id


def _neighbours(centre: Centre) -> tuple[str, tuple[float, float], str, tuple[float, float]]:
    """Two cells side by side and a point in each, a few metres apart across their border."""
    step = 0.00003  # about 3 m
    for cell in centre.ref.grids.values():
        for lon, lat in cell.polygon:
            found: dict[str, tuple[float, float]] = {}
            for dx in (-step, 0.0, step):
                for dy in (-step, 0.0, step):
                    hit = locate(lon + dx, lat + dy, centre.ref.grids.values())
                    if hit is not None:
                        found.setdefault(hit.code, (lon + dx, lat + dy))
            if len(found) >= 2:
                (a, pa), (b, pb) = list(found.items())[:2]
                return a, pa, b, pb
    raise AssertionError("no two neighbouring cells in the reference data")


def test_a_collectors_duplicate_hints_name_only_cases_it_sees(kaihua_factory) -> None:
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    centre = load_centre(uow_factory())
    beat, at_beat, other, at_other = _neighbours(centre)
    elsewhere = report_case(uow_factory, centre, centre.actor("shouli1", "t"), NOW, Report(
        "06010", "邻格的垃圾", source="12345热线", lon=at_other[0], lat=at_other[1])).case
    assert elsewhere.grid == other
    near = Report("06010", "本格的垃圾", lon=at_beat[0], lat=at_beat[1])
    # Anyone unscoped is shown the neighbour's case: the two are a duplicate pair.
    seen = report_case(uow_factory, centre, centre.actor("shouli1", "t"), NOW, near)
    assert elsewhere.case_no in {d.case_no for d in seen.duplicates}
    collector = Actor("caiji-test", Role.COLLECTOR, None, "t", grids=(beat,))
    hints = report_case(uow_factory, centre, collector, NOW, near).duplicates
    assert elsewhere.case_no not in {d.case_no for d in hints}
    assert seen.case.case_no in {d.case_no for d in hints}  # its own cell's case it does see
