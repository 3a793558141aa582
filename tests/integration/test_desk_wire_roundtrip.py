"""Every answer of the desk seam survives the wire: encoded, sent as JSON, decoded, equal.

Runs each read of :class:`~console.desk_backend.DeskBackend` (and some writes) through
:class:`~console.desk_local.LocalDeskBackend` on a small demo centre, then through
``console.services.wire`` both ways, and compares.  The evaluation's lazily read case lists are
read before sending (``materialize``) and arrive as plain lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from console.app import App
from console.cli.gui import ensure_ready
from console.desk_backend import METHODS, DeskBackend, PeriodData
from console.desk_local import LocalDeskBackend, materialize
from console.domain.evaluation import parse_period
from console.services import wire
from console.services.demo import DemoSettings, run_demo
from console.services.evaluation import EvaluationReport
from console.services.queue_reads import OPEN_STATES
from console.services.queue_view import QueueQuery, Reader
from console.services.wire_compiled import decode_fast, decoder, encode_fast, encoder

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    path: Path = tmp_path_factory.mktemp("wire") / "demo.sqlite3"
    app = App.open(f"sqlite:///{path}", lambda: NOW)
    ensure_ready(app)
    run_demo(app.uow_factory, app.centre, NOW, DemoSettings(days=3, seed=7))
    yield app
    app.close()


def seat(app: App, user: str) -> LocalDeskBackend:
    return LocalDeskBackend(app.uow_factory, app.centre, lambda: NOW,
                            app.centre.actor(user, "wire-desk"), alarms=app.alarm_store)


def comparable(value: Any) -> Any:
    """An evaluation without its live case source (it stays on the sending side)."""
    from dataclasses import replace

    if isinstance(value, EvaluationReport):
        previous = comparable(value.previous) if value.previous is not None else None
        return replace(value, cases=None, previous=previous)
    if isinstance(value, PeriodData):
        return replace(value, evaluations=tuple(comparable(e) for e in value.evaluations))
    return value


def through_the_wire(method: str, result: Any) -> Any:
    spec = getattr(DeskBackend, method)
    sent = json.dumps(wire.encode_result(spec, materialize(result)), ensure_ascii=False)
    return wire.decode_result(spec, json.loads(sent))


def calls(desk: LocalDeskBackend) -> dict[str, dict[str, Any]]:
    queries = {"open": QueueQuery(tuple(OPEN_STATES), "deadline", False),
               "mine": QueueQuery(tuple(OPEN_STATES), "id", True, None, Reader(unit="KH-CGJ"))}
    first = desk.first_load(queries, 20)
    case_id = next(c.id for page in first.pages.values() for c in page.cases)
    detail = desk.case_detail(case_id)
    period = parse_period("2026-11")
    out: dict[str, dict[str, Any]] = {
        "seat": {}, "reference": {}, "first_load": {"queries": queries, "limit": 20},
        "queue_page": {"query": queries["open"], "offset": 5, "limit": 7, "with_count": True},
        "cases_by_ids": {"ids": [case_id]}, "recount": {"queries": queries},
        "light_tally": {"states": tuple(OPEN_STATES)}, "due_soon": {"horizon": timedelta(days=2)},
        "events_since": {"since": 0, "seen": [], "limit": 300},
        "case_detail": {"case_id": case_id}, "search": {"text": "垃圾"},
        "duplicates": {"category": "06010", "grid": "330824001001001", "lon": None, "lat": None},
        "live_stats": {}, "desk_stats": {},
        "evaluate": {"period": period, "obj": "unit", "compare": True},
        "case_lines": {"obj": "unit", "count": "dispatched", "case_ids": [case_id]},
        "period_data": {"period": period}, "wall_data": {},
        "heartbeat": {"name": "测试", "case_id": case_id, "since": NOW - timedelta(hours=1)},
        "intake_problems": {}, "admin_snapshot": {}, "duty_board": {}, "pending_alarms": {},
        "collector_options": {"case_id": case_id}, "collector_spots": {},
        "collector_track": {"username": "caiji01", "day": NOW.date()},
        "geocode": {"text": "新华", "limit": 5},
        "hotspot_map": {"period": "30d", "categories": []},
        "repeat_points": {"period": "month", "categories": [], "repeat_min": 3},
        "hotspot_figures": {"period": "month", "categories": ["06010"]},
        "cameras": {"group": None}, "nearby_cameras": {"case_id": case_id, "radius_m": 300.0},
    }
    if detail.detail.photos:
        out["photo"] = {"photo_id": detail.detail.photos[0].id}
    return out


def test_every_read_of_the_seam_survives_the_wire(demo: App) -> None:
    desk = seat(demo, "admin")
    for method, args in calls(desk).items():
        spec = getattr(DeskBackend, method)
        sent = json.loads(json.dumps(wire.encode_arguments(spec, args)))
        assert wire.decode_arguments(spec, sent) == args, method
        result = getattr(desk, method)(**args)
        assert comparable(through_the_wire(method, result)) == comparable(result), method


def test_a_unit_seat_and_the_evaluation_case_lists(demo: App) -> None:
    desk = seat(demo, "unit_zhzf")
    report = desk.evaluate(parse_period("2026-11"), "unit", False)
    back = through_the_wire("evaluate", report)
    assert back.cases is None  # the live source stays here; its lists travelled
    for mine, theirs in zip(report.rows, back.rows, strict=True):
        assert dict(mine.case_ids) == dict(theirs.case_ids)


def test_writes_answer_across_the_wire(demo: App) -> None:
    desk = seat(demo, "admin")
    limits = dict(demo.centre.ref.config.stage_limits)
    for method, args in {
        "set_calendar_day": {"day": date(2026, 12, 31), "workday": False, "note": "测试"},
        "remove_calendar_override": {"day": date(2026, 12, 31)},
        "update_stage_limits": {"limits": limits},
        "set_active": {"username": "shouli2", "active": True},
    }.items():
        result = getattr(desk, method)(**args)
        assert through_the_wire(method, result) == result, method


def test_the_reads_cover_every_read_of_the_protocol(demo: App) -> None:
    writes = {"act", "report", "action_committed", "leave", "retry_problems", "map_code",
              "dismiss_problems", "import_table", "add_user", "update_user", "set_active",
              "set_password", "set_calendar_day", "remove_calendar_override",
              "update_stage_limits", "update_unit", "update_category", "update_grid",
              "import_notice", "import_year", "photo", "acknowledge_alarm",
              "camera_play_url", "attach_snapshot", "verify_by_video"}
    assert set(calls(seat(demo, "admin"))) | writes == set(METHODS)


#: The reads a desk makes every second or so: their answers must take the compiled path.
HOT = ("first_load", "queue_page", "cases_by_ids", "recount", "light_tally", "due_soon",
       "events_since", "case_detail")


def test_the_compiled_codec_gives_the_generic_codecs_answers(demo: App) -> None:
    desk = seat(demo, "admin")
    for method, args in calls(desk).items():
        spec = getattr(DeskBackend, method)
        hint = wire.hints_of(spec).get("return", Any)
        result = materialize(getattr(desk, method)(**args))
        sent = wire.encode(result, hint)
        assert encode_fast(result, hint) == sent, method
        data = json.loads(json.dumps(sent))
        assert decode_fast(data, hint) == wire.decode(data, hint), method
        if method in HOT:  # and no fallback to the generic ones
            assert encoder(hint)(result) == sent, method
            assert decoder(hint)(data) == wire.decode(data, hint), method
