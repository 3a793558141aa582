"""The wall screen on a copy of the demo database: figures, rotation, red list, offline, looks.

Set CITYDESK_UPDATE_SCREENSHOTS=1 to write the 1920×1080 and 3840×2160 screenshots to
docs/screenshots/ (they are committed); otherwise they go to the test's temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton

from console.app import App
from console.domain.deadlines import Light, countdown
from console.services.uow import CaseFilter
from console.ui import i18n
from console.ui.ops import OpRunner
from console.ui.theme import apply_theme
from console.ui.wall import start as wall_start
from console.ui.wall.style import FILL_COLORS, MUTED, px, scale_for
from console.ui.wall.tables import WallRow, WallTableModel
from console.ui.wall.window import WallWindow
from tests.gui.desk import NOW

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class Wall:
    """An open wall and what it runs on."""

    window: WallWindow
    app: App
    now: list[datetime]


@pytest.fixture
def wall_factory(demo_template: Path, tmp_path: Path, qtbot) -> Iterator[Callable[..., Wall]]:
    """Open a wall on a fresh copy of the demo database, with a pinned clock, synchronously."""
    opened: list[Wall] = []

    def make(rotate_seconds: int = 20, size: tuple[int, int] = (1920, 1080),
             start: bool = True) -> Wall:
        path = tmp_path / f"wall{len(opened)}.sqlite3"
        shutil.copy(demo_template, path)
        now = [NOW]
        app = App.open(f"sqlite:///{path}", lambda: now[0])
        app.centre  # noqa: B018  (run_wall loads it on the worker before the window)
        window = WallWindow(app, OpRunner(synchronous=True), lambda: now[0],
                            rotate_seconds=rotate_seconds)
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        if start:
            window.start()
        wall = Wall(window, app, now)
        opened.append(wall)
        return wall

    yield make
    for wall in opened:
        wall.window.stop()
        wall.window.close()
        wall.app.close()


# --------------------------------------------------------------------------- independent counts


def log_counts(app: App, now: datetime) -> dict[str, object]:
    """What the tiles must show, counted here from the whole log, not through wall_data."""
    centre = app.centre
    today = centre.local(now).date()
    with app.uow_factory() as uow:
        events = uow.events.since(0, 10**7)
        cases = uow.cases.list(CaseFilter(open_only=True))
    local = [(e, centre.local(e.occurred_at)) for e in events]
    todays = Counter(e.type for e, t in local if t.date() == today)
    month = [e for e, t in local if e.type == "feedback" and e.on_time is not None
             and (t.year, t.month) == (today.year, today.month)]
    lights = {c.case_no: cd.light for c in cases
              if (cd := countdown(c, now, centre.calendar, centre.ref.config.yellow_at))}
    cells: dict[str, Counter[Light]] = {}
    for c in cases:  # every open case in a cell; those with a countdown by light
        if c.grid:
            cell = cells.setdefault(c.grid, Counter())
            if c.case_no in lights:
                cell[lights[c.case_no]] += 1
    hours = Counter(t.hour for e, t in local if t.date() == today and e.type == "report")
    return {
        "reported": todays["report"],
        "filed": todays["file"],
        "dispatched": todays["dispatch"] + todays["designate"],
        "closed": todays["close"],
        "overdue": sum(1 for lt in lights.values() if lt is Light.RED),
        "on_time": f"{100 * sum(bool(e.on_time) for e in month) / len(month):.1f}%",
        "red": {no for no, lt in lights.items() if lt is Light.RED},
        "lights": Counter(lights.values()),
        "hours": [float(hours[h]) for h in range(24)],
        "open": len(cases),
        "cells": cells,
        # 监督员在岗 n/m: the demo database keeps no phone fixes, so nobody is on duty
        "on_duty": f"0/{sum(1 for u in centre.ref.users.values() if u.active and u.role == '监督员')}",
    }


def test_kpis_equal_counts_from_the_event_log(wall_factory) -> None:
    wall = wall_factory()
    w = wall.window
    expected = log_counts(wall.app, NOW)
    shown = {key: tile.value.text() for key, tile in w.overview.tiles.items()}
    assert shown == {key: str(expected[key]) for key in shown}
    assert int(shown["reported"]) > 0 and int(shown["overdue"]) > 0  # the demo has both
    assert w.overview.open_total.text() == str(expected["open"])
    assert w.charts.intake.values == expected["hours"]
    assert w.charts.lights.values == [float(expected["lights"][lt]) for lt in Light]
    assert w.fresh.text() == "数据截至 15:30:00"
    assert w.time.text() == "15:30:00" and "星期三" in w.date.text()


def test_pages_rotate_on_the_timer(wall_factory, qtbot) -> None:
    w = wall_factory(rotate_seconds=7).window
    assert w.rotate_timer.isActive() and w.rotate_timer.interval() == 7000
    assert w.page == 0 and w.stack.currentWidget() is w.overview
    seen = []
    for _ in range(4):
        w.rotate_timer.timeout.emit()
        seen.append(w.stack.currentIndex())
    assert seen == [1, 2, 3, 0]
    w.rotate_timer.timeout.emit()
    assert w.page_title.text() == "单位排名与超时案件"
    assert w.pager.text().split() == ["○", "●", "○", "○"]
    # The lists page only while their page is on screen.
    assert w.board.red_list.timer.isActive()
    w.next_page()
    assert not w.board.red_list.timer.isActive()


def test_rotation_runs_by_itself(wall_factory, qtbot) -> None:
    w = wall_factory(rotate_seconds=1).window
    with qtbot.waitSignal(w.page_changed, timeout=3000) as blocker:
        pass
    assert blocker.args == [1]


def test_no_rotation_when_asked(wall_factory) -> None:
    w = wall_factory(rotate_seconds=0).window
    assert not w.rotate_timer.isActive()
    with pytest.raises(ValueError, match="rotate_seconds"):
        WallWindow(w.backend, w.ops, w.clock, rotate_seconds=-1)


def test_red_list_holds_exactly_the_red_cases(wall_factory) -> None:
    wall = wall_factory()
    w = wall.window
    expected = log_counts(wall.app, NOW)
    keys = w.board.red_model.keys()
    assert set(keys) == expected["red"] and len(keys) == len(expected["red"])
    minutes = [r.overdue_minutes for r in w.data.red_list]
    assert minutes == sorted(minutes, reverse=True)  # most overdue first
    assert w.board.red_title.text() == f"超时案件 {len(keys)} 件"
    assert w.board.red_list.isVisibleTo(w.board) and not w.board.red_empty.isVisibleTo(w.board)
    # The maps draw one marker per cell with open cases (never one per case), each in the
    # colour of the worst light among the cell's cases.
    cells = expected["cells"]
    assert 0 < len(cells) < expected["open"]
    worst_first = (Light.RED, Light.YELLOW, Light.GREEN)
    for area_map in w.overview.maps:
        view = area_map.map
        assert sorted(view.marker_keys()) == sorted(f"cell:{g}" for g in cells)
        for grid, lights in cells.items():
            worst = next((FILL_COLORS[lt] for lt in worst_first if lights[lt]), MUTED)
            item = view._markers.item(f"cell:{grid}")
            assert item is not None and item.brush().color().name() == worst
    assert [m.area for m in w.overview.maps] == ["芹阳办事处", "华埠镇"]  # busiest first


def test_red_list_pages_through_a_long_list(wall_factory, qtbot) -> None:
    wall = wall_factory()
    w = wall.window
    wall.now[0] = NOW + timedelta(days=1)  # a day later most of the queue is overdue
    w.refresh()
    w.show_page(1)
    qtbot.wait(50)  # the page's layout: how many rows fit is known once it is on screen
    table = w.board.red_list
    per_page = table.rows_per_page
    assert len(w.data.red_list) > per_page > 3
    assert table.pages == -(-len(w.data.red_list) // per_page)
    assert (table.page, table.first_visible_row()) == (0, 0)
    assert w.board.red_pager.text() == f"1 / {table.pages}"
    table.timer.timeout.emit()
    assert (table.page, table.first_visible_row()) == (1, per_page)
    assert w.board.red_pager.text() == f"2 / {table.pages}"
    for _ in range(table.pages - 2):
        table.next_page()
    last = table.visible_rows()  # the last page holds what is left, nothing repeated
    assert last == list(range((table.pages - 1) * per_page, len(w.data.red_list)))
    table.next_page()
    assert (table.page, table.first_visible_row()) == (0, 0)  # round again from the top
    assert table.visible_rows() == list(range(per_page))
    w.refresh()  # a refresh keeps the page on show
    table.next_page()
    w.refresh()
    assert table.page == 1


def test_offline_keeps_the_picture_and_recovers(wall_factory, monkeypatch) -> None:
    wall = wall_factory()
    w = wall.window
    picture = w.data
    tiles = {key: tile.value.text() for key, tile in w.overview.tiles.items()}
    assert not w.banner.isVisible()

    def unreachable():
        raise ConnectionError("could not connect to server: Connection refused")

    monkeypatch.setattr(wall.app, "uow_factory", unreachable)
    wall.now[0] = NOW + timedelta(minutes=7)
    w.refresh()
    assert not w.online
    assert w.banner.isVisible() and w.banner.kind == "danger"
    assert w.banner.text == "数据库无响应，数据截至 15:30"
    assert w.data is picture
    assert {key: tile.value.text() for key, tile in w.overview.tiles.items()} == tiles
    assert w.fresh.property("tone") == "red"
    w.refresh_timer.timeout.emit()  # still down: the banner stays, the picture too
    assert w.banner.isVisible() and w.data is picture

    monkeypatch.undo()  # the database answers again
    w.refresh_timer.timeout.emit()
    assert w.online and not w.banner.isVisible()
    assert w.data is not picture and w.data.as_of == NOW + timedelta(minutes=7)
    assert w.fresh.text() == "数据截至 15:37:00" and w.fresh.property("tone") == ""


def test_offline_from_the_start_and_silence_counts_too(wall_factory, monkeypatch) -> None:
    wall = wall_factory(start=False)
    w = wall.window

    def unreachable():
        raise ConnectionError("no route to host")

    monkeypatch.setattr(wall.app, "uow_factory", unreachable)
    w.start()
    assert w.banner.text == "数据库无响应，正在重试…"
    assert w.overview.tiles["reported"].value.text() == "—"
    monkeypatch.undo()
    w.refresh()
    assert w.online and not w.banner.isVisible()
    # A query that hangs never fails: no answer for too long raises the banner as well.
    w.stale_after_ms = 0
    w.clock_timer.timeout.emit()
    assert not w.online and w.banner.text == "数据库无响应，数据截至 15:30"


def test_read_only_nothing_to_press_and_nothing_written(wall_factory) -> None:
    wall = wall_factory()
    w = wall.window
    with wall.app.uow_factory() as uow:
        before = uow.events.count()
    for _ in range(3):
        w.refresh()
        w.next_page()
    with wall.app.uow_factory() as uow:
        assert uow.events.count() == before
    pressable = [b for b in w.findChildren(QAbstractButton) if b.isVisibleTo(w)]
    assert pressable == []


def test_fonts_scale_with_the_window_height(wall_factory, qtbot) -> None:
    assert (scale_for(1080), scale_for(2160), scale_for(1440)) == (1.0, 2.0, 1.33)
    w = wall_factory().window
    base = w.overview.tiles["reported"].value.font().pixelSize()
    table = w.board.red_list.font().pixelSize()
    assert w.scale == 1.0 and base >= 100  # big numbers: readable across a hall
    w.resize(3840, 2160)
    qtbot.waitUntil(lambda: w.scale == 2.0)
    assert w.overview.tiles["reported"].value.font().pixelSize() == 2 * base
    assert w.board.red_list.font().pixelSize() == 2 * table


@pytest.mark.parametrize("height", [1080, 2160])
def test_a_figure_too_wide_for_its_tile_shrinks_to_fit(wall_factory, qtbot, height) -> None:
    w = wall_factory(size=(height * 16 // 9, height)).window
    qtbot.waitUntil(lambda: w.scale == scale_for(height))
    tile = w.overview.tiles["on_time"]
    normal = px("tile-value", w.scale)
    tile.set_value("100.0%", "green")
    assert tile.value.fontMetrics().horizontalAdvance("100.0%") <= tile.value.width()
    assert tile.value.font().pixelSize() < normal
    widths = [t.width() for t in w.overview.tiles.values()]
    assert max(widths) - min(widths) <= 1  # the row stays even
    tile.set_value("9")
    assert tile.value.font().pixelSize() == normal  # back to the sheet's size


def test_table_model(qtmodeltester) -> None:
    model = WallTableModel(["a", "b"], right_aligned=(1,))
    model.set_rows([WallRow("k1", ("x", "1"), (None, "#ff0000")), WallRow("k2", ("y", "2"))])
    qtmodeltester.check(model)
    assert model.keys() == ["k1", "k2"]
    assert model.index(0, 1).data(1) is None  # DecorationRole: nothing


# --------------------------------------------------------------------------- screenshots


def _distinct_colours(image: QImage) -> int:
    step = 37
    return len({image.pixel(x, y) for x in range(0, image.width(), step)
                for y in range(0, image.height(), step)})


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_wall_screenshot(wall_factory, themed_app, qtbot, tmp_path, width, height) -> None:
    apply_theme(themed_app, "dark", wall_start.wall_density(height))
    w = wall_factory(size=(width, height)).window
    qtbot.waitUntil(lambda: w.scale == scale_for(height))
    qtbot.wait(300)  # layout, the maps' first fit
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for page in range(len(w.pages)):
        w.show_page(page)
        qtbot.wait(100)
        image = w.grab().toImage()
        assert (image.width(), image.height()) == (width, height)
        assert _distinct_colours(image) > 12  # not a blank or single-colour window
        # The overview is the committed picture; the other pages stay with the test.
        name = f"wall_{height}.png" if page == 0 else f"wall_{height}_page{page + 1}.png"
        assert image.save(str((folder if page == 0 else tmp_path) / name))


def test_wall_in_english_has_every_string(wall_factory, tmp_path, monkeypatch) -> None:
    i18n.set_language("en")
    wall = wall_factory()
    w = wall.window
    for page in range(len(w.pages)):
        w.show_page(page)

    def unreachable():
        raise ConnectionError("down")

    monkeypatch.setattr(wall.app, "uow_factory", unreachable)
    w.refresh()  # the banner's strings too
    assert w.banner.text == "The database is not answering: data as of 15:30"
    assert not i18n.missing(), sorted(i18n.missing())
    assert w.overview.tiles["overdue"].caption.text() == "Overdue now"
    assert w.grab().toImage().save(str(tmp_path / "wall_en.png"))


# --------------------------------------------------------------------------- start and CLI


def test_run_wall_opens_and_reads_on_the_worker(demo_template, tmp_path, themed_app, qtbot,
                                                monkeypatch) -> None:
    path = tmp_path / "run.sqlite3"
    shutil.copy(demo_template, path)
    app = App.open(f"sqlite:///{path}", lambda: NOW)
    made: list[WallWindow] = []

    class Recorded(WallWindow):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)
            qtbot.addWidget(self)

    def event_loop() -> int:
        # Stands in for exec(): a real exec/quit would end the loops of later tests too.
        qtbot.waitUntil(lambda: bool(made) and made[0].data is not None, timeout=10000)
        return 0

    monkeypatch.setattr(wall_start, "WallWindow", Recorded)
    monkeypatch.setattr(themed_app, "exec", event_loop)
    try:
        code = wall_start.run_wall(app, lang="zh", theme="dark", rotate_seconds=5,
                                   clock=lambda: NOW, fullscreen=False)
    finally:
        app.close()
    assert code == 0
    (window,) = made
    assert window.data is not None and window.data.reported_today > 0  # read on the worker
    assert window.isVisible() and not window.isFullScreen() and window.width() == 1920
    assert window.rotate_timer.interval() == 5000
    assert not window.rotate_timer.isActive()  # stopped when the loop ended
    assert wall_start.wall_density(1080) == 1 and wall_start.wall_density(2160) == 3


def _parse(argv: list[str]) -> argparse.Namespace:
    from console.cli.common import GLOBAL_DEFAULTS, Parser
    from console.cli.common import common_options as _common
    from console.cli.wall import add_commands

    parser = Parser(prog="citydesk", parents=[_common(defaults=True)])
    parser.add_argument("--lang", choices=["zh", "en"])
    parser.add_argument("--theme", choices=["dark", "light"])
    add_commands(parser.add_subparsers(dest="cmd", parser_class=Parser), _common(defaults=False))
    args = parser.parse_args(argv)
    for name, value in GLOBAL_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    args.clock = lambda: NOW
    return args


def test_cli_wall_runs_the_wall_with_its_options(demo_template, tmp_path, monkeypatch) -> None:
    path = tmp_path / "cli.sqlite3"
    shutil.copy(demo_template, path)
    calls = []
    monkeypatch.setattr(wall_start, "run_wall",
                        lambda backend, **kw: calls.append((backend.centre.ref.config.name, kw))
                        or 0)
    args = _parse(["--lang", "en", "wall", "--db", f"sqlite:///{path}", "--rotate", "30",
                   "--windowed"])
    assert args.handler(args) == 0
    (name, kw), = calls
    assert name and kw["rotate_seconds"] == 30 and kw["fullscreen"] is False
    assert kw["lang"] == "en" and kw["theme"] is None
    args = _parse(["wall", "--db", f"sqlite:///{path}", "--theme", "light"])
    assert args.rotate == 20 and not args.windowed and args.theme == "light"


def test_cli_wall_refuses_bad_input(tmp_path, monkeypatch) -> None:
    from console.domain.errors import ValidationError

    monkeypatch.setattr(wall_start, "run_wall", lambda *a, **kw: pytest.fail("must not run"))
    missing = _parse(["wall", "--db", f"sqlite:///{tmp_path / 'none.sqlite3'}"])
    with pytest.raises(ValidationError, match="citydesk init"):
        missing.handler(missing)
    assert not (tmp_path / "none.sqlite3").exists()
    bad = _parse(["wall", "--db", f"sqlite:///{tmp_path / 'x.sqlite3'}", "--rotate", "-5"])
    with pytest.raises(ValidationError, match="rotate"):
        bad.handler(bad)
