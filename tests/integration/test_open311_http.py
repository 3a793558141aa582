"""Open311 polling against a real HTTP server on 127.0.0.1 (XML and JSON, both backends)."""

from __future__ import annotations

import pytest

from console.intake.open311_channel import Open311Settings, poll
from console.intake.open311_client import Open311Client, Open311Endpoint, Open311Error
from console.intake.open311_parse import Open311FormatError
from console.services.intake import IntakeContext
from console.services.intake_ports import ProblemFilter, ProblemKind
from console.services.intake_problems import list_problems, set_mapping
from tests.integration.intake_helpers import Clock, case_count
from tests.open311_server import (
    Answer,
    Hit,
    Open311Server,
    as_json,
    as_xml,
    paged,
    request,
)

CHANNEL = "open311:test"


def settings(server: Open311Server, fmt: str = "json", **endpoint: object) -> Open311Settings:
    options = {"timeout": 2.0, "retries": 2, "max_wait": 2.0, "page_size": 50, **endpoint}
    return Open311Settings(CHANNEL, Open311Endpoint(f"{server.url}/v2", fmt=fmt, **options))


def client(server: Open311Server, fmt: str = "json", **endpoint: object) -> Open311Client:
    """A client that records its waits instead of sleeping."""
    return Open311Client(settings(server, fmt, **endpoint).endpoint, sleep=waits.append)


waits: list[float] = []


def map_garbage(ctx: IntakeContext) -> None:
    set_mapping(ctx.uow_factory, ctx.centre, ctx.actor, ctx.clock(), CHANNEL, "GARB", "06010")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_normal_day_and_a_second_poll_creates_nothing(
        intake: IntakeContext, open311_server: Open311Server, fmt: str) -> None:
    map_garbage(intake)
    day = [request(n) for n in range(6)] + [request(6, code="NEW")]
    body = as_json(day) if fmt == "json" else as_xml(day)
    open311_server.route("GET", f"/v2/requests.{fmt}", body)
    first = poll(intake, settings(open311_server, fmt))
    assert first.as_dict() == {"fetched": 7, "created": 6, "updated": 0, "duplicates": 0,
                               "quarantined": 1}
    problems = list_problems(intake.uow_factory)
    assert [(p.external_id, p.kind, p.external_code) for p in problems] == [
        ("1006", ProblemKind.UNMAPPED, "NEW")]
    second = poll(intake, settings(open311_server, fmt))
    assert second.created == 0 and second.duplicates == 7
    assert case_count(intake) == 6
    assert len(list_problems(intake.uow_factory)) == 1
    # the second poll asks for what changed since the first, not the whole window again
    assert "updated_after" in open311_server.hits[-1].query


def test_several_pages_are_followed(intake: IntakeContext, open311_server: Open311Server) -> None:
    map_garbage(intake)
    items = [request(n) for n in range(7)]
    open311_server.route("GET", "/v2/requests.json", paged(items))
    counts = poll(intake, settings(open311_server, page_size=3))
    assert counts.fetched == 7 and counts.created == 7
    assert [h.query["page"] for h in open311_server.hits] == ["1", "2", "3"]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_server_that_ignores_paging_is_read_once(
        intake: IntakeContext, open311_server: Open311Server) -> None:
    map_garbage(intake)
    open311_server.route("GET", "/v2/requests.json", as_json([request(n) for n in range(3)]))
    counts = poll(intake, settings(open311_server, page_size=3))
    assert counts.created == 3 and len(open311_server.hits) == 2


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_tolerant_of_odd_records(intake: IntakeContext, open311_server: Open311Server) -> None:
    map_garbage(intake)
    items = [
        request(1, service_request_id=" 77 ", description=None, media_url=None),
        {"token": "abc", "status": "open", "service_code": "GARB"},  # no id yet
        request(2, lat=None, long=None, address="只有地址"),  # cannot be placed
        request(3, requested_datetime="yesterday"),
        "not an object",
        request(4, lat=1.0, long=2.0),  # outside the county
    ]
    open311_server.route("GET", "/v2/requests.json", as_json({"service_requests": items}))  # type: ignore[arg-type]
    counts = poll(intake, settings(open311_server))
    assert counts.created == 1 and counts.quarantined == 5
    reasons = {p.external_id: p.reason for p in list_problems(intake.uow_factory)}
    assert "token:abc" in reasons and "1003" in reasons and "1002" in reasons
    assert all(r.strip() for r in reasons.values())


@pytest.mark.parametrize("body", [b"<service_requests><request>", b"{\"oops\": ", b"<html>502</html>",
                                  b"<errors><error><code>500</code></error></errors>"])
def test_malformed_bodies_are_refused_whole(open311_server: Open311Server, body: bytes) -> None:
    fmt = "json" if body.startswith(b"{") else "xml"
    open311_server.route("GET", f"/v2/requests.{fmt}", Answer(body))
    with pytest.raises(Open311FormatError):
        list(client(open311_server, fmt).requests())


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_malformed_page_keeps_the_cursor(intake: IntakeContext, open311_server: Open311Server) -> None:
    map_garbage(intake)
    def first_page_only(hit: Hit) -> Answer:
        return as_json([request(1), request(2)]) if hit.query["page"] == "1" else Answer(b"[{")

    open311_server.route("GET", "/v2/requests.json", first_page_only)
    with pytest.raises(Open311FormatError):
        poll(intake, settings(open311_server, page_size=2))
    with intake.uow_factory() as uow:
        assert uow.intake.cursor(CHANNEL, "updated_after") is None
    assert case_count(intake) == 2  # the first page is in; the next poll repeats the window
    open311_server.route("GET", "/v2/requests.json", as_json([request(1), request(2)]))
    assert poll(intake, settings(open311_server, page_size=2)).duplicates == 2


@pytest.mark.parametrize("status", [403, 404])
def test_client_errors_are_not_retried(open311_server: Open311Server, status: int) -> None:
    open311_server.route("GET", "/v2/requests.json", Answer(
        f'[{{"code": {status}, "description": "Invalid api_key"}}]', status))
    with pytest.raises(Open311Error) as info:
        list(client(open311_server).requests())
    assert info.value.status == status and "Invalid api_key" in info.value.message
    assert len(open311_server.hits) == 1


def test_server_errors_are_retried_then_succeed(open311_server: Open311Server) -> None:
    waits.clear()
    open311_server.route("GET", "/v2/requests.json", [
        Answer("<errors><error><code>500</code><description>CRM is down</description></error>"
               "</errors>", 500),
        Answer("busy", 503, headers={"Retry-After": "1"}),
        as_json([request(1)]),
    ])
    pages = list(client(open311_server).requests())
    assert len(pages) == 1 and waits == [0.5, 1.0]


def test_a_long_retry_after_is_left_to_the_next_round(open311_server: Open311Server) -> None:
    waits.clear()
    open311_server.route("GET", "/v2/requests.json", Answer("slow down", 429,
                                                             headers={"Retry-After": "120"}))
    with pytest.raises(Open311Error) as info:
        list(client(open311_server).requests())
    assert info.value.retry_after == 120 and waits == [] and len(open311_server.hits) == 1


def test_slow_responses_time_out_and_a_slow_but_timely_one_is_read(
        open311_server: Open311Server) -> None:
    open311_server.route("GET", "/v2/requests.json", Answer("[]", delay=1.0))
    with pytest.raises(Open311Error, match="未应答"):
        list(client(open311_server, timeout=0.3, retries=1).requests())
    open311_server.route("GET", "/v2/requests.json", as_json([request(1)]))
    open311_server.routes[("GET", "/v2/requests.json")].delay = 0.2  # type: ignore[union-attr]
    assert len(next(iter(client(open311_server, timeout=2.0).requests()))) == 1


def test_discovery_services_and_definitions(open311_server: Open311Server) -> None:
    open311_server.route("GET", "/v2/discovery.xml", as_xml([], "discovery"))
    open311_server.route("GET", "/v2/services.xml", Answer(
        "<services><service><service_code> 001 </service_code><service_name>Pothole"
        "</service_name><metadata>true</metadata></service></services>"))
    # no <attributes> wrapper, as some servers send it
    open311_server.route("GET", "/v2/services/001.xml", Answer(
        "<service_definition><service_code>001</service_code><attribute><code>DEPTH</code>"
        "<datatype>number</datatype></attribute></service_definition>"))
    c = client(open311_server, "xml")
    assert c.services()[0]["service_code"] == "001"
    assert c.definition("001")[0]["code"] == "DEPTH"


def test_fixing_the_mapping_takes_the_record_in_on_the_next_poll(
        intake: IntakeContext, open311_server: Open311Server, clock: Clock) -> None:
    open311_server.route("GET", "/v2/requests.json", as_json([request(1, code="LAMP")]))
    assert poll(intake, settings(open311_server)).quarantined == 1
    set_mapping(intake.uow_factory, intake.centre, intake.actor, clock(), CHANNEL, "LAMP",
                "暴露垃圾")
    again = poll(intake, settings(open311_server))
    assert again.created == 1
    assert list_problems(intake.uow_factory) == []
    resolved = list_problems(intake.uow_factory, ProblemFilter(status=None))
    assert resolved[0].case_id is not None
