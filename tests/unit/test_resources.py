"""The shipped Kaihua data set (resources/kaihua) is complete and consistent."""

from __future__ import annotations

import re
from collections import Counter, deque
from pathlib import Path

import pytest
import yaml

from console.domain.cases import Role, Stage
from console.domain.geo import haversine_m, point_in_polygon
from console.domain.reference import CategoryKind, LimitClass, UnitKind
from tests.unit import kaihua

COUNTY = "330824"
SEED_FILE = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_7b43b57b58fae5a7.txt"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "categories.yaml"
CONFIGURABLE = "未见于实施方案，按本地配置补充（configurable）"
SEED_DEPARTMENTS = {
    "KH-ZHZF": "县综合执法局",
    "KH-XCB": "县宣传部",
    "KH-FZB": "县法制办",
    "KH-BB": "县编办",
    "KH-JW": "县纪委（监委）",
    "KH-CJB": "县创建办",
    "KH-GAJ": "县公安局",
    "KH-CZJ": "县财政局",
    "KH-AJJ": "县安监局",
}
# Categories with deliberately no county-wide rule (documented in routing.yaml and README.md).
NO_COUNTY_RULE_LOCALITY = {"01022", "01023", "01033", "01034"}
NO_COUNTY_RULE_OFFICE = {"01010", "01061", "01021", "01036", "02031", "02032"}
REQUIRED_LOCAL = {"05997", "10999", "10998"}


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize(
    "name",
    [
        "categories.yaml",
        "units.yaml",
        "routing.yaml",
        "users.yaml",
        "centre.yaml",
        "calendar.yaml",
    ],
)
def test_yaml_file_parses_and_documents_itself(name: str) -> None:
    text = (kaihua.ROOT / name).read_text(encoding="utf-8")
    assert text.startswith("# "), f"{name} must start with a comment header"
    assert isinstance(yaml.safe_load(text), dict)


def test_everything_loads() -> None:
    assert len(kaihua.categories()) == 253  # 250 standard matters + 3 local extensions
    assert kaihua.units()
    assert kaihua.rules()
    assert 150 <= len(kaihua.grids()) <= 250
    assert 100 <= len(kaihua.components()) <= 300
    assert kaihua.users()
    assert kaihua.centre().county_code == COUNTY
    assert kaihua.calendar_days() == ()


def test_readme_has_a_section_per_file() -> None:
    readme = (kaihua.ROOT / "README.md").read_text(encoding="utf-8")
    for name in (
        "categories.yaml",
        "units.yaml",
        "routing.yaml",
        "grid.geojson",
        "components.csv",
        "users.yaml",
        "centre.yaml",
        "calendar.yaml",
    ):
        assert re.search(rf"^## .*{re.escape(name)}", readme, re.M), name


# --------------------------------------------------------------------------- categories


def test_category_codes_and_kinds() -> None:
    for code, cat in kaihua.categories().items():
        assert re.fullmatch(r"\d{5}", code)
        assert cat.major == code[:2]
        expected = CategoryKind.COMPONENT if cat.major <= "05" else CategoryKind.EVENT
        assert cat.kind is expected, code
        assert cat.name_zh
        assert cat.name_en
        if cat.legacy_code is not None:
            assert re.fullmatch(r"\d{4}", cat.legacy_code), code
        if cat.local:
            assert int(code[2:]) >= 900, "local extensions are numbered down from 999"


def test_categories_cover_the_reference_matters() -> None:
    if not REFERENCE.exists():
        pytest.skip("shared reference not available")
    ref = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    matters = {m["code"]: m for m in ref["matters"]}
    cats = kaihua.categories()
    standard = {c for c, cat in cats.items() if not cat.local}
    assert standard == set(matters)
    for code in standard:
        assert cats[code].name_zh == matters[code]["name_zh"]
    assert {c for c, cat in cats.items() if cat.local} >= REQUIRED_LOCAL
    legacy = ref["legacy_cjt214"]
    legacy_components = {x["code"] for x in legacy["components"]}
    legacy_events = {x["code"] for x in legacy["events"]}
    for cat in cats.values():
        if cat.legacy_code is None:
            continue
        pool = legacy_components if cat.kind is CategoryKind.COMPONENT else legacy_events
        assert cat.legacy_code in pool, cat.code


@pytest.mark.parametrize(
    ("code", "legacy"),
    [("06001", "0101"), ("06010", "0102"), ("07001", "0201"), ("09009", "0505"), ("01001", "0101")],
)
def test_legacy_codes_named_in_the_brief(code: str, legacy: str) -> None:
    assert kaihua.categories()[code].legacy_code == legacy


def test_limits_and_conditions() -> None:
    for code, cat in kaihua.categories().items():
        assert set(cat.limits) == set(LimitClass), code
        assert all(v > 0 for v in cat.limits.values()), code
        assert cat.filing_conditions, code
        ids = [c.id for c in cat.filing_conditions]
        assert len(ids) == len(set(ids)), code
        for cond in cat.filing_conditions:
            assert cond.text, code
        assert cat.closing_condition, code


def test_specific_limits() -> None:
    cats = kaihua.categories()
    wild = cats["06001"]  # 私搭乱建: 停工 4 工作时 / 处罚 7 工作日 / 拆除 20 工作日
    assert wild.limits[LimitClass.GENERAL] == 240
    assert wild.limits[LimitClass.SPECIAL] == 7 * 480
    assert wild.limits[LimitClass.ENGINEERING] == 20 * 480
    assert [c.limit_class for c in wild.filing_conditions] == [
        LimitClass.GENERAL,
        LimitClass.SPECIAL,
        LimitClass.ENGINEERING,
    ]
    assert cats["08013"].limits[LimitClass.GENERAL] == 60  # 立即制止
    assert cats["01001"].natural_time  # missing cover: natural time
    assert not cats["06010"].natural_time


def test_condition_unit_overrides_agree_with_condition_rules() -> None:
    cond_rules = {(r.category, r.condition): r.unit for r in kaihua.rules() if r.condition}
    for code, cat in kaihua.categories().items():
        for cond in cat.filing_conditions:
            if cond.unit is not None:
                assert cond.unit in kaihua.units()
                assert cond_rules.get((code, cond.id)) == cond.unit, (code, cond.id)


# --------------------------------------------------------------------------- units


def test_units() -> None:
    units = kaihua.units()
    grids = kaihua.grids()
    streets = {g.street_code for g in grids.values()}
    communities = {g.community_code for g in grids.values()}
    for code, unit in units.items():
        assert re.fullmatch(r"KH-[A-Z0-9-]+", code), code
        assert unit.parent is None or unit.parent in units, code
        assert unit.duties, code
        if unit.kind is UnitKind.STREET:
            assert unit.area in streets | communities, code
        if not unit.seed:
            assert unit.duties.startswith(CONFIGURABLE), code
    for code, name in SEED_DEPARTMENTS.items():
        assert units[code].name == name
        assert units[code].seed
        assert units[code].kind is UnitKind.DEPARTMENT
    office = units["KH-LDXZ"]
    assert (office.kind, office.seed) == (UnitKind.OFFICE, True)
    assert {u.area for u in units.values() if u.kind is UnitKind.STREET and u.parent is None} == (
        streets
    )
    assert any(u.parent == "KH-QYBSC" for u in units.values())


def test_seed_duties_are_quoted_verbatim() -> None:
    if not SEED_FILE.exists():
        pytest.skip("seed document not available")
    seed = SEED_FILE.read_text(encoding="utf-8")
    for code in SEED_DEPARTMENTS:
        duties = kaihua.units()[code].duties
        quoted = duties.split("：", 1)[1]
        assert quoted in seed, code


# --------------------------------------------------------------------------- routing


def test_rules_reference_existing_things() -> None:
    cats, units = kaihua.categories(), kaihua.units()
    for r in kaihua.rules():
        assert r.category in cats, r
        assert r.unit in units, r
        assert r.basis, r
        if r.area is not None:
            assert len(r.area) in {9, 12, 15}, r
            assert r.area.startswith(COUNTY), r
        if r.condition is not None:
            assert cats[r.category].condition(r.condition) is not None, r
    keys = Counter((r.category, r.area, r.condition) for r in kaihua.rules())
    assert max(keys.values()) == 1, "one rule per (category, area, condition)"


def test_every_category_has_a_county_rule_or_is_documented() -> None:
    county = {r.category for r in kaihua.rules() if r.area is None and r.condition is None}
    missing = set(kaihua.categories()) - county
    assert missing == NO_COUNTY_RULE_LOCALITY | NO_COUNTY_RULE_OFFICE
    area_only = {r.category for r in kaihua.rules() if r.area is not None}
    assert area_only >= NO_COUNTY_RULE_LOCALITY
    assert not area_only & NO_COUNTY_RULE_OFFICE
    routing_text = (kaihua.ROOT / "routing.yaml").read_text(encoding="utf-8")
    for code in missing:
        assert re.search(rf"^#\s+{code} ", routing_text, re.M), f"{code} undocumented"


def test_no_rule_points_at_a_non_handling_seed_unit() -> None:
    idle = {"KH-FZB", "KH-BB", "KH-JW", "KH-CJB", "KH-CZJ"}
    assert not {r.unit for r in kaihua.rules()} & idle


# --------------------------------------------------------------------------- grid


def test_grid_codes_and_rings() -> None:
    features = kaihua.grid_features()
    for f in features:
        assert f["type"] == "Feature"
        assert f["geometry"]["type"] == "Polygon"
        ring = f["geometry"]["coordinates"][0]
        assert len(ring) >= 4
        assert ring[0] == ring[-1], "rings are closed"
        for x, y in ring:
            assert round(x, 6) == x
            assert round(y, 6) == y
            assert 118.0 < x < 119.0
            assert 28.5 < y < 29.6
    for code, cell in kaihua.grids().items():
        assert re.fullmatch(rf"{COUNTY}\d{{9}}", code)
        assert cell.street_code == code[:9]
        assert cell.community_code == code[:12]
        assert cell.street
        assert cell.community


def test_streets_and_communities() -> None:
    grids = kaihua.grids().values()
    streets = {g.street_code: g.street for g in grids}
    assert streets == {"330824001": "芹阳办事处", "330824100": "华埠镇"}
    per_street = Counter(g.street_code for g in grids)
    comms = {g.community_code for g in grids}
    assert len([c for c in comms if c.startswith("330824001")]) == 4
    assert len([c for c in comms if c.startswith("330824100")]) == 2
    assert per_street["330824001"] > per_street["330824100"]
    # County seat near (118.41, 29.14), township near (118.38, 29.05).
    for street, (lon, lat) in {"330824001": (118.41, 29.14), "330824100": (118.38, 29.05)}.items():
        cells = [g for g in grids if g.street_code == street]
        mlon = sum(g.centroid[0] for g in cells) / len(cells)
        mlat = sum(g.centroid[1] for g in cells) / len(cells)
        assert haversine_m(mlon, mlat, lon, lat) < 1_000


def test_cells_are_about_150_m() -> None:
    for cell in kaihua.grids().values():
        (w, s), (e, _), (_, n) = cell.polygon[0], cell.polygon[1], cell.polygon[2]
        assert 140 < haversine_m(w, s, e, s) < 160
        assert 140 < haversine_m(w, s, w, n) < 160


def test_cells_numbered_west_to_east_north_to_south() -> None:
    by_comm: dict[str, list[tuple[int, float, float]]] = {}
    for cell in kaihua.grids().values():
        west = min(p[0] for p in cell.polygon)
        north = max(p[1] for p in cell.polygon)
        by_comm.setdefault(cell.community_code, []).append((int(cell.code[12:]), west, north))
    for comm, cells in by_comm.items():
        numbers = sorted(n for n, _, _ in cells)
        assert numbers == list(range(1, len(cells) + 1)), comm
        reading_order = sorted(cells, key=lambda t: (-round(t[2], 6), round(t[1], 6)))
        assert [n for n, _, _ in reading_order] == numbers, comm


# --------------------------------------------------------------------------- components


def test_components() -> None:
    cats, units, grids = kaihua.categories(), kaihua.units(), kaihua.grids()
    for cid, comp in kaihua.components().items():
        assert re.fullmatch(r"\d{17}", cid)
        assert cid.startswith(COUNTY + comp.category), cid
        assert cats[comp.category].kind is CategoryKind.COMPONENT
        assert comp.owner is None or comp.owner in units, cid
        assert comp.maintainer is None or comp.maintainer in units, cid
        assert comp.grid in grids, cid
        assert point_in_polygon(comp.lon, comp.lat, grids[comp.grid].polygon), cid
        assert comp.state in {"完好", "破损", "丢失", "废弃", "移除", "占用"}


def test_component_inventory_has_the_owner_first_cases() -> None:
    comps = kaihua.components().values()
    owners = {(c.category, c.owner) for c in comps}
    assert ("03006", "KH-XCB") in owners  # billboards of 县宣传部
    assert ("03006", None) in owners  # commercial billboards
    assert ("02014", "KH-GAJ") in owners  # traffic lights of 县公安局
    assert ("01001", "KH-ZLS") in owners  # covers of the water company
    assert ("01037", "KH-ZJJ") in owners  # street lights of 住建局
    assert ("01023", None) in owners  # ownerless covers: 属地兜底


# --------------------------------------------------------------------------- users


def _neighbours(codes: set[str]) -> dict[str, set[str]]:
    """Cells sharing an edge (two ring vertices)."""
    grids = kaihua.grids()
    verts = {c: set(grids[c].polygon) for c in codes}
    return {a: {b for b in codes if b != a and len(verts[a] & verts[b]) >= 2} for a in codes}


def test_users() -> None:
    users = kaihua.users()
    units = kaihua.units()
    roles = Counter(u.role for u in users.values())
    for role in Role:
        assert roles[role.value] >= 1, role
    assert roles[Role.ACCEPTOR.value] >= 2
    assert roles[Role.DISPATCHER.value] >= 2
    assert roles[Role.SUPERVISOR.value] >= 2
    assert roles[Role.COLLECTOR.value] >= 8
    for user in users.values():
        assert user.username.isascii(), user
        assert user.role in {r.value for r in Role}
        if user.role == Role.UNIT.value:
            assert user.unit in units, user
        if user.role == Role.COLLECTOR.value:
            assert user.grids, user
        else:
            assert not user.grids, user


def test_collectors_cover_every_cell_once_in_contiguous_blocks() -> None:
    grids = kaihua.grids()
    seen: Counter[str] = Counter()
    for user in kaihua.users().values():
        if user.role != Role.COLLECTOR.value:
            continue
        block = set(user.grids)
        assert block <= set(grids), user.username
        seen.update(block)
        # contiguous: a breadth-first walk over shared edges reaches the whole block
        adj = _neighbours(block)
        start = next(iter(block))
        reached, todo = {start}, deque([start])
        while todo:
            for nxt in adj[todo.popleft()] - reached:
                reached.add(nxt)
                todo.append(nxt)
        assert reached == block, user.username
    assert set(seen) == set(grids), "every cell has a collector"
    assert max(seen.values()) == 1, "no cell has two collectors"


def test_every_receiving_unit_has_a_unit_user() -> None:
    with_user = {u.unit for u in kaihua.users().values() if u.role == Role.UNIT.value}
    receiving = {r.unit for r in kaihua.rules()}
    receiving |= {c.owner for c in kaihua.components().values() if c.owner}
    receiving.add(kaihua.centre().coordination_office)
    assert receiving <= with_user


# --------------------------------------------------------------------------- centre, calendar


def test_centre() -> None:
    cfg = kaihua.centre()
    assert cfg.coordination_office in kaihua.units()
    assert set(cfg.stage_limits) == {s.value for s in Stage} - {Stage.HANDLE.value}
    assert all(v > 0 for v in cfg.stage_limits.values())
    assert sum((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute) for s, e in cfg.windows) == 480
    assert 0 < cfg.yellow_at < 1
    assert (cfg.duplicate_radius_m, cfg.duplicate_hours) == (50.0, 24.0)


def test_calendar_ships_empty() -> None:
    assert kaihua.read_yaml("calendar.yaml") == {"days": []}


# --------------------------------------------------------------------------- English names

ENGLISH = re.compile(r"[A-Z][A-Za-z0-9 ,()'-]+")
"""An English name: ASCII words, capitalised, no Chinese."""


def test_every_unit_has_an_english_name() -> None:
    units = kaihua.units()
    for code, unit in units.items():
        assert ENGLISH.fullmatch(unit.name_en), (code, unit.name_en)
    names = [u.name_en for u in units.values()]
    assert len(set(names)) == len(names), "two units share an English name"
    # The renderings the issue names, and proper names in pinyin.
    assert units["KH-ZHZF"].name_en == "County Comprehensive Law Enforcement Bureau"
    assert units["KH-GAJ"].name_en == "County Public Security Bureau"
    assert units["KH-QYBSC"].name_en == "Qinyang Subdistrict Office"
    assert units["KH-HBZ"].name_en == "Huabu Town Government"
    for unit in units.values():  # a county body reads "County …"
        if unit.name.startswith("县"):
            assert unit.name_en.startswith("County "), unit.code


def test_every_street_and_community_has_an_english_name() -> None:
    grids = kaihua.grids().values()
    streets = {(g.street, g.street_en) for g in grids}
    assert streets == {("芹阳办事处", "Qinyang Subdistrict"), ("华埠镇", "Huabu Town")}
    communities = {(g.community, g.community_en) for g in grids}
    assert communities == {
        ("北门社区", "Beimen Community"), ("东门社区", "Dongmen Community"),
        ("西门社区", "Ximen Community"), ("江滨社区", "Jiangbin Community"),
        ("华埠社区", "Huabu Community"), ("华民社区", "Huamin Community"),
    }
    for feature in kaihua.grid_features():  # in the file itself, on every cell
        props = feature["properties"]
        assert props["street_en"] and props["community_en"], props["code"]


def test_the_centre_has_an_english_name() -> None:
    assert kaihua.centre().name_en == "Kaihua County Smart City Management Command Centre"


def test_english_names_are_documented() -> None:
    readme = (kaihua.ROOT / "README.md").read_text(encoding="utf-8")
    for field in ("name_en", "street_en", "community_en"):
        assert f"`{field}`" in readme, field
    assert "name_en" in (kaihua.ROOT / "units.yaml").read_text(encoding="utf-8").split("\nunits:")[0]
    assert "street_en" in json_header()


def json_header() -> str:
    """grid.geojson's own description (GeoJSON has no comments: a foreign member holds it)."""
    import json

    return str(json.loads((kaihua.ROOT / "grid.geojson").read_text(encoding="utf-8"))["description"])


def test_a_centre_without_english_names_loads_with_empty_ones(tmp_path: Path) -> None:
    from console.reference_files import load_grids, load_units

    units = tmp_path / "units.yaml"
    units.write_text('units:\n  - {code: KH-X, name: "县某局", kind: department}\n', "utf-8")
    assert load_units(units)[0].name_en == ""
    grid = tmp_path / "grid.geojson"
    ring = [[118.0, 29.0], [118.1, 29.0], [118.1, 29.1], [118.0, 29.0]]
    grid.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"code":"330824001001001","street_code":"330824001","street":"某街道",'
        '"community_code":"330824001001","community":"某社区"},"geometry":'
        f'{{"type":"Polygon","coordinates":[{ring}]}}}}]}}', "utf-8")
    cell = load_grids(grid)[0]
    assert (cell.street_en, cell.community_en) == ("", "")
