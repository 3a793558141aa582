"""The collector/hotline feed over HTTP: photos by URL and base64, the since cursor, bad records."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image

from console.intake.feed_channel import FeedSettings, poll_http
from console.services.intake import IntakeContext
from console.services.intake_problems import list_problems
from tests.open311_server import Answer, Hit, Open311Server


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 60, 60)).save(out, "PNG")
    return out.getvalue()


def _record(n: int, **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": f"HL-{n}", "reported_at": f"2026-03-02T09:0{n}:00+08:00", "category": "暴露垃圾",
        "description": f"市民来电：垃圾 {n}", "grid": "330824001001001", "ticket": f"T{n}"}
    base.update(extra)
    return base


def test_http_feed_with_photos_and_cursor(intake: IntakeContext, open311_server: Open311Server) -> None:
    png = _png()
    open311_server.route("GET", "/photo.png", Answer(png, content_type="image/png"))
    batch = {"version": 1, "source": "hotline", "next_since": "cursor-2", "records": [
        _record(1, photos=[{"base64": base64.b64encode(png).decode(), "filename": "a.png"}]),
        _record(2, photos=[{"url": f"{open311_server.url}/photo.png"}]),
        _record(3, photos=[{"url": f"{open311_server.url}/missing.png"}]),
        _record(4, photos=[{"base64": "!!!"}]),
        _record(5, grid="123"),
        _record(6, source="collector", collector_id="nobody"),
    ]}

    def feed(hit: Hit) -> Answer:
        return Answer(json.dumps(batch if "since" not in hit.query else {"records": []},
                                 ensure_ascii=False))

    open311_server.route("GET", "/feed", feed)
    settings = FeedSettings("feed:12345", url=f"{open311_server.url}/feed")
    counts = poll_http(intake, settings)
    assert counts.as_dict() == {"fetched": 6, "created": 2, "updated": 0, "duplicates": 0,
                                "quarantined": 4}
    reasons = {p.external_id: p.reason for p in list_problems(intake.uow_factory)}
    assert "HTTP 404" in reasons["HL-3"] and "base64" in reasons["HL-4"]
    assert "grid" in reasons["HL-5"] and "nobody" in reasons["HL-6"]
    with intake.uow_factory() as uow:
        link = uow.intake.link("feed:12345", "HL-2")
        assert link is not None
        assert len(uow.photos.for_case(link.case_id)) == 1
        assert uow.cases.get(link.case_id).source.value == "12345热线"
    poll_http(intake, settings)
    assert open311_server.hits_of("GET", "/feed")[-1].query == {"since": "cursor-2"}
