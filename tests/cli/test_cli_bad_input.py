"""Bad input on every CLI command: a clear one-line error, exit 2 or 3, the database unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from console.reference_files import DEFAULT_CENTRE
from tests.cli.conftest import fingerprint, run

GRID = "330824001001001"
SQL = "'; DROP TABLE cases; --"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("files")
    (folder / "notimage.jpg").write_text("this is text, not a JPEG")
    (folder / "big.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024 + 1))
    broken = folder / "broken-centre"
    shutil.copytree(DEFAULT_CENTRE, broken)
    routing = broken / "routing.yaml"
    routing.write_text(routing.read_text(encoding="utf-8").replace("KH-ZHZF", "KH-NOPE", 1),
                       encoding="utf-8")
    bad_yaml = folder / "bad-yaml-centre"
    shutil.copytree(DEFAULT_CENTRE, bad_yaml)
    (bad_yaml / "units.yaml").write_text("units: [ {code: 1", encoding="utf-8")
    return {"notimage": folder / "notimage.jpg", "big": folder / "big.png",
            "broken": broken, "bad_yaml": bad_yaml, "missing": folder / "nowhere"}


@pytest.fixture(scope="module")
def cases(shared_db: str) -> dict[str, int]:
    """A reported case and a dispatched one to act on."""
    def new() -> int:
        res = run(shared_db, "case", "new", "--category", "06010", "--desc", "垃圾", "--grid", GRID,
                  "--json", user="caiji01")
        assert res.code == 0, res.err
        return int(json.loads(res.out)["id"])

    reported = new()
    dispatched = new()
    for action in ("accept", "file", "dispatch"):
        assert run(shared_db, "case", action, str(dispatched)).code == 0
    return {"reported": reported, "dispatched": dispatched}


LONG = "长" * 100_000

BAD: list[tuple[str, list[str], int, str]] = [
    # case new
    ("unknown category", ["case", "new", "--category", "99999", "--desc", "x", "--grid", GRID], 2, "类别"),
    ("sql in category", ["case", "new", "--category", SQL, "--desc", "x", "--grid", GRID], 2, "类别"),
    ("outside county", ["case", "new", "--category", "06010", "--desc", "x", "--lon", "120.15", "--lat", "30.28"], 2, "网格"),
    ("lon out of range", ["case", "new", "--category", "06010", "--desc", "x", "--lon", "500", "--lat", "29"], 2, "超出范围"),
    ("only lon", ["case", "new", "--category", "06010", "--desc", "x", "--lon", "118.4"], 2, "同时"),
    ("no location", ["case", "new", "--category", "06010", "--desc", "x"], 2, "网格"),
    ("unknown grid", ["case", "new", "--category", "06010", "--desc", "x", "--grid", "330824999999999"], 2, "网格"),
    ("sql in grid", ["case", "new", "--category", "06010", "--desc", "x", "--grid", SQL], 2, "网格"),
    ("empty description", ["case", "new", "--category", "06010", "--desc", "  ", "--grid", GRID], 2, "不能为空"),
    ("100 kB description", ["case", "new", "--category", "06010", "--desc", LONG, "--grid", GRID], 2, "过长"),
    ("non-image photo", ["case", "new", "--category", "06010", "--desc", "x", "--grid", GRID, "--photo", "{notimage}"], 2, "JPEG"),
    ("photo over 10 MB", ["case", "new", "--category", "06010", "--desc", "x", "--grid", GRID, "--photo", "{big}"], 2, "10 MB"),
    ("missing photo", ["case", "new", "--category", "06010", "--desc", "x", "--grid", GRID, "--photo", "{missing}"], 2, "找不到"),
    ("unknown source", ["case", "new", "--category", "06010", "--desc", "x", "--grid", GRID, "--source", "火星"], 2, "usage"),
    ("unknown user", ["case", "new", "--category", "06010", "--desc", "x", "--grid", GRID, "--as", "nobody"], 2, "用户"),
    ("sql user", ["case", "new", "--category", "06010", "--desc", "x", "--grid", GRID, "--as", SQL], 2, "用户"),
    ("bad reported-at", ["case", "new", "--category", "06010", "--desc", "x", "--grid", GRID, "--reported-at", "yesterday"], 2, "ISO"),
    ("future reported-at", ["case", "new", "--category", "06010", "--desc", "x", "--grid", GRID, "--reported-at", "2030-01-01T00:00:00+08:00"], 2, "晚于"),
    ("unknown component", ["case", "new", "--category", "03006", "--desc", "x", "--component", "123"], 2, "部件"),
    # case show / list
    ("show missing id", ["case", "show", "999999"], 2, "999999"),
    ("show sql id", ["case", "show", SQL], 2, "无效"),
    ("list bad state", ["case", "list", "--state", "不存在"], 2, "状态"),
    ("list bad light", ["case", "list", "--light", "purple"], 2, "灯色"),
    ("list bad unit", ["case", "list", "--unit", SQL], 2, "单位"),
    ("list zero limit", ["case", "list", "--limit", "0"], 2, "limit"),
    # workflow actions
    ("act on missing case", ["case", "accept", "999999"], 2, "999999"),
    ("act on sql id", ["case", "accept", SQL], 2, "无效"),
    ("wrong state", ["case", "close", "{reported}"], 3, "不能执行"),
    ("stale version", ["case", "accept", "{reported}", "--version", "99"], 3, "已被他人修改"),
    ("role not allowed", ["case", "accept", "{reported}", "--as", "paiqian1"], 3, "角色"),
    # a case outside a unit seat's scope answers as a missing one (test_scope_leaks.py)
    ("outside the unit's scope", ["case", "accept", "{reported}", "--as", "unit_zhzf"], 2, "不存在"),
    ("empty reason", ["case", "refuse", "{reported}", "--reason", " "], 2, "不能为空"),
    ("merge into itself", ["case", "merge", "{reported}", "--into", "{reported}"], 2, "自己"),
    ("merge into missing", ["case", "merge", "{reported}", "--into", "999999"], 2, "999999"),
    ("dispatch to unknown unit", ["case", "designate", "{dispatched}", "--unit", "NOPE", "--reason", "x"], 3, "不能执行"),
    ("subdispatch to non-child", ["case", "subdispatch", "{dispatched}", "--unit", "KH-GAJ"], 2, "下属"),
    ("negative extension", ["case", "request-extension", "{dispatched}", "--hours", "-1", "--reason", "x", "--as", "admin"], 2, "hours"),
    ("approve nothing", ["case", "approve", "{dispatched}", "--as", "zhibanzhang1"], 3, "没有待审批"),
    ("feedback photo not image", ["case", "feedback", "{dispatched}", "--notes", "ok", "--photo", "{notimage}"], 2, "JPEG"),
    ("unknown action", ["case", "explode", "1"], 2, "usage"),
    # route
    ("route unknown category", ["route", "--category", "99999"], 2, "类别"),
    ("route outside county", ["route", "--category", "06010", "--lon", "0", "--lat", "0"], 2, "网格"),
    ("route unknown component", ["route", "--category", "03006", "--component", SQL], 2, "部件"),
    # calendar
    ("naive instant", ["calendar", "between", "2026-01-01T08:00", "2026-01-02T08:00"], 2, "时区"),
    ("garbage instant", ["calendar", "add", "soon", "10"], 2, "ISO"),
    ("garbage minutes", ["calendar", "add", "2026-01-05T08:00+08:00", "ten"], 2, "整数"),
    ("out of calendar range", ["calendar", "add", "2200-01-01T08:00+08:00", "10"], 2, "2100"),
    # init / demo
    ("init missing folder", ["init", "--resources", "{missing}"], 2, "缺少"),
    ("init dangling unit", ["init", "--resources", "{broken}"], 2, "KH-NOPE"),
    ("init bad yaml", ["init", "--resources", "{bad_yaml}"], 2, "YAML"),
    ("demo zero days", ["demo", "--days", "0"], 2, "days"),
    ("bad --now", ["case", "list", "--now", "noon"], 2, "ISO"),
]


@pytest.mark.parametrize(("name", "argv", "code", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_and_changes_nothing(
    shared_db: str, cases: dict[str, int], files: dict[str, Path],
    name: str, argv: list[str], code: int, message: str,
) -> None:
    values = {**{k: str(v) for k, v in files.items()}, **{k: str(v) for k, v in cases.items()}}
    args = [a.format(**values) if "{" in a and "}" in a and a != SQL else a for a in argv]
    user = None if "--as" in args else "admin"
    before = fingerprint(shared_db)
    result = run(shared_db, *args, user=user)
    assert result.code == code, (result.out, result.err)
    assert message in result.err, result.err
    assert result.err.count("\n") == 1, "one line on stderr"
    assert fingerprint(shared_db) == before


def test_uninitialised_database_is_refused_and_not_created(tmp_path: Path) -> None:
    target = tmp_path / "never.sqlite3"
    result = run(f"sqlite:///{target}", "case", "list")
    assert result.code == 2 and "citydesk init" in result.err
    assert not target.exists()


def test_help_lists_the_commands() -> None:
    result = run("sqlite:///:memory:", "--help")
    assert result.code == 0
    for command in ("init", "demo", "case", "route", "calendar"):
        assert command in result.out


def test_global_options_work_before_the_subcommand(shared_db: str) -> None:
    made = run(shared_db, "--as", "caiji01", "--json", "case", "new", "--category", "06010",
               "--desc", "垃圾", "--grid", GRID, now="2026-03-02T10:30:00+08:00")
    assert made.code == 0, made.err
    shown = json.loads(run(shared_db, "case", "show", str(json.loads(made.out)["id"]), "--json").out)
    first = shown["timeline"][0]
    assert (first["actor"], first["role"]) == ("caiji01", "监督员")
    assert first["at"].startswith("2026-03-02T02:30")  # the pinned --now, in UTC


def test_unreachable_database_is_one_line_exit_2() -> None:
    result = run("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2", "case", "list")
    assert result.code == 2 and "数据库" in result.err
    assert result.err.count("\n") == 1
