"""Hypothesis drives the whole command line: no traceback, a documented exit code, and the
database unchanged after every failure (issue #13 part 8).

The command tree is read from the parser itself, so a command or an option added later is
fuzzed too.  Each example is one ``citydesk`` call, in-process, on a prepared SQLite copy (cases
in several states, a photo, a mapping, odd files): a leaf command, its positionals and a choice
of its options, each given a value from a pool of awkward ones — huge and superscript numbers,
0001 and 9999 dates, NaN, bytes a GBK terminal sends, names over 255 bytes, /proc, /dev/zero, a
FIFO, SQL.  The exit code must be 0, 2, 3, 4 or 5 (1 is an internal error, i.e. a defect), no
traceback may be printed, a refusal is one line, and a non-zero exit leaves every table as it
was.  The window commands (``wall``, no command), the endless ones (``worker``) and ``demo``
(seconds of simulation per call) are left out, and so is ``server`` (it serves until stopped;
tests/server checks its refusals); the channel commands poll once.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from console.cli.main import build_parser, main
from tests.cli.conftest import NOW, fingerprint, run

pytestmark = pytest.mark.slow

# ~0.1-0.3 s an example (a command and two fingerprints): 150 examples in about a minute.
# CITYDESK_FUZZ_EXAMPLES=2000 runs a longer search locally.
FUZZ = settings(max_examples=int(os.environ.get("CITYDESK_FUZZ_EXAMPLES", "80")), deadline=None,
                suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
DOCUMENTED = {0, 2, 3, 4, 5}
LEFT_OUT = {("wall",), ("worker",), ("demo",), ("server",)}  # server: serves until stopped
GRID = "330824001001001"
GBK = os.fsdecode("发现问题".encode("gbk"))
LONG_NAME = "n" * 300


@dataclass(frozen=True)
class Leaf:
    """One runnable command: its words and its arguments."""

    path: tuple[str, ...]
    positionals: tuple[argparse.Action, ...]
    options: tuple[argparse.Action, ...]


GLOBAL = {"help", "db", "json", "user", "desk", "now"}


def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Leaf]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield Leaf(path, tuple(a for a in parser._actions if not a.option_strings),
                   tuple(a for a in parser._actions if a.option_strings and a.dest not in GLOBAL))
        return
    for action in subs:
        seen: set[int] = set()
        for name, sub in action.choices.items():
            if id(sub) not in seen:  # an alias names the same parser again
                seen.add(id(sub))
                yield from leaves(sub, (*path, name))


LEAVES = [leaf for leaf in leaves(build_parser()) if leaf.path and leaf.path not in LEFT_OUT]


@pytest.fixture(scope="module")
def world(sqlite_init_template: Path, tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, str]:
    """A prepared SQLite copy with cases in several states, and files to name."""
    folder = tmp_path_factory.mktemp("fuzz")
    db = folder / "fuzz.sqlite3"
    shutil.copy(sqlite_init_template, db)
    url = f"sqlite:///{db}"
    ids = []
    for i in range(4):
        made = run(url, "case", "new", "--category", "06010", "--desc", f"垃圾{i}", "--grid", GRID,
                   "--json", user="caiji01")
        assert made.code == 0, made.err
        ids.append(str(json.loads(made.out)["id"]))
    for action in ("accept", "file", "dispatch"):
        assert run(url, "case", action, ids[1]).code == 0
    for action in ("accept", "file", "dispatch"):
        assert run(url, "case", action, ids[2]).code == 0
    assert run(url, "case", "start", ids[2], user="unit_zhzf").code == 0
    Image.new("RGB", (8, 8), "green").save(folder / "ok.png")
    (folder / "text.jpg").write_text("not an image")
    os.mkfifo(folder / "fifo.jpg")
    (folder / "data.csv").write_text("id,category\n1,06010\n", encoding="utf-8")
    (folder / "notice.txt").write_text("国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日放假。\n",
                                       encoding="utf-8")
    return {"url": url, "dir": str(folder), "ids": ",".join(ids)}


NASTY_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "²", "١٢", "-1", "0", "1" * 30, "nan", "inf", "1e999", GBK,
                     "'; DROP TABLE cases; --", "x" * 5000, "\x00", "a\nb", "\u202e",
                     "2026-02-30", "KH-NOPE", "06010", "暴露垃圾", "bllj", "0102"]),
)
NUMBERS = st.one_of(st.integers(-(10**30), 10**30).map(str),
                    st.sampled_from(["nan", "inf", "-inf", "1e308", "0", "-0", "²", "1.5", ""]))
INSTANTS = st.sampled_from(["0001-01-01T00:00:00+08:00", "0001-01-02T00:00:00+08:00",
                            "9999-12-31T23:59:59-05:00", "2026-03-02T10:00", "soon",
                            "1900-01-01T00:00:00+00:00", "2026-02-30T10:00:00+08:00", GBK])


def values(dest: str, world: dict[str, str]) -> tuple[list[str], st.SearchStrategy[str]]:
    """What an argument takes when used as meant, and awkward values for it."""
    here = world["dir"]
    ids = world["ids"].split(",")
    root = Path(__file__).resolve().parents[2]
    paths = st.sampled_from([
        f"{here}/ok.png", f"{here}/text.jpg", f"{here}/fifo.jpg", "/dev/zero", "/proc/x.csv",
        "/proc/self/x.csv", f"{here}/{LONG_NAME}.csv", f"{here}/nowhere/x.csv", here,
        f"{here}/{GBK}.csv", f"{here}/ok.png/x.csv", "", f"{here}/data.csv"])
    good_paths = {
        "photo": [f"{here}/ok.png"], "out": [f"{here}/out.csv", f"{here}/out.xlsx"],
        "file": [f"{here}/data.csv", f"{here}/notice.txt"],
        "mapping": [str(root / "resources" / "intake" / "import_mapping.example.yaml")],
        "resources": [str(root / "resources" / "kaihua")], "folder": [here], "config": [],
        "dir": [f"{here}/anchors"], "anchors": [f"{here}/anchors", here],
    }
    if dest in good_paths:
        return good_paths[dest], paths
    good: dict[str, list[str]] = {
        "case": ids, "into": ids, "id": ["1"], "ids": ["1", "2"], "version": ["1", "2", "3"],
        "limit": ["10"], "hours": ["2", "0.5"], "minutes": ["120", "-60", "0"], "lon": ["118.41"],
        "lat": ["29.14"], "page_size": ["100"], "timeout": ["2"], "interval": ["60"],
        "year": ["2027"], "lookback_days": ["7"], "days": ["1"], "seed": ["1"], "rotate": ["5"],
        "reported_at": ["2026-03-02T09:00:00+08:00"], "start": [NOW], "end": [
            "2026-03-03T10:00:00+08:00"], "now": [NOW],
        "grid": [GRID], "category": ["06010", "暴露垃圾", "bllj", "0102"],
        "unit": ["KH-ZHZF", "KH-QYBSC-001"], "collector": ["caiji01"],
        "username": ["newuser", "caiji02"], "name": ["新用户"], "grids": [GRID],
        "period": ["2026-03", "2026", "2026-Q1", "2026-03-01..2026-03-31"],
        "endpoint": ["http://127.0.0.1:9/open311/v2"], "url": ["http://127.0.0.1:9/feed"],
        "channel": ["hotline", "open311:test"], "code": ["A1"], "condition": ["1", "2"],
        "search": ["垃圾", "bllj"], "app_role": ["citydesk_app"],
    }
    bad: dict[str, st.SearchStrategy[str]] = {
        "case": st.sampled_from(["0", "-1", "²³", "9" * 30, "9" * 20, GBK, "", "2026030200001"]),
        "into": st.sampled_from(["9" * 30, "²", "0"]), "id": st.sampled_from(["0", "9" * 30, "²"]),
        "ids": st.sampled_from(["0", "9" * 30, "²", "-3"]),
        "reported_at": INSTANTS, "start": INSTANTS, "end": INSTANTS, "now": INSTANTS,
        "endpoint": st.sampled_from(["ftp://x", "not a url", "http://[::1", ""]),
        "url": st.sampled_from(["file:///etc/passwd", "x"]),
        "period": st.sampled_from(["0001", "9999-12", "2026-13", "2026-03-31..2026-03-01", GBK]),
    }
    numeric = {"version", "limit", "hours", "minutes", "lon", "lat", "page_size", "timeout",
               "interval", "year", "lookback_days", "days", "seed", "rotate"}
    return (good.get(dest, ["正常的文本", "处理完毕"]),
            bad.get(dest, NUMBERS if dest in numeric else NASTY_TEXT))


@st.composite
def invocations(draw: st.DrawFn, world: dict[str, str]) -> tuple[list[str], str]:
    def value(dest: str) -> str:
        good, bad = values(dest, world)
        if good and draw(st.integers(0, 3)) > 0:  # mostly meant, so the commands get far
            return draw(st.sampled_from(good))
        return draw(bad)

    leaf = draw(st.sampled_from(LEAVES))
    argv = list(leaf.path)
    for action in leaf.options:
        wanted = draw(st.floats(0, 1)) < (0.95 if action.required else 0.3)
        if not wanted:
            continue
        flag = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:
            argv.append(flag)
            continue
        if action.choices is not None and draw(st.integers(0, 3)) > 0:
            text = str(draw(st.sampled_from(list(action.choices))))
        else:
            text = value(action.dest)
        argv.append(f"{flag}={text}")  # "=": a value like "-1" is not taken for an option
    if leaf.path in {("intake", "open311"), ("intake", "feed")}:
        argv.append("--once")  # one round, never a loop
    if draw(st.booleans()):
        argv.append("--json")
    users = ["admin", "admin", "admin", "caiji01", "unit_zhzf", "zhibanzhang1", "shouli1",
             "nobody", GBK]
    argv += ["--as", draw(st.sampled_from(users))]
    argv += ["--now", NOW if draw(st.integers(0, 9)) else value("now")]
    positionals = []
    for action in leaf.positionals:
        count = {None: 1, "?": draw(st.integers(0, 1)), "+": draw(st.integers(1, 3))}.get(
            action.nargs, 1)
        positionals += [value(action.dest) for _ in range(count)]
    argv += ["--", *positionals] if positionals else []  # "-1" is a value, not an option
    stdin = draw(st.sampled_from(["secret-pw\n", "", GBK + "\n"]))
    return argv, stdin


def call(url: str, argv: list[str], stdin: str) -> tuple[int, str, str]:
    """``citydesk`` in-process; SystemExit (argparse) counts as its code."""
    out, err = io.StringIO(), io.StringIO()
    real_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    split = argv.index("--") if "--" in argv else len(argv)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([*argv[:split], "--db", url, *argv[split:]])
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        sys.stdin = real_stdin
    return code, out.getvalue(), err.getvalue()


def test_the_tree_is_fuzzed_whole() -> None:
    paths = {leaf.path for leaf in LEAVES}
    assert {("case", "new"), ("case", "merge"), ("import",), ("report",), ("init",),
            ("intake", "retry"), ("audit", "verify"), ("user", "add")} <= paths
    assert len(paths) > 40


@FUZZ
@given(data=st.data())
def test_any_command_line_exits_as_documented(world: dict[str, str], data: st.DataObject
                                              ) -> None:
    argv, stdin = data.draw(invocations(world))
    url = world["url"]
    before = fingerprint(url)
    code, out, err = call(url, argv, stdin)
    shown = f"citydesk {' '.join(argv)!r}\n→ {code}\n{err}"
    assert code in DOCUMENTED, shown
    assert "Traceback" not in err and "Traceback" not in out, shown
    if code in (2, 3):  # one line (a confirmation prompt may stand before it, unended)
        assert err.count("\n") == 1 and "citydesk" in err, shown
    if code != 0:
        assert fingerprint(url) == before, f"the database changed: {shown}"
