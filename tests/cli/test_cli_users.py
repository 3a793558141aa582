"""``citydesk user …`` and ``citydesk audit verify``: the administrator's command line."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import text

from db.engine import make_engine
from tests.cli.conftest import fingerprint, run


def _with_stdin(monkeypatch: pytest.MonkeyPatch, data: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(data))


def test_add_disable_enable_passwd_and_list(cli_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_stdin(monkeypatch, "s3cret-pass\n")
    added = run(cli_db, "user", "add", "paiqian9", "--name", "派遣九", "--role", "派遣员",
                "--password-stdin", "--json")
    assert added.code == 0, added.err
    assert json.loads(added.out)["password_set"] is True
    assert run(cli_db, "user", "disable", "paiqian9").code == 0
    rows = {r["username"]: r for r in json.loads(run(cli_db, "user", "list", "--json").out)}
    assert rows["paiqian9"]["active"] is False and rows["paiqian9"]["password_set"] is True
    assert rows["admin"]["password_set"] is False  # init creates users without passwords
    assert run(cli_db, "user", "enable", "paiqian9").code == 0
    _with_stdin(monkeypatch, "another-pass\n")
    assert run(cli_db, "user", "passwd", "admin", "--password-stdin").code == 0
    rows = {r["username"]: r for r in json.loads(run(cli_db, "user", "list", "--json").out)}
    assert rows["paiqian9"]["active"] is True and rows["admin"]["password_set"] is True
    assert "s3cret" not in run(cli_db, "user", "list", "--json").out


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [
        (["user", "add", "u1", "--name", "某人", "--role", "责任单位", "--password-stdin"], "longenough\n"),
        (["user", "add", "u1", "--name", "某人", "--role", "清洁工", "--no-password"], ""),
        (["user", "add", "u1", "--name", "某人", "--role", "派遣员", "--password-stdin"], "short\n"),
        (["user", "add", "u1", "--name", "某人", "--role", "派遣员", "--password-stdin"], ""),
        (["user", "add", "u1", "--name", "某人", "--role", "派遣员"], ""),  # stdin is no terminal
        (["user", "add", "admin", "--name", "又一个", "--role", "管理员", "--no-password"], ""),
        (["user", "add", "u 1", "--name", "某人", "--role", "派遣员", "--no-password"], ""),
        (["user", "disable", "nobody"], ""),
        (["user", "disable", "admin"], ""),  # the acting admin cannot disable themself
        (["user", "passwd", "nobody", "--password-stdin"], "longenough\n"),
    ],
    ids=["unit-without-unit", "bad-role", "short", "empty-stdin", "no-tty", "exists",
         "bad-name", "unknown", "self", "passwd-unknown"],
)
def test_bad_input_exits_2_and_changes_nothing(cli_db: str, monkeypatch: pytest.MonkeyPatch,
                                               argv: list[str], stdin: str) -> None:
    before = fingerprint(cli_db)
    _with_stdin(monkeypatch, stdin)
    result = run(cli_db, *argv)
    assert result.code == 2, (result.out, result.err)
    assert result.err.count("\n") == 1 and result.err.startswith("citydesk")
    assert fingerprint(cli_db) == before


def test_a_non_admin_cannot_manage_users(cli_db: str) -> None:
    before = fingerprint(cli_db)
    result = run(cli_db, "user", "disable", "admin", user="paiqian1")
    assert result.code == 3 and "管理员" in result.err
    assert fingerprint(cli_db) == before


def test_audit_verify_reports_a_changed_byte(cli_db: str) -> None:
    assert run(cli_db, "demo", "--days", "2").code == 0
    ok = run(cli_db, "audit", "verify", "--json")
    assert ok.code == 0, ok.err
    report = json.loads(ok.out)
    assert report["ok"] is True and report["checked"] > 100 and report["first_broken"] is None
    engine = make_engine(cli_db)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE case_events DISABLE TRIGGER USER"))
            else:
                conn.execute(text("DROP TRIGGER case_events_no_update"))
            # One byte of one row's payload, as someone editing the table by hand would.
            conn.execute(text(
                "UPDATE case_events SET actor = substr(actor, 1, length(actor) - 1) || 'X' "
                "WHERE id = (SELECT min(id) + 40 FROM case_events)"))
            target = conn.execute(text("SELECT min(id) + 40 FROM case_events")).scalar_one()
            if engine.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE case_events ENABLE TRIGGER USER"))
    finally:
        engine.dispose()
    broken = run(cli_db, "audit", "verify", "--json")
    assert broken.code == 4
    found = json.loads(broken.out)
    assert found["ok"] is False and found["first_broken"]["event_id"] == target
    assert found["checked"] == 40
    assert f"id={target}" in run(cli_db, "audit", "verify").out


def test_a_unit_user_cannot_show_another_units_case(cli_db: str) -> None:
    assert run(cli_db, "demo", "--days", "2").code == 0
    rows = json.loads(run(cli_db, "case", "list", "--json", "--limit", "500").out)
    dispatched = [r for r in rows if r.get("unit")]
    assert dispatched
    case = dispatched[0]
    case["unit"] = case["unit"]["code"]
    engine = make_engine(cli_db)
    try:
        with engine.connect() as conn:
            users = conn.execute(text(
                "SELECT username, unit FROM users WHERE role = '责任单位' AND unit IS NOT NULL"
            )).all()
    finally:
        engine.dispose()
    other = next(u for u, unit in users if unit != case["unit"])
    own = next((u for u, unit in users if unit == case["unit"]), None)
    refused = run(cli_db, "case", "show", str(case["id"]), user=other)
    # Outside the seat's scope answers exactly as a case that does not exist (issue #14).
    unknown = run(cli_db, "case", "show", "99999999", user=other)
    assert refused.code == unknown.code == 2
    assert refused.err == unknown.err.replace("99999999", str(case["id"]))
    assert case["case_no"] not in refused.err and "不属于" not in refused.err
    listed = json.loads(run(cli_db, "case", "list", "--json", "--limit", "500", user=other).out)
    assert all(r["id"] != case["id"] for r in listed)
    if own is not None:
        assert run(cli_db, "case", "show", str(case["id"]), user=own).code == 0
