"""The collector / hotline feed: a documented JSON format, checked record by record.

The format is ``resources/intake/feed.schema.json`` (JSON Schema 2020-12, described in
``docs/intake.md``).  A batch that is not JSON at all is one problem; inside a readable batch
every record is validated on its own, so one bad record is quarantined with the schema's
complaint and the rest are taken in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import tzinfo
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from console.domain.cases import Source
from console.intake.fields import FieldError, identifier, instant, text
from console.services.cases import Report
from console.services.intake_ports import IntakeRecord

PARSER = "feed"
SOURCES: dict[str, Source] = {
    "collector": Source.COLLECTOR, "hotline": Source.HOTLINE, "public": Source.PUBLIC,
    "web": Source.WEB, "video": Source.VIDEO,
}


class FeedFormatError(ValueError):
    """A batch that is not a feed at all (not JSON, not an object or array)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@cache
def schema() -> dict[str, Any]:
    """The shipped JSON Schema of the feed."""
    return dict(json.loads((files("resources") / "intake" / "feed.schema.json").read_text("utf-8")))


@cache
def _record_validator() -> Draft202012Validator:
    full = schema()
    return Draft202012Validator({**full["$defs"]["record"], "$defs": full["$defs"]})


def parse_batch(body: bytes | str) -> tuple[list[Any], str | None, str | None]:
    """A batch's records, its default source and its ``next_since`` (FeedFormatError if none)."""
    try:
        data = json.loads(body.decode("utf-8-sig") if isinstance(body, bytes) else body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise FeedFormatError(f"不是有效的 JSON：{exc} / not valid JSON") from None
    if isinstance(data, list):
        return data, None, None
    if not isinstance(data, Mapping):
        raise FeedFormatError("批次应为对象或数组 / a batch is an object or an array")
    records = data.get("records")
    if records is None and "id" in data:
        return [data], None, None  # one record sent on its own
    if not isinstance(records, list):
        raise FeedFormatError("批次缺少 records 数组 / the batch has no records array")
    source = data.get("source") if isinstance(data.get("source"), str) else None
    since = data.get("next_since") if isinstance(data.get("next_since"), str) else None
    return records, source, since


def _schema_reason(errors: list[SchemaError]) -> str:
    parts = []
    for error in errors[:3]:
        where = "/".join(str(p) for p in error.absolute_path) or "记录"
        parts.append(f"{where}: {error.message[:200]}")
    return "不符合馈送格式：" + "；".join(parts) + " / does not match the feed schema"


def _sha(item: Any) -> str:
    dump = json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)
    return "sha:" + hashlib.sha256(dump.encode("utf-8", "replace")).hexdigest()[:40]


def feed_record(channel: str, item: Any, default_source: str | None, tz: tzinfo | None
                ) -> IntakeRecord:
    """One feed record as an intake record (never raises; bad ones carry a ``problem``).

    Photos are left in ``raw``: :func:`console.intake.feed_channel.with_photos` fetches or
    decodes them before the record is taken in.
    """
    if not isinstance(item, Mapping):
        return IntakeRecord(channel, _sha(item), PARSER, {"value": item},
                            problem="记录不是对象 / record is not an object")
    raw = dict(item)
    if default_source and "source" not in raw:
        raw["source"] = default_source
    try:
        external_id = identifier(raw.get("id"), "id")
    except FieldError as exc:
        return IntakeRecord(channel, _sha(raw), PARSER, raw, problem=exc.message)
    errors = sorted(_record_validator().iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        return IntakeRecord(channel, external_id, PARSER, raw, problem=_schema_reason(errors))
    source = SOURCES[str(raw.get("source") or "hotline")]
    collector = text(raw.get("collector_id"), 64) or None
    if source is Source.COLLECTOR and collector is None:
        return IntakeRecord(channel, external_id, PARSER, raw,
                            problem="监督员上报须给出 collector_id / collector_id required")
    try:
        reported = instant(raw.get("reported_at"), "reported_at", tz)
    except FieldError as exc:
        return IntakeRecord(channel, external_id, PARSER, raw, problem=exc.message)
    report = Report(
        category=text(raw.get("category"), 128), description=text(raw.get("description"), 2000),
        source=source.value, grid=text(raw.get("grid"), 15) or None,
        lon=raw.get("lon"), lat=raw.get("lat"), address=text(raw.get("address"), 500),
        contact=text(raw.get("contact"), 64), reported_at=reported,
        component_id=text(raw.get("component_id"), 64) or None,
        legacy_kind=raw.get("legacy_kind"),  # the schema allows component or event only
    )
    if not report.description:
        return IntakeRecord(channel, external_id, PARSER, raw, problem="描述为空 / empty description")
    return IntakeRecord(channel, external_id, PARSER, raw, report=report,
                        reporter=collector if source is Source.COLLECTOR else None)
