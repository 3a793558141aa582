"""``citydesk eval`` and ``citydesk report`` through a real server (issue #14).

The module's server (tests/server/conftest.py's, PostgreSQL) runs on a database holding three
days of simulated operations that ended before today, so a period over them is over for the
server's clock and the embedded path's alike (no "as of" instant differs).  Each check runs the
CLI through the saved session and then the embedded path (``--db`` and ``--as``, the same user)
on the same database: the output must be the same, and a unit seat's must hold its own unit only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from console.app import App
from console.domain.calendar import statutory_days
from console.reference_files import load_centre_files
from console.services.accounts import DEMO_PASSWORD
from console.services.demo import DemoSettings, run_demo
from console.services.setup import init_reference
from db.engine import make_engine
from db.schema import upgrade
from db.uow import make_uow_factory
from tests.pg import fresh_pg_database
from tests.server import test_cli_remote
from tests.server.conftest import Server, counts, start_server, stop_server
from tests.server.test_cli_remote import login, one_line

pytestmark = pytest.mark.postgres

#: The CLI against the module's server, as test_cli_remote runs it (a fixture, used by name).
cli = test_cli_remote.cli

ZONE = ZoneInfo("Asia/Shanghai")
#: The simulation ends five days before today: every period below is over.
END = datetime.combine(datetime.now(ZONE).date() - timedelta(days=5), time(15, 30), ZONE)
#: The simulated days before their last one (whole local days, all in the past).
PERIOD = f"{(END.date() - timedelta(days=3)).isoformat()}..{(END.date() - timedelta(days=1))}"
UNIT_USER = "unit_zhzf"


@pytest.fixture(scope="module")
def pg_db(pg_admin: Engine) -> Iterator[str]:
    """A fresh database with three simulated days (every demo seat has the demo password)."""
    with fresh_pg_database(pg_admin) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            years = sorted({END.year - 1, END.year, END.year + 1})
            init_reference(make_uow_factory(engine)(), load_centre_files(),
                           statutory_days(years))
        finally:
            engine.dispose()
        app = App.open(url, lambda: END)
        try:
            run_demo(app.uow_factory, app.centre, END, DemoSettings(days=3, seed=7))
        finally:
            app.close()
        yield url


@pytest.fixture(scope="module")
def server_anchors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's own anchor folder (the CLI's, a test's own, stays empty)."""
    return tmp_path_factory.mktemp("server-anchors")


@pytest.fixture(scope="module")
def server(pg_db: str, server_anchors: Path) -> Iterator[Server]:
    """The module's server, reading its anchors from :func:`server_anchors`."""
    with pytest.MonkeyPatch.context() as env:  # the subprocess inherits the environment
        env.setenv("CITYDESK_ANCHOR_DIR", str(server_anchors))
        srv = start_server(pg_db)
    try:
        yield srv
    finally:
        stop_server(srv.process)


def embedded(cli: Any, server: Server, user: str, *argv: str) -> tuple[int, str, str]:
    """``argv`` on the server's database itself, as ``user`` (no server in between)."""
    saved = os.environ.pop("CITYDESK_SERVER")
    try:
        return cli(*argv, "--db", server.db_url, "--as", user)
    finally:
        os.environ["CITYDESK_SERVER"] = saved


def unit_of(db: Engine, user: str) -> str:
    with db.connect() as conn:
        return str(conn.execute(text("SELECT unit FROM users WHERE username = :u"),
                                {"u": user}).scalar_one())


def xlsx_case_numbers(path: Path) -> list[str]:
    """The case numbers of the report's 案件清单 sheet (its first column, under the header)."""
    book = load_workbook(path, read_only=True)
    try:
        sheet = next(ws for ws in book.worksheets if ws.title.startswith("案件清单"))
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    header = next(i for i, row in enumerate(rows) if row and row[0] == "案件编号")
    return [str(row[0]) for row in rows[header + 1:]
            if row and row[0] and str(row[0]).isdigit()]


def test_eval_json_is_the_embedded_one_for_the_same_user(cli: Any, server: Server) -> None:
    assert login(cli, "zhibanzhang1", DEMO_PASSWORD)[0] == 0
    for argv in (["--object", "unit", "--compare"], ["--object", "area"],
                 ["--object", "area", "--area-level", "street"], ["--object", "dispatcher"]):
        code, out, err = cli("eval", "--period", PERIOD, "--json", *argv)
        assert code == 0, err
        remote = json.loads(out)
        code, out, err = embedded(cli, server, "zhibanzhang1", "eval", "--period", PERIOD,
                                  "--json", *argv)
        assert code == 0, err
        assert remote == json.loads(out), argv
        assert remote["rows"] and "as_of" not in remote  # a period over, with something in it
    # The text table too.
    code, remote_text, _ = cli("eval", "--period", PERIOD, "--object", "unit")
    assert code == 0
    code, out, _ = embedded(cli, server, "zhibanzhang1", "eval", "--period", PERIOD,
                            "--object", "unit")
    assert out == remote_text and "专业部门绩效评价" in out


def test_a_unit_seat_gets_its_own_row_only(cli: Any, server: Server, db: Engine) -> None:
    unit = unit_of(db, UNIT_USER)
    assert login(cli, UNIT_USER, DEMO_PASSWORD)[0] == 0
    code, out, err = cli("eval", "--period", PERIOD, "--object", "unit", "--json")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert [r["unit"] for r in rows] == [unit]
    code, embedded_out, _ = embedded(cli, server, UNIT_USER, "eval", "--period", PERIOD,
                                     "--object", "unit", "--json")
    assert json.loads(out) == json.loads(embedded_out)
    code, out, _ = cli("eval", "--period", PERIOD, "--object", "dispatcher", "--json")
    assert code == 0 and json.loads(out)["rows"] == []  # no one else's figures


def test_a_unit_seats_report_holds_its_own_units_cases(cli: Any, server: Server, db: Engine,
                                                       tmp_path: Path,
                                                       server_anchors: Path) -> None:
    unit = unit_of(db, UNIT_USER)
    saved = os.environ.pop("CITYDESK_SERVER")
    try:  # the centre's daily anchor, in the server's folder, which the report prints
        code, _, err = cli("audit", "anchor", "--db", server.db_url, "--dir",
                           str(server_anchors))
        assert code == 0, err
    finally:
        os.environ["CITYDESK_SERVER"] = saved
    assert login(cli, UNIT_USER, DEMO_PASSWORD)[0] == 0
    code, out, err = cli("report", "--period", PERIOD, "--out", str(tmp_path / "r.xlsx"),
                         "--json")
    assert code == 0, err
    remote = json.loads(out)
    # The server's latest anchor line came with the period's data (this machine has none).
    assert remote["anchor"] and str(server_anchors) not in remote["anchor"]
    numbers = xlsx_case_numbers(tmp_path / "r.xlsx")
    assert numbers and remote["tables"]["案件清单"] == len(numbers)
    with db.connect() as conn:
        mine = {str(n) for (n,) in conn.execute(text(
            "SELECT case_no FROM cases WHERE unit = :u OR parent_unit = :u"), {"u": unit})}
        every = {str(n) for (n,) in conn.execute(text("SELECT case_no FROM cases"))}
    assert set(numbers) <= mine and len(every) > len(mine)
    # The embedded path as the same seat writes the same cases and says the same.
    code, out, err = embedded(cli, server, UNIT_USER, "report", "--period", PERIOD,
                              "--out", str(tmp_path / "e.xlsx"), "--json")
    assert code == 0, err
    local = json.loads(out)
    assert xlsx_case_numbers(tmp_path / "e.xlsx") == numbers
    assert local["anchor"] is None  # the embedded command reads this machine's folder
    # The same report but for the line the server's anchor adds to the 说明 table.
    assert remote["tables"].pop("说明") == local["tables"].pop("说明") + 1
    remote["totals"].pop("说明")
    local["totals"].pop("说明")
    assert {**remote, "path": None, "anchor": None} == {**local, "path": None}
    # A seat that sees every case gets more of them.
    assert login(cli, "zhibanzhang1", DEMO_PASSWORD)[0] == 0
    code, out, err = cli("report", "--period", PERIOD, "--out", str(tmp_path / "all.csv"),
                         "--json")
    assert code == 0, err
    assert json.loads(out)["tables"]["案件清单"] > len(numbers)


def test_pdf_and_text_output_through_the_server(cli: Any, tmp_path: Path) -> None:
    assert login(cli, "zhibanzhang1", DEMO_PASSWORD)[0] == 0
    code, out, err = cli("report", "--period", PERIOD, "--out", str(tmp_path / "r.pdf"))
    assert code == 0, err
    assert out.startswith(f"已写出 {tmp_path / 'r.pdf'}")
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"


def test_bad_input_is_one_line_before_anything_is_sent(cli: Any, server: Server, db: Engine,
                                                       tmp_path: Path) -> None:
    # No session yet: the period is refused before the session is even read.
    for argv in (["eval", "--period", "2026-13", "--object", "unit"],
                 ["report", "--period", "2026-13", "--out", str(tmp_path / "r.xlsx")],
                 ["report", "--period", "2026-11", "--out", str(tmp_path / "r.doc")],
                 ["report", "--period", "2026-11", "--out", str(tmp_path / "no" / "r.csv")],
                 ["eval", "--period", "2026-11", "--object", "unit", "--area-level", "grid"]):
        code, out, err = cli(*argv)
        assert code == 2 and out == "", argv
        one_line(err)
    assert login(cli, "zhibanzhang1", DEMO_PASSWORD)[0] == 0
    before = counts(db)
    code, _, err = cli("eval", "--period", "2026-13", "--object", "unit")
    assert code == 2 and "13" in one_line(err)
    config = tmp_path / "evaluation.yaml"
    config.write_text("{}\n", encoding="utf-8")
    code, _, err = cli("eval", "--period", PERIOD, "--object", "unit", "--config", str(config))
    assert code == 2 and "--config" in one_line(err)
    code, _, err = cli("eval", "--period", PERIOD, "--object", "unit", "--as", UNIT_USER)
    assert code == 2 and "--as" in one_line(err)
    assert not list(tmp_path.glob("r.*"))
    assert counts(db) == before
