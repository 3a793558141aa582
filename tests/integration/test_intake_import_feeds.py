"""Imports a centre can feed: real exports' dates, spacing, places and DST (issue #13 part 3).

The fixtures in ``import_fixtures/`` are shaped like what centres have: a slice of a US city's
311 export (America/New_York, ``10/31/2016 11:07:15 PM``, doubled spaces, rows at the source's
"no location" point and outside the county, no dispatch time) and an old Chinese system's
export (``2016年10月31日 09时07分`` beside ``2016/10/31 09:30``).  Before, every row of the US
export was quarantined ("not ISO-8601"), and so was every Chinese-dated one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from console.domain.errors import ValidationError
from console.intake.file_import import ImportReport, read_table, run_import
from console.intake.file_mapping import ColumnMapping, load_mapping, parse_mapping
from console.services.intake import IntakeContext
from tests.integration.intake_helpers import case_count

FIXTURES = Path(__file__).parent / "import_fixtures"
US = "file:us311-2016"


def _run(ctx: IntakeContext, csv: str, mapping: ColumnMapping | str) -> ImportReport:
    if isinstance(mapping, str):
        mapping = load_mapping(FIXTURES / mapping)
    return run_import(ctx, read_table(FIXTURES / csv, mapping), mapping)


def _case(ctx: IntakeContext, channel: str, external_id: str) -> tuple[Any, list[Any]]:
    with ctx.uow_factory() as uow:
        link = uow.intake.link(channel, external_id)
        assert link is not None, external_id
        return uow.cases.get(link.case_id), uow.events.for_case(link.case_id)


def _reasons(report: ImportReport) -> dict[str, str]:
    return {e: why for _n, e, why in report.rows}


def test_a_us_311_export_is_read_as_it_is_written(intake: IntakeContext) -> None:
    report = _run(intake, "us311_slice.csv", "us311_mapping.yaml")
    assert report.counts.as_dict() == {"fetched": 10, "created": 6, "updated": 0,
                                       "duplicates": 0, "quarantined": 4}
    dates = {d.field: d for d in report.dates}
    assert dates["reported_at"].forms == (("%m/%d/%Y %I:%M:%S %p", 10),)
    assert (dates["reported_at"].order, dates["reported_at"].decided_by) == ("MDY", "values")
    # The due dates never pass the 12th: the created dates of the same file decide them.
    assert (dates["due_at"].order, dates["due_at"].decided_by) == ("MDY", "file")
    case, events = _case(intake, US, "34770001")
    # 10/31/2016 11:07:15 PM in New York (EDT, UTC-4) is 03:07:15 UTC on November 1st.
    assert case.reported_at == datetime(2016, 11, 1, 3, 7, 15, tzinfo=UTC)
    assert case.category == "06010"  # "Dirty  Conditions": the doubled space still matches
    assert case.unit == "KH-ZHZF" and case.state.value == "已结案"
    assert {e.type: e for e in events}["close"].occurred_at == datetime(2016, 11, 1, 20, 12,
                                                                        tzinfo=UTC)
    # After the clocks went back (EST, UTC-5).
    late, _events = _case(intake, US, "34770008")
    assert late.reported_at == datetime(2016, 11, 8, 19, 5, 31, tzinfo=UTC)
    assert late.category == intake.centre.category("机动车乱停放").code  # "Illegal Parking"
    why = _reasons(report)
    assert "出现两次" in why["34770005"] and "DST fold" in why["34770005"]
    assert "不存在" in why["34770007"] and "DST gap" in why["34770007"]
    assert "派遣时间" in why["34770006"]  # still with the unit: its clock needs the dispatch
    # The allowed sources are named, and where the file's own spellings are translated.
    assert "12345热线" in why["34770009"] and "values.source" in why["34770009"]
    assert all("\n" not in reason for reason in why.values())


def test_the_sources_default_point_and_places_outside_the_county(intake: IntakeContext) -> None:
    _run(intake, "us311_slice.csv", "us311_mapping.yaml")
    # At the source's "no location" point, with a community board the mapping knows: its cell.
    placed, events = _case(intake, US, "34770003")
    assert placed.grid == "330824100002024" and placed.lon is None and placed.state.value == "待受理"
    assert not any(e.payload.get("unplaced") for e in events)
    # Outside the county (New York coordinates) and at the default point without a board: the
    # default cell, every event flagged so area evaluation leaves them out.
    for key in ("34770004", "34770010"):
        case, events = _case(intake, US, key)
        assert case.grid == "330824001001036" and case.lon is None, key
        assert all(e.payload.get("unplaced") is True for e in events), key
    # A point inside the county places the row whatever the board says.
    inside, _events = _case(intake, US, "34770001")
    assert inside.grid == "330824001001002"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_outside_the_county_is_refused_unless_the_mapping_says(intake: IntakeContext,
                                                                tmp_path: Path) -> None:
    base: dict[str, Any] = {"channel": "outside", "timezone": "Asia/Shanghai", "columns": {
        "external_id": "编号", "reported_at": "上报时间", "category": "类别", "description": "描述",
        "status": "状态", "unit": "部门", "dispatched_at": "派遣时间", "closed_at": "结案时间",
        "grid": "网格", "lon": "经度", "lat": "纬度"}}
    (tmp_path / "o.csv").write_text(
        "编号,上报时间,类别,描述,状态,部门,派遣时间,结案时间,网格,经度,纬度\n"
        "O1,2025-06-04 09:00,暴露垃圾,县外,已结案,KH-ZHZF,2025-06-04 09:20,2025-06-04 16:00,,-74.0,40.7\n"
        "O2,2025-06-04 09:00,暴露垃圾,县外有网格,已结案,KH-ZHZF,2025-06-04 09:20,2025-06-04 16:00,"
        "330824001001005,-74.0,40.7\n", encoding="utf-8")

    def run(**options: Any) -> ImportReport:
        mapping = parse_mapping({**base, **options})
        return run_import(intake, read_table(tmp_path / "o.csv", mapping), mapping)

    refused = run()
    assert refused.counts.quarantined == 2
    assert all("outside_county" in why for _n, _e, why in refused.rows)  # the way out is named
    by_grid = run(channel="outside-grid", outside_county="grid")
    assert (by_grid.counts.created, by_grid.counts.quarantined) == (1, 1)
    assert _case(intake, "file:outside-grid", "O2")[0].grid == "330824001001005"
    default = run(channel="outside-default", outside_county="default",
                  default_cell="330824001001036")
    assert default.counts.created == 2
    assert _case(intake, "file:outside-default", "O1")[0].grid == "330824001001036"
    assert _case(intake, "file:outside-default", "O2")[0].grid == "330824001001005"
    with pytest.raises(ValidationError, match="default_cell"):
        run(channel="bad", outside_county="default", default_cell="330824999999999")
    with pytest.raises(ValidationError, match="default_cell"):
        parse_mapping({**base, "outside_county": "default"})


def test_a_dst_fold_is_read_by_the_mappings_rule(intake: IntakeContext) -> None:
    assert load_mapping(FIXTURES / "us311_mapping.yaml").reading.ambiguous_times == "refuse"
    later = parse_mapping({**_mapping_data(), "ambiguous_times": "later"})
    report = _run(intake, "us311_slice.csv", later)
    assert "34770005" not in _reasons(report)
    _found, events = _case(intake, US, "34770005")
    by_type = {e.type: e for e in events}
    # 01:10 and 01:30 on 2016-11-06 happen twice in New York; "later" is the EST (UTC-5) one.
    assert by_type["feedback"].occurred_at == datetime(2016, 11, 6, 6, 10, tzinfo=UTC)
    assert by_type["close"].occurred_at == datetime(2016, 11, 6, 6, 30, tzinfo=UTC)


def _mapping_data() -> dict[str, Any]:
    import yaml

    return dict(yaml.safe_load((FIXTURES / "us311_mapping.yaml").read_text(encoding="utf-8")))


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_nonexistent_local_time_never_makes_a_case_that_closes_before_its_report(
        intake: IntakeContext, tmp_path: Path) -> None:
    """2016-03-13 02:30 does not exist in New York; read as if it did, it is 07:30 UTC, after
    the 03:10 EDT (07:10 UTC) close.  Before, the case was filed closing 20 minutes before it
    was reported (the order check compared wall clocks)."""
    mapping = parse_mapping({"channel": "gap", "timezone": "America/New_York", "columns": {
        "external_id": "编号", "reported_at": "上报时间", "category": "类别", "description": "描述",
        "grid": "网格", "status": "状态", "unit": "部门", "dispatched_at": "派遣时间",
        "closed_at": "结案时间"}})
    (tmp_path / "g.csv").write_text(
        "编号,上报时间,类别,描述,网格,状态,部门,派遣时间,结案时间\n"
        "G1,2016-03-13 02:30,暴露垃圾,跳过的时间,330824001001001,已结案,KH-ZHZF,"
        "2016-03-13 03:00,2016-03-13 03:10\n", encoding="utf-8")
    report = run_import(intake, read_table(tmp_path / "g.csv", mapping), mapping)
    assert report.counts.quarantined == 1 and case_count(intake) == 0
    assert "DST gap" in report.rows[0][2]


def test_a_chinese_export_with_two_date_forms(intake: IntakeContext) -> None:
    report = _run(intake, "cn_export.csv", "cn_mapping.yaml")
    assert report.counts.as_dict() == {"fetched": 4, "created": 4, "updated": 0,
                                       "duplicates": 0, "quarantined": 0}
    dates = {d.field: d for d in report.dates}
    assert dates["reported_at"].forms == (("%Y年%m月%d日 %H时%M分", 3), ("%Y/%m/%d %H:%M", 1))
    assert dates["dispatched_at"].forms == (("%Y/%m/%d %H:%M", 3),)
    case, events = _case(intake, "file:旧系统-2016", "GZ-2016-0001")
    assert case.category == "06010"  # 「暴露  垃圾」
    assert case.reported_at == datetime(2016, 10, 31, 1, 7, tzinfo=UTC)  # 09:07 in Shanghai
    by_type = {e.type: e for e in events}
    assert by_type["dispatch"].actor == "paiqian1" and by_type["accept"].actor == "shouli1"
    assert by_type["feedback"].on_time is True


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_an_undecidable_day_order_refuses_the_file_before_any_row(
        intake: IntakeContext, tmp_path: Path) -> None:
    data: dict[str, Any] = {"channel": "dmy", "timezone": "Europe/London", "columns": {
        "external_id": "id", "reported_at": "opened", "category": "type", "description": "text",
        "grid": "cell"}}
    (tmp_path / "d.csv").write_text("id,opened,type,text,cell\n"
                                    "B1,03/04/2016 10:00,暴露垃圾,litter,330824001001001\n"
                                    "B2,05/06/2016 11:00,暴露垃圾,litter,330824001001001\n",
                                    encoding="utf-8")
    mapping = parse_mapping(data)
    with pytest.raises(ValidationError, match="date_order") as refused:
        run_import(intake, read_table(tmp_path / "d.csv", mapping), mapping)
    assert "03/04/2016" in refused.value.message
    assert case_count(intake) == 0
    british = parse_mapping({**data, "date_order": "DMY"})
    report = run_import(intake, read_table(tmp_path / "d.csv", british), british)
    assert report.counts.created == 2 and report.dates[0].decided_by == "mapping"
    case, _events = _case(intake, "file:dmy", "B1")
    assert case.reported_at == datetime(2016, 4, 3, 9, 0, tzinfo=UTC)  # 3 April, BST
    # A strftime format per column reads what the recognised forms do not.
    (tmp_path / "f.csv").write_text("id,opened,type,text,cell\n"
                                    "F1,20160403 1000,暴露垃圾,litter,330824001001001\n",
                                    encoding="utf-8")
    fixed = parse_mapping({**data, "channel": "fmt", "formats": {"reported_at": "%Y%m%d %H%M"}})
    assert run_import(intake, read_table(tmp_path / "f.csv", fixed), fixed).counts.created == 1


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_us_export_with_no_placement_options(intake: IntakeContext) -> None:
    """The dates and the spacing alone: before, all ten rows were quarantined as not ISO-8601."""
    data = {k: v for k, v in _mapping_data().items()
            if k not in ("outside_county", "default_cell", "placeholder_point")}
    data["columns"] = {k: v for k, v in data["columns"].items() if k != "grid"}
    report = _run(intake, "us311_slice.csv", parse_mapping(data))
    why = _reasons(report)
    assert not any("ISO" in reason for reason in why.values())
    assert {"34770001", "34770002", "34770008"}.isdisjoint(why)
    assert "outside_county" in why["34770004"]  # New York coordinates: refused, the way out named
    case, _events = _case(intake, US, "34770001")
    assert case.reported_at == datetime(2016, 11, 1, 3, 7, 15, tzinfo=UTC)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_values_match_with_their_spacing_normalised(intake: IntakeContext, tmp_path: Path) -> None:
    """Real exports double spaces inside names; the mapping's spelling has one."""
    mapping = parse_mapping({"channel": "spaces", "columns": {
        "external_id": "id", "reported_at": "at", "category": "type", "description": "text",
        "grid": "cell", "source": "via"}, "values": {
        "category": {"Dirty Conditions": "暴露垃圾"}, "source": {"Phone  Call": "12345热线"}}})
    (tmp_path / "s.csv").write_text(
        "id,at,type,text,cell,via\n"
        "S1,2025-06-04 09:00,Dirty  Conditions,two spaces,330824001001001,Phone Call\n"
        "S2,2025-06-04 09:00,\u3000Dirty\u00a0Conditions ,odd spaces,330824001001001,Phone  Call\n"
        "S3,2025-06-04 09:00,Dirty Conditions,unknown source,330824001001001,Fax\n",
        encoding="utf-8")
    report = run_import(intake, read_table(tmp_path / "s.csv", mapping), mapping)
    assert report.counts.created == 2, report.rows
    for key in ("S1", "S2"):
        case, _events = _case(intake, "file:spaces", key)
        assert (case.category, case.source.value) == ("06010", "12345热线")
    (_row, key, why), = report.rows
    assert key == "S3" and "'Fax'" in why
    assert all(s in why for s in ("监督员上报", "公众举报", "12345热线", "网络/微信", "视频智能发现",
                                  "领导交办", "媒体曝光", "values.source"))
