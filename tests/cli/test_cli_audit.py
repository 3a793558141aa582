"""``citydesk audit verify|anchor|rotate-key`` and the chain key file (issue #14)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from console.audit_files import KEY_FILE_NAME, load_keys
from db.engine import make_engine
from tests.cli.conftest import fingerprint, run

NEW = ("case", "new", "--category", "06010", "--desc", "路口垃圾", "--grid",
       "330824001001001")


def test_an_unsafe_key_file_is_refused_in_one_line_and_changes_nothing(
        cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "chain.key"
    key.write_bytes(Path(os.environ["CITYDESK_CHAIN_KEY_FILE"]).read_bytes())
    key.chmod(0o644)
    monkeypatch.setenv("CITYDESK_CHAIN_KEY_FILE", str(key))
    before = fingerprint(cli_db)
    result = run(cli_db, *NEW, user="caiji01")
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "chmod 600" in result.err and str(key) in result.err
    assert fingerprint(cli_db) == before


def test_a_missing_key_file_is_refused_on_postgresql_and_made_on_sqlite(
        cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere" / "chain.key"
    monkeypatch.setenv("CITYDESK_CHAIN_KEY_FILE", str(missing))
    before = fingerprint(cli_db)
    result = run(cli_db, *NEW, user="caiji01")
    if cli_db.startswith("sqlite"):
        assert result.code == 0, result.err
        assert stat.S_IMODE(missing.stat().st_mode) == 0o600
    else:
        assert result.code == 2 and "citydesk init" in result.err and not missing.exists()
        assert result.err.count("\n") == 1 and fingerprint(cli_db) == before


def test_the_embedded_default_key_sits_next_to_the_sqlite_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CITYDESK_CHAIN_KEY_FILE")
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    assert run(url, "init").code == 0
    key = tmp_path / KEY_FILE_NAME
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and load_keys(key).current
    assert run(url, *NEW, user="caiji01").code == 0
    verified = run(url, "audit", "verify", "--json")
    assert verified.code == 0, verified.out
    report = json.loads(verified.out)
    assert report["unchecked"] == 0 and report["keys_held"] == [load_keys(key).current.key_id]


def test_verify_without_the_key_says_so_in_one_line(cli_db: str,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    assert run(cli_db, *NEW, user="caiji01").code == 0
    monkeypatch.setenv("CITYDESK_CHAIN_KEY_FILE", str(tmp_path / "absent.key"))
    result = run(cli_db, "audit", "verify")
    assert result.code == 0, result.out
    lines = [line for line in result.out.splitlines() if "HMAC" in line]
    assert len(lines) == 1 and "absent.key" in lines[0]
    report = json.loads(run(cli_db, "audit", "verify", "--json").out)
    assert report["unchecked"] > 0 and report["keys_held"] == [] and report["key_file"] is None


def test_rotation_keeps_old_rows_verifiable(cli_db: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "chain.key"
    key.write_bytes(Path(os.environ["CITYDESK_CHAIN_KEY_FILE"]).read_bytes())
    key.chmod(0o600)
    monkeypatch.setenv("CITYDESK_CHAIN_KEY_FILE", str(key))
    assert run(cli_db, *NEW, user="caiji01").code == 0
    old = load_keys(key).current.key_id
    rotated = run(cli_db, "audit", "rotate-key", "--json")
    assert rotated.code == 0, rotated.err
    new = json.loads(rotated.out)["key_id"]
    assert new != old and load_keys(key).ids == (old, new)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert run(cli_db, *NEW, user="caiji01").code == 0
    report = json.loads(run(cli_db, "audit", "verify", "--json").out)
    assert report["ok"] is True and report["unchecked"] == 0
    engine = make_engine(cli_db)
    try:
        with engine.connect() as conn:
            used = set(conn.execute(text("SELECT DISTINCT key_id FROM case_events")).scalars())
    finally:
        engine.dispose()
    assert used == {old, new}


def test_anchor_then_verify_with_anchors(cli_db: str, tmp_path: Path) -> None:
    assert run(cli_db, *NEW, user="caiji01").code == 0
    folder = tmp_path / "anchors"
    made = run(cli_db, "audit", "anchor", "--dir", str(folder), "--json")
    assert made.code == 0, made.err
    line = json.loads(made.out)["line"]
    assert line.startswith("CITYDESK-ANCHOR 1 ") and (folder / Path(
        json.loads(made.out)["file"]).name).read_text().strip() == line
    ok = run(cli_db, "audit", "verify", "--anchors", str(folder), "--json")
    assert ok.code == 0 and json.loads(ok.out)["anchors_checked"] == 1, ok.out
    (folder / "anchors-2000-01-01.txt").write_text(line.replace("mac=", "mac=0") + "\n")
    bad = run(cli_db, "audit", "verify", "--anchors", str(folder))
    assert bad.code == 4 and "unreadable anchor" in bad.out
    missing = run(cli_db, "audit", "verify", "--anchors", str(tmp_path / "none"))
    assert missing.code == 2 and missing.err.count("\n") == 1


def test_the_report_prints_the_latest_anchor(cli_db: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "anchors"
    monkeypatch.setenv("CITYDESK_ANCHOR_DIR", str(folder))
    assert run(cli_db, *NEW, user="caiji01").code == 0
    run(cli_db, "audit", "anchor")
    line = json.loads(run(cli_db, "audit", "anchor", "--json").out)["line"]
    out = tmp_path / "day.csv"
    result = run(cli_db, "report", "--period", "2026-03-02..2026-03-02", "--format", "csv",
                 "--out", str(out), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["anchor"] == line
    printed = run(cli_db, "report", "--period", "2026-03-02..2026-03-02", "--format", "csv",
                  "--out", str(out))
    assert line in printed.out  # the 说明 note, as the command line prints it


def test_a_calendar_year_import_is_in_the_admin_log(cli_db: str, tmp_path: Path) -> None:
    days = tmp_path / "2027.yaml"
    days.write_text("year: 2027\ndays:\n  - {date: 2027-01-01, workday: false, note: 元旦}\n",
                    encoding="utf-8")
    assert run(cli_db, "calendar", "import", str(days), "--yes").code == 0
    engine = make_engine(cli_db)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT actor, target, key_id FROM admin_log "
                                    "WHERE action = 'calendar-import'")).one()
    finally:
        engine.dispose()
    assert row[0] == "admin" and row[1] == "2027" and row[2] is not None
    report = json.loads(run(cli_db, "audit", "verify", "--json").out)
    assert report["ok"] is True and report["admin"]["break_count"] == 0
