"""Hypothesis fuzzing of every intake parser: never an unhandled exception, bad records carry a reason."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.domain.errors import ValidationError
from console.intake.feed import FeedFormatError, feed_record, parse_batch
from console.intake.file_import import canonical, history_record, read_table
from console.intake.file_mapping import FIELDS, parse_mapping
from console.intake.open311_parse import (
    Open311FormatError,
    error_message,
    parse_list,
    parse_object,
    request_record,
)

TZ = timezone(timedelta(hours=8))
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["2026-03-02T08:00:00+08:00", "2026-03-02 08:00", " 1001 ", "", "Z",
                     "9999-99-99T99:99", "118.4", "29.1", "open", "closed"]),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)

OPEN311_KEYS = ["service_request_id", "status", "status_notes", "service_name", "service_code",
                "description", "requested_datetime", "updated_datetime", "address", "lat", "long",
                "media_url", "token"]
open311_items = st.one_of(
    json_values, st.dictionaries(st.sampled_from(OPEN311_KEYS), json_values, max_size=12))

FEED_KEYS = ["id", "source", "reported_at", "category", "description", "collector_id", "grid",
             "lon", "lat", "address", "contact", "photos", "ticket"]
feed_items = st.one_of(json_values, st.dictionaries(st.sampled_from(FEED_KEYS), json_values,
                                                    max_size=12))


def _checked(record: Any) -> None:
    assert record.external_id is not None
    if record.report is None:
        assert record.problem and record.problem.strip()
    assert isinstance(dict(record.raw), dict)


@FUZZ
@given(open311_items)
def test_open311_request_records_never_raise(item: Any) -> None:
    _checked(request_record("open311:x", item, "网络/微信", TZ))


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["xml", "json"]))
def test_open311_bodies_parse_or_refuse(body: bytes, fmt: str) -> None:
    try:
        items: Any = parse_list(body, fmt, "request", ("service_requests", "requests"))
    except Open311FormatError as exc:
        items = exc.message
    assert isinstance(items, list) or items
    with contextlib.suppress(Open311FormatError):
        parse_object(body, fmt, "discovery")
    assert error_message(body, 500)


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(OPEN311_KEYS), st.text(max_size=20), max_size=6),
                max_size=5), st.booleans())
def test_open311_xml_lists_round_trip(items: list[dict[str, str]], wrapped: bool) -> None:
    def clean(value: str) -> str:  # XML 1.0 cannot carry control characters at all
        return "".join(ch for ch in value if ch >= " " and ch not in "\ufffe\uffff"
                       and not "\ud800" <= ch <= "\udfff")
    rows = "".join("<request>" + "".join(f"<{k}>{escape(clean(v))}</{k}>" for k, v in i.items())
                   + "</request>" for i in items)
    body = (f"<service_requests>{rows}</service_requests>" if wrapped or len(items) != 1
            else rows).encode()
    if not items:
        body = b"<service_requests/>"
    parsed = parse_list(body, "xml", "request", ("service_requests",))
    assert len(parsed) == len(items)
    for item in parsed:
        _checked(request_record("open311:x", item, "网络/微信", TZ))


@FUZZ
@given(feed_items, st.sampled_from([None, "collector", "hotline", "bogus"]))
def test_feed_records_never_raise(item: Any, source: str | None) -> None:
    _checked(feed_record("feed:x", item, source, TZ))


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_feed_batches_parse_or_refuse(body: bytes | str) -> None:
    try:
        records: Any = parse_batch(body)[0]
    except FeedFormatError as exc:
        records = exc.message
    assert isinstance(records, list) or records


MAPPING = parse_mapping({"channel": "fuzz", "columns": {f: f for f in FIELDS},
                         "values": {"status": {"已办结": "已结案"}}})
rows = st.dictionaries(st.sampled_from(list(FIELDS)), json_values, max_size=len(FIELDS))


@FUZZ
@given(rows)
def test_history_rows_never_raise(row: dict[str, Any]) -> None:
    _checked(history_record("file:fuzz", row, TZ))


@FUZZ
@given(st.lists(st.one_of(scalars, st.datetimes(), st.dates()), max_size=len(FIELDS) + 2))
def test_spreadsheet_cells_never_raise(cells: list[Any]) -> None:
    row = canonical(MAPPING, list(FIELDS), cells)
    _checked(history_record("file:fuzz", row, TZ))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_csv_files_read_or_refuse(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes((b"external_id,reported_at,category\n") + data)
    try:
        table = read_table(path, parse_mapping({"channel": "f", "columns": {
            "external_id": "external_id", "reported_at": "reported_at", "category": "category"}}))
    except ValidationError as exc:
        assert_message(exc.message)
    else:
        for _n, cells in table.rows:
            _checked(history_record("file:f", canonical(MAPPING, table.headers, cells), TZ))


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(-10**6, 10**6), st.text(max_size=12),
                                   st.datetimes(timezones=st.none())), min_size=3, max_size=3),
                max_size=6))
def test_xlsx_files_read(tmp_path: Path, body: list[list[Any]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["external_id", "reported_at", "category"])
    for row in body:
        sheet.append([_xlsx_safe(c) for c in row])
    out = io.BytesIO()
    book.save(out)
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(out.getvalue())
    table = read_table(path, parse_mapping({"channel": "f", "columns": {
        "external_id": "external_id", "reported_at": "reported_at", "category": "category"}}))
    for _n, cells in table.rows:
        _checked(history_record("file:f", canonical(MAPPING, table.headers, cells), UTC))


def assert_message(message: str) -> None:
    assert message.strip() and "\n" not in message


def _xlsx_safe(value: Any) -> Any:
    if isinstance(value, str):  # openpyxl refuses control characters in cells
        return "".join(ch for ch in value if ch >= " ")
    return value


def test_a_damaged_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValidationError, match=r"XLSX|无法打开"):
        read_table(path, MAPPING)
