"""``citydesk intake …`` and ``citydesk import``: counts as JSON, bad input refused with the database unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import fingerprint, run
from tests.open311_server import Answer, Open311Server, as_xml, request

COUNTS = {"fetched", "created", "updated", "duplicates", "quarantined"}
MAPPING = """channel: 批量
columns: {external_id: 编号, reported_at: 上报时间, category: 类别, description: 描述, grid: 网格,
          status: 状态, unit: 部门, dispatched_at: 派遣时间, due_at: 时限, closed_at: 结案时间}
values: {status: {已办结: 已结案}}
"""
CSV = """编号,上报时间,类别,描述,网格,状态,部门,派遣时间,时限,结案时间
A1,2025-06-02 09:00,暴露垃圾,路口垃圾,330824001001001,已办结,县综合执法局,2025-06-02 09:20,2025-06-02 11:20,2025-06-02 16:00
A2,2025-06-02 10:00,占道经营,店外经营,330824001001002,待处置,,2025-06-02 10:30,,
A3,2025-06-02 10:00,没有这个类别,描述,330824001001002,已办结,,2025-06-02 10:30,,2025-06-03 10:00
"""


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One initialised SQLite database for the tests that must leave it unchanged."""
    url = f"sqlite:///{tmp_path_factory.mktemp('intake') / 'x.sqlite3'}"
    assert run(url, "init").code == 0
    return url


def _files(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "cases.csv").write_text(CSV, encoding="utf-8")
    return str(tmp_path / "cases.csv"), str(tmp_path / "map.yaml")


def test_open311_once_prints_the_counts_and_a_second_run_creates_nothing(
        cli_db: str, open311_server: Open311Server) -> None:
    open311_server.route("GET", "/v2/requests.xml", as_xml([request(1), request(2, code="LAMP")]))
    endpoint = f"{open311_server.url}/v2"
    mapped = run(cli_db, "intake", "map", "--channel", "open311:kaihua", "GARB", "暴露垃圾")
    assert mapped.code == 0, mapped.err
    argv = ("intake", "open311", "--endpoint", endpoint, "--channel", "open311:kaihua", "--once",
            "--json", "--push", "none")
    first = run(cli_db, *argv)
    assert first.code == 0, first.err
    data = json.loads(first.out)
    assert set(data) == COUNTS | {"closed_at_source"}  # Open311 also says what the source closed
    assert (data["fetched"], data["created"], data["quarantined"]) == (2, 1, 1)
    second = json.loads(run(cli_db, *argv).out)
    assert second["created"] == 0 and second["duplicates"] == 2
    problems = json.loads(run(cli_db, "intake", "problems", "--json").out)
    assert [(p["external_id"], p["kind"], p["external_code"]) for p in problems] == [
        ("1002", "待分类", "LAMP")]
    assert problems[0]["raw"]["service_code"].strip() == "LAMP"
    assert run(cli_db, "intake", "map", "--channel", "open311:kaihua", "LAMP", "06010").code == 0
    retried = json.loads(run(cli_db, "intake", "retry", str(problems[0]["id"]), "--json").out)
    assert retried[0]["outcome"] == "created" and retried[0]["case_id"]
    assert json.loads(run(cli_db, "intake", "problems", "--json").out) == []


HTML_200 = Answer("<!DOCTYPE html>\n<html><head><title>统一身份认证</title></head><body>请登录"
                  "</body></html>", 200, content_type="text/html")
PLAIN_403 = Answer("Forbidden\nYou don't have permission\nto access this resource\non this server.",
                   403, content_type="text/plain")


@pytest.mark.parametrize("answer", [Answer("CRM is down", 500), Answer("<html>", 200),
                                    Answer('[{"code":403,"description":"Invalid api_key"}]', 403),
                                    PLAIN_403, HTML_200])
def test_open311_server_failures_exit_2_and_change_nothing(
        sqlite_db: str, open311_server: Open311Server, answer: Answer) -> None:
    url = sqlite_db
    open311_server.route("GET", "/v2/requests.json", answer)
    before = fingerprint(url)
    result = run(url, "intake", "open311", "--endpoint", f"{open311_server.url}/v2",
                 "--channel", "open311:kaihua", "--format", "json", "--once", "--json",
                 "--timeout", "2")
    assert result.code == 2 and result.err.count("\n") == 1 and " / " in result.err
    assert fingerprint(url) == before
    if answer is PLAIN_403:  # today: four lines
        assert "HTTP 403：Forbidden You don't have permission to access" in result.err
    if answer is HTML_200:  # today: a refused DOCTYPE (XML) or malformed JSON
        assert "不是 Open311 响应（HTML 页面）：统一身份认证 / not an Open311 response (HTML page)" \
            in result.err


def test_open311_a_server_is_known_by_its_jurisdiction_not_its_url(
        cli_db: str, open311_server: Open311Server) -> None:
    open311_server.route("GET", "/v2/requests.json", Answer(
        json.dumps([request(1, status="closed", status_notes="重复"), request(2), request(3)])))
    assert run(cli_db, "intake", "map", "--channel", "open311:kaihua.gov.cn", "GARB",
               "暴露垃圾").code == 0
    port = open311_server.url.rsplit(":", 1)[1]
    seen = []
    for host in ("127.0.0.1", "localhost"):
        result = run(cli_db, "intake", "open311", "--endpoint", f"http://{host}:{port}/v2",
                     "--jurisdiction", "kaihua.gov.cn", "--format", "json", "--once", "--json",
                     "--push", "none")
        assert result.code == 0, result.err
        seen.append(json.loads(result.out))
    assert (seen[0]["created"], seen[0]["closed_at_source"]) == (2, 1)
    assert (seen[1]["created"], seen[1]["duplicates"]) == (0, 3)  # today: everything again
    text = run(cli_db, "intake", "open311", "--endpoint", f"http://localhost:{port}/v2",
               "--jurisdiction", "kaihua.gov.cn", "--format", "json", "--once", "--push", "none")
    assert "源系统已关闭 0" in text.out
    problems = json.loads(run(cli_db, "intake", "problems", "--json").out)
    assert [(p["external_id"], p["kind"]) for p in problems] == [("1001", "源系统已关闭")]


def test_open311_without_a_channel_name_or_jurisdiction_is_refused(
        sqlite_db: str, open311_server: Open311Server) -> None:
    before = fingerprint(sqlite_db)
    result = run(sqlite_db, "intake", "open311", "--endpoint", f"{open311_server.url}/v2",
                 "--once")
    assert result.code == 2 and result.err.count("\n") == 1
    assert "--channel" in result.err and "jurisdiction" in result.err
    assert open311_server.hits == [] and fingerprint(sqlite_db) == before


def test_import_dry_run_counts_and_writes_nothing_then_imports(cli_db: str, tmp_path: Path) -> None:
    csv, mapping = _files(tmp_path)
    before = fingerprint(cli_db)
    dry = run(cli_db, "import", csv, "--mapping", mapping, "--dry-run", "--json")
    assert dry.code == 0, dry.err
    data = json.loads(dry.out)
    assert {k: data[k] for k in COUNTS} == {"fetched": 3, "created": 2, "updated": 0,
                                            "duplicates": 0, "quarantined": 1}
    assert data["problems"][0]["row"] == 4
    assert fingerprint(cli_db) == before
    real = json.loads(run(cli_db, "import", csv, "--mapping", mapping, "--json").out)
    assert (real["created"], real["quarantined"]) == (2, 1)
    shown = json.loads(run(cli_db, "case", "list", "--json").out)
    states = sorted(c["state"] for c in (shown if isinstance(shown, list) else shown["cases"]))
    assert "待处置" in states
    again = json.loads(run(cli_db, "import", csv, "--mapping", mapping, "--json").out)
    assert again["created"] == 0 and again["duplicates"] == 3


@pytest.mark.parametrize(("mapping", "csv", "needle"), [
    ("channel: x\ncolumns: {external_id: 编号}", CSV, "required columns"),
    ("channel: x\ncolumns: [1, 2", CSV, "invalid YAML"),
    ("columns: {external_id: 编号, reported_at: 上报时间, category: 类别}", CSV, "channel"),
    ("channel: x\ncolumns: {external_id: 编号, reported_at: 上报时间, category: 类别, 颜色: 色}",
     CSV, "unknown field"),
    (MAPPING, "编号,上报时间\nA1,2025-06-02\n", "missing columns"),
    (MAPPING, None, "file not found"),
])
def test_bad_import_input_exits_2_and_changes_nothing(
        sqlite_db: str, tmp_path: Path, mapping: str, csv: str | None, needle: str) -> None:
    url = sqlite_db
    (tmp_path / "m.yaml").write_text(mapping, encoding="utf-8")
    if csv is not None:
        (tmp_path / "c.csv").write_text(csv, encoding="utf-8")
    before = fingerprint(url)
    result = run(url, "import", str(tmp_path / "c.csv"), "--mapping", str(tmp_path / "m.yaml"))
    assert result.code == 2 and needle in result.err and result.err.count("\n") == 1
    assert fingerprint(url) == before


def test_other_bad_intake_input(sqlite_db: str, tmp_path: Path) -> None:
    url = sqlite_db
    before = fingerprint(url)
    for argv in (("intake", "open311", "--endpoint", "ftp://x", "--once"),
                 ("intake", "retry", "99"),
                 ("intake", "dismiss", "99"),
                 ("intake", "map", "--channel", "c", "CODE", "不存在的类别"),
                 ("intake", "map", "--channel", "c", "CODE"),
                 ("intake", "feed", "--channel", "f", "--folder", str(tmp_path / "none"), "--once"),
                 ("intake", "map", "--channel", "c", "X", "06010", "--as", "caiji01")):
        result = run(url, *argv)
        assert result.code in (2, 3), (argv, result.err)
        assert result.err.strip() and "Traceback" not in result.err, argv
    assert fingerprint(url) == before


def test_feed_folder_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert run(url, "init").code == 0
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.json").write_text(json.dumps({"records": [
        {"id": 1, "source": "collector", "collector_id": "caiji01", "category": "暴露垃圾",
         "reported_at": "2026-03-02T09:00:00+08:00", "description": "垃圾", "grid": "330824001001001"},
        {"id": 2, "source": "collector", "category": "暴露垃圾",
         "reported_at": "2026-03-02T09:00:00+08:00", "description": "缺监督员",
         "grid": "330824001001001"},
    ]}, ensure_ascii=False), encoding="utf-8")
    (drop / "b.json").write_text("{not json", encoding="utf-8")
    result = run(url, "intake", "feed", "--channel", "feed:field", "--folder", str(drop),
                 "--once", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {"fetched": 3, "created": 1, "updated": 0, "duplicates": 0,
                                      "quarantined": 2}
    assert (drop / "done" / "a.json").exists() and (drop / "failed" / "b.json").exists()
    shown = json.loads(run(url, "case", "show", "1", "--json").out)
    assert shown["source"] == "监督员上报"
    assert shown["timeline"][0]["actor"] == "caiji01"  # filed as the collector who sent it


def test_the_console_runs_the_channels_itself_when_told(tmp_path: Path, monkeypatch) -> None:
    """``in_console = true``: a one-machine setup needs no separate ``citydesk worker``."""
    import time

    from console.app import App
    from console.cli.gui import start_intake_in_console

    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert run(url, "init").code == 0
    drop = tmp_path / "drop"
    drop.mkdir()
    config = tmp_path / "desk.toml"
    config.write_text(
        f'[intake]\nin_console = true\n\n[[intake.feed]]\nname = "feed:field"\n'
        f'folder = "{drop.as_posix()}"\nsource = "collector"\ninterval = 1\n', encoding="utf-8")
    monkeypatch.setenv("CITYDESK_CONFIG", str(config))
    (drop / "a.json").write_text(json.dumps({"records": [
        {"id": 7, "source": "collector", "collector_id": "caiji01", "category": "暴露垃圾",
         "reported_at": "2026-03-02T09:00:00+08:00", "description": "垃圾", "grid": "330824001001001"},
    ]}, ensure_ascii=False), encoding="utf-8")
    app = App.open(url)
    thread = start_intake_in_console(app, "desk-1")
    try:
        assert thread is not None
        deadline = time.monotonic() + 20
        while not (drop / "done" / "a.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (drop / "done" / "a.json").exists()
    finally:
        if thread is not None:
            assert thread.stop()
        app.close()
    assert json.loads(run(url, "case", "show", "1", "--json").out)["source"] == "监督员上报"
    # Without in_console the console leaves the channels to `citydesk worker`.
    config.write_text(config.read_text().replace("in_console = true", "in_console = false"))
    app = App.open(url)
    try:
        assert start_intake_in_console(app, "desk-1") is None
    finally:
        app.close()
