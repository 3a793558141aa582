"""``POST /api/v1/self-handled`` (issue #15, 自处置) against a real server on loopback and a
real PostgreSQL: the collector's report with photos before and after, idempotent by
``client_id``; the review through the desk's command route; every refusal 403 / 422 naming the
field with the database unchanged."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import Engine, text

from tests.server.conftest import Server, counts, running_server

pytestmark = pytest.mark.postgres

CELL = "330824001001001"  # caiji01's
URL = "/api/v1/self-handled"


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


BEFORE = ("before", ("before.jpg", jpeg((200, 30, 30)), "image/jpeg"))
AFTER = ("after", ("after.jpg", jpeg((30, 200, 30)), "image/jpeg"))


@pytest.fixture(scope="module")
def server(pg_db: str) -> Iterator[Server]:
    with running_server(pg_db) as srv:
        yield srv


def _body(**changes: Any) -> dict[str, str]:
    body = {"category": "06010", "description": "路边少量垃圾，已当场清理", "grid": CELL,
            "client_id": f"phone-{uuid.uuid4().hex}"} | changes
    return {"body": json.dumps(body)}


def _self_handled(server: Server, data: dict[str, str] | None = None,
                  files: list[Any] | None = None, user: str = "caiji01") -> Any:
    if files == []:  # no photos at all: a plain JSON body
        return server.post(URL, server.as_user(user), json=json.loads((data or _body())["body"]))
    return server.post(URL, server.as_user(user), data=data or _body(),
                       files=[BEFORE, AFTER] if files is None else files)


def _photo_kinds(db: Engine, case_id: int) -> list[str]:
    with db.connect() as conn:
        return sorted(conn.execute(text("SELECT kind FROM photos WHERE case_id = :i"),
                                   {"i": case_id}).scalars())


def test_a_self_handled_report_once_per_client_id_then_reviewed(server: Server,
                                                                 db: Engine) -> None:
    data = _body()
    first = _self_handled(server, data)
    assert first.status_code == 201, first.text
    case = first.json()["case"]
    assert case["state"] == "自处置待审核"
    assert _photo_kinds(db, case["id"]) == ["after", "before"]
    before = counts(db)
    again = _self_handled(server, data)
    assert again.status_code == 200, again.text
    assert again.json()["case"] == case and counts(db) == before

    # The collector may not decide its own fix; an acceptor rejects it with a reason.
    own = server.post(f"/api/v1/cases/{case['id']}/approve", server.as_user("caiji01"),
                      json={"version": case["version"]})
    assert own.status_code == 403, own.text
    assert counts(db) == before
    rejected = server.post(f"/api/v1/cases/{case['id']}/reject-self-handled",
                           server.as_user("shouli1"),
                           json={"version": case["version"], "reason": "照片不清楚"})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["case"]["state"] == "待受理"

    other = _self_handled(server).json()["case"]
    approved = server.post(f"/api/v1/cases/{other['id']}/approve", server.as_user("shouli1"),
                           json={"version": other["version"]})
    assert approved.status_code == 200, approved.text
    assert approved.json()["case"]["state"] == "已结案"
    with db.connect() as conn:
        assert conn.execute(text("SELECT close_type FROM cases WHERE id = :i"),
                            {"i": other["id"]}).scalar_one() == "自处置"


@pytest.mark.parametrize(("files", "data", "field"), [
    ([BEFORE], None, "after"),
    ([AFTER], None, "before"),
    ([], None, "before"),
    ([BEFORE, AFTER, ("photo", ("x.jpg", jpeg((0, 0, 0)), "image/jpeg"))], None, "photo"),
    ([("before", ("x.jpg", b"not an image", "image/jpeg")), AFTER], None, "before"),
    (None, _body(category=""), "category"),
    (None, _body(reported_at="2026-01-01T00:00:00+08:00"), "reported_at"),
    (None, _body(client_id=""), "client_id"),
    (None, _body(lon=200.0, lat=29.0, grid=None), "lon"),
])
def test_refusals_name_the_field_and_change_nothing(server: Server, db: Engine, files: Any,
                                                    data: Any, field: str) -> None:
    before = counts(db)
    reply = _self_handled(server, data, files)
    assert reply.status_code == 422, reply.text
    assert reply.json()["field"] == field, reply.text
    assert "\n" not in reply.json()["message"]
    assert counts(db) == before


def test_only_a_collector_or_administrator_reports_a_self_handled_fix(server: Server,
                                                                      db: Engine) -> None:
    before = counts(db)
    reply = _self_handled(server, user="shouli1")
    assert reply.status_code == 403, reply.text
    assert counts(db) == before


def test_the_command_line_through_the_server(server: Server, db: Engine, tmp_path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from console.cli.main import main
    from tests.server.conftest import PASSWORD

    monkeypatch.setenv("CITYDESK_CONFIG", "")
    monkeypatch.setenv("CITYDESK_SERVER", server.url)
    monkeypatch.delenv("CITYDESK_DB", raising=False)
    monkeypatch.setenv("CITYDESK_SESSION_FILE", str(tmp_path / "session.json"))
    for name, (_part, (_file, data, _mime)) in (("b.jpg", BEFORE), ("a.jpg", AFTER)):
        (tmp_path / name).write_bytes(data)

    def cli(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    assert cli("login", "--user", "caiji01", stdin=PASSWORD + "\n")[0] == 0
    argv = ("case", "self-handle", "--category", "06010", "--desc", "已清理", "--grid", CELL)
    before = counts(db)
    code, _out, err = cli(*argv, "--before", str(tmp_path / "b.jpg"))
    assert code == 2 and err.count("\n") == 1 and "after" in err, err
    assert counts(db) == before
    code, out, err = cli(*argv, "--before", str(tmp_path / "b.jpg"),
                         "--after", str(tmp_path / "a.jpg"), "--json")
    assert code == 0, err
    made = json.loads(out)
    assert made["state"] == "自处置待审核"
    assert _photo_kinds(db, made["id"]) == ["after", "before"]
