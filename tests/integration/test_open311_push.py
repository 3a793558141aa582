"""Status changes of Open311 cases go back to the server once each, in order, retried on 5xx."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.domain.cases import CaseState, Event, Role
from console.domain.event_facts import event_facts, fact_line
from console.domain.source_events import SOURCE_UPDATE, asks_desk
from console.intake.open311_channel import Open311Settings, poll, push
from console.intake.open311_client import Open311Endpoint
from console.services.audit import verify_chain
from console.services.cases import act
from console.services.intake import IntakeContext
from console.services.intake_ports import OutboxState
from console.services.intake_problems import set_mapping
from tests.integration.intake_helpers import Clock
from tests.open311_server import Answer, City, Open311Server, as_json, request

CHANNEL = "open311:push"


def settings(server: Open311Server, mode: str = "updates") -> Open311Settings:
    return Open311Settings(CHANNEL, Open311Endpoint(f"{server.url}/v2", fmt="json", timeout=2,
                                                    retries=0, api_key="k-1"), push=mode)


def _one_case(ctx: IntakeContext, server: Open311Server) -> int:
    set_mapping(ctx.uow_factory, ctx.centre, ctx.actor, ctx.clock(), CHANNEL, "GARB", "06010")
    server.route("GET", "/v2/requests.json", as_json([request(1)]))
    counts = poll(ctx, settings(server))
    assert counts.created == 1
    with ctx.uow_factory() as uow:
        link = uow.intake.link(CHANNEL, "1001")
    assert link is not None
    return link.case_id


def _run(ctx: IntakeContext, case_id: int, *steps: tuple[str, dict[str, object]]) -> None:
    actor = ctx.actor
    for command, fields in steps:
        act(ctx.uow_factory, ctx.centre, actor, ctx.clock(), case_id, command, fields)


def test_changes_are_pushed_once_each_in_order(
        intake: IntakeContext, open311_server: Open311Server) -> None:
    case_id = _one_case(intake, open311_server)
    assert intake.actor.role is Role.ADMIN
    _run(intake, case_id, ("accept", {}), ("request-verify", {}))
    open311_server.route("POST", "/v2/servicerequestupdates.json", Answer("[]"))
    first = push(intake, settings(open311_server))
    assert (first.queued, first.sent) == (2, 2)
    second = push(intake, settings(open311_server))
    assert (second.queued, second.sent) == (0, 0)
    posted = open311_server.hits_of("POST", "/v2/servicerequestupdates.json")
    assert [(h.form["service_request_id"], h.form["status"]) for h in posted] == [
        ("1001", "INVESTIGATING"), ("1001", "INVESTIGATING")]
    assert posted[0].form["api_key"] == "k-1"
    assert posted[0].form["description"] == "已受理"
    assert posted[1].form["description"] == "正在派员核实"
    assert int(posted[0].form["update_id"].split("-")[1]) < int(posted[1].form["update_id"].split("-")[1])


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_server_error_is_retried_and_later_changes_wait(
        intake: IntakeContext, open311_server: Open311Server, clock: Clock) -> None:
    case_id = _one_case(intake, open311_server)
    _run(intake, case_id, ("refuse", {"reason": "不属于城管范围"}))
    open311_server.route("PUT", "/v2/requests/1001.json", [
        Answer("<errors><error><code>500</code><description>down</description></error></errors>",
               500, headers={"Retry-After": "90"}),
        Answer("[]"),
    ])
    failed = push(intake, settings(open311_server, "requests"))
    assert (failed.sent, failed.retrying) == (0, 1)
    with intake.uow_factory() as uow:
        [item] = uow.intake.outbox(CHANNEL, [OutboxState.PENDING])
    assert item.attempts == 1 and "down" in (item.last_error or "")
    assert item.next_attempt_at is not None
    assert item.next_attempt_at - clock() >= timedelta(seconds=90)
    early = push(intake, settings(open311_server, "requests"))
    assert early.sent == 0 and len(open311_server.hits_of("PUT", "/v2/requests/1001.json")) == 1
    clock.now += timedelta(minutes=2)
    later = push(intake, settings(open311_server, "requests"))
    assert later.sent == 1
    puts = open311_server.hits_of("PUT", "/v2/requests/1001.json")
    assert [h.form["status"] for h in puts] == ["closed", "closed"]
    assert puts[-1].form["status_notes"] == "不予受理：不属于城管范围"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_refused_update_does_not_block_the_next(
        intake: IntakeContext, open311_server: Open311Server) -> None:
    case_id = _one_case(intake, open311_server)
    _run(intake, case_id, ("accept", {}), ("request-verify", {}))
    open311_server.route("POST", "/v2/servicerequestupdates.json", [
        Answer('[{"code":400,"description":"bad status"}]', 400), Answer("[]")])
    counts = push(intake, settings(open311_server))
    assert (counts.failed, counts.sent) == (1, 1)
    with intake.uow_factory() as uow:
        assert [i.state for i in uow.intake.outbox(CHANNEL, list(OutboxState))] == [
            OutboxState.FAILED, OutboxState.SENT]



# -- the source's truth (issue #13 part 5): a server with state ---------------------------


def _city(ctx: IntakeContext, server: Open311Server, mode: str = "updates") -> tuple[City, int]:
    """A server holding one open request, polled once: (the server, the case it became)."""
    set_mapping(ctx.uow_factory, ctx.centre, ctx.actor, ctx.clock(), CHANNEL, "GARB", "06010")
    city = City(ctx.clock).install(server)
    city.add(request(1))
    assert poll(ctx, settings(server, mode)).created == 1
    with ctx.uow_factory() as uow:
        link = uow.intake.link(CHANNEL, "1001")
    assert link is not None
    return city, link.case_id


def _source_events(ctx: IntakeContext, case_id: int) -> list[Event]:
    with ctx.uow_factory() as uow:
        return [e for e in uow.events.for_case(case_id) if e.type == SOURCE_UPDATE]


def _lines(ctx: IntakeContext, event: Event) -> list[str]:
    return [fact_line(f) for f in event_facts(event, ctx.centre.ref)]


def test_a_close_at_the_source_is_a_source_event_and_an_alert_never_a_close(
        intake: IntakeContext, open311_server: Open311Server, clock: Clock) -> None:
    city, case_id = _city(intake, open311_server)
    _run(intake, case_id, ("accept", {}))
    clock.now += timedelta(minutes=10)
    city.change("1001", status="closed", status_notes="与 1000 重复，\n已合并处理")
    counts = poll(intake, settings(open311_server))
    assert (counts.updated, counts.created) == (1, 0)
    with intake.uow_factory() as uow:
        case = uow.cases.get(case_id)
    assert case.state is CaseState.ACCEPTED  # the centre's check is not skipped
    [event] = _source_events(intake, case_id)
    assert event.from_state is event.to_state is CaseState.ACCEPTED and asks_desk(event)
    lines = _lines(intake, event)
    for line in ("源系统已关闭", "源系统状态：closed", "源系统说明：与 1000 重复， 已合并处理",
                 "源系统更新时间：2026-03-02 10:10", f"源系统记录：{CHANNEL} #1001",
                 "待指挥中心决定"):
        assert line in lines, (line, lines)
    again = poll(intake, settings(open311_server))
    assert (again.updated, again.duplicates) == (0, 1)
    assert len(_source_events(intake, case_id)) == 1
    assert verify_chain(intake.uow_factory).broken is None  # appended to the hash chain


def test_a_close_at_the_source_of_a_finished_case_needs_no_decision(
        intake: IntakeContext, open311_server: Open311Server, clock: Clock) -> None:
    city, case_id = _city(intake, open311_server, "none")
    _run(intake, case_id, ("refuse", {"reason": "不属于城管范围"}))
    clock.now += timedelta(minutes=3)
    city.change("1001", status="closed", status_notes="已转交供电公司")
    assert poll(intake, settings(open311_server, "none")).updated == 1
    [event] = _source_events(intake, case_id)
    assert not asks_desk(event) and "待指挥中心决定" not in _lines(intake, event)


def test_a_push_never_reopens_a_request_closed_at_the_source(
        intake: IntakeContext, open311_server: Open311Server, clock: Clock) -> None:
    city, case_id = _city(intake, open311_server)
    clock.now += timedelta(minutes=2)
    city.change("1001", status="closed", status_notes="重复请求，已关闭")
    clock.now += timedelta(minutes=3)
    # the desk works on, not having polled since: today this pushed INVESTIGATING back
    _run(intake, case_id, ("accept", {}), ("request-verify", {}))
    pushed = push(intake, settings(open311_server))
    assert city.pushed == [] and city.requests["1001"]["status"] == "closed"
    assert city.requests["1001"]["status_notes"] == "重复请求，已关闭"
    assert (pushed.queued, pushed.sent, pushed.superseded) == (2, 0, 2)
    with intake.uow_factory() as uow:
        items = uow.intake.outbox(CHANNEL, list(OutboxState))
    assert {i.state for i in items} == {OutboxState.SUPERSEDED}
    assert all("源系统已关闭" in (i.last_error or "") for i in items)
    assert len(_source_events(intake, case_id)) == 1  # read just before the push
    # later changes stay with CityDesk as well
    _run(intake, case_id, ("verify", {"found": False, "notes": "现场无此问题"}),
         ("refuse-file", {"reason": "重复"}))
    assert push(intake, settings(open311_server)).superseded == 2 and city.pushed == []


@pytest.mark.parametrize("mode", ["updates", "requests"])
def test_our_own_push_coming_back_is_not_news(
        intake: IntakeContext, open311_server: Open311Server, clock: Clock, mode: str) -> None:
    city, case_id = _city(intake, open311_server, mode)
    _run(intake, case_id, ("accept", {}))
    assert push(intake, settings(open311_server, mode)).sent == 1
    assert city.requests["1001"]["status_notes"] == "已受理"
    clock.now += timedelta(minutes=1)
    echo = poll(intake, settings(open311_server, mode))
    assert (echo.updated, echo.duplicates) == (0, 1)  # today: "updated"
    _run(intake, case_id, ("refuse-file", {"reason": "不属于城管范围"}))
    assert push(intake, settings(open311_server, mode)).sent == 1
    assert city.requests["1001"]["status"] == "closed"
    clock.now += timedelta(minutes=1)
    assert poll(intake, settings(open311_server, mode)).updated == 0
    assert _source_events(intake, case_id) == []
    clock.now += timedelta(minutes=1)
    city.change("1001", status="open", status_notes="市民反映：垃圾仍在")  # the source's own
    assert poll(intake, settings(open311_server, mode)).updated == 1
    [event] = _source_events(intake, case_id)
    assert asks_desk(event) and "源系统说明：市民反映：垃圾仍在" in _lines(intake, event)


def test_a_change_older_than_the_source_state_is_not_pushed(
        intake: IntakeContext, open311_server: Open311Server, clock: Clock) -> None:
    city, case_id = _city(intake, open311_server)
    _run(intake, case_id, ("accept", {}))  # 10:00
    clock.now += timedelta(minutes=5)
    city.change("1001", status_notes="施工队已到场")  # 10:05, after our acceptance
    clock.now += timedelta(minutes=1)
    first = push(intake, settings(open311_server))
    assert city.requests["1001"]["status_notes"] == "施工队已到场"  # today: 已受理 over it
    assert (first.sent, first.superseded) == (0, 1)
    [event] = _source_events(intake, case_id)
    assert asks_desk(event)
    with intake.uow_factory() as uow:
        [held] = uow.intake.outbox(CHANNEL, [OutboxState.SUPERSEDED])
    assert f"事件 #{event.id}" in (held.last_error or "")
    _run(intake, case_id, ("request-verify", {}))  # decided after the source's news: it goes
    later = push(intake, settings(open311_server))
    assert (later.sent, later.superseded) == (1, 0)
    assert city.requests["1001"]["status_notes"] == "正在派员核实"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_push_answered_by_an_html_page_is_not_taken_as_sent(
        intake: IntakeContext, open311_server: Open311Server) -> None:
    case_id = _one_case(intake, open311_server)
    _run(intake, case_id, ("accept", {}))
    open311_server.route("POST", "/v2/servicerequestupdates.json", Answer(
        "<!DOCTYPE html><html><head><title>Sign in</title></head></html>", 200,
        content_type="text/html"))
    counts = push(intake, settings(open311_server))
    assert (counts.sent, counts.retrying) == (0, 1)  # today: "sent" to a login page
    with intake.uow_factory() as uow:
        [item] = uow.intake.outbox(CHANNEL, [OutboxState.PENDING])
    assert (item.last_error or "").startswith("不是 Open311 响应（HTML 页面）：Sign in")
