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


# -- the source's truth (issue #13 part 5) ------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_closed_at_the_source_is_recorded_not_filed(
        intake: IntakeContext, open311_server: Open311Server, fmt: str) -> None:
    map_garbage(intake)
    # Chicago-style servers name the original in extended_attributes; XML here on the request.
    parent = ({"extended_attributes": {"duplicate": True, "parent_service_request_id": 1001}}
              if fmt == "json" else {"parent_service_request_id": 1001})
    day = [request(1),
           request(2, status="closed", status_notes="与 1001 重复，已合并", **parent),
           request(3, status="Closed", status_notes="已由市政自行处理")]
    open311_server.route("GET", f"/v2/requests.{fmt}",
                         as_json(day) if fmt == "json" else as_xml(day))
    first = poll(intake, settings(open311_server, fmt))
    assert case_count(intake) == 1  # today: three cases, two of them closed long ago
    assert (first.created, first.closed_at_source, first.quarantined) == (1, 2, 0)
    with intake.uow_factory() as uow:
        link = uow.intake.link(CHANNEL, "1001")
        assert link is not None
        case_no = uow.cases.get(link.case_id).case_no
    shown = {p.external_id: p for p in list_problems(intake.uow_factory)}
    assert set(shown) == {"1002", "1003"}
    dup, fixed = shown["1002"], shown["1003"]
    assert dup.kind is ProblemKind.CLOSED_AT_SOURCE and fixed.kind is ProblemKind.CLOSED_AT_SOURCE
    # linked: the case of the request it duplicates, with the source's status and notes
    assert dup.case_id == link.case_id and fixed.case_id is None
    assert "源系统已关闭（状态 closed）：与 1001 重复，已合并" in dup.reason
    assert f"重复于请求 1001（案件 {case_no}）" in dup.reason and "\n" not in dup.reason
    assert "已由市政自行处理" in fixed.reason and "closed at source" in fixed.reason
    again = poll(intake, settings(open311_server, fmt))
    assert (again.created, again.duplicates, again.closed_at_source) == (0, 3, 0)
    # the desk may still decide it is a case: a retry files it
    from console.intake.retry import retry_problems
    [retried] = retry_problems(intake, [fixed.id or 0])
    assert retried.taken.outcome.value == "created" and case_count(intake) == 2


def test_a_request_reopened_at_the_source_is_filed(
        intake: IntakeContext, open311_server: Open311Server) -> None:
    map_garbage(intake)
    open311_server.route("GET", "/v2/requests.json", as_json([request(1, status="closed")]))
    first = poll(intake, settings(open311_server))
    assert case_count(intake) == 0 and first.closed_at_source == 1
    open311_server.route("GET", "/v2/requests.json", as_json([request(
        1, status="open", status_notes="市民反映仍未处理")]))
    assert poll(intake, settings(open311_server)).created == 1
    assert list_problems(intake.uow_factory) == []


def test_the_same_data_as_json_after_xml_is_not_an_update(
        intake: IntakeContext, open311_server: Open311Server) -> None:
    map_garbage(intake)
    day = [request(n, status_notes=f"已收到 {n}") for n in range(5)] + [request(9, code="NEW")]
    open311_server.route("GET", "/v2/requests.xml", as_xml(day))  # padded text
    open311_server.route("GET", "/v2/requests.json", as_json(day))  # numbers
    assert poll(intake, settings(open311_server, "xml")).created == 5
    again = poll(intake, settings(open311_server, "json"))
    assert (again.updated, again.duplicates, again.created) == (0, 6, 0)  # today: updated 5
    assert len(list_problems(intake.uow_factory)) == 1


def test_a_server_is_the_same_channel_whatever_its_url_says(
        intake: IntakeContext, open311_server: Open311Server) -> None:
    from console.intake.open311_channel import channel_name

    name = channel_name(None, "kaihua.gov.cn")
    assert name == "open311:kaihua.gov.cn"  # the jurisdiction, not the host
    set_mapping(intake.uow_factory, intake.centre, intake.actor, intake.clock(), name, "GARB",
                "06010")
    open311_server.route("GET", "/v2/requests.json", as_json([request(n) for n in range(3)]))
    port = open311_server.url.rsplit(":", 1)[1]
    for host in ("127.0.0.1", "localhost"):
        counts = poll(intake, Open311Settings(name, Open311Endpoint(
            f"http://{host}:{port}/v2", jurisdiction="kaihua.gov.cn", fmt="json", timeout=2)))
        if host == "localhost":
            assert counts.created == 0 and counts.duplicates == 3
    assert case_count(intake) == 3


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize("page", [
    "<!DOCTYPE html><html><head><title>统一身份认证平台</title></head><body>登录</body></html>",
    "\n  <html lang='zh'>\n<head><meta charset='utf-8'></head><body>维护中</body></html>"])
def test_an_html_page_with_status_200_is_not_an_open311_response(
        open311_server: Open311Server, fmt: str, page: str) -> None:
    open311_server.route("GET", f"/v2/requests.{fmt}", Answer(page, content_type="text/html"))
    with pytest.raises(Open311FormatError) as info:
        list(client(open311_server, fmt).requests())
    message = info.value.message
    assert message.startswith("不是 Open311 响应（HTML 页面）")
    assert message.endswith("/ not an Open311 response (HTML page)")
    assert "DOCTYPE" not in message and "JSON" not in message and "\n" not in message
    assert ("统一身份认证平台" in message) == ("<title>" in page)


@pytest.mark.parametrize(("body", "words"), [
    ("Forbidden\nYou don't have permission\nto access /v2/requests.json\non this server.",
     "Forbidden You don't have permission to access /v2/requests.json on this server."),
    ("<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden"
     "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", "403 Forbidden"),
    ('<errors><error><code>403</code><description>Invalid api_key\n  please register\n'
     '</description></error></errors>', "Invalid api_key please register"),
])
def test_a_refusal_is_one_line_with_the_servers_words(
        open311_server: Open311Server, body: str, words: str) -> None:
    open311_server.route("GET", "/v2/requests.json", Answer(body, 403, content_type="text/plain"))
    with pytest.raises(Open311Error) as info:
        list(client(open311_server).requests())
    assert info.value.message == f"服务器返回 HTTP 403：{words} / server error"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_channel_under_its_former_url_name_is_not_polled_again_under_a_new_one(
        intake: IntakeContext, open311_server: Open311Server) -> None:
    from console.domain.errors import ValidationError
    from console.intake.open311_channel import former_name

    url = f"{open311_server.url}/v2"
    former = former_name(url, "kaihua.gov.cn")  # what earlier versions named it by default
    with intake.uow_factory() as uow:
        uow.intake.set_cursor(former, "updated_after", "2026-03-01T00:00:00+00:00",
                              intake.clock())
        uow.commit()
    open311_server.route("GET", "/v2/requests.json", as_json([request(1)]))
    fresh = Open311Settings("open311:kaihua.gov.cn", Open311Endpoint(
        url, jurisdiction="kaihua.gov.cn", fmt="json", timeout=2))
    with pytest.raises(ValidationError, match=former.replace(".", r"\.")):
        poll(intake, fresh)
    assert open311_server.hits == [] and case_count(intake) == 0
