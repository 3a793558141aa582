"""desk.toml on the command line: the database and desk it names, and what a bad file does."""

from __future__ import annotations

import contextlib
import io
import json
import socket
from pathlib import Path

import pytest

from console.cli.main import main
from console.config import ENV_CONFIG
from tests.cli.conftest import NOW, Result, fingerprint, run


def plain(*argv: str) -> Result:
    """``citydesk`` without the ``--db`` the shared helper adds: the configuration decides."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*argv, "--now", NOW])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The desk.toml this test writes (named by CITYDESK_CONFIG; empty at first); no CITYDESK_DB."""
    path = tmp_path / "desk.toml"
    path.write_text("", encoding="utf-8")
    monkeypatch.setenv(ENV_CONFIG, str(path))
    monkeypatch.delenv("CITYDESK_DB", raising=False)
    return path


def sqlite(folder: Path, name: str) -> str:
    return f"sqlite:///{folder / name}"


def test_the_file_names_the_database(config: Path, tmp_path: Path) -> None:
    url = sqlite(tmp_path, "from-config.sqlite3")
    config.write_text(f'database = "{url}"\n', encoding="utf-8")
    result = plain("init", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["database"] == url
    assert (tmp_path / "from-config.sqlite3").exists()


def test_environment_beats_the_file_and_the_flag_beats_both(
        config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config.write_text(f'database = "{sqlite(tmp_path, "file.sqlite3")}"\n', encoding="utf-8")
    monkeypatch.setenv("CITYDESK_DB", sqlite(tmp_path, "env.sqlite3"))
    assert plain("init").code == 0
    assert (tmp_path / "env.sqlite3").exists() and not (tmp_path / "file.sqlite3").exists()
    assert plain("init", "--db", sqlite(tmp_path, "flag.sqlite3")).code == 0
    assert (tmp_path / "flag.sqlite3").exists() and not (tmp_path / "file.sqlite3").exists()


def _desks(url: str) -> list[str]:
    shown = run(url, "case", "show", "1", "--json")
    assert shown.code == 0, shown.err
    return [e["desk"] for e in json.loads(shown.out)["timeline"]]


def test_the_desk_name_comes_from_the_file_unless_given(config: Path, tmp_path: Path) -> None:
    url = sqlite(tmp_path, "desk.sqlite3")
    config.write_text(f'database = "{url}"\ndesk = "受理席-3"\n', encoding="utf-8")
    assert plain("init").code == 0
    made = plain("case", "new", "--category", "06010", "--desc", "路口垃圾",
                 "--grid", "330824001001001", "--as", "caiji01")
    assert made.code == 0, made.err
    accepted = plain("case", "accept", "1", "--as", "shouli1", "--desk", "临时席")
    assert accepted.code == 0, accepted.err
    assert _desks(url) == ["受理席-3", "临时席"]


def test_without_a_desk_key_the_command_line_records_cli(config: Path, tmp_path: Path) -> None:
    url = sqlite(tmp_path, "cli.sqlite3")
    config.write_text(f'database = "{url}"\n', encoding="utf-8")
    assert plain("init").code == 0
    assert plain("case", "new", "--category", "06010", "--desc", "路口垃圾",
                 "--grid", "330824001001001", "--as", "caiji01").code == 0
    assert _desks(url) == ["cli"]


@pytest.mark.parametrize(("text", "needle"), [
    ("database = [\n", "不是有效的 TOML"),
    ('desk = "x"\ncolour = "red"\n', "未知的键 colour"),
    ('database = "postgresql+psycopg://app:s3cret@127.0.0.1/citydesk"\n',
     "never stored in plain text"),
])
def test_a_bad_file_is_refused_with_exit_2_and_changes_nothing(
        config: Path, tmp_path: Path, text: str, needle: str) -> None:
    url = sqlite(tmp_path, "kept.sqlite3")
    assert run(url, "init").code == 0
    before = fingerprint(url)
    config.write_text(text, encoding="utf-8")
    for argv in (("init",), ("case", "new", "--category", "06010", "--desc", "x",
                             "--grid", "330824001001001")):
        result = run(url, *argv)  # even with --db: a broken file is never ignored silently
        assert result.code == 2
        assert needle in result.err
        assert len(result.err.strip().splitlines()) == 1
        assert "s3cret" not in result.err
    assert fingerprint(url) == before


def test_a_password_in_the_file_creates_no_database(config: Path, tmp_path: Path) -> None:
    config.write_text('database = "postgresql://app:pw@127.0.0.1/x"\n', encoding="utf-8")
    result = plain("init")
    assert result.code == 2 and "never stored in plain text" in result.err


def test_a_time_zone_other_than_the_centre_s_is_refused(config: Path, tmp_path: Path) -> None:
    url = sqlite(tmp_path, "tz.sqlite3")
    config.write_text(f'database = "{url}"\ntimezone = "Asia/Shanghai"\n', encoding="utf-8")
    assert plain("init").code == 0
    assert plain("case", "list").code == 0
    config.write_text(f'database = "{url}"\ntimezone = "Asia/Urumqi"\n', encoding="utf-8")
    before = fingerprint(url)
    result = plain("case", "new", "--category", "06010", "--desc", "x",
                   "--grid", "330824001001001", "--as", "caiji01")
    assert result.code == 2
    assert "Asia/Urumqi" in result.err and "Asia/Shanghai" in result.err
    assert fingerprint(url) == before


def test_the_wall_uses_wall_database(config: Path, tmp_path: Path) -> None:
    desk_url = sqlite(tmp_path, "desk.sqlite3")
    assert run(desk_url, "init").code == 0
    # The wall's own URL names a database nobody set up: refused before any window opens,
    # which shows the wall did not fall back to `database`.
    config.write_text(f'database = "{desk_url}"\n'
                      f'wall_database = "{sqlite(tmp_path, "wall.sqlite3")}"\n', encoding="utf-8")
    result = plain("wall")
    assert result.code == 2 and "citydesk init" in result.err
    assert not (tmp_path / "wall.sqlite3").exists()


def test_the_console_desk_name_comes_from_the_file(config: Path) -> None:
    from console.ui.start import desk_name

    config.write_text('desk = "派遣席-2"\n', encoding="utf-8")
    assert desk_name() == "派遣席-2"
    config.write_text("", encoding="utf-8")
    assert desk_name() == (socket.gethostname() or "desk")[:64]
