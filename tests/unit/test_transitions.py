"""What the transitions do: clocks, counters, guards and the pending-request rules."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from console.domain.cases import CaseState, CloseType, RequestKind, Role, Source
from console.domain.commands import Action, Command
from console.domain.deadlines import Light, countdown, format_remaining, light_for
from console.domain.errors import (
    IllegalTransitionError,
    PermissionDeniedError,
    ValidationError,
)
from console.domain.transitions import apply
from tests.unit.workflow_fixtures import CTX, FIELDS, T0, NaturalClock, actor, case_in

A = Role.ADMIN


def run(case, command, role=A, at=T0, **fields):
    return apply(case, Action(command, fields), actor(role), at, CTX).case


def test_public_report_must_be_verified_before_filing() -> None:
    case = case_in(CaseState.ACCEPTED, source=Source.HOTLINE)
    with pytest.raises(IllegalTransitionError, match="核实"):
        run(case, Command.FILE)
    verifying = run(case, Command.REQUEST_VERIFY)
    assert verifying.state is CaseState.VERIFYING and verifying.stage == "核实"
    verified = run(verifying, Command.VERIFY, role=Role.COLLECTOR, found=True)
    assert verified.state is CaseState.ACCEPTED and verified.verified is True
    assert run(verified, Command.FILE).state is CaseState.FILED


def test_verification_that_found_nothing_cannot_be_filed() -> None:
    case = case_in(CaseState.VERIFYING, source=Source.PUBLIC)
    not_found = run(case, Command.VERIFY, found=False)
    with pytest.raises(IllegalTransitionError, match="不予立案"):
        run(not_found, Command.FILE)
    assert run(not_found, Command.REFUSE_FILE, reason="现场无此问题").state is CaseState.NOT_FILED


def test_filing_sets_condition_and_limit_class_and_handle_limit_follows() -> None:
    filed = run(case_in(CaseState.ACCEPTED), Command.FILE, condition="2")
    assert (filed.condition, filed.limit_class) == ("2", "工程性")
    dispatched = run(filed, Command.DISPATCH, unit="U2", reason="涉及管线，交专业单位")
    assert dispatched.stage == "处置" and dispatched.stage_limit == 4800
    with pytest.raises(ValidationError, match="立案条件"):
        run(case_in(CaseState.ACCEPTED), Command.FILE, condition="9")


def test_overruling_the_suggested_unit_needs_a_reason_and_logs_it() -> None:
    filed = case_in(CaseState.FILED)  # the matrix suggested U1
    with pytest.raises(ValidationError, match="建议单位以外"):
        run(filed, Command.DISPATCH, unit="U2")
    with pytest.raises(ValidationError, match="建议单位以外"):
        run(filed, Command.DISPATCH, unit="U2", reason="   ")
    outcome = apply(filed, Action(Command.DISPATCH, {"unit": "U2", "reason": "跨区域，县局统一处理"}),
                    actor(A), T0, CTX)
    payload = outcome.events[-1].payload
    assert payload["overrode_suggestion"] == "U1" and payload["reason"] == "跨区域，县局统一处理"
    # The suggested unit itself needs no reason; one given is kept.
    assert run(filed, Command.DISPATCH, unit="U1").unit == "U1"
    kept = apply(filed, Action(Command.DISPATCH, {"unit": "U1", "reason": "加急"}), actor(A), T0,
                 CTX).events[-1].payload
    assert kept["reason"] == "加急" and "overrode_suggestion" not in kept


def test_failed_check_returns_to_the_same_unit_and_counts_rework() -> None:
    case = case_in(CaseState.CHECKING, unit="U2")
    again = run(case, Command.CHECK_FAIL, role=Role.COLLECTOR, notes="仍未清理")
    assert again.state is CaseState.DISPATCHED and again.unit == "U2"
    assert again.rework_count == 1 and again.stage == "处置"
    assert again.stage_deadline == T0 + timedelta(minutes=240)  # a fresh 处置 clock


def test_extension_moves_the_deadline_and_grows_the_limit() -> None:
    case = case_in(CaseState.HANDLING, pending=RequestKind.EXTENSION)
    extended = run(case, Command.APPROVE_EXTENSION, role=Role.SUPERVISOR)
    assert extended.stage_deadline == case.stage_deadline + timedelta(minutes=480)
    assert extended.stage_limit == case.stage_limit + 480
    assert extended.extension_count == 1 and extended.pending is None


def test_suspension_stops_the_clock_and_resume_moves_the_deadline() -> None:
    case = case_in(CaseState.HANDLING, pending=RequestKind.SUSPEND)
    at = T0 + timedelta(minutes=60)
    suspended = run(case, Command.APPROVE_SUSPEND, at=at)
    assert suspended.state is CaseState.SUSPENDED and suspended.suspended_at == at
    clock = NaturalClock()
    frozen = countdown(suspended, at + timedelta(days=3), clock)
    assert frozen is not None and frozen.frozen and frozen.remaining == 180
    resumed = run(suspended, Command.RESUME, at=at + timedelta(minutes=500))
    assert resumed.state is CaseState.HANDLING and resumed.suspended_at is None
    assert resumed.stage_deadline == case.stage_deadline + timedelta(minutes=500)


def test_approved_return_goes_back_to_dispatch_without_a_unit() -> None:
    case = case_in(CaseState.DISPATCHED, pending=RequestKind.RETURN)
    back = run(case, Command.APPROVE_RETURN, role=Role.SUPERVISOR)
    assert back.state is CaseState.FILED and back.unit is None
    assert back.return_count == 1 and back.stage == "派遣"


def test_denied_request_keeps_the_state_and_clears_the_request() -> None:
    case = case_in(CaseState.HANDLING, pending=RequestKind.VOID)
    kept = run(case, Command.DENY_REQUEST, role=Role.SUPERVISOR, reason="不予作废")
    assert kept.state is CaseState.HANDLING and kept.pending is None


def test_a_waiting_request_blocks_other_steps_and_other_requests() -> None:
    case = case_in(CaseState.HANDLING, pending=RequestKind.EXTENSION)
    with pytest.raises(IllegalTransitionError, match="待审批"):
        run(case, Command.FEEDBACK, role=Role.UNIT, notes="done")
    with pytest.raises(IllegalTransitionError, match="待审批"):
        run(case, Command.REQUEST_VOID, reason="x")
    with pytest.raises(IllegalTransitionError, match="没有待审批的回退"):
        run(case, Command.APPROVE_RETURN)


def test_unit_users_act_only_on_their_own_cases() -> None:
    case = case_in(CaseState.DISPATCHED, unit="U2")
    with pytest.raises(PermissionDeniedError, match="不属于本单位"):
        run(case, Command.START, role=Role.UNIT)


def test_late_feedback_makes_the_close_type_overdue() -> None:
    case = case_in(CaseState.HANDLING)
    late = T0 + timedelta(minutes=241)
    handled = run(case, Command.FEEDBACK, role=Role.UNIT, at=late, notes="已清理")
    assert handled.handle_overdue
    to_close = dataclasses.replace(handled, state=CaseState.TO_CLOSE, stage="结案")
    closed = run(to_close, Command.CLOSE, role=Role.SUPERVISOR, at=late)
    assert closed.close_type == CloseType.OVERDUE.value and closed.closed_at == late
    with pytest.raises(ValidationError, match="超时"):
        run(to_close, Command.CLOSE, close_type="正常")
    with pytest.raises(ValidationError, match="原因"):
        run(to_close, Command.CLOSE, close_type="特殊")


def test_feedback_event_records_whether_handling_was_on_time() -> None:
    case = case_in(CaseState.HANDLING)
    outcome = apply(case, Action(Command.FEEDBACK, {"notes": "ok"}), actor(Role.UNIT),
                    T0 + timedelta(minutes=100), CTX)
    event = outcome.events[0]
    assert (event.stage, event.on_time) == ("处置", True)
    assert event.stage_deadline == case.stage_deadline


def test_subdispatch_only_to_a_child_unit() -> None:
    case = case_in(CaseState.DISPATCHED)
    sub = run(case, Command.SUBDISPATCH, role=Role.UNIT, unit="U1-SUB")
    assert (sub.unit, sub.parent_unit) == ("U1-SUB", "U1")
    with pytest.raises(ValidationError, match="下属"):
        run(case, Command.SUBDISPATCH, unit="U2")


def test_dispatch_refuses_unknown_disabled_and_coordination_units() -> None:
    case = case_in(CaseState.FILED)
    for unit, message in (("NOPE", "未知"), ("OLD", "停用"), ("OFF", "代整改")):
        with pytest.raises(ValidationError, match=message):
            run(case, Command.DISPATCH, unit=unit)
    designated = run(case, Command.DESIGNATE, unit="U2", reason="责任不清")
    assert designated.substitute and designated.unit == "U2"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({**FIELDS[Command.REPORT], "description": ""}, "不能为空"),
        ({**FIELDS[Command.REPORT], "description": "x" * 100_000}, "过长"),
        ({**FIELDS[Command.REPORT], "category": "99999"}, "未知的案件类别"),
        ({**FIELDS[Command.REPORT], "source": "火星"}, "未知的来源"),
    ],
)
def test_bad_reports_are_refused(fields, message) -> None:
    with pytest.raises(ValidationError, match=message):
        apply(None, Action(Command.REPORT, fields), actor(A), T0, CTX)


def test_collectors_report_only_as_collectors() -> None:
    fields = {**FIELDS[Command.REPORT], "source": Source.HOTLINE.value}
    with pytest.raises(PermissionDeniedError):
        apply(None, Action(Command.REPORT, fields), actor(Role.COLLECTOR), T0, CTX)


@pytest.mark.parametrize("minutes", [0, -5, 10**9, True, "60"])
def test_extension_minutes_are_checked(minutes) -> None:
    with pytest.raises(ValidationError):
        run(case_in(CaseState.HANDLING), Command.REQUEST_EXTENSION, role=Role.UNIT,
            reason="x", minutes=minutes)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValidationError, match="时区"):
        run(case_in(CaseState.REPORTED), Command.ACCEPT, at=T0.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("used", "remaining", "light"),
    [(0.0, 100, Light.GREEN), (0.79, 21, Light.GREEN), (0.8, 20, Light.YELLOW),
     (1.0, 0, Light.YELLOW), (1.01, -1, Light.RED)],
)
def test_light_thresholds(used, remaining, light) -> None:
    assert light_for(used, remaining) is light


def test_light_threshold_is_configurable() -> None:
    assert light_for(0.7, 30, yellow_at=0.6) is Light.YELLOW


def test_countdown_text() -> None:
    assert format_remaining(83) == "剩 1:23"
    assert format_remaining(-40) == "超 0:40"
    case = case_in(CaseState.HANDLING)
    cd = countdown(case, T0 + timedelta(minutes=200), NaturalClock())
    assert cd is not None and cd.light is Light.YELLOW and cd.text == "剩 0:40"
    assert countdown(case_in(CaseState.CLOSED), T0, NaturalClock()) is None


def _real_ctx():
    from zoneinfo import ZoneInfo

    from console.domain.calendar import WorkCalendar
    from console.domain.transitions import WorkflowContext
    from tests.unit.workflow_fixtures import CATEGORIES, STAGE_LIMITS, UNITS

    calendar = WorkCalendar(ZoneInfo("Asia/Shanghai"))
    return calendar, WorkflowContext(calendar, STAGE_LIMITS, CATEGORIES, UNITS)


def test_a_deadline_at_noon_met_over_lunch_is_on_time() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    sh = ZoneInfo("Asia/Shanghai")
    calendar, ctx = _real_ctx()
    evening = datetime(2026, 3, 2, 19, 0, tzinfo=sh)  # Monday evening: clock stopped
    case = apply(case_in(CaseState.FILED), Action(Command.DISPATCH, {"unit": "U1"}),
                 actor(A), evening, ctx).case
    assert case.stage_deadline == datetime(2026, 3, 3, 12, 0, tzinfo=sh)  # 240 working minutes
    lunch = datetime(2026, 3, 3, 12, 30, tzinfo=sh)
    out = apply(case, Action(Command.FEEDBACK, {"notes": "ok"}), actor(Role.UNIT), lunch, ctx)
    assert out.events[0].on_time is True
    assert not out.case.handle_overdue
    cd = countdown(case, lunch, calendar)
    assert cd is not None and cd.light is Light.YELLOW and cd.text == "剩 0:00"
    later = datetime(2026, 3, 3, 14, 0, 30, tzinfo=sh)
    cd = countdown(case, later, calendar)
    assert cd is not None and cd.light is Light.RED and cd.text == "超 0:01"


@pytest.mark.parametrize(
    ("command", "pending"),
    [(Command.APPROVE_RETURN, RequestKind.RETURN), (Command.APPROVE_VOID, RequestKind.VOID)],
)
def test_a_stage_cut_short_is_neither_on_time_nor_late(command, pending) -> None:
    case = case_in(CaseState.HANDLING, pending=pending)
    late = T0 + timedelta(minutes=500)
    out = apply(case, Action(command), actor(Role.SUPERVISOR), late, CTX)
    assert out.events[0].stage == "处置"
    assert out.events[0].on_time is None


def test_a_visit_names_its_collector_until_it_is_done() -> None:
    accepted = case_in(CaseState.ACCEPTED, source=Source.HOTLINE)
    sent = run(accepted, Command.REQUEST_VERIFY, collector="caiji02")
    assert sent.assignee == "caiji02"
    assert run(sent, Command.VERIFY, role=Role.COLLECTOR, found=True).assignee is None
    unnamed = run(accepted, Command.REQUEST_VERIFY)
    assert unnamed.assignee is None
    checking = run(case_in(CaseState.HANDLED), Command.REQUEST_CHECK, collector="caiji01")
    assert checking.assignee == "caiji01"
    assert run(checking, Command.CHECK_FAIL, role=Role.COLLECTOR, notes="仍有").assignee is None
    assert run(checking, Command.CHECK_PASS, role=Role.COLLECTOR).assignee is None
    voided = run(case_in(CaseState.VERIFYING, pending=RequestKind.VOID, assignee="caiji02"),
                 Command.APPROVE_VOID, role=Role.SUPERVISOR)
    assert voided.assignee is None  # the case moved on without the visit
