"""The source's truth, pure parts: the rules for source events, their facts, and what a body says."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from console.domain.cases import Actor, CaseState, Role
from console.domain.event_facts import Fact, event_facts, fact_line
from console.domain.source_events import (
    SOURCE_UPDATE,
    SourceNews,
    asks_desk,
    desk_decides,
    is_closed,
    source_event,
    step_label_zh,
)
from console.intake.open311_parse import error_message, html_title, request_record
from tests.open311_server import request
from tests.unit import kaihua
from tests.unit.workflow_fixtures import case_in

SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def news(status: str, notes: str = "") -> SourceNews:
    return SourceNews("open311:kaihua", "1001", status, notes, NOW - timedelta(minutes=3))


@pytest.mark.parametrize("state", list(CaseState))
def test_the_rules_a_close_asks_the_desk_only_while_the_case_is_open(state: CaseState) -> None:
    assert desk_decides(state, news("closed")) is not state.is_terminal
    assert desk_decides(state, news("open", "市民补充：仍未处理")) is True  # news: always


@pytest.mark.parametrize(("status", "closed"), [
    ("closed", True), ("Closed", True), (" archived ", True), ("completed", True),
    ("open", False), ("acknowledged", False), ("", False), (None, False)])
def test_closed_statuses(status: str | None, closed: bool) -> None:
    assert is_closed(status) is closed


def test_a_source_event_changes_no_state_and_reads_as_facts() -> None:
    ref = kaihua.reference()
    case = case_in(CaseState.DISPATCHED)
    actor = Actor("admin", Role.ADMIN, desk="intake")
    event = source_event(case, SourceNews("open311:kaihua", "1001", "closed", "与 1000 重复",
                                          NOW - timedelta(minutes=3), "1000"), actor, NOW)
    assert (event.type, event.from_state, event.to_state) == (
        SOURCE_UPDATE, CaseState.DISPATCHED, CaseState.DISPATCHED)
    assert asks_desk(event) and event.case_id == 7 and event.unit == case.unit
    lines = [fact_line(f) for f in event_facts(event, ref)]
    assert lines == ["源系统已关闭", "源系统状态：closed", "源系统说明：与 1000 重复",
                     "重复于源系统请求：1000", "源系统更新时间：2026-03-02 09:57",
                     "源系统记录：open311:kaihua #1001", "待指挥中心决定"]
    finished = source_event(case_in(CaseState.CLOSED), news("closed"), actor, NOW)
    facts = {f.fact for f in event_facts(finished, ref)}
    assert not asks_desk(finished) and Fact.DESK_DECIDES not in facts
    assert step_label_zh(SOURCE_UPDATE) == "源系统更新" and step_label_zh("accept") == "受理"


def test_the_same_request_in_xml_and_json_has_one_fingerprint() -> None:
    item = request(1, status_notes="已收到")
    padded = {k: f"  {v} " for k, v in item.items()}  # XML: text, padded
    json_record = request_record("c", item, "网络/微信", SHANGHAI)
    xml_record = request_record("c", padded, "网络/微信", SHANGHAI)
    assert json_record.fingerprint == xml_record.fingerprint is not None
    moved = request_record("c", {**item, "updated_datetime": "2026-03-02T11:00:00+08:00"},
                           "网络/微信", SHANGHAI)
    assert moved.fingerprint == json_record.fingerprint  # a new time alone is not news
    noted = request_record("c", {**item, "status_notes": "已派员"}, "网络/微信", SHANGHAI)
    assert noted.fingerprint != json_record.fingerprint and noted.remote_notes == "已派员"


@pytest.mark.parametrize(("body", "title"), [
    (b"<!DOCTYPE html><html><head><title> Sign\n in </title></head></html>", "Sign in"),
    (b"\xef\xbb\xbf  <!-- portal --> <HTML><body>x</body></HTML>", ""),
    (b"<html>502</html>", ""),
    (b'<?xml version="1.0"?><service_requests/>', None),
    (b'[{"html": 1}]', None),
])
def test_html_pages_are_known_by_how_they_start(body: bytes, title: str | None) -> None:
    assert html_title(body) == title


def test_error_words_are_one_line() -> None:
    assert error_message(b"Bad\r\nGateway\n\n  from proxy", 502) == "Bad Gateway from proxy"
    assert error_message(b"<html><head><title>403\nForbidden</title></head></html>", 403) == \
        "403 Forbidden"
    assert error_message(b"", 404) == "HTTP 404"
