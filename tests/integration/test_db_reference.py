"""ReferenceRepository: load, idempotent upserts, the admin calendar override, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, time

import pytest

from console.domain.reference import (
    CalendarDay,
    Category,
    CategoryKind,
    CentreConfig,
    ComponentInstance,
    FilingCondition,
    GridCell,
    LimitClass,
    RoutingRule,
    Unit,
    UnitKind,
    User,
)
from db.reference_codec import config_from_json
from db.uow import SqlUnitOfWork

Factory = Callable[[], SqlUnitOfWork]

UNITS = [
    Unit("KH-SZJ", "县住建局", UnitKind.DEPARTMENT, seed=True, duties="市政设施",
         name_en="County Housing and Construction Bureau"),
    Unit("KH-FSJD", "芙蓉街道", UnitKind.STREET, parent=None, area="330824001",
         name_en="Furong Subdistrict Office"),
    Unit("KH-LDXZ", "领导小组办公室", UnitKind.OFFICE, active=False),
]
CATEGORIES = [
    Category(
        code="01001",
        kind=CategoryKind.COMPONENT,
        major="公用设施",
        name_zh="井盖",
        name_en="Manhole cover",
        limits={LimitClass.GENERAL: 480, LimitClass.ENGINEERING: 2400},
        legacy_code="0101",
        filing_conditions=(
            FilingCondition("c1", "井盖缺失", LimitClass.GENERAL),
            FilingCondition("c2", "涉及违法", LimitClass.SPECIAL, unit="KH-GAJ"),
        ),
        closing_condition="已修复",
    ),
    Category(
        code="02999",
        kind=CategoryKind.EVENT,
        major="市容环境",
        name_zh="本地扩展",
        name_en="Local",
        limits={LimitClass.GENERAL: 60},
        natural_time=True,
        local=True,
    ),
]
RULES = [
    RoutingRule("01001", "KH-SZJ", basis="部件先属主"),
    RoutingRule("02999", "KH-FSJD", area="330824001", condition=None, basis="事件先属地"),
    RoutingRule("01001", "KH-GAJ", condition="c2"),
]
COMPONENTS = [
    ComponentInstance(
        "33082401010010001",
        "01001",
        "井盖",
        "KH-SZJ",
        None,
        "330824001001001",
        118.4151234567,
        29.1365678901,
    ),
    ComponentInstance(
        "33082401010010002",
        "01001",
        "井盖",
        None,
        "KH-SZJ",
        "330824001001002",
        118.41,
        29.13,
        state="损坏",
    ),
]
GRIDS = [
    GridCell(
        "330824001001001",
        "330824001",
        "芙蓉街道",
        "330824001001",
        "城关社区",
        ((118.41, 29.13), (118.42, 29.13), (118.42, 29.14), (118.41, 29.13)),
        street_en="Furong Subdistrict",
        community_en="Chengguan Community",
    ),
    GridCell(
        "330824001001002",
        "330824001",
        "芙蓉街道",
        "330824001001",
        "城关社区",
        ((118.42, 29.13), (118.43, 29.13), (118.425, 29.145)),
    ),
]
USERS = [
    User("zhang3", "张三", "监督员", grids=("330824001001001", "330824001001002")),
    User("li4", "李四", "责任单位", unit="KH-SZJ", active=False),
]
SEEDED_DAYS = [
    CalendarDay(date(2026, 1, 1), False, note="元旦"),
    CalendarDay(date(2026, 1, 4), True, note="调休上班"),
    CalendarDay(date(2026, 2, 17), False, note="春节"),
]


def _seed(factory: Factory) -> dict[str, int]:
    with factory() as uow:
        ref = uow.reference
        counts = {
            "units": ref.upsert_units(UNITS),
            "categories": ref.upsert_categories(CATEGORIES),
            "rules": ref.replace_rules(RULES),
            "components": ref.upsert_components(COMPONENTS),
            "grids": ref.upsert_grids(GRIDS),
            "users": ref.upsert_users(USERS),
            "days": ref.upsert_calendar_days(SEEDED_DAYS),
        }
        uow.commit()
    return counts


def test_seeding_twice_changes_nothing_the_second_time(uow_factory: Factory) -> None:
    first = _seed(uow_factory)
    assert first == {
        "units": 3,
        "categories": 2,
        "rules": 3,
        "components": 2,
        "grids": 2,
        "users": 2,
        "days": 3,
    }
    assert set(_seed(uow_factory).values()) == {0}


def test_load_returns_exactly_what_was_stored(uow_factory: Factory) -> None:
    _seed(uow_factory)
    with uow_factory() as uow:
        ref = uow.reference.load()
    assert ref.config == CentreConfig()
    assert ref.units == {u.code: u for u in UNITS}
    assert ref.categories == {c.code: c for c in CATEGORIES}
    assert ref.rules == tuple(RULES)
    assert ref.components == {c.id: c for c in COMPONENTS}
    assert ref.grids == {g.code: g for g in GRIDS}
    assert ref.users == {u.username: u for u in USERS}
    assert ref.calendar_days == tuple(SEEDED_DAYS)


def test_only_changed_rows_are_counted(uow_factory: Factory) -> None:
    _seed(uow_factory)
    renamed = replace(UNITS[0], name="县住房和城乡建设局")
    new = Unit("KH-GAJ", "县公安局", UnitKind.DEPARTMENT)
    moved = replace(COMPONENTS[1], lon=118.4100001)
    with uow_factory() as uow:
        assert uow.reference.load().units["KH-SZJ"] == UNITS[0]  # rows now in the session
        assert uow.reference.upsert_units([renamed, UNITS[1], UNITS[2], new]) == 2
        assert uow.reference.upsert_components([*COMPONENTS[:1], moved]) == 1
        assert uow.reference.upsert_units([]) == 0
        # read back in the same unit of work: the bulk UPDATE must not leave stale rows behind
        loaded = uow.reference.load()
        uow.commit()
    assert loaded.units["KH-SZJ"].name == "县住房和城乡建设局"
    assert loaded.components[moved.id].lon == 118.4100001
    assert len(loaded.units) == 4


def test_replace_rules_makes_the_matrix_exactly_the_list(uow_factory: Factory) -> None:
    _seed(uow_factory)
    with uow_factory() as uow:
        assert uow.reference.replace_rules(RULES) == 0
        # first row changed, last row removed
        assert uow.reference.replace_rules([replace(RULES[0], unit="KH-FSJD"), RULES[1]]) == 2
        uow.commit()
    with uow_factory() as uow:
        assert uow.reference.load().rules == (replace(RULES[0], unit="KH-FSJD"), RULES[1])
        assert uow.reference.replace_rules([]) == 2
        assert uow.reference.load().rules == ()


def test_an_admin_override_survives_a_reseed(uow_factory: Factory) -> None:
    _seed(uow_factory)
    override = CalendarDay(date(2026, 2, 17), True, source="admin", note="值班保障")
    with uow_factory() as uow:
        assert uow.reference.upsert_calendar_days([override]) == 1
        uow.commit()
    assert _seed(uow_factory)["days"] == 0
    with uow_factory() as uow:
        days = {d.day: d for d in uow.reference.load().calendar_days}
        assert days[date(2026, 2, 17)] == override
        # an administrator may change an override again
        again = replace(override, workday=False, note="取消")
        assert uow.reference.upsert_calendar_days([again]) == 1
        assert uow.reference.upsert_calendar_days([again]) == 0
        uow.commit()


def test_config_defaults_then_saved_values(uow_factory: Factory) -> None:
    custom = CentreConfig(
        name="测试中心",
        windows=((time(8, 30), time(12)), (time(13, 30), time(17, 30))),
        stage_limits={"受理": 15, "核实": 60},
        yellow_at=0.75,
        verify_sources=("公众举报",),
    )
    with uow_factory() as uow:
        assert uow.reference.load().config == CentreConfig()
        uow.reference.save_config(custom)
        uow.reference.save_config(custom)
        uow.commit()
    with uow_factory() as uow:
        assert uow.reference.load().config == custom
        uow.reference.save_config(CentreConfig())
        assert uow.reference.load().config == CentreConfig()


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({}, CentreConfig()),
        ({"name": "X", "unknown_future_key": 1}, replace(CentreConfig(), name="X")),
        (
            {"windows": [["09:00", "17:00"]]},
            replace(CentreConfig(), windows=((time(9), time(17)),)),
        ),
    ],
)
def test_config_documents_tolerate_missing_and_unknown_keys(
    doc: dict[str, object], expected: CentreConfig
) -> None:
    assert config_from_json(dict(doc)) == expected


# --------------------------------------------------------------------------- English names


def test_english_names_are_stored_and_a_change_counts(uow_factory: Factory) -> None:
    _seed(uow_factory)
    with uow_factory() as uow:
        ref = uow.reference.load()
        assert ref.units["KH-SZJ"].name_en == "County Housing and Construction Bureau"
        assert ref.units["KH-LDXZ"].name_en == ""  # none given: the desk shows the Chinese
        cell = ref.grids["330824001001001"]
        assert (cell.street_en, cell.community_en) == ("Furong Subdistrict", "Chengguan Community")
        assert ref.grids["330824001001002"].street_en == ""
        assert uow.reference.upsert_units([replace(UNITS[2], name_en="Leading Group Office")]) == 1
        assert uow.reference.upsert_grids([replace(GRIDS[1], street_en="Furong Subdistrict")]) == 1
        uow.commit()
    with uow_factory() as uow:
        ref = uow.reference.load()
    assert ref.units["KH-LDXZ"].name_en == "Leading Group Office"
    assert ref.grids["330824001001002"].street_en == "Furong Subdistrict"


def test_init_fills_an_edited_rows_missing_english_and_keeps_an_administrators(
    uow_factory: Factory,
) -> None:
    """A row an administrator edited before English names existed gets the file's English
    name at the next ``init``; an English name the administrator gave is kept, like the rest
    of their row."""
    _seed(uow_factory)
    renamed = replace(UNITS[0], name="住建局（改）", name_en="")
    cell = replace(GRIDS[0], street="芙蓉街道（改）", street_en="", community_en="")
    with uow_factory() as uow:
        assert uow.reference.upsert_units([renamed], by_admin=True) == 1
        assert uow.reference.upsert_grids([cell], by_admin=True) == 1
        uow.commit()
    # citydesk init: the file's rows, English names included
    with uow_factory() as uow:
        assert uow.reference.upsert_units(UNITS) == 1  # only the empty English name
        assert uow.reference.upsert_grids(GRIDS) == 1
        uow.commit()
    with uow_factory() as uow:
        ref = uow.reference.load()
    unit = ref.units["KH-SZJ"]
    assert (unit.name, unit.name_en) == ("住建局（改）", UNITS[0].name_en)  # the admin's name
    got = ref.grids["330824001001001"]
    assert (got.street, got.street_en, got.community_en) == (
        "芙蓉街道（改）", "Furong Subdistrict", "Chengguan Community")
    # The administrator's own English name stays through the next init.
    with uow_factory() as uow:
        assert uow.reference.upsert_units([replace(unit, name_en="Housing Bureau")],
                                          by_admin=True) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.reference.upsert_units(UNITS) == 0
        assert uow.reference.upsert_grids(GRIDS) == 0
        uow.commit()
        assert uow.reference.load().units["KH-SZJ"].name_en == "Housing Bureau"


def test_the_centres_english_name_is_kept_in_its_settings(uow_factory: Factory) -> None:
    config = CentreConfig(name_en="Kaihua County Smart City Management Command Centre")
    with uow_factory() as uow:
        uow.reference.save_config(config)
        uow.commit()
    with uow_factory() as uow:
        assert uow.reference.load().config.name_en == config.name_en
    assert config_from_json({"name": "旧中心"}).name_en == ""  # a row written before it
