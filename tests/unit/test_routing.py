"""Routing: the seed's division of duties on the shipped Kaihua data, and the rule order itself.

The first half is a table written by hand from the seed 开化县智慧化城市管理系统运行工作实施方案
(2018) section 四、职责分工: one row per duty that names a category, with the department the seed
names.  It is checked against resources/kaihua as shipped, in the county seat, in a township and
with no grid at all: the seed's assignment must hold everywhere.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import pytest

from console.domain.reference import (
    Category,
    CategoryKind,
    ComponentInstance,
    FilingCondition,
    GridCell,
    LimitClass,
    RoutingRule,
    Unit,
    UnitKind,
)
from console.domain.routing import RouteResult, route
from tests.unit import kaihua

OFFICE = "KH-LDXZ"
QY = "330824001"  # 芹阳办事处 (county seat, phase 1 of the seed)
HB = "330824100"  # 华埠镇 (a township, phase 2)


class Duty(NamedTuple):
    """One seed duty that names a category."""

    duty: int  # 职责分工 n
    phrase: str  # the seed's words
    category: str
    unit: str
    condition: str | None = None  # filing condition the seed's wording implies
    owned: bool = False  # the duty is about components the unit itself owns (涉及本单位)


# fmt: off
SEED_DUTIES: list[Duty] = [
    # 1. 县综合执法局
    Duty(1, "涉及本单位的城市管理部件问题（垃圾箱）", "03005", "KH-ZHZF", owned=True),
    Duty(1, "违法搭建", "06001", "KH-ZHZF"),
    Duty(1, "焚烧垃圾树叶", "06020", "KH-ZHZF"),
    Duty(1, "非法涂写张贴小广告", "07001", "KH-ZHZF", condition="1"),
    Duty(1, "违法悬挂广告牌匾", "07006", "KH-ZHZF"),
    Duty(1, "违法占道广告牌", "07003", "KH-ZHZF"),
    Duty(1, "街头擅自散发小广告", "07002", "KH-ZHZF"),
    Duty(1, "工地扬尘", "08004", "KH-ZHZF"),
    Duty(1, "违章挖掘", "08003", "KH-ZHZF"),
    Duty(1, "无照经营游商", "09001", "KH-ZHZF"),
    Duty(1, "占道废品收购", "09004", "KH-ZHZF"),
    Duty(1, "店外经营", "09005", "KH-ZHZF"),
    Duty(1, "露天烧烤", "06029", "KH-ZHZF"),
    Duty(1, "沿街晾挂", "06007", "KH-ZHZF"),
    Duty(1, "毁绿占绿", "06045", "KH-ZHZF"),
    Duty(1, "遮阳棚破损", "06043", "KH-ZHZF"),
    Duty(1, "违章接坡", "06003", "KH-ZHZF"),
    Duty(1, "临街阳台脏乱差", "06005", "KH-ZHZF"),
    Duty(1, "横幅乱挂", "07007", "KH-ZHZF"),
    Duty(1, "擅自搭建气模拱门", "07007", "KH-ZHZF"),
    Duty(1, "施工占道", "08002", "KH-ZHZF"),
    Duty(1, "擅自悬挂商业性气球直幅", "07007", "KH-ZHZF"),
    Duty(1, "违法占道经营", "09006", "KH-ZHZF"),
    Duty(1, "临时收费停车场", "09016", "KH-ZHZF"),
    Duty(1, "积存垃圾渣土", "06011", "KH-ZHZF"),
    Duty(1, "非装饰性树挂", "06019", "KH-ZHZF"),
    Duty(1, "道路遗撒", "06014", "KH-ZHZF"),
    Duty(1, "广告牌破损", "03006", "KH-ZHZF"),
    Duty(1, "灯箱霓虹灯破损", "03006", "KH-ZHZF"),
    Duty(1, "擅自饲养家畜家禽", "06038", "KH-ZHZF"),
    Duty(1, "施工废弃料", "08005", "KH-ZHZF"),
    Duty(1, "抛洒滴漏", "08011", "KH-ZHZF"),
    Duty(1, "乱堆物堆料", "06036", "KH-ZHZF"),
    Duty(1, "擅自接管排水", "06030", "KH-ZHZF"),
    Duty(1, "生活噪声", "06028", "KH-ZHZF", condition="1"),
    Duty(1, "建筑施工噪声污染", "08001", "KH-ZHZF"),
    Duty(1, "城市餐饮服务业超标排污行为", "06027", "KH-ZHZF"),
    Duty(1, "对侵占城市人行道行为（机动车）", "09009", "KH-ZHZF", condition="2"),
    Duty(1, "对侵占城市人行道行为（非机动车）", "09010", "KH-ZHZF", condition="2"),
    Duty(1, "动物(犬类)管理", "10998", "KH-ZHZF"),
    # 2. 县宣传部
    Duty(2, "涉及本单位的广告牌匾", "03006", "KH-XCB", owned=True),
    Duty(2, "涉及本单位的电子屏", "03006", "KH-XCB", owned=True),
    # 7. 县公安局
    Duty(7, "公安设施（公安井盖）", "01012", "KH-GAJ"),
    Duty(7, "公安设施（公安指示牌）", "02039", "KH-GAJ"),
    Duty(7, "监控电子眼", "01050", "KH-GAJ"),
    Duty(7, "治安岗亭", "01051", "KH-GAJ"),
    Duty(7, "权属管理…广告牌匾（本单位所有）", "03006", "KH-GAJ", owned=True),
    Duty(7, "权属管理…交通信号灯（本单位所有）", "02014", "KH-GAJ", owned=True),
    Duty(7, "交通信号灯", "02014", "KH-GAJ"),
    Duty(7, "其他交通信号设施", "02015", "KH-GAJ"),
    Duty(7, "交通护栏", "02017", "KH-GAJ"),
    Duty(7, "交通标志牌", "02010", "KH-GAJ"),
    Duty(7, "交通岗亭", "02016", "KH-GAJ"),
    Duty(7, "废弃车辆", "06034", "KH-GAJ"),
    Duty(7, "商业噪音", "06028", "KH-GAJ", condition="2"),
    Duty(7, "群发性事件", "10999", "KH-GAJ"),
    Duty(7, "机动车…在道路乱停放", "09009", "KH-GAJ", condition="1"),
    Duty(7, "非机动车在道路乱停放", "09010", "KH-GAJ", condition="1"),
    Duty(7, "机动车在道路乱停放（未选立案条件）", "09009", "KH-GAJ"),
    Duty(7, "涉及违法犯罪的非法张贴涂写小广告", "07001", "KH-GAJ", condition="2"),
    # 9. 县安监局
    Duty(9, "矿山、危险化学品重大危险源等城市部件问题", "05997", "KH-AJJ"),
]
# fmt: on

# Seed duties that name no category (and so have no row above):
#   1 人防(民防)城市管理方面违法行为的行政处罚权 — a penalty power; GB/T 47678.5 has no 人防 item.
#   1 对大气排放粉尘、恶臭气体等物质的行为(工业领域除外) — no category for dust/odour emission
#     (工地扬尘 08004 and 油烟 06027 are covered by their own phrases).
#   2 智慧城管建设和运行的宣传工作; 3 法制; 4 编制; 5 监察; 6 考核; 8 资金 — not case handling.
#   7 公安视频监控接入城管网络的配合工作 — integration work, not a case category.


def _cell(street: str) -> GridCell:
    return next(g for g in kaihua.grids().values() if g.street_code == street)


LOCATIONS = {"none": None, "qy": QY, "hb": HB}


def _owned_component(category: str, owner: str, phrase: str) -> ComponentInstance:
    comps = [c for c in kaihua.components().values() if c.category == category and c.owner == owner]
    assert comps, f"components.csv has no {category} owned by {owner}"
    if "电子屏" in phrase:
        comps = [c for c in comps if "电子屏" in c.name] or comps
    return comps[0]


def _route_real(
    category: str,
    *,
    grid: GridCell | None,
    component: ComponentInstance | None = None,
    condition: str | None = None,
) -> RouteResult:
    return route(
        kaihua.categories()[category],
        grid=grid,
        component=component,
        condition=condition,
        rules=kaihua.rules(),
        units=kaihua.units(),
        coordination_office=kaihua.centre().coordination_office,
    )


def test_seed_table_covers_every_category_naming_duty() -> None:
    assert len(SEED_DUTIES) >= 55
    assert {d.duty for d in SEED_DUTIES} == {1, 2, 7, 9}
    units = kaihua.units()
    for d in SEED_DUTIES:
        assert units[d.unit].seed, d


@pytest.mark.parametrize("where", list(LOCATIONS))
@pytest.mark.parametrize("duty", SEED_DUTIES, ids=lambda d: f"{d.duty}-{d.phrase}")
def test_seed_duty_routes_to_seed_department(duty: Duty, where: str) -> None:
    street = LOCATIONS[where]
    component = None
    if duty.owned:
        component = _owned_component(duty.category, duty.unit, duty.phrase)
        grid = kaihua.grids()[component.grid] if street else None
    else:
        grid = _cell(street) if street else None
    if duty.condition is not None:
        assert kaihua.categories()[duty.category].condition(duty.condition) is not None
    result = _route_real(duty.category, grid=grid, component=component, condition=duty.condition)
    assert result.unit == duty.unit, result.rule
    if duty.owned:
        assert result.matched == "component_owner"
    elif duty.condition is not None and result.matched == "condition_rule":
        assert "职责分工" in result.rule
    else:
        assert result.matched in {"owner_rule", "county_rule", "condition_rule"}
        # The reason quotes the seed, so the dispatcher sees why.
        assert "职责分工" in result.rule


# --------------------------------------------------------------------------- owner first (部件)


def test_billboard_owned_by_propaganda_department_goes_to_owner() -> None:
    billboard = next(
        c for c in kaihua.components().values() if c.category == "03006" and c.owner == "KH-XCB"
    )
    grid = kaihua.grids()[billboard.grid]
    owned = _route_real("03006", grid=grid, component=billboard)
    assert owned.unit == "KH-XCB"
    assert owned.matched == "component_owner"
    assert owned.rule == f"部件权属：县宣传部（部件 {billboard.id}）"

    generic = _route_real("03006", grid=grid, component=None)
    assert generic.unit == "KH-ZHZF"
    assert generic.matched == "owner_rule"


def test_commercial_billboard_without_owner_unit_goes_to_type_owner() -> None:
    private = next(
        c for c in kaihua.components().values() if c.category == "03006" and c.owner is None
    )
    result = _route_real("03006", grid=kaihua.grids()[private.grid], component=private)
    assert (result.unit, result.matched) == ("KH-ZHZF", "owner_rule")


def test_hydrant_owned_by_water_company_not_fire_brigade() -> None:
    hydrant = next(c for c in kaihua.components().values() if c.category == "01013")
    assert _route_real("01013", grid=None, component=hydrant).unit == "KH-ZLS"
    assert _route_real("01013", grid=None).unit == "KH-XFJY"


def test_component_of_another_type_is_ignored() -> None:
    lamp = next(c for c in kaihua.components().values() if c.category == "01037")
    result = _route_real("03006", grid=None, component=lamp)
    assert (result.unit, result.matched) == ("KH-ZHZF", "owner_rule")


def test_ownerless_cover_falls_to_locality_then_office() -> None:
    qy = _route_real("01023", grid=_cell(QY))
    hb = _route_real("01023", grid=_cell(HB))
    nowhere = _route_real("01023", grid=None)
    assert (qy.unit, qy.matched) == ("KH-QYBSC", "area_rule")
    assert (hb.unit, hb.matched) == ("KH-HBZ", "area_rule")
    assert qy.rule.startswith("后属地：芹阳办事处")
    assert (nowhere.unit, nowhere.matched) == (OFFICE, "fallback")


# --------------------------------------------------------------------------- locality first (事件)


def test_event_in_township_goes_to_town_first() -> None:
    hb = _route_real("06010", grid=_cell(HB))
    qy = _route_real("06010", grid=_cell(QY))
    assert (hb.unit, hb.matched) == ("KH-HBZ", "area_rule")
    assert hb.rule.startswith("属地优先：华埠镇 → 华埠镇人民政府")
    assert (qy.unit, qy.matched) == ("KH-ZHZF", "county_rule")


def test_condition_override_beats_locality() -> None:
    hb = _cell(HB)
    assert _route_real("07001", grid=hb, condition="1").unit == "KH-ZHZF"
    crime = _route_real("07001", grid=hb, condition="2")
    assert (crime.unit, crime.matched) == ("KH-GAJ", "condition_rule")
    assert crime.rule.startswith("立案条件 2")


def test_deliberate_no_rule_falls_to_coordination_office() -> None:
    result = _route_real("01010", grid=_cell(QY))
    assert result == RouteResult(
        unit=OFFICE, rule="无匹配规则，交县智慧城管领导小组办公室协调", matched="fallback"
    )


def test_real_data_inactive_unit_is_skipped() -> None:
    units = dict(kaihua.units())
    units["KH-HBZ"] = replace(units["KH-HBZ"], active=False)
    result = route(
        kaihua.categories()["06010"],
        grid=_cell(HB),
        component=None,
        condition=None,
        rules=kaihua.rules(),
        units=units,
        coordination_office=OFFICE,
    )
    assert (result.unit, result.matched) == ("KH-ZHZF", "county_rule")
    assert result.skipped == ("KH-HBZ",)
    assert "KH-HBZ" in result.rule


# --------------------------------------------------------------------------- the rule order, synthetic


def _unit(code: str, *, active: bool = True, kind: UnitKind = UnitKind.DEPARTMENT) -> Unit:
    return Unit(code=code, name=f"单位{code}", kind=kind, active=active)


UNITS = {c: _unit(c) for c in ("OWNER", "DEPT", "STREET", "COMM", "CELL", "POLICE", "COND", OFFICE)}
UNITS[OFFICE] = Unit(code=OFFICE, name="县智慧城管领导小组办公室", kind=UnitKind.OFFICE)
CELL = GridCell(
    code="330824001002003",
    street_code="330824001",
    street="芹阳办事处",
    community_code="330824001002",
    community="东门社区",
    polygon=((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)),
)


def _cat(kind: CategoryKind, *conds: FilingCondition) -> Category:
    return Category(
        code="99001",
        kind=kind,
        major="99",
        name_zh="测试类",
        name_en="test",
        limits={LimitClass.GENERAL: 60},
        filing_conditions=conds or (FilingCondition("1", "一般"),),
    )


def _comp(owner: str | None, category: str = "99001") -> ComponentInstance:
    return ComponentInstance(
        id="33082499001000001",
        category=category,
        name="测试部件",
        owner=owner,
        maintainer=None,
        grid=CELL.code,
        lon=0.5,
        lat=0.5,
    )


ALL_RULES = (
    RoutingRule("99001", "DEPT", basis="职责分工 0：测试"),
    RoutingRule("99001", "STREET", area="330824001", basis="本地配置"),
    RoutingRule("99001", "COMM", area="330824001002", basis="本地配置"),
    RoutingRule("99001", "POLICE", condition="2", basis="职责分工 7：测试"),
    RoutingRule("99002", "CELL", area="330824001002003"),
)


def _r(
    kind: CategoryKind,
    *,
    rules: tuple[RoutingRule, ...] = ALL_RULES,
    grid: GridCell | None = CELL,
    component: ComponentInstance | None = None,
    condition: str | None = None,
    units: dict[str, Unit] | None = None,
    cat: Category | None = None,
) -> RouteResult:
    return route(
        cat or _cat(kind),
        grid=grid,
        component=component,
        condition=condition,
        rules=rules,
        units=units if units is not None else UNITS,
        coordination_office=OFFICE,
    )


def test_component_order_owner_then_county_then_area() -> None:
    c = CategoryKind.COMPONENT
    assert _r(c, component=_comp("OWNER")).matched == "component_owner"
    assert _r(c, component=_comp("OWNER")).unit == "OWNER"
    assert _r(c).unit == "DEPT"
    assert _r(c).matched == "owner_rule"
    no_county = tuple(r for r in ALL_RULES if r.unit != "DEPT")
    assert (_r(c, rules=no_county).unit, _r(c, rules=no_county).matched) == ("COMM", "area_rule")
    assert _r(c, rules=no_county, grid=None).matched == "fallback"


def test_event_order_area_longest_prefix_then_county() -> None:
    e = CategoryKind.EVENT
    assert (_r(e).unit, _r(e).matched) == ("COMM", "area_rule")
    assert _r(e).rule.startswith("属地优先：芹阳办事处东门社区")
    other = replace(CELL, code="330824001005001", community_code="330824001005")
    assert _r(e, grid=other).unit == "STREET"
    elsewhere = replace(CELL, code="330824100001001", street_code="330824100")
    assert (_r(e, grid=elsewhere).unit, _r(e, grid=elsewhere).matched) == ("DEPT", "county_rule")
    assert _r(e, grid=None).unit == "DEPT"
    assert _r(e, grid=None).rule.startswith("职责分工：测试类 → 单位DEPT")


def test_event_ignores_component_owner() -> None:
    result = _r(CategoryKind.EVENT, component=_comp("OWNER"))
    assert result.unit == "COMM"


def test_condition_rule_beats_owner_and_area() -> None:
    for kind in CategoryKind:
        res = _r(kind, condition="2", component=_comp("OWNER"))
        assert (res.unit, res.matched) == ("POLICE", "condition_rule")
    # A condition without its own rule routes as if none were given.
    assert _r(CategoryKind.EVENT, condition="1").unit == "COMM"


def test_area_restricted_condition_rule_needs_matching_grid() -> None:
    rules = (
        *ALL_RULES,
        RoutingRule("99001", "COND", area="330824100", condition="3"),
    )
    assert _r(CategoryKind.EVENT, rules=rules, condition="3").unit == "COMM"
    hb = replace(CELL, code="330824100001001")
    assert _r(CategoryKind.EVENT, rules=rules, condition="3", grid=hb).unit == "COND"


def test_filing_condition_unit_is_an_override_too() -> None:
    cat = _cat(CategoryKind.EVENT, FilingCondition("5", "涉及违法犯罪", unit="POLICE"))
    res = _r(CategoryKind.EVENT, cat=cat, condition="5", rules=())
    assert (res.unit, res.matched) == ("POLICE", "condition_rule")
    assert "涉及违法犯罪" in res.rule


def test_inactive_and_unknown_units_are_skipped() -> None:
    units = {**UNITS, "OWNER": _unit("OWNER", active=False), "COMM": _unit("COMM", active=False)}
    res = _r(CategoryKind.COMPONENT, component=_comp("OWNER"), units=units)
    assert (res.unit, res.matched) == ("DEPT", "owner_rule")
    assert res.skipped == ("OWNER",)
    ev = _r(CategoryKind.EVENT, units=units)
    assert (ev.unit, ev.matched) == ("STREET", "area_rule")
    assert ev.skipped == ("COMM",)
    ghost = (RoutingRule("99001", "GHOST"),)
    fb = _r(CategoryKind.EVENT, rules=ghost)
    assert (fb.unit, fb.matched, fb.skipped) == (OFFICE, "fallback", ("GHOST",))
    assert fb.rule.startswith("无匹配规则，交县智慧城管领导小组办公室协调")


def test_fallback_office_need_not_be_a_known_unit() -> None:
    res = route(
        _cat(CategoryKind.EVENT),
        grid=None,
        component=None,
        condition=None,
        rules=(),
        units={},
        coordination_office="KH-XX",
    )
    assert res == RouteResult("KH-XX", "无匹配规则，交KH-XX协调", "fallback")


def test_equally_specific_rules_keep_matrix_order() -> None:
    rules = (RoutingRule("99001", "DEPT"), RoutingRule("99001", "POLICE"))
    assert _r(CategoryKind.EVENT, rules=rules).unit == "DEPT"
    assert _r(CategoryKind.EVENT, rules=rules[::-1]).unit == "POLICE"
