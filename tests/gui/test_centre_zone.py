"""Every time the desk shows is the centre's (Asia/Shanghai), whatever the machine's zone.

The desk runs with TZ=UTC and TZ=America/New_York; the queue's 上报时间, the detail pane's
times, the timeline and the charts' hour buckets must equal what ``citydesk case show``
prints and what the wall shows.  The pane's text is read generically (every label), so the
test reads the same on a desk of any version.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from PySide6.QtWidgets import QLabel, QTableWidget

from console.cli.main import main as cli_main
from console.ui.models.case_table import CaseIdRole
from console.ui.ops import OpRunner
from console.ui.wall.window import WallWindow
from tests.gui.desk import NOW
from tests.gui.loop_case import SHANGHAI, run_loop

START = datetime(2026, 11, 25, 8, 5, tzinfo=SHANGHAI)  # 00:05 UTC, 19:05 the day before in New York
TIME = re.compile(r"(\d{2}-\d{2} \d{2}:\d{2})")


@pytest.fixture(params=["UTC", "America/New_York"])
def machine_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """The workstation's zone for one test (``TZ`` + ``time.tzset``), restored after."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    assert time.localtime(START.timestamp()).tm_hour != 8  # the machine really is elsewhere
    yield request.param
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def cli_show(url: str, case_id: int) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(["case", "show", str(case_id), "--db", url, "--now", NOW.isoformat()])
    assert code == 0, err.getvalue()
    return out.getvalue()


def pane_texts(widget) -> list[str]:
    """Every text of the detail pane (labels, and table cells if it has a table)."""
    texts = []
    for label in widget.findChildren(QLabel):
        text = re.sub(r"<[^>]+>", " ", label.text()).replace("&nbsp;", " ")
        texts.append(re.sub(r"\s+", " ", text))
    for table in widget.findChildren(QTableWidget):
        texts += [table.item(r, c).text() for r in range(table.rowCount())
                  for c in range(table.columnCount()) if table.item(r, c) is not None]
    return texts


def test_the_desk_shows_the_centres_times_on_any_machine(desk_factory, qtbot,
                                                         machine_zone) -> None:
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    story = run_loop(desk.app, START, until="request-check1")  # in 核查中: on the board
    waiting = run_loop(desk.app, START, until="request-verify")  # 核实中: in the intake queue
    w.controller.poll()
    w.reload()
    w.controller.load_live_stats()
    w.select_case(story.case_id)
    qtbot.waitUntil(lambda: w.detail.case_id == story.case_id, timeout=3000)
    qtbot.wait(50)

    # What Kaihua's clocks said at each step (the story's instants, in Asia/Shanghai).
    steps = [f"{t.astimezone(SHANGHAI):%m-%d %H:%M}" for t in story.times.values()]
    assert steps[0] == "11-25 08:05" and len(steps) == 12

    # The queue's 上报时间 column (the intake queue has it).
    model = w.intake.model
    row = model.row_of(waiting.case_id)
    assert row is not None
    column = next(i for i, c in enumerate(model.columns) if c.key == "reported")
    assert model.index(row, 0).data(CaseIdRole) == waiting.case_id
    assert model.index(row, column).data() == "11-25 08:05"

    # The detail pane: the reported time, the running stage's deadline, every step's time.
    texts = pane_texts(w.detail)
    assert "2026-11-25 08:05" in " ".join(texts)
    shown = [m.group(1) for t in texts for m in TIME.finditer(t)]
    for when in steps:
        assert when in shown, (when, shown)

    # The command line prints the same times, and the same deadline.
    cli = cli_show(desk.url, story.case_id)
    assert "上报时间：2026-11-25 08:05" in cli
    cli_steps = [m.group(1) for m in re.finditer(r"^  \d{4}-(\d{2}-\d{2} \d{2}:\d{2}) ", cli,
                                                 re.MULTILINE)]
    assert cli_steps == steps
    deadline = re.search(r"截止 (\d{4}-\d{2}-\d{2} \d{2}:\d{2})", cli)
    assert deadline is not None and deadline.group(1) in " ".join(texts)
    assert set(shown) <= set(steps) | {m.group(1) for m in TIME.finditer(cli)}, shown

    # The charts' hour buckets: today's reports per centre hour, as the wall counts them.
    with desk.app.uow_factory() as uow:
        day = datetime(2026, 11, 25, tzinfo=SHANGHAI)
        reports = uow.events.in_window(day, day + timedelta(days=1), ("report",))
    expected = Counter(e.occurred_at.astimezone(SHANGHAI).hour for e in reports)
    by_hour = [float(expected.get(h, 0)) for h in range(24)]
    assert by_hour[8] >= 2  # the two stories, reported at 08:05 in Kaihua
    assert w.charts.intake.values == by_hour
    assert w.live_charts.intake.values == by_hour
    wall = WallWindow(desk.app, OpRunner(synchronous=True), desk.clock, rotate_seconds=3600)
    qtbot.addWidget(wall)
    try:
        wall.start()
        assert wall.charts.intake.values == by_hour
        assert wall.time.text() == "15:30:00"  # NOW on the centre's clock
        assert wall.date.text().startswith("2026-11-25")
    finally:
        wall.stop()
        wall.close()
