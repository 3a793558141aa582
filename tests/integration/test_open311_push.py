"""Status changes of Open311 cases go back to the server once each, in order, retried on 5xx."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.domain.cases import Role
from console.intake.open311_channel import Open311Settings, poll, push
from console.intake.open311_client import Open311Endpoint
from console.services.cases import act
from console.services.intake import IntakeContext
from console.services.intake_ports import OutboxState
from console.services.intake_problems import set_mapping
from tests.integration.intake_helpers import Clock
from tests.open311_server import Answer, Open311Server, as_json, request

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

