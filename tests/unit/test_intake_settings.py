"""desk.toml's [intake] table, and the worker's schedule with failing channels."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from console.config import ConfigError, parse_config
from console.intake.settings import worker_settings
from console.intake.worker import Worker

GOOD = """
database = "sqlite:///x.sqlite3"
[intake]
user = "shouli1"
push_interval = 30
[[intake.open311]]
url = "https://open311.example.org/v2"
jurisdiction = "kaihua"
api_key_env = "TEST_OPEN311_KEY"
format = "json"
interval = 120
[[intake.feed]]
name = "feed:12345"
folder = "~/drop"
source = "hotline"
"""


def test_a_full_intake_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_OPEN311_KEY", "secret")
    config = parse_config(tomllib.loads(GOOD))
    made = worker_settings(config.intake)
    assert made.user == "shouli1" and made.push_interval == 30
    [o] = made.open311
    assert o.name == "open311:kaihua" and o.endpoint.api_key == "secret"  # not the URL's host
    assert o.endpoint.fmt == "json" and o.interval == 120 and o.push == "updates"
    [f] = made.feeds
    assert f.folder is not None and "~" not in str(f.folder) and f.source == "hotline"
    assert worker_settings(None).empty


@pytest.mark.parametrize(("table", "needle"), [
    ({"colour": 1}, "未知的键"),
    ({"open311": [{"url": "ftp://x"}]}, "url"),
    ({"open311": [{"url": "http://x", "format": "csv"}]}, "format"),
    ({"open311": [{"url": "http://x", "push": "email"}]}, "push"),
    ({"open311": [{"url": "http://x", "interval": 0}]}, "interval"),
    ({"feed": [{"name": "f"}]}, "url 或 folder"),
    ({"feed": [{"name": "f", "url": "http://a", "folder": "/b"}]}, "url 或 folder"),
    ({"feed": [{"name": "f", "url": "http://a"}, {"name": "f", "folder": "/b"}]}, "重名"),
    ({"in_console": "yes"}, "true 或 false"),
    ({"open311": {"url": "http://x"}}, "表数组"),
    # a server is known by its name or jurisdiction, never by how its URL is spelt
    ({"open311": [{"url": "http://127.0.0.1:8080/v2"}]}, "渠道名.*辖区"),
    ({"open311": [{"url": "http://x", "name": "n" * 65}]}, "过长"),
])
def test_bad_intake_tables_are_refused(table: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        worker_settings(table)


def test_intake_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match="intake"):
        parse_config({"intake": "yes"})


class _Ctx:
    """The worker never touches the context itself; jobs do."""


def test_a_failing_channel_does_not_stop_the_others() -> None:
    worker = Worker(_Ctx(), worker_settings(None))  # type: ignore[arg-type]
    ran: list[str] = []

    def broken() -> dict[str, Any]:
        raise OSError("disk gone")

    def fine() -> dict[str, Any]:
        ran.append("fine")
        if len(ran) == 2:
            worker.stop()
        return {"created": 0}

    from console.intake.worker import _Job

    worker.jobs = [_Job("broken", 0.01, broken), _Job("fine", 0.01, fine)]
    worker.run()
    assert ran == ["fine", "fine"]
    assert worker.run_once() == {"broken": None, "fine": {"created": 0}}
