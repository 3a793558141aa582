"""desk.toml: where it is read from, what it may hold, and the database URL precedence."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from console.app import database_url
from console.config import ENV_CONFIG, ConfigError, DeskConfig, config_path, load_config

PG = "postgresql+psycopg://citydesk_app@db.centre.local/citydesk"
WALL = "postgresql+psycopg://citydesk_wall@db.centre.local/citydesk"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user config and data directory of our own, and no CITYDESK_* variables."""
    monkeypatch.delenv(ENV_CONFIG, raising=False)
    monkeypatch.delenv("CITYDESK_DB", raising=False)
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda name: str(tmp_path / "config" / name))
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda name: str(tmp_path / "data" / name))
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_file_is_in_the_user_config_directory(home: Path) -> None:
    assert config_path() == home / "config" / "citydesk" / "desk.toml"


def test_no_file_means_nothing_configured(home: Path) -> None:
    assert load_config() == DeskConfig()


def test_every_key_is_read(home: Path) -> None:
    path = write(home / "config" / "citydesk" / "desk.toml", f"""
database = "{PG}"
desk = "派遣席-2"
timezone = "Asia/Shanghai"
wall_database = "{WALL}"

[intake]
user = "shouli1"

[[intake.feed]]
name = "feed:12345"
folder = "/srv/drop"
""")
    assert load_config() == DeskConfig(
        database=PG, desk="派遣席-2", timezone="Asia/Shanghai", wall_database=WALL, path=path,
        intake={"user": "shouli1", "feed": [{"name": "feed:12345", "folder": "/srv/drop"}]})


def test_the_environment_names_another_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = write(home / "elsewhere.toml", 'desk = "受理席"\n')
    monkeypatch.setenv(ENV_CONFIG, str(other))
    assert load_config().desk == "受理席"


def test_an_empty_environment_value_reads_no_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(home / "config" / "citydesk" / "desk.toml", 'desk = "x"\n')
    monkeypatch.setenv(ENV_CONFIG, "")
    assert load_config() == DeskConfig()


def test_a_named_file_must_exist(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CONFIG, str(home / "missing.toml"))
    with pytest.raises(ConfigError, match="无法读取"):
        load_config()


@pytest.mark.parametrize(("text", "needle"), [
    ("database = postgresql://x\n", "不是有效的 TOML"),
    ('desk = "a"\nport = 5432\n', "未知的键 port"),
    ("desk = 7\n", "desk 应为非空字符串"),
    ('intake = "feed"\n', "intake 应为表"),
    ('[desk]\nname = "x"\n', "desk 应为非空字符串"),
    ('desk = "  "\n', "desk 应为非空字符串"),
    (f'desk = "{"席" * 65}"\n', "过长"),
    ('timezone = "Asia/Beijing"\n', "未知的时区"),
    ('database = "mysql://citydesk@db/citydesk"\n', "不支持的数据库"),
    ('database = "host=db dbname=citydesk user=app"\n', "应为 URL"),
    ('database = "postgresql+psycopg://app:s3cret@db/citydesk"\n', "never stored in plain text"),
    ('wall_database = "postgresql://wall:pw@db/citydesk"\n', "never stored in plain text"),
    ('database = "postgresql://app@db/citydesk?password=s3cret"\n', "never stored in plain text"),
])
def test_bad_files_are_refused_in_one_line(home: Path, text: str, needle: str) -> None:
    path = write(home / "config" / "citydesk" / "desk.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config()
    message = caught.value.message
    assert needle in message
    assert "\n" not in message
    assert str(path) in message


def test_the_password_is_never_echoed(home: Path) -> None:
    write(home / "config" / "citydesk" / "desk.toml", 'database = "postgresql://app:s3cret@db/x"\n')
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert "s3cret" not in caught.value.message


@pytest.mark.parametrize("url", [
    "postgresql+psycopg:///?service=citydesk",  # everything from pg_service.conf
    "postgresql://citydesk_app@db.centre.local:5433/citydesk?sslmode=require",
    "sqlite:////srv/citydesk/citydesk.sqlite3",
    "~/citydesk.sqlite3",  # a path: an SQLite file
])
def test_urls_without_passwords_are_accepted(home: Path, url: str) -> None:
    write(home / "config" / "citydesk" / "desk.toml", f'database = "{url}"\n')
    assert load_config().database == url


def test_precedence_flag_then_environment_then_file_then_default(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = DeskConfig(database=PG)
    default = f"sqlite:///{home / 'data' / 'citydesk' / 'citydesk.sqlite3'}"
    assert database_url(None, DeskConfig()) == default
    assert database_url(None, config) == PG
    monkeypatch.setenv("CITYDESK_DB", "postgresql://env@db/citydesk")
    assert database_url(None, config) == "postgresql://env@db/citydesk"
    assert database_url("sqlite:////tmp/flag.sqlite3", config) == "sqlite:////tmp/flag.sqlite3"


def test_the_wall_prefers_its_own_database(home: Path) -> None:
    both = DeskConfig(database=PG, wall_database=WALL)
    assert database_url(None, both, wall=True) == WALL
    assert database_url(None, both) == PG
    assert database_url(None, DeskConfig(database=PG), wall=True) == PG


def test_database_url_reads_the_file_when_not_given_one(home: Path) -> None:
    write(home / "config" / "citydesk" / "desk.toml", f'database = "{PG}"\n')
    assert database_url(None) == PG
