"""The national loop and its side paths, driven through the CLI on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from tests.cli.conftest import run

GRID = "330824001001001"  # 芹阳办事处, first cell


def new_case(url: str, *extra: str, category: str = "06010", user: str = "caiji01") -> dict:
    result = run(url, "case", "new", "--category", category, "--desc", "路口暴露垃圾一堆",
                 "--grid", GRID, "--json", *extra, user=user)
    assert result.code == 0, result.err
    return json.loads(result.out)


def step(url: str, action: str, case: int, *extra: str, user: str = "admin",
         now: str = "2026-03-02T10:00:00+08:00") -> dict:
    result = run(url, "case", action, str(case), "--json", *extra, user=user, now=now)
    assert result.code == 0, f"{action}: {result.err}"
    return json.loads(result.out)


def show(url: str, case: int) -> dict:
    result = run(url, "case", "show", str(case), "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_collector_report_runs_the_whole_loop_with_one_rework(cli_db: str) -> None:
    created = new_case(cli_db)
    cid = created["id"]
    assert created["state"] == "待受理"
    assert created["suggested_unit"]["code"] == "KH-ZHZF" or created["rule"]
    unit = created["suggested_unit"]["code"]
    unit_user = {"KH-ZHZF": "unit_zhzf", "KH-QYBSC": "unit_qybsc"}.get(unit, "admin")
    step(cli_db, "accept", cid, user="shouli1")
    step(cli_db, "file", cid, user="zhibanzhang1")
    dispatched = step(cli_db, "dispatch", cid, user="paiqian1")
    assert dispatched["state"] == "待处置" and dispatched["unit"] == unit
    step(cli_db, "start", cid, user=unit_user)
    step(cli_db, "feedback", cid, "--notes", "已清运", user=unit_user)
    step(cli_db, "request-check", cid, user="shouli1")
    again = step(cli_db, "check-fail", cid, "--notes", "仍有残留", user="caiji01")
    assert again["state"] == "待处置" and again["unit"] == unit
    step(cli_db, "start", cid, user=unit_user)
    step(cli_db, "feedback", cid, "--notes", "已彻底清理", user=unit_user)
    step(cli_db, "request-check", cid, user="shouli1")
    step(cli_db, "check-pass", cid, user="caiji01")
    closed = step(cli_db, "close", cid, user="zhibanzhang1")
    assert closed["state"] == "已结案"
    detail = show(cli_db, cid)
    assert detail["rework_count"] == 1
    types = [e["type"] for e in detail["timeline"]]
    assert types == [
        "report", "accept", "file", "dispatch", "start", "feedback", "request-check",
        "check-fail", "start", "feedback", "request-check", "check-pass", "close",
    ]
    roles = {e["type"]: e["role"] for e in detail["timeline"]}
    assert roles["dispatch"] == "派遣员" and roles["close"] == "值班长"
    assert all(e["desk"] == "cli" for e in detail["timeline"])
    assert detail["timeline"][3]["stage"] == "派遣" and detail["timeline"][3]["on_time"] is True


def test_hotline_report_is_verified_then_extended_returned_and_voided(cli_db: str) -> None:
    cid = new_case(cli_db, "--source", "12345热线", user="shouli1")["id"]
    step(cli_db, "accept", cid, user="shouli1")
    refused = run(cli_db, "case", "file", str(cid), user="zhibanzhang1")
    assert refused.code == 3 and "核实" in refused.err
    step(cli_db, "request-verify", cid, user="shouli1")
    step(cli_db, "verify", cid, "--found", user="caiji01")
    step(cli_db, "file", cid, user="zhibanzhang1")
    case = step(cli_db, "dispatch", cid, user="paiqian1")
    unit_user = {"KH-ZHZF": "unit_zhzf", "KH-QYBSC": "unit_qybsc"}.get(case["unit"], "admin")
    before = show(cli_db, cid)["stage_deadline"]
    step(cli_db, "request-extension", cid, "--hours", "4", "--reason", "需调派车辆", user=unit_user)
    blocked = run(cli_db, "case", "start", str(cid), user=unit_user)
    assert blocked.code == 3 and "待审批" in blocked.err
    step(cli_db, "approve", cid, user="zhibanzhang1")
    after = show(cli_db, cid)
    assert after["stage_deadline"] > before and after["pending"] is None
    step(cli_db, "request-return", cid, "--reason", "非本单位职责", user=unit_user)
    back = step(cli_db, "approve", cid, user="zhibanzhang1")
    assert back["state"] == "待派遣" and back["unit"] is None
    designated = step(cli_db, "designate", cid, "--unit", "KH-ZJJ", "--reason", "责任不清",
                      user="zhibanzhang1")
    assert designated["unit"] == "KH-ZJJ"
    step(cli_db, "request-suspend", cid, "--reason", "雨季无法施工", user="unit_zjj")
    suspended = step(cli_db, "approve", cid, user="zhibanzhang1")
    assert suspended["state"] == "挂账"
    step(cli_db, "urge", cid, "--note", "请制定计划", user="zhibanzhang1")
    resumed = step(cli_db, "resume", cid, user="zhibanzhang1", now="2026-03-03T10:00:00+08:00")
    assert resumed["state"] == "处置中"
    step(cli_db, "request-void", cid, "--reason", "重复案件", user="shouli1")
    denied = step(cli_db, "deny-request", cid, "--reason", "不是重复", user="zhibanzhang1")
    assert denied["state"] == "处置中"
    step(cli_db, "request-void", cid, "--reason", "确认重复", user="shouli1")
    voided = step(cli_db, "approve", cid, user="zhibanzhang1")
    assert voided["state"] == "已作废"


def test_refusals_and_a_second_level_dispatch(cli_db: str) -> None:
    refused = new_case(cli_db)["id"]
    assert step(cli_db, "refuse", refused, "--reason", "非城管职责")["state"] == "不予受理"
    nf = new_case(cli_db, "--source", "公众举报", user="shouli1")["id"]
    step(cli_db, "accept", nf)
    step(cli_db, "request-verify", nf)
    step(cli_db, "verify", nf, "--not-found", user="caiji01")
    assert step(cli_db, "refuse-file", nf, "--reason", "现场无此问题")["state"] == "不予立案"
    cid = new_case(cli_db)["id"]
    step(cli_db, "accept", cid)
    step(cli_db, "file", cid)
    refused_unit = run(cli_db, "case", "dispatch", str(cid), "--unit", "KH-QYBSC")
    assert refused_unit.code == 2 and "须说明原因" in refused_unit.err  # not the suggested unit
    assert show(cli_db, cid)["state"] == "待派遣"  # nothing changed
    step(cli_db, "dispatch", cid, "--unit", "KH-QYBSC", "--reason", "属地街道先行处置")
    sub = step(cli_db, "subdispatch", cid, "--unit", "KH-QYBSC-001", user="unit_qybsc")
    assert sub["unit"] == "KH-QYBSC-001"
    assert step(cli_db, "start", cid, user="unit_qybsc001")["state"] == "处置中"


def test_duplicates_are_suggested_and_merged(cli_db: str) -> None:
    lon, lat = _inside(cli_db)
    first = json.loads(run(cli_db, "case", "new", "--category", "06010", "--desc", "垃圾",
                           "--lon", lon, "--lat", lat, "--json", user="caiji01").out)
    near = run(cli_db, "case", "new", "--category", "06010", "--desc", "同一处垃圾",
               "--lon", lon, "--lat", lat, "--json", user="shouli1",
               now="2026-03-02T10:05:00+08:00")
    hint = json.loads(near.out)["duplicates"]
    assert [d["id"] for d in hint] == [first["id"]] and hint[0]["distance_m"] == 0
    second = run(cli_db, "case", "new", "--category", "06010", "--desc", "同一处垃圾",
                 "--grid", first["grid"], "--json", user="shouli1",
                 now="2026-03-02T10:06:00+08:00")
    data = json.loads(second.out)
    assert first["id"] in [d["id"] for d in data["duplicates"]]
    merged = step(cli_db, "merge", data["id"], "--into", str(first["id"]))
    assert merged["state"] == "已合并"
    third = json.loads(run(cli_db, "case", "new", "--category", "06010", "--desc", "又一处",
                           "--grid", first["grid"], "--json", user="shouli1",
                           now="2026-03-02T10:07:00+08:00").out)
    refused = run(cli_db, "case", "merge", str(third["id"]), "--into", str(data["id"]))
    # The target's state refuses the merge: exit 3, as a case's own state would (issue #13).
    assert refused.code == 3 and "状态为「已合并」" in refused.err and "已已" not in refused.err


def _inside(url: str) -> tuple[str, str]:
    from console.reference_files import DEFAULT_CENTRE, load_grids

    cell = next(c for c in load_grids(DEFAULT_CENTRE / "grid.geojson") if c.code == GRID)
    lon, lat = cell.centroid
    return f"{lon:.6f}", f"{lat:.6f}"


def test_coordinates_must_lie_in_the_given_cell(cli_db: str) -> None:
    bad = run(cli_db, "case", "new", "--category", "06010", "--desc", "x", "--grid", GRID,
              "--lon", "118.38", "--lat", "29.05", user="caiji01")
    assert bad.code == 2 and "不在网格" in bad.err


def test_stale_version_is_a_conflict(cli_db: str) -> None:
    created = new_case(cli_db)
    step(cli_db, "accept", created["id"], "--version", str(created["version"]))
    stale = run(cli_db, "case", "file", str(created["id"]), "--version", str(created["version"]))
    assert stale.code == 3 and "已被他人修改" in stale.err


def test_unit_users_cannot_act_on_other_units_cases(cli_db: str) -> None:
    cid = new_case(cli_db)["id"]
    step(cli_db, "accept", cid)
    step(cli_db, "file", cid)
    step(cli_db, "dispatch", cid, "--unit", "KH-ZHZF", "--reason", "执法局先行处置")
    other = run(cli_db, "case", "start", str(cid), user="unit_gaj")
    # Another unit's case answers as no such case: nothing of it is named (issue #14).
    unknown = run(cli_db, "case", "start", "99999999", user="unit_gaj")
    assert other.code == unknown.code == 2
    assert other.err == unknown.err.replace("99999999", str(cid))


def test_route_follows_the_seed_and_owner_first(cli_db: str) -> None:
    res = run(cli_db, "route", "--category", "私搭乱建", "--grid", GRID, "--json")
    assert json.loads(res.out)["unit"] == {"code": "KH-ZHZF", "name": "县综合执法局"}
    billboard = run(cli_db, "route", "--category", "03006", "--component", "33082403006000001",
                    "--json")
    data = json.loads(billboard.out)
    assert data["unit"]["code"] == "KH-XCB" and "权属" in data["rule"]
    assert data["category"]["code"] == "03006"
    generic = json.loads(run(cli_db, "route", "--category", "03006", "--grid", GRID, "--json").out)
    assert generic["unit"]["code"] == "KH-ZHZF"


def test_list_filters_and_show_text(cli_db: str) -> None:
    cid = new_case(cli_db)["id"]
    rows = json.loads(run(cli_db, "case", "list", "--state", "待受理", "--json").out)
    assert [r["id"] for r in rows] == [cid] and rows[0]["light"] == "green"
    assert rows[0]["remaining"] == "剩 0:30"
    late = json.loads(run(cli_db, "case", "list", "--light", "red", "--json",
                          now="2026-03-02T11:00:00+08:00").out)
    assert [r["id"] for r in late] == [cid]
    text = run(cli_db, "case", "show", str(cid)).out
    assert "时间线" in text and "上报" in text


def test_calendar_commands(cli_db: str) -> None:
    res = run(cli_db, "calendar", "between", "2026-02-13T17:00:00+08:00",
              "2026-02-24T09:00:00+08:00", "--json")
    # the make-up Saturday 02-14 counts; 2026 is a year the package knows: no warning
    assert json.loads(res.out) == {"minutes": 60 + 480 + 60, "warnings": []}
    res = run(cli_db, "calendar", "add", "2026-09-30T17:00:00+08:00", "120", "--json")
    assert json.loads(res.out) == {"result": "2026-10-08T09:00:00+08:00", "warnings": []}
