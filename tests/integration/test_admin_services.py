"""Administration of reference data on both backends: every edit, every refusal, init after it.

A refusal must leave the database exactly as it was: each one is checked against a fingerprint
of every table, not only the row the edit aimed at.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from console.domain.calendar import statutory_days
from console.domain.cases import Actor, CaseState, Role
from console.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from console.domain.reference import LimitClass
from console.reference_files import load_centre_files
from console.services import admin
from console.services.centre import Centre, build_centre, load_centre
from console.services.setup import init_reference
from console.services.uow import UnitOfWork
from db.tables import Base
from tests.integration.conftest import SHANGHAI, new_case

ADMIN = Actor("admin", Role.ADMIN, None, "desk-a")
SUPERVISOR = Actor("zhibanzhang1", Role.SUPERVISOR, None, "desk-s")
YEARS = [2026]
NATIONAL_DAY = date(2026, 10, 1)  # a Thursday: a statutory holiday in chinesecalendar
Factory = Callable[[], UnitOfWork]


@pytest.fixture
def db(kaihua_factory: Factory) -> Factory:
    """The Kaihua reference set (2026 holidays), and one open case at 县综合执法局."""
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    with uow_factory() as uow:
        uow.cases.add(new_case("2026030200001", unit="KH-ZHZF", state=CaseState.DISPATCHED))
        uow.cases.add(new_case("2026030200002", unit="KH-ZHZF", state=CaseState.CLOSED))
        uow.commit()
    return uow_factory


@pytest.fixture
def centre(db: Factory) -> Centre:
    return load_centre(db())


def fingerprint(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, as text: equal fingerprints, equal databases."""
    with engine.connect() as conn:
        return {t.name: sorted(repr(tuple(r)) for r in conn.execute(select(t)))
                for t in Base.metadata.sorted_tables}


def ref(db: Factory) -> Any:
    with db() as uow:
        return uow.reference.load()


def refused(engine: Engine, error: type[Exception], match: str, call: Callable[[], Any]) -> None:
    before = fingerprint(engine)
    with pytest.raises(error, match=match):
        call()
    assert fingerprint(engine) == before


def _limits(**by_class: int) -> dict[LimitClass, int]:
    names = {"general": LimitClass.GENERAL, "engineering": LimitClass.ENGINEERING,
             "special": LimitClass.SPECIAL}
    return {names[k]: v for k, v in by_class.items()}


# -- who may ---------------------------------------------------------------------------------

def _calls(db: Factory, centre: Centre, actor: Actor) -> list[Callable[[], Any]]:
    return [
        lambda: admin.load_admin_view(db, actor),
        lambda: admin.update_unit(db, actor, "KH-ZJJ", name="改名", parent=None, active=True),
        lambda: admin.update_category(db, actor, "01001", name_zh="井盖", name_en="x",
                                      limits=_limits(general=60), natural_time=False),
        lambda: admin.update_stage_limits(db, actor, {"受理": 45}),
        lambda: admin.update_grid(db, actor, "330824001001001", street="甲", community="乙"),
        lambda: admin.set_calendar_day(db, centre, actor, date(2026, 3, 2), False, "停工"),
        lambda: admin.remove_calendar_override(db, actor, date(2026, 3, 2)),
    ]


@pytest.mark.parametrize("number", range(7))
def test_only_an_administrator_may(db: Factory, centre: Centre, engine: Engine,
                                   number: int) -> None:
    for role in (Role.SUPERVISOR, Role.DISPATCHER, Role.UNIT, Role.WALL):
        actor = Actor("someone", role, "KH-ZJJ" if role is Role.UNIT else None)
        refused(engine, PermissionDeniedError, "只有管理员", _calls(db, centre, actor)[number])


# -- units -----------------------------------------------------------------------------------

def test_a_unit_is_renamed_and_moved_and_init_keeps_the_edit(db: Factory) -> None:
    change = admin.update_unit(db, ADMIN, "KH-QYBSC-001", name="北门社区居委会",
                               parent="KH-ZJJ", active=True)
    assert change.changed and change.rows == 1
    assert change.fields == {"name": ("芹阳办事处北门社区居委会", "北门社区居委会"),
                             "parent": ("KH-QYBSC", "KH-ZJJ")}
    unit = ref(db).units["KH-QYBSC-001"]
    assert (unit.name, unit.parent, unit.kind.value) == ("北门社区居委会", "KH-ZJJ", "street")
    with db() as uow:
        assert uow.reference.edited_keys()["units"] == frozenset({"KH-QYBSC-001"})
    # The same values again: nothing to write.
    again = admin.update_unit(db, ADMIN, "KH-QYBSC-001", name="北门社区居委会",
                              parent="KH-ZJJ", active=True)
    assert not again.changed and again.fields == {}
    # citydesk init re-reads the files: the administrator's row stays, nothing is reported.
    report = init_reference(db(), load_centre_files(), statutory_days(YEARS))
    assert report.total == 0
    assert ref(db).units["KH-QYBSC-001"].name == "北门社区居委会"


def test_unit_refusals_change_nothing(db: Factory, engine: Engine) -> None:
    units = ref(db).units
    name_taken = units["KH-GAJ"].name

    def edit(code: str = "KH-ZJJ", **kw: Any) -> Callable[[], Any]:
        args = {"name": units.get(code, units["KH-ZJJ"]).name, "parent": None, "active": True}
        return lambda: admin.update_unit(db, ADMIN, code, **(args | kw))

    refused(engine, NotFoundError, "未知的单位", edit("KH-NOPE"))
    refused(engine, ValidationError, "不能为空", edit(name="   "))
    refused(engine, ValidationError, "过长", edit(name="局" * 201))
    refused(engine, ValidationError, "已有名为", edit(name=name_taken))
    refused(engine, NotFoundError, "未知的上级单位", edit(parent="KH-NOPE"))
    refused(engine, ValidationError, "循环", edit(parent="KH-ZJJ"))
    refused(engine, ValidationError, "循环",
            edit("KH-QYBSC", parent="KH-QYBSC-001"))  # its own child
    refused(engine, ValidationError, "协调单位", edit("KH-LDXZ", active=False))
    refused(engine, ValidationError, r"仍有 1 件未结案件（2026030200001）",
            edit("KH-ZHZF", active=False))


def test_deactivating_an_idle_unit_says_what_still_points_at_it(db: Factory) -> None:
    view = admin.load_admin_view(db, ADMIN)
    assert view.open_by_unit == {"KH-ZHZF": 1}
    code = "KH-SCJ"
    change = admin.update_unit(db, ADMIN, code, name=view.ref.units[code].name,
                               parent=None, active=False)
    assert change.fields == {"active": (True, False)}
    assert any("unit_scj" in note for note in change.notes)
    assert any("路由规则" in note for note in change.notes)
    assert not ref(db).units[code].active


# -- categories ------------------------------------------------------------------------------

def test_a_category_gets_new_limits_and_the_centre_times_with_them(db: Factory) -> None:
    change = admin.update_category(db, ADMIN, "06010", name_zh="暴露垃圾", name_en="Exposed rubbish",
                                   limits=_limits(general=240, special=1200), natural_time=False)
    assert change.fields["limits"][1] == {"一般性": 240, "特殊性": 1200}
    assert change.fields["name_en"][1] == "Exposed rubbish"
    centre = load_centre(db())
    cat = centre.ctx.categories["06010"]
    assert cat.limit_for(LimitClass.GENERAL) == 240
    assert cat.limit_for(LimitClass.ENGINEERING) == 240  # left out: falls back to 一般性
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    # Four working hours from 09:00: three before lunch, one after 14:00.
    assert centre.calendar.add(start, cat.limit_for(LimitClass.GENERAL)) == start + timedelta(
        hours=6)
    report = init_reference(db(), load_centre_files(), statutory_days(YEARS))
    assert report.categories == 0
    assert ref(db).categories["06010"].limits == {LimitClass.GENERAL: 240,
                                                  LimitClass.SPECIAL: 1200}


@pytest.mark.parametrize(("limits", "match"), [
    ({}, "一般性"),
    ({"特殊性": 60}, "一般性"),
    ({"一般性": 0}, "1 到"),
    ({"一般性": -5}, "1 到"),
    ({"一般性": admin.MAX_LIMIT + 1}, "1 到"),
    ({"一般性": True}, "整数"),
    ({"一般性": 60.5}, "整数"),
    ({"一般性": 60, "紧急": 30}, "未知的时限类别"),
])
def test_bad_limits_are_refused(db: Factory, engine: Engine, limits: dict[Any, Any],
                                match: str) -> None:
    refused(engine, ValidationError, match, lambda: admin.update_category(
        db, ADMIN, "06010", name_zh="暴露垃圾", name_en="x", limits=limits, natural_time=False))


def test_category_name_refusals(db: Factory, engine: Engine) -> None:
    other = ref(db).categories["01001"].name_zh

    def edit(code: str = "06010", name: str = "暴露垃圾") -> Callable[[], Any]:
        return lambda: admin.update_category(db, ADMIN, code, name_zh=name, name_en="",
                                             limits=_limits(general=60), natural_time=False)

    refused(engine, NotFoundError, "未知的案件类别", edit("99999"))
    refused(engine, ValidationError, "不能为空", edit(name=""))
    refused(engine, ValidationError, "已有名为", edit(name=other))


# -- stage limits ----------------------------------------------------------------------------

def test_stage_limits_change_and_the_rest_stay(db: Factory) -> None:
    change = admin.update_stage_limits(db, ADMIN, {"受理": 45, "派遣": 30})
    assert change.fields == {"受理": (30, 45)}  # 派遣 was 30 already
    limits = ref(db).config.stage_limits
    assert limits == {"受理": 45, "核实": 120, "立案": 30, "派遣": 30, "核查": 120, "结案": 60}
    assert load_centre(db()).ctx.stage_limits["受理"] == 45
    assert not admin.update_stage_limits(db, ADMIN, {"受理": 45}).changed


@pytest.mark.parametrize(("limits", "match"), [
    ({"处置": 60}, "未知的环节"),
    ({"夜班": 60}, "未知的环节"),
    ({"受理": 0}, "1 到"),
    ({"受理": admin.MAX_STAGE_LIMIT + 1}, "1 到"),
    ({"受理": 40, "核实": "120"}, "整数"),
])
def test_bad_stage_limits_are_refused(db: Factory, engine: Engine, limits: dict[str, Any],
                                      match: str) -> None:
    refused(engine, ValidationError, match, lambda: admin.update_stage_limits(db, ADMIN, limits))


# -- grid names ------------------------------------------------------------------------------

def test_renaming_a_street_renames_it_in_every_cell(db: Factory) -> None:
    grids = ref(db).grids
    cell = grids["330824001001001"]
    siblings = [g for g in grids.values() if g.street_code == cell.street_code]
    neighbours = [g for g in siblings if g.community_code == cell.community_code]
    change = admin.update_grid(db, ADMIN, cell.code, street="芹阳街道", community="北门新社区")
    assert change.fields == {"street": (cell.street, "芹阳街道"),
                             "community": (cell.community, "北门新社区")}
    assert change.rows == len(siblings)
    after = ref(db).grids
    assert {after[g.code].street for g in siblings} == {"芹阳街道"}
    assert {after[g.code].community for g in neighbours} == {"北门新社区"}
    others = [g for g in siblings if g.community_code != cell.community_code]
    assert all(after[g.code].community == g.community for g in others)
    assert init_reference(db(), load_centre_files(), statutory_days(YEARS)).grids == 0
    assert ref(db).grids[cell.code].street == "芹阳街道"


def test_grid_refusals_change_nothing(db: Factory, engine: Engine) -> None:
    grids = ref(db).grids
    cell = grids["330824001001001"]
    other_street = next(g.street for g in grids.values() if g.street_code != cell.street_code)

    def edit(code: str = cell.code, street: str = cell.street,
             community: str = cell.community) -> Callable[[], Any]:
        return lambda: admin.update_grid(db, ADMIN, code, street=street, community=community)

    refused(engine, NotFoundError, "未知的单元网格", edit("330824999999999"))
    refused(engine, ValidationError, "不能为空", edit(street=" "))
    refused(engine, ValidationError, "不能为空", edit(community=""))
    refused(engine, ValidationError, "已有名为", edit(street=other_street))


def test_english_names_of_a_unit_and_a_street_are_the_administrators(db: Factory,
                                                                       engine: Engine) -> None:
    change = admin.update_unit(db, ADMIN, "KH-ZJJ", name=ref(db).units["KH-ZJJ"].name,
                               parent=None, active=True, name_en=" Housing Bureau ")
    assert change.fields == {"name_en": ("County Housing and Urban-Rural Development Bureau",
                                         "Housing Bureau")}
    cell = ref(db).grids["330824100001001"]
    change = admin.update_grid(db, ADMIN, cell.code, street=cell.street,
                               community=cell.community, street_en="Huabu",
                               community_en="Huabu Old Town")
    assert change.fields == {"street_en": ("Huabu Town", "Huabu"),
                             "community_en": ("Huabu Community", "Huabu Old Town")}
    grids = ref(db).grids
    # The street's English name on every cell of the street; the community's on its own cells.
    assert {g.street_en for g in grids.values() if g.street_code == cell.street_code} == {"Huabu"}
    assert {g.community_en for g in grids.values()
            if g.community_code != cell.community_code and g.street_code == cell.street_code} == {
        "Huamin Community"}
    # None keeps the stored English name; init keeps the administrator's.
    admin.update_unit(db, ADMIN, "KH-ZJJ", name="住建局", parent=None, active=True)
    init_reference(db(), load_centre_files(), statutory_days(YEARS))
    assert ref(db).units["KH-ZJJ"].name_en == "Housing Bureau"
    assert ref(db).grids[cell.code].street_en == "Huabu"
    refused(engine, ValidationError, "英文名称过长",
            lambda: admin.update_unit(db, ADMIN, "KH-ZJJ", name="住建局", parent=None,
                                      active=True, name_en="x" * 201))


# -- the calendar ----------------------------------------------------------------------------

def test_an_override_wins_and_removing_it_brings_the_holiday_back(db: Factory,
                                                                  centre: Centre) -> None:
    assert not centre.calendar.is_workday(NATIONAL_DAY)
    change = admin.set_calendar_day(db, centre, ADMIN, NATIONAL_DAY, True, " 值守开放 ")
    assert change.fields == {"workday": (False, True), "source": ("chinesecalendar", "admin"),
                             "note": ("National Day", "值守开放")}
    assert load_centre(db()).calendar.is_workday(NATIONAL_DAY)
    # The yearly re-seed keeps it.
    init_reference(db(), load_centre_files(), statutory_days(YEARS))
    assert load_centre(db()).calendar.is_workday(NATIONAL_DAY)
    removed = admin.remove_calendar_override(db, ADMIN, NATIONAL_DAY)
    assert removed.fields["workday"] == (True, False)
    stored = [d for d in ref(db).calendar_days if d.day == NATIONAL_DAY]
    assert [(d.workday, d.source, d.note) for d in stored] == [
        (False, "chinesecalendar", "National Day")]
    assert not load_centre(db()).calendar.is_workday(NATIONAL_DAY)


def test_an_override_on_a_plain_day_goes_away_completely(db: Factory, centre: Centre) -> None:
    day = date(2026, 3, 3)  # a Tuesday with no statutory flag
    admin.set_calendar_day(db, centre, ADMIN, day, False, "台风停工")
    assert not load_centre(db()).calendar.is_workday(day)
    change = admin.remove_calendar_override(db, ADMIN, day)
    assert change.fields == {"workday": (False, True), "source": ("admin", ""),
                             "note": ("台风停工", "")}
    assert all(d.day != day for d in ref(db).calendar_days)


def test_calendar_refusals_change_nothing(db: Factory, centre: Centre, engine: Engine) -> None:
    first, last = centre.calendar.first_year, centre.calendar.last_year
    refused(engine, ValidationError, "超出工作日历范围",
            lambda: admin.set_calendar_day(db, centre, ADMIN, date(first - 1, 6, 1), False))
    refused(engine, ValidationError, "超出工作日历范围",
            lambda: admin.set_calendar_day(db, centre, ADMIN, date(last + 1, 6, 1), False))
    refused(engine, ValidationError, "说明过长",
            lambda: admin.set_calendar_day(db, centre, ADMIN, date(2026, 3, 3), False, "长" * 201))
    refused(engine, ValidationError, "日期", lambda: admin.set_calendar_day(
        db, centre, ADMIN, datetime(2026, 3, 3, tzinfo=SHANGHAI), False))
    # The statutory row of National Day is not an override: nothing to remove.
    refused(engine, NotFoundError, "没有管理员调整",
            lambda: admin.remove_calendar_override(db, ADMIN, NATIONAL_DAY))
    refused(engine, NotFoundError, "没有管理员调整",
            lambda: admin.remove_calendar_override(db, ADMIN, date(2026, 3, 3)))


def test_the_same_override_twice_writes_once(db: Factory, centre: Centre) -> None:
    day = date(2026, 3, 3)
    assert admin.set_calendar_day(db, centre, ADMIN, day, False, "检修").changed
    assert not admin.set_calendar_day(db, centre, ADMIN, day, False, "检修").changed


def test_init_keeps_stage_limits_an_administrator_set(db: Factory) -> None:
    shipped = ref(db).config.stage_limits
    admin.update_stage_limits(db, ADMIN, {"结案": 90})
    report = init_reference(db(), load_centre_files(), statutory_days(YEARS))
    assert report.total == 0  # nothing to re-apply: the edited stage is the administrator's
    limits = ref(db).config.stage_limits
    assert limits["结案"] == 90
    assert all(limits[s] == v for s, v in shipped.items() if s != "结案")


def test_a_fresh_centre_builds_from_the_edited_data(db: Factory) -> None:
    admin.update_stage_limits(db, ADMIN, {"结案": 90})
    with db() as uow:
        assert build_centre(uow.reference.load()).ctx.stage_limits["结案"] == 90
