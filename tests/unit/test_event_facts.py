"""Every note, reason and result a command logs is in its timeline entry; photos per step.

The commands run through the real transitions (``apply``); their events are read back by
``event_facts`` and ``build_timeline`` as ``citydesk case show`` and the desk do.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from console.domain.cases import CaseState, Event, RequestKind, Role, Stage
from console.domain.commands import Action, Command
from console.domain.event_facts import (
    Fact,
    VerifyResult,
    event_facts,
    fact_line,
    hours_text,
    task_holder,
)
from console.domain.reference import User
from console.domain.transitions import apply
from console.domain.workflow import APPROVALS, TABLE
from console.services.centre import build_centre
from console.services.queries import build_timeline
from console.services.uow import PhotoInfo
from tests.unit import kaihua
from tests.unit.workflow_fixtures import CATEGORIES, CTX, FIELDS, T0, UNITS, actor, case_in

USERS = {"caiji01": User("caiji01", "监督员 汪一", "监督员")}
REF = dataclasses.replace(kaihua.reference(), categories=CATEGORIES, units=UNITS, users=USERS)

#: Text a person types for each command (on top of FIELDS' required fields), by field name.
TYPED: dict[Command, dict[str, Any]] = {
    Command.REFUSE: {"reason": "不属于城市管理范围，已告知来电人"},
    Command.REQUEST_VERIFY: {"collector": "caiji01"},
    Command.VERIFY: {"notes": "现场确认垃圾约两立方"},
    Command.REFUSE_FILE: {"reason": "现场无此问题"},
    Command.DISPATCH: {"reason": "属地街道先行处置"},
    Command.DESIGNATE: {"reason": "责任不清，指定代整改"},
    Command.FEEDBACK: {"notes": "已清运，路面冲洗干净"},
    Command.REQUEST_CHECK: {"collector": "caiji01"},
    Command.CHECK_PASS: {"notes": "复查合格"},
    Command.CHECK_FAIL: {"notes": "绿化带内仍有残留"},
    Command.CLOSE: {"close_type": "特殊", "reason": "领导批示特殊结案"},
    Command.REQUEST_RETURN: {"reason": "非本单位职责，应归供电公司"},
    Command.REQUEST_EXTENSION: {"reason": "需调派压缩车", "minutes": 150},
    Command.REQUEST_SUSPEND: {"reason": "涉及拆迁，待条件具备"},
    Command.REQUEST_VOID: {"reason": "重复录入"},
    Command.DENY_REQUEST: {"reason": "理由不充分，按原时限处置"},
    Command.URGE: {"note": "请于午前清运完毕"},
    Command.ACK_ALERT: {"alert": "红灯：处置已超时"},
}
#: The label each command's typed text must appear under.
TEXT_FACT: dict[tuple[Command, str], Fact] = {
    (Command.REFUSE, "reason"): Fact.REASON,
    (Command.VERIFY, "notes"): Fact.VERIFY_NOTES,
    (Command.REFUSE_FILE, "reason"): Fact.REASON,
    (Command.DISPATCH, "reason"): Fact.REASON,
    (Command.DESIGNATE, "reason"): Fact.REASON,
    (Command.FEEDBACK, "notes"): Fact.FEEDBACK_NOTES,
    (Command.CHECK_PASS, "notes"): Fact.CHECK_NOTES,
    (Command.CHECK_FAIL, "notes"): Fact.CHECK_NOTES,
    (Command.CLOSE, "reason"): Fact.REASON,
    (Command.REQUEST_RETURN, "reason"): Fact.REQUEST_REASON,
    (Command.REQUEST_EXTENSION, "reason"): Fact.REQUEST_REASON,
    (Command.REQUEST_SUSPEND, "reason"): Fact.REQUEST_REASON,
    (Command.REQUEST_VOID, "reason"): Fact.REQUEST_REASON,
    (Command.DENY_REQUEST, "reason"): Fact.DENY_REASON,
    (Command.URGE, "note"): Fact.URGE_NOTE,
    (Command.ACK_ALERT, "alert"): Fact.ALERT,
}
PENDING_OF = {cmd: kind for kind, cmd in APPROVALS.items()}


def run_step(state: CaseState | None, command: Command) -> Event:
    """The event ``command`` logs from ``state`` with FIELDS and the typed text."""
    row = TABLE[(state, command)]
    pending = PENDING_OF.get(command) or row.needs_pending
    if row.any_pending:
        pending = RequestKind.EXTENSION
    fields = {**FIELDS.get(command, {}), **TYPED.get(command, {})}
    case = None
    if state is not None:
        changes: dict[str, Any] = {}
        if command is Command.DISPATCH:
            changes["suggested_unit"] = "U2"  # a dispatch that does not take the suggestion
        if command is Command.CLOSE:
            changes["handle_overdue"] = False
        case = case_in(state, pending, **changes)
    who = Role.UNIT if Role.UNIT in row.roles and Role.ADMIN not in row.roles else Role.ADMIN
    return apply(case, Action(command, fields), actor(who), T0 + timedelta(minutes=5), CTX).events[0]


ROWS = [(state, cmd) for (state, cmd) in TABLE]


@pytest.mark.parametrize(("state", "command"), ROWS,
                         ids=[f"{s.value if s else '新'}-{c.value}" for s, c in ROWS])
def test_every_payload_key_of_every_command_is_understood(state, command) -> None:
    event = run_step(state, command)
    facts = event_facts(event, REF)
    assert Fact.OTHER not in {f.fact for f in facts}, facts
    lines = [fact_line(f) for f in facts]
    for name, typed in TYPED.get(command, {}).items():
        fact = TEXT_FACT.get((command, name))
        if fact is not None:  # typed text: shown as typed, under its label
            assert f"{fact.value}：{typed}" in lines, lines


@pytest.mark.parametrize(("command", "field"), sorted(TEXT_FACT, key=str))
def test_each_commands_text_is_in_its_timeline_entry(command, field) -> None:
    state = next(s for (s, c) in TABLE if c is command)
    event = dataclasses.replace(run_step(state, command), id=1, case_id=7)
    centre = build_centre(REF)
    entries, loose = build_timeline(centre, [event], [])
    described = [fact_line(f) for f in entries[0].facts]
    assert f"{TEXT_FACT[(command, field)].value}：{TYPED[command][field]}" in described
    assert loose == ()


@pytest.mark.parametrize(("found", "expected"), [(True, "核实结果：问题属实"),
                                                 (False, "核实结果：问题不存在")])
def test_verification_result(found, expected) -> None:
    case = case_in(CaseState.VERIFYING)
    event = apply(case, Action(Command.VERIFY, {"found": found}), actor(Role.COLLECTOR), T0,
                  CTX).events[0]
    assert [fact_line(f) for f in event_facts(event, REF)] == [expected]
    assert event_facts(event, REF)[0].value is (VerifyResult.FOUND if found else
                                               VerifyResult.NOT_FOUND)


def test_results_units_hours_and_requests_are_named() -> None:
    assert "结案类型：特殊" in [fact_line(f) for f in event_facts(
        run_step(CaseState.TO_CLOSE, Command.CLOSE), REF)]
    dispatch = [fact_line(f) for f in event_facts(
        run_step(CaseState.FILED, Command.DISPATCH), REF)]
    assert dispatch == ["派往单位：芹阳办事处", "未采用建议单位：县综合执法局",
                        "理由：属地街道先行处置"]
    ext = [fact_line(f) for f in event_facts(
        run_step(CaseState.HANDLING, Command.REQUEST_EXTENSION), REF)]
    assert ext == ["延期（工作时）：2:30", "申请理由：需调派压缩车"]
    approve = [fact_line(f) for f in event_facts(
        run_step(CaseState.HANDLING, Command.APPROVE_EXTENSION), REF)]
    assert approve == ["延期（工作时）：8:00", "申请理由：理由"]  # the request's reason, quoted
    deny = [fact_line(f) for f in event_facts(
        run_step(CaseState.HANDLING, Command.DENY_REQUEST), REF)]
    assert deny == ["申请类型：延期", "申请理由：理由", f"驳回理由：{TYPED[Command.DENY_REQUEST]['reason']}"]
    sent = [fact_line(f) for f in event_facts(
        run_step(CaseState.ACCEPTED, Command.REQUEST_VERIFY), REF)]
    assert sent == ["交由监督员：监督员 汪一 caiji01"]
    fail = [fact_line(f) for f in event_facts(run_step(CaseState.CHECKING, Command.CHECK_FAIL), REF)]
    assert fail == ["核查意见：绿化带内仍有残留", "返工次数：1"]
    returned = [fact_line(f) for f in event_facts(
        run_step(CaseState.HANDLING, Command.APPROVE_RETURN), REF)]
    assert returned == ["申请理由：理由", "退回单位：芹阳办事处"]


@pytest.mark.parametrize(("category", "condition", "expected"), [
    ("06010", "2", "立案条件：2 需工程清运"),
    ("01001", "1", "立案条件：1 井盖缺失或破损"),  # ids repeat across categories
])
def test_filing_condition_is_read_in_its_own_category(category, condition, expected) -> None:
    case = case_in(CaseState.ACCEPTED, category=category)
    event = apply(case, Action(Command.FILE, {"condition": condition}), actor(Role.ADMIN), T0,
                  CTX).events[0]
    assert expected in [fact_line(f) for f in event_facts(event, REF)]


def test_an_unknown_payload_key_is_shown_not_hidden() -> None:
    event = Event(7, "feedback", CaseState.HANDLING, CaseState.HANDLED, "u", Role.UNIT, T0,
                  payload={"notes": "已处理", "crew": "环卫三组"})
    assert [fact_line(f) for f in event_facts(event, REF)] == ["处置说明：已处理",
                                                               "其他：crew: 环卫三组"]
    imported = Event(7, "report", None, CaseState.REPORTED, "u", Role.ACCEPTOR, T0,
                     payload={"source": "一个旧版本的来源", "imported": True})
    assert [fact_line(f) for f in event_facts(imported, REF)] == ["来源：一个旧版本的来源",
                                                                  "历史数据导入"]


def test_hours_text() -> None:
    assert [hours_text(m) for m in (0, 59, 60, 150, -45)] == ["0:00", "0:59", "1:00", "2:30",
                                                             "-0:45"]


def _photo(pid: int, event_id: int | None, minutes: int, kind: str = "after") -> PhotoInfo:
    return PhotoInfo(pid, 7, kind, f"p{pid}.jpg", "image/jpeg", 100,
                     T0 + timedelta(minutes=minutes), "u", event_id)


def test_photos_hang_on_the_step_that_added_them() -> None:
    events = [Event(7, t, None, CaseState.REPORTED, "u", Role.UNIT, T0 + timedelta(minutes=m),
                    id=i) for i, (t, m) in enumerate([("report", 0), ("feedback", 30),
                                                      ("check-fail", 60)], start=1)]
    photos = [_photo(1, 1, 0, "before"), _photo(2, 2, 30), _photo(3, 3, 60), _photo(4, 3, 60),
              _photo(5, None, 30),  # no event id: the step logged at its upload instant
              _photo(6, None, 45),  # nothing logged then: loose, still listed
              _photo(7, 99, 10)]  # an event id not of this case: matched by instant, else loose
    entries, loose = build_timeline(build_centre(REF), events, photos)
    assert [[p.id for p in e.photos] for e in entries] == [[1], [2, 5], [3, 4]]
    assert [p.id for p in loose] == [6, 7]


def _events(*steps: tuple[str, CaseState | None, CaseState, int, dict[str, Any]]) -> list[Event]:
    return [Event(7, t, a, b, "u", Role.ACCEPTOR, T0 + timedelta(minutes=m), payload=p)
            for t, a, b, m, p in steps]


def test_task_holder_is_the_collector_of_the_request_that_opened_the_task() -> None:
    s = CaseState
    first = ("request-check", s.HANDLED, s.CHECKING, 10, {"collector": "caiji01"})
    rework = [first, ("check-fail", s.CHECKING, s.DISPATCHED, 20, {}),
              ("feedback", s.HANDLING, s.HANDLED, 30, {})]
    # 待核查 after a rework: the earlier request names nobody now; the centre must send it.
    holder = task_holder(case_in(s.HANDLED), _events(*rework), REF)
    assert holder is not None
    assert (holder.task, holder.role, holder.sent, holder.collector) == (
        Stage.CHECK, Role.ACCEPTOR, False, None)
    assert holder.since == T0 + timedelta(minutes=30)
    # Sent again, naming nobody: any collector of the cell; an urge in between changes nothing.
    again = [*rework, ("request-check", s.HANDLED, s.CHECKING, 40, {}),
             ("urge", s.CHECKING, s.CHECKING, 50, {"note": "快"})]
    holder = task_holder(case_in(s.CHECKING), _events(*again), REF)
    assert holder is not None
    assert (holder.role, holder.collector, holder.sent) == (Role.COLLECTOR, None, True)
    assert holder.since == T0 + timedelta(minutes=40)
    verify = [("request-verify", s.ACCEPTED, s.VERIFYING, 5, {"collector": "caiji01"})]
    holder = task_holder(case_in(s.VERIFYING), _events(*verify), REF)
    assert holder is not None
    assert (holder.task, holder.collector, holder.name) == (Stage.VERIFY, "caiji01",
                                                           "监督员 汪一 caiji01")
    assert task_holder(case_in(s.HANDLING), _events(*verify), REF) is None


def test_a_field_results_position_is_one_fact() -> None:
    """The field API (issue #15) logs where the collector stood: ``lon``/``lat`` in WGS-84 and
    the datum the phone sent; the timeline shows them as one 现场位置 line."""
    payload = {"found": True, "lon": 118.4015221, "lat": 29.1474439, "crs": "gcj02"}
    event = Event(7, "verify", CaseState.VERIFYING, CaseState.ACCEPTED, "caiji01",
                  Role.COLLECTOR, T0, payload=payload)
    assert [fact_line(f) for f in event_facts(event, REF)] == [
        "核实结果：问题属实", "现场位置：118.401522, 29.147444 (gcj02)"]
    plain = dataclasses.replace(event, payload={"lon": 118.4, "lat": 29.1, "crs": "wgs84"})
    assert [fact_line(f) for f in event_facts(plain, REF)] == ["现场位置：118.400000, 29.100000"]
