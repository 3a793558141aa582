"""The command line and the wall through a real server (issue #14): ``citydesk login`` and after.

The server (module-scoped, PostgreSQL) is tests/server/conftest.py's.  The CLI runs in process
(``console.cli.main.main``) with ``CITYDESK_SERVER`` naming the server, no desk.toml, and the
session file in the test's own directory.
"""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from console.cli.login import NOT_SIGNED_IN, SESSION_EXPIRED
from console.cli.main import main
from tests.server.conftest import PASSWORD, Server, counts

pytestmark = pytest.mark.postgres


@pytest.fixture
def cli(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Any:
    """``cli(*argv, stdin=…)`` -> (exit code, stdout, stderr) against the server."""
    monkeypatch.setenv("CITYDESK_CONFIG", "")
    monkeypatch.setenv("CITYDESK_SERVER", server.url)
    monkeypatch.delenv("CITYDESK_DB", raising=False)
    monkeypatch.setenv("CITYDESK_SESSION_FILE", str(tmp_path / "cfg" / "session.json"))

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def login(cli: Any, user: str, password: str = PASSWORD) -> tuple[int, str, str]:
    return cli("login", "--user", user, stdin=password + "\n")


def session_file() -> Path:
    return Path(os.environ["CITYDESK_SESSION_FILE"])


def new_case(server: Server) -> dict[str, Any]:
    reply = server.post("/api/v1/reports", server.as_user("shouli1"), json={
        "category": "06010", "description": "CLI 经服务器", "source": "监督员上报",
        "grid": "330824001001001"})
    assert reply.status_code == 201, reply.text
    return dict(reply.json()["case"])


def one_line(err: str) -> str:
    text = err.strip()
    assert text.startswith("citydesk: ") and "\n" not in text, err
    return text


def test_login_saves_a_private_token_and_case_show_reads_through_it(cli: Any,
                                                                    server: Server) -> None:
    code, out, err = login(cli, "paiqian1")
    assert code == 0, err
    path = session_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved["server"] == server.url and saved["username"] == "paiqian1"
    assert PASSWORD not in path.read_text()
    code, out, _ = cli("whoami", "--json")
    assert code == 0 and json.loads(out)["username"] == "paiqian1"

    case = new_case(server)
    code, out, err = cli("case", "show", str(case["id"]), "--json")
    assert code == 0, err
    remote = json.loads(out)
    # The embedded path on the same database, as the same user, prints the same JSON.
    os.environ.pop("CITYDESK_SERVER")
    try:
        code, out, err = cli("case", "show", str(case["id"]), "--json", "--db", server.db_url,
                             "--as", "paiqian1")
        assert code == 0, err
        assert json.loads(out) == remote
        code, out, _ = cli("case", "list", "--json", "--limit", "5", "--db", server.db_url,
                           "--as", "paiqian1")
        embedded_list = json.loads(out)
    finally:
        os.environ["CITYDESK_SERVER"] = server.url
    code, out, _ = cli("case", "list", "--json", "--limit", "5")
    assert code == 0 and json.loads(out) == embedded_list
    code, out, _ = cli("case", "show", remote["case_no"])  # by case number, text
    assert code == 0 and f"案件 {remote['case_no']}" in out


def test_a_file_readable_by_others_is_refused(cli: Any) -> None:
    assert login(cli, "paiqian1")[0] == 0
    session_file().chmod(0o644)
    code, _, err = cli("case", "list")
    assert code == 2 and "他人可读" in one_line(err)


def test_a_wrong_password_is_one_line_and_saves_nothing(cli: Any) -> None:
    code, out, err = login(cli, "paiqian1", "wrong-horse")
    assert code == 3 and out == ""
    one_line(err)
    assert not session_file().exists()


def test_as_and_now_are_refused_and_nothing_is_sent(cli: Any, server: Server, db) -> None:
    assert login(cli, "shouli1")[0] == 0
    case = new_case(server)
    before = counts(db)
    for extra in (["--as", "zhibanzhang1"], ["--now", "2026-01-01T08:00:00+08:00"]):
        code, _, err = cli("case", "accept", str(case["id"]), *extra)
        assert code == 2 and ("--as" in one_line(err) or "--now" in err)
    assert counts(db) == before


def test_commands_without_a_server_counterpart_need_the_database(cli: Any) -> None:
    for argv in (["init"], ["demo", "--days", "1"], ["user", "device-key", "caiji01"],
                 ["db", "grant", "--app-role", "x"]):
        code, _, err = cli(*argv)
        assert code == 2 and "--db" in one_line(err), argv


def test_a_command_runs_as_the_session_and_refusals_keep_the_exit_codes(cli: Any,
                                                                        server: Server,
                                                                        db) -> None:
    assert login(cli, "shouli1")[0] == 0
    case = new_case(server)
    code, out, err = cli("case", "accept", str(case["id"]), "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["id"] == case["id"] and done["version"] == case["version"] + 1
    detail = server.get(f"/api/v1/cases/{case['id']}", server.as_user("shouli1")).json()
    assert detail["timeline"][-1]["actor"] == "shouli1"
    before = counts(db)
    refusals = [
        (["case", "show", "999999"], 2),                                  # 404
        (["case", "accept", str(case["id"])], 3),                         # 409 state
        (["case", "file", str(case["id"]), "--version", "1"], 3),         # 409 version
        (["case", "dispatch", str(case["id"]), "--unit", "NOPE"], 3),     # 403 role (shouli1)
    ]
    for argv, expected in refusals:
        code, _, err = cli(*argv)
        assert code == expected, (argv, err)
        one_line(err)
    assert login(cli, "paiqian1")[0] == 0
    code, _, err = cli("case", "show", "1" * 20)  # a case number that does not exist
    assert code == 2
    one_line(err)
    assert counts(db) == before


def test_logout_revokes_the_token_and_an_ended_session_is_one_line(cli: Any,
                                                                   server: Server) -> None:
    assert login(cli, "paiqian1")[0] == 0
    kept = session_file().read_text()
    token = json.loads(kept)["token"]
    assert server.get("/api/v1/whoami", token).status_code == 200
    code, _, err = cli("logout")
    assert code == 0, err
    assert not session_file().exists()
    assert server.get("/api/v1/whoami", token).status_code == 401
    code, _, err = cli("case", "list")
    assert code == 3 and NOT_SIGNED_IN in one_line(err)
    fd = os.open(session_file(), os.O_WRONLY | os.O_CREAT, 0o600)  # the revoked token back
    with os.fdopen(fd, "w") as out:
        out.write(kept)
    code, _, err = cli("case", "list")
    assert code == 3 and SESSION_EXPIRED in one_line(err)


def test_an_unreachable_server_is_one_line(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.server.conftest import free_port

    monkeypatch.setenv("CITYDESK_SERVER", f"http://127.0.0.1:{free_port()}")
    code, _, err = login(cli, "paiqian1")
    assert code == 2 and "server unreachable" in one_line(err)
    assert not session_file().exists()


# -- the wall ------------------------------------------------------------------------------
def test_the_wall_reads_through_a_wall_session_and_says_when_it_ends(
        server: Server, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from console.cli.remote_wall import WallRoot
    from console.ui.ops import OpRunner
    from console.ui.wall.window import WallWindow

    token = server.token("dapin1", kind="wall")
    root = WallRoot(server.url, token, saved=True)
    window = WallWindow(root, OpRunner(synchronous=True), lambda: datetime.now(UTC),
                        rotate_seconds=0)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.data_loaded, timeout=20_000):
        window.start()
    assert window.data is not None and window.online
    assert window.listener is not None  # the push stream is followed
    # The wall's session cannot act on a case.
    case = new_case(server)
    reply = server.post(f"/api/v1/cases/{case['id']}/accept", token,
                        json={"version": case["version"]})
    assert reply.status_code == 403
    # The server ends the session: one line on the wall, and no more reads until asked.
    assert server.post("/api/v1/logout", token).status_code == 200
    with qtbot.waitSignal(window.signed_out, timeout=20_000):
        window.refresh()
    assert window.is_signed_out and not window.refresh_timer.isActive()
    assert "F5" in window.banner.text and "\n" not in window.banner.text
    # F5 with a fresh saved login of the wall user brings it back.
    monkeypatch.setenv("CITYDESK_SESSION_FILE", str(tmp_path / "s.json"))
    from console.cli.login import SavedSession, save_session

    save_session(SavedSession(server.url, "dapin1", server.token("dapin1"),
                              datetime.now(UTC) + timedelta(hours=1)))
    with qtbot.waitSignal(window.data_loaded, timeout=20_000):
        window.retry_sign_in()
    assert not window.is_signed_out and window.online
    window.stop()
    qtbot.wait(100)  # the maps' deferred fit (a 0 ms single shot) runs before the teardown


def test_the_wall_refuses_a_session_that_can_act(cli: Any, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert login(cli, "paiqian1")[0] == 0
    code, _, err = cli("wall", "--windowed")
    assert code == 3 and "大屏只读" in one_line(err)


def test_case_new_reports_as_the_session_and_refuses_a_client_time(cli: Any, db) -> None:
    assert login(cli, "shouli1")[0] == 0
    before = counts(db)
    code, _, err = cli("case", "new", "--category", "06010", "--desc", "经服务器上报",
                       "--grid", "330824001001001", "--reported-at", "2026-01-01T08:00:00+08:00")
    assert code == 2 and "--reported-at" in one_line(err)
    assert counts(db) == before
    code, out, err = cli("case", "new", "--category", "06010", "--desc", "经服务器上报",
                         "--grid", "330824001001001", "--json")
    assert code == 0, err
    made = json.loads(out)
    assert set(made) == {"id", "case_no", "state", "grid", "suggested_unit", "rule", "version",
                         "duplicates", "warnings"}
    assert made["suggested_unit"]["code"] and made["version"] == 1
    assert counts(db)[0] == before[0] + 1


def test_an_administrator_manages_users_through_the_server(cli: Any, server: Server,
                                                            db) -> None:
    """``user add|passwd|disable|enable|list`` after ``citydesk login``: the session acts (an
    administrator, or exit 3 and nothing changed), each change is in the admin log, and the
    disabled user's open session ends at once."""
    assert login(cli, "paiqian2")[0] == 0
    before = counts(db)
    code, _, err = cli("user", "disable", "caiji01")
    assert code == 3 and "管理员" in one_line(err)
    assert counts(db) == before
    assert login(cli, "admin")[0] == 0
    with db.connect() as conn:
        logged = conn.scalar(text("SELECT count(*) FROM admin_log"))
    name = f"cli{uuid.uuid4().hex[:6]}"
    code, out, err = cli("user", "add", name, "--name", "经服务器", "--role", "监督员",
                         "--grids", "330824001001001", "--password-stdin",
                         stdin="first-pass-7\n")
    assert code == 0, err
    assert name in out
    code, _, err = cli("user", "passwd", name, "--password-stdin", stdin="second-pass-8\n")
    assert code == 0, err
    token = server.token(name, "second-pass-8")
    assert server.get("/api/v1/whoami", token).status_code == 200
    assert cli("user", "disable", name)[0] == 0
    assert server.get("/api/v1/whoami", token).status_code == 401
    code, out, _ = cli("user", "list", "--json")
    mine = next(row for row in json.loads(out) if row["username"] == name)
    assert (mine["active"], mine["password_set"], mine["role"]) == (False, True, "监督员")
    assert cli("user", "enable", name)[0] == 0
    with db.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM admin_log")) >= logged + 4
        row = conn.execute(text("SELECT active, grids FROM users WHERE username = :u"),
                           {"u": name}).one()
    assert row.active and list(row.grids) == ["330824001001001"]


def test_geocode_through_the_server_and_gazetteer_import_needs_the_database(
        cli: Any, server: Server, tmp_path: Path) -> None:
    from console.domain.coords import Crs
    from console.services.centre import load_centre
    from console.services.gazetteer import import_places
    from db.engine import make_engine
    from db.uow import make_uow_factory

    engine = make_engine(server.db_url)
    try:
        factory = make_uow_factory(engine)
        centre = load_centre(factory())
        import_places(factory, centre, ["名称", "地址", "经度", "纬度"],  # type: ignore[arg-type]
                      [(2, ["新华超市", "芹阳办事处解放街12号", 118.4015, 29.1474])], Crs.WGS84,
                      keep=True, source="t.csv", actor=centre.actor("admin"),
                      now=datetime.now(UTC))
    finally:
        engine.dispose()
    assert login(cli, "shouli1")[0] == 0
    for typed in ("新华", "xhcs"):  # a partial name, the pinyin initials
        code, out, err = cli("geocode", typed, "--json")
        assert code == 0, err
        hit = json.loads(out)[0]
        assert (hit["name"], hit["cell"]) == ("新华超市", "330824001001001")
    reply = server.post("/api/v1/desk/geocode", server.as_user("shouli1"),
                        json={"text": "新华", "limit": 0})
    assert reply.status_code == 422 and "limit" in reply.json()["message"]
    places = tmp_path / "p.csv"
    places.write_text("名称,地址,经度,纬度\n店,路,118.4015,29.1474\n", encoding="utf-8")
    code, out, err = cli("gazetteer", "import", str(places), "--keep")
    assert code == 2 and "gazetteer import" in one_line(err)
