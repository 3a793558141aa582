"""Read GeoReport v2 bodies (XML and JSON) the way real servers write them.

The specification wraps lists (``<service_requests><request>…``, top-level JSON arrays), but
servers leave wrappers out, wrap JSON in an object, send ids as numbers, pad values with
whitespace, omit optional fields and answer errors with other root elements.  These functions
accept all of that; what they cannot read raises :class:`Open311FormatError` for a whole body,
or becomes a record with a ``problem`` for a single request.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, tzinfo
from typing import Any

from console.intake.fields import FieldError, identifier, instant, number, text
from console.services.cases import Report
from console.services.intake_ports import IntakeRecord

PARSER = "open311"
MAX_DEPTH = 12
NOT_OPEN311_HTML = "不是 Open311 响应（HTML 页面）"
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.I | re.S)


class Open311FormatError(ValueError):
    """A body that is neither the XML nor the JSON it should be."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _element(node: ET.Element, depth: int = 0) -> Any:
    """An element as text (a leaf) or a dict of its children (repeated tags become lists)."""
    children = list(node)
    if not children or depth > MAX_DEPTH:
        return (node.text or "").strip()
    out: dict[str, Any] = {}
    for child in children:
        value = _element(child, depth + 1)
        tag = _local(child.tag)
        if tag in out:
            previous = out[tag]
            out[tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[tag] = value
    return out


def _local(tag: Any) -> str:
    name = str(tag)
    return name.rsplit("}", 1)[-1]  # drop an XML namespace


def html_title(body: bytes) -> str | None:
    """The title of an HTML page ("" when it has none), None when the body is not HTML.

    A login portal, a proxy's error page or a web server's default page comes back where an
    Open311 body was expected, often with status 200 and whatever Content-Type: it is known by
    how it starts, whatever the header says.
    """
    head = body[:4096].lstrip(b"\xef\xbb\xbf")
    if not _HTML_START.match(head):
        return None
    found = _TITLE.search(body[:65536])
    title = found.group(1).decode("utf-8", "replace") if found else ""
    return one_line(title, 80)


def one_line(value: str, limit: int = 300) -> str:
    """``value`` with every run of whitespace (newlines too) as one space: a message is one line."""
    return " ".join(value.split())[:limit]


def not_open311(title: str) -> Open311FormatError:
    """The error of an HTML page where an Open311 body was expected."""
    shown = f"：{title}" if title else ""
    return Open311FormatError(
        f"{NOT_OPEN311_HTML}{shown} / not an Open311 response (HTML page)")


def _refuse_html(body: bytes) -> None:
    title = html_title(body)
    if title is not None:
        raise not_open311(title)


def _xml_root(body: bytes) -> ET.Element:
    _refuse_html(body)
    head = body[:2048].lower()
    if b"<!doctype" in head or b"<!entity" in body.lower():
        # Entity definitions are how XML bombs expand; no GeoReport body needs them.
        raise Open311FormatError("XML 含 DOCTYPE/ENTITY 声明，已拒绝 / XML with a DOCTYPE refused")
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise Open311FormatError(f"XML 无法解析：{exc} / malformed XML") from None


def _json(body: bytes) -> Any:
    _refuse_html(body)
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise Open311FormatError(f"JSON 无法解析：{exc} / malformed JSON") from None


def parse_list(body: bytes, fmt: str, item: str, wrappers: tuple[str, ...]) -> list[Any]:
    """The items of a list body: ``<wrapper><item>…`` or ``[…]``, with or without wrappers.

    Parameters
    ----------
    body : bytes
        The response body.
    fmt : {"xml", "json"}
        The format asked for.
    item : str
        The element name of one item (``request``, ``service``).
    wrappers : tuple of str
        Names a server may wrap the list in (``service_requests``, ``requests``).
    """
    if not body.strip():
        return []
    if fmt == "json":
        data = _json(body)
        if isinstance(data, Mapping):
            for key in (*wrappers, item):
                if key in data:
                    data = data[key]
                    break
            else:
                data = [data]  # one object without a wrapper
        if isinstance(data, Mapping) and item in data:
            data = data[item]
        return list(data) if isinstance(data, list) else [data]
    root = _xml_root(body)
    if _local(root.tag) == item:
        return [_element(root)]
    nodes = [n for n in root if _local(n.tag) == item]
    if not nodes:  # one more level: <response><service_requests><request>…
        nodes = [n for child in root for n in child if _local(n.tag) == item]
    if not nodes and _local(root.tag) not in wrappers:
        raise Open311FormatError(f"XML 根元素 <{_local(root.tag)}> 不是 {item} 列表 / unexpected root")
    return [_element(n) for n in nodes]


def parse_object(body: bytes, fmt: str, name: str) -> dict[str, Any]:
    """A single-object body (discovery, a service definition), unwrapped."""
    if fmt == "json":
        data = _json(body)
        if isinstance(data, list) and data and isinstance(data[0], Mapping):
            data = data[0]
        if isinstance(data, Mapping) and isinstance(data.get(name), Mapping):
            data = data[name]
        if not isinstance(data, Mapping):
            raise Open311FormatError(f"JSON 不是 {name} 对象 / not an object")
        return dict(data)
    value = _element(_xml_root(body))
    if not isinstance(value, dict):
        raise Open311FormatError(f"XML 不是 {name} 对象 / not an object")
    return value


def error_message(body: bytes, status: int) -> str:
    """The server's own words for an error, whatever shape they came in (never raises)."""
    title = html_title(body)
    if title is not None:  # a web server's or a proxy's error page: its title says it all
        return title or f"HTTP {status}"
    found: list[str] = []
    try:
        data: Any = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        data = None
    if data is None:
        try:
            data = _element(_xml_root(body))
        except Open311FormatError:
            data = None
    stack = [data]
    while stack and len(found) < 5:
        node = stack.pop()
        if isinstance(node, Mapping):
            words = one_line(text(node.get("description") or node.get("message")
                                  or node.get("error"), 300))
            if words:
                found.append(words)
            else:
                stack.extend(v for v in node.values() if isinstance(v, Mapping | list))
        elif isinstance(node, list):
            stack.extend(reversed(node[:20]))
    if not found:
        plain = one_line(text(body[:300].decode("utf-8", "replace"), 300), 200)
        found = [plain] if plain and "<" not in plain[:1] else []
    return one_line("; ".join(found), 600) or f"HTTP {status}"


def _sha(item: Any) -> str:
    dump = json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)
    return "sha:" + hashlib.sha256(dump.encode("utf-8", "replace")).hexdigest()[:40]


#: The fields of a request that say something, in the fingerprint.  ``updated_datetime`` is
#: left out: a server moves it for changes that are not news (our own status pushes).
_TEXT_FIELDS = ("service_request_id", "service_code", "service_name", "description",
                "agency_responsible", "service_notice", "address", "address_id", "zipcode",
                "media_url", "status_notes")
_TIME_FIELDS = ("requested_datetime", "expected_datetime")


def parent_request(raw: Mapping[str, Any]) -> str | None:
    """The request a source says this one duplicates (Chicago-style ``parent_service_request_id``,
    on the request or in its ``extended_attributes``)."""
    extended = raw.get("extended_attributes")
    for holder in (raw, extended if isinstance(extended, Mapping) else {}):
        parent = text(holder.get("parent_service_request_id"), 128)
        if parent:
            return parent
    return None


def fingerprint(raw: Mapping[str, Any], tz: tzinfo | None) -> str:
    """A digest of what a request says, the same for the same data in XML and in JSON.

    Text is trimmed, ids are text (``1001`` = ``" 1001 "``), coordinates are numbers, times are
    UTC instants, the status is lower case; an unreadable value stays as its text.
    """
    doc: dict[str, Any] = {key: text(raw.get(key)) for key in _TEXT_FIELDS}
    doc["status"] = text(raw.get("status"), 32).lower()
    doc["parent"] = parent_request(raw) or ""
    for key in _TIME_FIELDS:
        try:
            at = instant(raw.get(key), key, tz)
            doc[key] = at.astimezone(UTC).isoformat() if at is not None else ""
        except FieldError:
            doc[key] = text(raw.get(key))
    for key, value in (("lat", raw.get("lat")), ("long", raw.get("long", raw.get("lon")))):
        try:
            found = number(value, key, -1e9, 1e9)
            doc[key] = None if found is None else round(found, 7)
        except FieldError:
            doc[key] = text(value)
    dump = json.dumps(doc, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(dump.encode("utf-8", "replace")).hexdigest()


def request_record(channel: str, item: Any, source: str, tz: tzinfo | None) -> IntakeRecord:
    """One GeoReport request object as an intake record (never raises).

    ``tz`` is the zone assumed for datetimes a server sends without an offset.
    """
    if not isinstance(item, Mapping):
        return IntakeRecord(channel, _sha(item), PARSER, {"value": item},
                            problem="请求不是对象 / request is not an object")
    raw = dict(item)
    token = text(raw.get("token"), 100)
    try:
        external_id = identifier(raw.get("service_request_id"), "service_request_id")
    except FieldError as exc:
        ext = f"token:{token}" if token else _sha(raw)
        reason = exc.message + ("（服务器仍在处理该请求）" if token else "")
        return IntakeRecord(channel, ext[:128], PARSER, raw, problem=reason)
    code = text(raw.get("service_code"), 128)
    status = text(raw.get("status"), 32).lower() or None
    notes = text(raw.get("status_notes"), 4000) or None
    parent, digest = parent_request(raw), fingerprint(raw, tz)
    try:
        updated = instant(raw.get("updated_datetime"), "updated_datetime", tz)
        requested = instant(raw.get("requested_datetime"), "requested_datetime", tz)
        if requested is None:
            raise FieldError("缺少 requested_datetime / missing requested_datetime")
        lat = number(raw.get("lat"), "lat", -90.0, 90.0)
        lon = number(raw.get("long", raw.get("lon")), "long", -180.0, 180.0)
        if (lat is None) != (lon is None):
            raise FieldError("lat 与 long 须同时给出 / give both lat and long")
    except FieldError as exc:
        return IntakeRecord(channel, external_id, PARSER, raw, external_code=code or None,
                            problem=exc.message, remote_status=status, remote_notes=notes,
                            duplicate_of=parent, fingerprint=digest)
    description = text(raw.get("description"))
    name = text(raw.get("service_name"), 200)
    media = text(raw.get("media_url"), 1000)
    if not description:
        description = name or f"Open311 请求 {external_id}"
    if media:
        description = f"{description}\n图片：{media}"
    address = text(raw.get("address"), 500)
    report = Report(category="", description=description, source=source, lon=lon, lat=lat,
                    address=address, reported_at=requested)
    return IntakeRecord(channel, external_id, PARSER, raw, report=report,
                        external_code=code or None, remote_status=status,
                        remote_updated_at=updated, remote_notes=notes, duplicate_of=parent,
                        fingerprint=digest)


def service_rows(items: list[Any]) -> list[dict[str, str]]:
    """Service-list items as ``{service_code, service_name, group, metadata, …}`` rows."""
    rows = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        code = text(item.get("service_code"), 128)
        if code:
            rows.append({key: text(item.get(key), 500) for key in (
                "service_code", "service_name", "description", "metadata", "type", "keywords",
                "group")})
    return rows


def definition_attributes(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The attributes of a service definition, with or without the ``attributes`` wrapper."""
    found = definition.get("attributes", definition.get("attribute", []))
    if isinstance(found, Mapping):
        found = found.get("attribute", [found])
    if not isinstance(found, list):
        found = [found]
    return [dict(a) for a in found if isinstance(a, Mapping)]
